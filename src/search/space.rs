//! The exact instance space of the search: a [`Space`] (which populations,
//! which part of the (n, α) plane), a [`Draw`] (one small integer per
//! parameter) and its map onto exact grids, the threshold n_η that n is
//! drawn around, and the seeded draws.
//!
//! Apart from the search proper because the proptest strategies of
//! tests/proof draw the same fields from the same ranges: this file is the
//! whole hypothesis space both of them cover.

use std::ops::RangeInclusive;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rug::ops::Pow;
use rug::{Integer, Rational};

use crate::equilibrium::Params;
use crate::lemmas::{hypotheses as h, Lemma};
use crate::numeric::Context;
use crate::population::{AgentType, Alpha, Cell, Instance, OutcomeSet, Population, Start};

/// The most issues of a finite population, and of a density (whose
/// quadrature in m ≥ 3 issues costs thousands of nodes per cell).
pub const MAX_ISSUES: usize = 8;
pub const MAX_DENSITY_ISSUES: usize = 2;

/// The most types of a finite population.
pub const MAX_TYPES: usize = 8;

/// Coordinates and weights lie on sixteenths of their ranges.
pub const GRID: u32 = 16;

/// The decades of n above and below the instance's threshold n_η.
pub const N_DECADES: RangeInclusive<i32> = -6..=8;

/// Past this many decades, η is taken never to reach 1.
pub(super) const MAX_N_DECADES: u32 = 400;

pub(super) fn q(num: i64, den: i64) -> Rational {
    Rational::from((num, den))
}

pub(super) fn ten_to(e: i32) -> Rational {
    let p = Rational::from(Integer::from(10).pow(e.unsigned_abs()));
    if e >= 0 {
        p
    } else {
        p.recip()
    }
}

fn two_to(e: i32) -> Rational {
    if e >= 0 {
        Rational::from(1) << e.unsigned_abs()
    } else {
        Rational::from(1) >> e.unsigned_abs()
    }
}

/// Which populations a space holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Populations {
    Finite,
    Density,
    Both,
}

/// Which part of the (n, α) plane a space covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime {
    /// n from 1 upward; α anywhere in Lemma 5.1's range: constant, growing
    /// as √n up to the range's top, or decaying as n^(−s/16), s = 0..=20.
    Anywhere,
    /// n from 1 upward; α decaying faster than n^(−1/4), under which the
    /// clamp radius shrinks and most agents are normal (i ∈ N̂).
    NormalAgents,
    /// As `NormalAgents`, with n at or above the threshold n_η: η ≥ 1.
    EtaAtLeastOne,
}

/// A region of the hypothesis space that draws fall in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Space {
    pub populations: Populations,
    pub regime: Regime,
}

impl Space {
    /// Returns the whole space: every population, every regime.
    pub fn everything() -> Space {
        Space { populations: Populations::Both, regime: Regime::Anywhere }
    }

    /// Returns the space on which a lemma's hypotheses hold by construction
    /// (a density, η ≥ 1) or usually (normal agents with most of the mass).
    pub fn of(lemma: &Lemma) -> Space {
        let needs = |name: &str| lemma.hypotheses.contains(&name);
        let populations =
            if needs(h::HAS_DENSITY) { Populations::Density } else { Populations::Both };
        let regime = if needs(h::ETA_POSITIVE) || needs(h::ETA_AT_LEAST_ONE) {
            Regime::EtaAtLeastOne
        } else if [h::SOME_NORMAL_AGENT, h::NORMAL_MASS_HALF, h::NORMAL_AGENTS_TIGHT]
            .iter()
            .any(|name| needs(name))
        {
            Regime::NormalAgents
        } else {
            Regime::Anywhere
        };
        Space { populations, regime }
    }

    /// Returns the range of m for a finite population or a density.
    pub fn issues(density: bool) -> RangeInclusive<usize> {
        if density {
            1..=MAX_DENSITY_ISSUES
        } else {
            1..=MAX_ISSUES
        }
    }

    /// Returns the range of the number of cells of a density. Two cells
    /// may overlap (p_max adds their densities); with three in one issue,
    /// the fixed point at n above 10^20 takes hundreds of steps on a
    /// thousand nodes, up to minutes per instance.
    pub fn cells() -> RangeInclusive<usize> {
        1..=2
    }

    /// Returns the decades of n relative to the threshold n_η.
    pub fn n_decades(&self) -> RangeInclusive<i32> {
        match self.regime {
            Regime::EtaAtLeastOne => 0..=*N_DECADES.end(),
            _ => N_DECADES,
        }
    }

    /// Returns the range of s in a schedule α ∝ n^(−s/16).
    pub fn schedule_sixteenths(&self) -> RangeInclusive<u32> {
        match self.regime {
            Regime::Anywhere => 0..=20,
            // −5/16 < −1/4: the clamp radius ∝ α n^(1/4) shrinks as n grows.
            _ => 5..=20,
        }
    }

    /// Returns true when α may be constant or grow like √n.
    pub fn any_alpha(&self) -> bool {
        self.regime == Regime::Anywhere
    }
}

/// One draw: a small integer per parameter of an instance.
///
/// [`Draw::instance`] maps every field onto an exact grid, valid by
/// construction: ideal points and cells inside χ, weights inside the weight
/// box, α inside Lemma 5.1's range, γ in (0, 1], n ≥ 1. The lower end of
/// every range is the simplest value, which is where proptest shrinks to.
#[derive(Clone, Debug, PartialEq)]
pub struct Draw {
    /// The number of issues m.
    pub m: usize,
    /// χ is the ball of radius 2^chi_scale around 0, else the box [0, 2^chi_scale]^m.
    pub ball: bool,
    /// In −2..=2.
    pub chi_scale: i32,
    /// w_min = w_mantissa · 10^w_decade, w_mantissa in 1..=9, w_decade in −3..=3.
    pub w_mantissa: u32,
    pub w_decade: i32,
    /// w_max / w_min in sixteenths, 16..=272 (a spread from 1 to 17).
    pub spread: u32,
    pub population: PopulationDraw,
    pub alpha: AlphaDraw,
    pub gamma: GammaDraw,
    /// n = n_η · 10^n_decades, and at least 1.
    pub n_decades: i32,
}

/// The types of a finite population or the cells of a density.
#[derive(Clone, Debug, PartialEq)]
pub enum PopulationDraw {
    Finite(Vec<TypeDraw>),
    Density(Vec<CellDraw>),
}

/// One type: grid indices of its ideal point and weights, and its mass.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDraw {
    /// Per issue, 0..=16 across χ's inscribed cube.
    pub y: Vec<u32>,
    /// For a ball: Some(k) puts the type on the sphere instead, at ± the
    /// radius on axis k / 2 (+ for even k), k in 0..2m.
    pub rim: Option<usize>,
    /// Per issue, 0..=16 across [w_min, w_max].
    pub w: Vec<u32>,
    /// In 1..=8; masses are normalised exactly.
    pub mass: u32,
}

/// One cell: two grid indices per axis (distinct after [`Draw::instance`]),
/// its weights and its mass.
#[derive(Clone, Debug, PartialEq)]
pub struct CellDraw {
    pub corners: Vec<(u32, u32)>,
    pub w: Vec<u32>,
    /// In 1..=4.
    pub mass: u32,
}

/// α as a coefficient k · 10^(⌊log10 W⌋ − 1 − decades) ≤ W, where
/// W = w_max² d_max² / w_min is the top of Lemma 5.1's range at n = 1;
/// k in 1..=10, decades in 0..=8.
#[derive(Clone, Debug, PartialEq)]
pub enum AlphaDraw {
    /// α = coefficient.
    Constant { k: u32, decades: u32 },
    /// α = coefficient · √n, reaching the range's top √n W at k = 10, decades = 0.
    RangeTop { k: u32, decades: u32 },
    /// α = coefficient · n^(−sixteenths/16).
    Schedule { k: u32, decades: u32, sixteenths: u32 },
}

/// γ = k/16 (k in 1..=16) or 10^(−e) (e in 1..=12).
#[derive(Clone, Debug, PartialEq)]
pub enum GammaDraw {
    Sixteenths(u32),
    PowerOfTen(u32),
}

impl Draw {
    /// Builds the exact instance of the draw.
    pub fn instance(&self, name: String) -> Instance {
        let m = self.m;
        let reach = two_to(self.chi_scale);
        let outcome_set = if self.ball {
            OutcomeSet::Ball { center: vec![q(0, 1); m], radius: reach.clone() }
        } else {
            OutcomeSet::Box { lo: vec![q(0, 1); m], hi: vec![reach.clone(); m] }
        };
        let w_min = ten_to(self.w_decade) * self.w_mantissa;
        let w_max = w_min.clone() * q(i64::from(self.spread), i64::from(GRID));
        let weight = |k: &u32| on_grid(&w_min, &w_max, *k);
        let coordinate = |k: u32| self.coordinate(&reach, k);
        let population = match &self.population {
            PopulationDraw::Finite(types) => Population::Finite(
                types
                    .iter()
                    .map(|t| AgentType {
                        y: match (self.ball, t.rim) {
                            (true, Some(k)) => rim_point(&reach, m, k),
                            _ => t.y.iter().map(|k| coordinate(*k)).collect(),
                        },
                        w: t.w.iter().map(weight).collect(),
                        mass: Rational::from(t.mass),
                    })
                    .collect(),
            ),
            PopulationDraw::Density(cells) => Population::Density(
                cells
                    .iter()
                    .map(|c| {
                        let (lo, hi): (Vec<u32>, Vec<u32>) =
                            c.corners.iter().map(|&(a, b)| distinct(a, b)).unzip();
                        Cell {
                            lo: lo.into_iter().map(coordinate).collect(),
                            hi: hi.into_iter().map(coordinate).collect(),
                            w: c.w.iter().map(weight).collect(),
                            mass: Rational::from(c.mass),
                        }
                    })
                    .collect(),
            ),
        };
        let top = w_max.clone().square() * outcome_set.d_max_squared() / &w_min;
        let alpha = self.alpha.alpha(&top);
        let gamma = match self.gamma {
            GammaDraw::Sixteenths(k) => q(i64::from(k), i64::from(GRID)),
            GammaDraw::PowerOfTen(e) => ten_to(-(e as i32)),
        };
        let mut instance = Instance {
            name,
            n: q(1, 1),
            alpha,
            gamma,
            w_min,
            w_max,
            outcome_set,
            population,
            epsilon: None,
            start: Start::LowerCorner,
        };
        // Every α a draw makes lets η reach 1; were it not so, n_η is taken as 1.
        let threshold = smallest_n_with_eta_at_least_one(&instance).unwrap_or(q(1, 1));
        instance.n = (threshold * ten_to(self.n_decades)).max(q(1, 1));
        instance
    }

    /// Maps a grid index to a coordinate: sixteenths of the box, or of the
    /// ball's inscribed cube [−r/⌈√m⌉, r/⌈√m⌉] (whose corners lie in the ball).
    fn coordinate(&self, reach: &Rational, k: u32) -> Rational {
        if self.ball {
            let root = (1..).find(|s: &i64| s * s >= self.m as i64).expect("m ≥ 1");
            let half = i64::from(GRID / 2);
            reach.clone() * q(i64::from(k) - half, half * root)
        } else {
            reach.clone() * q(i64::from(k), i64::from(GRID))
        }
    }
}

impl AlphaDraw {
    /// Returns α for the top W of Lemma 5.1's range at n = 1.
    fn alpha(&self, top: &Rational) -> Alpha {
        let (k, decades) = match *self {
            AlphaDraw::Constant { k, decades }
            | AlphaDraw::RangeTop { k, decades }
            | AlphaDraw::Schedule { k, decades, .. } => (k, decades),
        };
        let coefficient = ten_to(floor_log10(top) - 1 - decades as i32) * k;
        match *self {
            AlphaDraw::Constant { .. } => Alpha::Exact(coefficient),
            AlphaDraw::RangeTop { .. } => Alpha::PowerOfN { coefficient, exponent: q(1, 2) },
            AlphaDraw::Schedule { sixteenths, .. } => Alpha::PowerOfN {
                coefficient,
                exponent: q(-i64::from(sixteenths), i64::from(GRID)),
            },
        }
    }
}

/// Returns ⌊log10 v⌋ for a positive rational, exactly.
fn floor_log10(v: &Rational) -> i32 {
    let mut e = 0;
    while ten_to(e) > *v {
        e -= 1;
    }
    while ten_to(e + 1) <= *v {
        e += 1;
    }
    e
}

fn on_grid(lo: &Rational, hi: &Rational, k: u32) -> Rational {
    let step = Rational::from(hi - lo) / GRID;
    lo.clone() + step * k.min(GRID)
}

fn distinct(a: u32, b: u32) -> (u32, u32) {
    let (a, b) = (a.min(GRID), b.min(GRID));
    match a.cmp(&b) {
        std::cmp::Ordering::Less => (a, b),
        std::cmp::Ordering::Greater => (b, a),
        std::cmp::Ordering::Equal if a < GRID => (a, a + 1),
        std::cmp::Ordering::Equal => (a - 1, a),
    }
}

fn rim_point(radius: &Rational, m: usize, k: usize) -> Vec<Rational> {
    let mut y = vec![q(0, 1); m];
    let sign = if k.is_multiple_of(2) { 1 } else { -1 };
    y[(k / 2) % m] = radius.clone() * sign;
    y
}

/// Returns the smallest n with η ≥ 1 of the form k · 10^(d−2) (k < 100, an
/// integer for n < 100), or None when η stays below 1 up to n = 10^400.
///
/// η = (n^(3/2) α β w_min − 2 √γ m w_max) / (2 m w_max) is the paper's,
/// computed by [`Params::eta`] at 128 bits with α evaluated at each n; it
/// grows with n whenever n^(3/2) α does, which holds for every α a draw
/// makes (its exponent is at least −5/4). Only n is chosen here: no verdict
/// rests on this precision.
pub fn smallest_n_with_eta_at_least_one(instance: &Instance) -> Option<Rational> {
    let ctx = Context::new(128).expect("128 bits is a valid precision");
    let mut trial = instance.clone();
    let mut reaches = |n: Rational| {
        trial.n = n;
        Params::of(&ctx, &trial).eta() >= 1
    };
    if reaches(q(1, 1)) {
        return Some(q(1, 1));
    }

    // The first decade d with η(10^d) ≥ 1, by doubling then bisection.
    let mut hi = 1u32;
    while !reaches(ten_to(hi as i32)) {
        hi *= 2;
        if hi > MAX_N_DECADES {
            return None;
        }
    }
    let mut lo = hi / 2;
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if reaches(ten_to(mid as i32)) {
            hi = mid;
        } else {
            lo = mid;
        }
    }

    // Within (10^(d−1), 10^d], the smallest step k with η(k · step) ≥ 1.
    let d = hi as i32;
    let step = if d >= 2 { ten_to(d - 2) } else { q(1, 1) };
    let (mut k_lo, mut k_hi) = if d >= 2 { (10u32, 100u32) } else { (1, 10) };
    while k_hi - k_lo > 1 {
        let mid = (k_lo + k_hi) / 2;
        if reaches(step.clone() * mid) {
            k_hi = mid;
        } else {
            k_lo = mid;
        }
    }
    Some(step * k_hi)
}

/// Draws one instance of a space from the generator.
pub fn random_draw(rng: &mut ChaCha8Rng, space: Space) -> Draw {
    let density = match space.populations {
        Populations::Finite => false,
        Populations::Density => true,
        Populations::Both => rng.gen_bool(0.2),
    };
    // A two-issue density costs seconds: a quarter of the densities.
    let m =
        if density { 1 + usize::from(rng.gen_bool(0.25)) } else { rng.gen_range(1..=MAX_ISSUES) };
    let ball = rng.gen_bool(0.3);
    let grid = |rng: &mut ChaCha8Rng| rng.gen_range(0..=GRID);
    let weights = |rng: &mut ChaCha8Rng| (0..m).map(|_| grid(rng)).collect::<Vec<_>>();
    let population = if density {
        PopulationDraw::Density(
            (0..rng.gen_range(Space::cells()))
                .map(|_| CellDraw {
                    corners: (0..m).map(|_| (grid(rng), grid(rng))).collect(),
                    w: weights(rng),
                    mass: rng.gen_range(1..=4),
                })
                .collect(),
        )
    } else {
        PopulationDraw::Finite(
            (0..rng.gen_range(1..=MAX_TYPES))
                .map(|_| TypeDraw {
                    y: (0..m).map(|_| grid(rng)).collect(),
                    rim: rng.gen_bool(0.25).then(|| rng.gen_range(0..2 * m)),
                    w: weights(rng),
                    mass: rng.gen_range(1..=8),
                })
                .collect(),
        )
    };
    let (k, decades) = (rng.gen_range(1..=10), rng.gen_range(0..=8));
    let alpha = match rng.gen_range(0..4) {
        0 if space.any_alpha() => AlphaDraw::Constant { k, decades },
        1 if space.any_alpha() => AlphaDraw::RangeTop { k, decades },
        _ => AlphaDraw::Schedule {
            k,
            decades,
            sixteenths: rng.gen_range(space.schedule_sixteenths()),
        },
    };
    let gamma = if rng.gen_bool(0.5) {
        GammaDraw::Sixteenths(rng.gen_range(1..=GRID))
    } else {
        GammaDraw::PowerOfTen(rng.gen_range(1..=12))
    };
    Draw {
        m,
        ball,
        chi_scale: rng.gen_range(-2..=2),
        w_mantissa: rng.gen_range(1..=9),
        w_decade: rng.gen_range(-3..=3),
        // Equal weights, and each spread bucket, a quarter of the time.
        spread: match rng.gen_range(0..4) {
            0 => GRID,
            1 => rng.gen_range(GRID + 1..=2 * GRID),
            2 => rng.gen_range(2 * GRID + 1..=10 * GRID),
            _ => rng.gen_range(10 * GRID + 1..=17 * GRID),
        },
        population,
        alpha,
        gamma,
        n_decades: rng.gen_range(space.n_decades()),
    }
}

/// Draws one instance, valid by construction, anywhere in the hypothesis
/// space: each regime a third of the time, a density a fifth of the time.
pub fn random_instance(rng: &mut ChaCha8Rng, case: usize) -> Instance {
    let regime = [Regime::Anywhere, Regime::NormalAgents, Regime::EtaAtLeastOne][case % 3];
    let draw = random_draw(rng, Space { populations: Populations::Both, regime });
    draw.instance(format!("search case {case}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn draws(space: Space, count: usize) -> Vec<Instance> {
        let mut rng = ChaCha8Rng::seed_from_u64(20_261_203);
        (0..count).map(|k| random_draw(&mut rng, space).instance(format!("draw {k}"))).collect()
    }

    fn params(inst: &Instance) -> Params {
        Params::of(&Context::new(128).unwrap(), inst)
    }

    fn every_regime() -> [Space; 3] {
        [Regime::Anywhere, Regime::NormalAgents, Regime::EtaAtLeastOne]
            .map(|regime| Space { populations: Populations::Both, regime })
    }

    #[test]
    fn draws_are_valid_by_construction() {
        for space in every_regime() {
            for inst in draws(space, 200) {
                let inst = inst.validated().unwrap_or_else(|e| panic!("{}", e.message));
                assert!(inst.ideal_points_in_outcome_set(), "{inst:?}");
                assert!(inst.gamma > 0 && inst.gamma <= 1 && inst.n >= 1, "{inst:?}");
                // Lemma 5.1's range: α ≤ √n w_max² d_max² / w_min.
                let p = params(&inst);
                let top = p.n.clone().sqrt() * p.w_max.clone().square() * &p.d_max_squared;
                assert!(p.alpha.clone() * &p.w_min <= top, "α out of range: {inst:?}");
            }
        }
    }

    #[test]
    fn draws_above_the_threshold_have_eta_at_least_one() {
        let space = Space { populations: Populations::Both, regime: Regime::EtaAtLeastOne };
        for inst in draws(space, 200) {
            assert!(params(&inst).eta() >= 1, "η < 1 on {inst:?}");
        }
    }

    #[test]
    fn the_threshold_is_the_smallest_n_on_its_grid() {
        for inst in draws(Space::everything(), 100) {
            let n_eta = smallest_n_with_eta_at_least_one(&inst).expect("a draw's η reaches 1");
            let at = |n: Rational| params(&Instance { n, ..inst.clone() }).eta();
            assert!(at(n_eta.clone()) >= 1, "{inst:?}");
            if n_eta > 1 {
                // The grid step below n_η: 1 under 100, else a unit of its second digit.
                let d = floor_log10(&n_eta);
                let step = if n_eta <= 100 { q(1, 1) } else { ten_to(d - 1) };
                assert!(at(n_eta.clone() - step) < 1, "n_η = {n_eta} is not the smallest");
            }
        }
    }

    #[test]
    fn floor_log10_is_exact_at_powers_of_ten() {
        assert_eq!(floor_log10(&q(1, 1)), 0);
        assert_eq!(floor_log10(&q(999, 1000)), -1);
        assert_eq!(floor_log10(&q(10, 1)), 1);
        assert_eq!(floor_log10(&q(99, 10)), 0);
        assert_eq!(floor_log10(&q(1, 1000)), -3);
    }

    #[test]
    fn lemma_spaces_follow_their_hypotheses() {
        let space = |n: &str| Space::of(&crate::lemmas::find(n).unwrap());
        assert_eq!(space("B.2").populations, Populations::Density);
        assert_eq!(space("5.1").regime, Regime::Anywhere);
        assert_eq!(space("C.3").regime, Regime::NormalAgents);
        assert_eq!(space("D.5").regime, Regime::EtaAtLeastOne);
    }
}
