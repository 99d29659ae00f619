//! Counterexample search (issue 4): random instances over each lemma's whole
//! hypothesis space, a targeted climb toward the smallest margin, shrinking
//! of violations, and tightness and coverage statistics.
//!
//! Every instance comes from a [`Draw`]: one small integer per parameter,
//! mapped onto exact grids (integers, sixteenths, powers of two and ten), so a
//! finding is an exact instance file that `replay` re-evaluates bit for bit.
//! The search draws from a ChaCha generator seeded by `--seed`; the property
//! tests draw the same fields through proptest, from the same [`Space`].
//!
//! n is not drawn blindly: it is the instance's own threshold, the smallest
//! readable n with η ≥ 1 ([`smallest_n_with_eta_at_least_one`]), times a
//! power of ten, so the draws cover both sides of the regime the appendix
//! lemmas need without filtering.
//!
//! Every finite population is first evaluated at [`screening_context`]'s
//! precision; only one on which some lemma is violated or undecided, or
//! whose solve fails, is evaluated again at the working precision, as are
//! the candidates of the targeted phase. The screening may set an instance
//! aside, but it never declares a verdict: violations and the tightest
//! margins come from full-precision evaluations only.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use rug::ops::Pow;
use rug::{Integer, Rational};
use serde::{Deserialize, Serialize};

use crate::equilibrium::Params;
use crate::error::Result;
use crate::lemmas::{hypotheses as h, Lemma};
use crate::numeric::Context;
use crate::population::{AgentType, Alpha, Cell, Instance, OutcomeSet, Population, Start};
use crate::runner::{self, InstanceRun};
use crate::shard::Shard;
use crate::verdict::Verdict;

/// Limits of the shrinking phase: a violation is simplified at most this
/// many times, and for at most this long, before it is saved.
pub const SHRINK_STEPS: usize = 200;
pub const SHRINK_TIME: Duration = Duration::from_secs(60);

/// Candidates kept per lemma for the targeted phase.
pub const KEPT_CANDIDATES: usize = 2;

/// Only candidates with a relative margin below this are climbed.
pub const CLIMB_BELOW: f64 = 0.5;

/// Mutation steps of the targeted climb per candidate.
pub const CLIMB_STEPS: usize = 4;

/// Candidates whose solve took more than this many node-steps (types or
/// quadrature nodes times fixed-point iterations) are not climbed: each
/// mutant would cost seconds to minutes. A count, not a time, so that the
/// search stays the same on every machine.
pub const CLIMB_WORK: usize = 100_000;

/// The base precision of the screening stage; see [`screening_context`].
pub const SCREENING_PRECISION: u32 = 64;

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
const MAX_N_DECADES: u32 = 400;

fn q(num: i64, den: i64) -> Rational {
    Rational::from((num, den))
}

fn ten_to(e: i32) -> Rational {
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

/// The smallest relative margin of a lemma's statement inequalities on a run.
fn margin_of(run: &InstanceRun, number: &str) -> Option<f64> {
    let (_, eval) = run.evaluations.iter().find(|(n, _)| *n == number)?;
    if !eval.unmet.is_empty() {
        return None;
    }
    Some(eval.tightest_inequality()?.relative_margin().to_f64())
}

/// A region of the hypothesis space, for the coverage tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Bucket {
    /// m.
    Issues(usize),
    /// log10 n in [10 k, 10 k + 10).
    Decades(u32),
    /// w_max / w_min: 1, (1, 2], (2, 10], above 10.
    Spread(u8),
    Density(bool),
    Ball(bool),
    /// The exceptional mass ∫_{N∖N̂} p: 0, in (0, 1/2), in [1/2, 1), 1.
    Exceptional(u8),
}

impl Bucket {
    /// Returns every bucket a search is meant to visit.
    pub fn all() -> Vec<Bucket> {
        let mut all: Vec<Bucket> = (1..=MAX_ISSUES).map(Bucket::Issues).collect();
        all.extend((0..DECADE_BUCKETS).map(Bucket::Decades));
        all.extend((0..4).map(Bucket::Spread));
        all.extend([false, true].map(Bucket::Density));
        all.extend([false, true].map(Bucket::Ball));
        all.extend((0..4).map(Bucket::Exceptional));
        all
    }

    /// Returns the bucket's name as the tables print it.
    pub fn name(&self) -> String {
        match *self {
            Bucket::Issues(m) => format!("m = {m}"),
            Bucket::Decades(k) => format!("log10 n in [{}, {})", 10 * k, 10 * k + 10),
            Bucket::Spread(k) => {
                let s = ["1", "(1, 2]", "(2, 10]", "> 10"][usize::from(k.min(3))];
                format!("w_max/w_min {s}")
            }
            Bucket::Density(d) => (if d { "density" } else { "finite" }).into(),
            Bucket::Ball(b) => (if b { "χ a ball" } else { "χ a box" }).into(),
            Bucket::Exceptional(k) => {
                let s = ["0", "in (0, 1/2)", "in [1/2, 1)", "1 (N̂ empty)"][usize::from(k.min(3))];
                format!("exceptional mass {s}")
            }
        }
    }

    /// Returns the buckets one solved instance falls in.
    fn of(run: &InstanceRun) -> Vec<Bucket> {
        let s = &run.solved;
        let decade = s.params.n.clone().log10().to_f64().floor().max(0.0) as u32;
        let spread = Rational::from(&s.instance.w_max / &s.instance.w_min);
        let spread = match spread {
            x if x <= 1 => 0,
            x if x <= 2 => 1,
            x if x <= 10 => 2,
            _ => 3,
        };
        let exceptional = s.ctx.int(1) - s.normal_mass();
        let exceptional = if (0..s.types.len()).all(|i| s.is_normal(i)) {
            0
        } else if (0..s.types.len()).all(|i| !s.is_normal(i)) {
            3
        } else if exceptional * 2u32 < 1u32 {
            1
        } else {
            2
        };
        vec![
            Bucket::Issues(s.params.m),
            Bucket::Decades(decade / 10),
            Bucket::Spread(spread),
            Bucket::Density(matches!(s.instance.population, Population::Density(_))),
            Bucket::Ball(matches!(s.instance.outcome_set, OutcomeSet::Ball { .. })),
            Bucket::Exceptional(exceptional),
        ]
    }
}

/// Buckets of log10 n listed as expected: [0, 10) to [60, 70).
const DECADE_BUCKETS: u32 = 7;

/// What the search found for one lemma.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(into = "LemmaRecord", from = "LemmaRecord")]
pub struct LemmaSearch {
    /// Instances of the random phase solved (at either precision).
    pub cases: usize,
    /// Those on which every hypothesis was met.
    pub evaluated: usize,
    pub violations: Vec<Instance>,
    /// The smallest relative margin of the statement, at full precision, with its instance.
    pub tightest: Option<(f64, Instance)>,
    /// How often each hypothesis was unmet.
    pub unmet: BTreeMap<String, usize>,
    /// Buckets of the instances on which every hypothesis was met.
    pub buckets: BTreeMap<Bucket, usize>,
}

/// The whole search's results and coverage.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(into = "OutcomeRecord", try_from = "OutcomeRecord")]
pub struct Outcome {
    pub seed: u64,
    pub cases: usize,
    /// Instances whose full-precision solve failed.
    pub failed_solves: usize,
    /// The screening precision, when screening ran.
    pub screening: Option<u32>,
    /// Instances evaluated at the screening precision.
    pub screened: usize,
    /// Instances evaluated again at full precision, and why.
    pub confirmed_unsettled: usize,
    pub confirmed_failed_screen: usize,
    pub confirmed_candidates: usize,
    pub lemmas: BTreeMap<&'static str, LemmaSearch>,
    /// Buckets of every instance of the random phase.
    pub coverage: BTreeMap<Bucket, usize>,
}

/// [`LemmaSearch`] as a shard file holds it: maps keyed by buckets become
/// lists of pairs, since JSON keys are strings.
#[derive(Serialize, Deserialize)]
struct LemmaRecord {
    cases: usize,
    evaluated: usize,
    violations: Vec<Instance>,
    tightest: Option<(f64, Instance)>,
    unmet: BTreeMap<String, usize>,
    buckets: Vec<(Bucket, usize)>,
}

impl From<LemmaSearch> for LemmaRecord {
    fn from(l: LemmaSearch) -> LemmaRecord {
        LemmaRecord {
            cases: l.cases,
            evaluated: l.evaluated,
            violations: l.violations,
            tightest: l.tightest,
            unmet: l.unmet,
            buckets: l.buckets.into_iter().collect(),
        }
    }
}

impl From<LemmaRecord> for LemmaSearch {
    fn from(l: LemmaRecord) -> LemmaSearch {
        LemmaSearch {
            cases: l.cases,
            evaluated: l.evaluated,
            violations: l.violations,
            tightest: l.tightest,
            unmet: l.unmet,
            buckets: l.buckets.into_iter().collect(),
        }
    }
}

/// [`Outcome`] as a shard file holds it; lemma numbers are mapped back to
/// the registry's on reading.
#[derive(Serialize, Deserialize)]
struct OutcomeRecord {
    seed: u64,
    cases: usize,
    failed_solves: usize,
    screening: Option<u32>,
    screened: usize,
    confirmed_unsettled: usize,
    confirmed_failed_screen: usize,
    confirmed_candidates: usize,
    lemmas: Vec<(String, LemmaSearch)>,
    coverage: Vec<(Bucket, usize)>,
}

impl From<Outcome> for OutcomeRecord {
    fn from(o: Outcome) -> OutcomeRecord {
        OutcomeRecord {
            seed: o.seed,
            cases: o.cases,
            failed_solves: o.failed_solves,
            screening: o.screening,
            screened: o.screened,
            confirmed_unsettled: o.confirmed_unsettled,
            confirmed_failed_screen: o.confirmed_failed_screen,
            confirmed_candidates: o.confirmed_candidates,
            lemmas: o.lemmas.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            coverage: o.coverage.into_iter().collect(),
        }
    }
}

impl TryFrom<OutcomeRecord> for Outcome {
    type Error = String;

    fn try_from(o: OutcomeRecord) -> std::result::Result<Outcome, String> {
        let mut lemmas = BTreeMap::new();
        for (number, l) in o.lemmas {
            let lemma = crate::lemmas::find(&number).ok_or(format!("unknown lemma {number}"))?;
            lemmas.insert(lemma.number, l);
        }
        Ok(Outcome {
            seed: o.seed,
            cases: o.cases,
            failed_solves: o.failed_solves,
            screening: o.screening,
            screened: o.screened,
            confirmed_unsettled: o.confirmed_unsettled,
            confirmed_failed_screen: o.confirmed_failed_screen,
            confirmed_candidates: o.confirmed_candidates,
            lemmas,
            coverage: o.coverage.into_iter().collect(),
        })
    }
}

/// A candidate of the targeted phase: its margin, its instance, and
/// whether that margin was measured at full precision.
#[derive(Clone)]
struct Candidate {
    margin: f64,
    instance: Instance,
    full: bool,
    work: usize,
}

impl Candidate {
    fn of(run: &InstanceRun, margin: f64, full: bool) -> Candidate {
        let work = run.solved.types.len() * run.solved.iterations;
        Candidate { margin, instance: run.solved.instance.clone(), full, work }
    }
}

/// Runs the random phase, the targeted phase and the shrinking, screening
/// every instance first (unless the working precision is no higher than the
/// screening's base).
///
/// # Errors
///
/// None from instances (a solve that fails is counted, not fatal); only
/// from writing files.
pub fn search(
    ctx: &Context,
    lemmas: &[Lemma],
    cases: usize,
    seed: u64,
    progress: &Progress,
) -> Result<Outcome> {
    search_with(ctx, lemmas, cases, seed, ctx.prec() > SCREENING_PRECISION, progress)
}

/// A progress callback that parallel blocks can share.
pub type Progress = dyn Fn(&str) + Sync;

/// Random cases per block. A search of N cases runs ⌈N / BLOCK_CASES⌉
/// blocks, each a random phase, a climb from its own best candidates and
/// the shrinking of its own violations, from its own seed: blocks are
/// independent, so they run in parallel and split across shards, and
/// their merged outcome does not depend on either.
pub const BLOCK_CASES: usize = 24;

/// Runs the search with or without the screening stage.
///
/// # Errors
///
/// As [`search`].
pub fn search_with(
    ctx: &Context,
    lemmas: &[Lemma],
    cases: usize,
    seed: u64,
    screening: bool,
    progress: &Progress,
) -> Result<Outcome> {
    let blocks = search_blocks(ctx, lemmas, cases, seed, screening, Shard::WHOLE, progress)?;
    Ok(merged(seed, blocks.into_iter().map(|(_, b)| b)))
}

/// The number of blocks of a search of `cases` random cases.
pub fn block_count(cases: usize) -> usize {
    cases.div_ceil(BLOCK_CASES)
}

/// Runs the blocks of `shard`, in parallel, and returns each one's index
/// and outcome, in order.
///
/// # Errors
///
/// As [`search`].
pub fn search_blocks(
    ctx: &Context,
    lemmas: &[Lemma],
    cases: usize,
    seed: u64,
    screening: bool,
    shard: Shard,
    progress: &Progress,
) -> Result<Vec<(usize, Outcome)>> {
    let owned: Vec<usize> = (0..block_count(cases)).filter(|b| shard.owns(*b)).collect();
    owned
        .into_par_iter()
        .map(|b| {
            let range = b * BLOCK_CASES..cases.min((b + 1) * BLOCK_CASES);
            Ok((b, search_block(ctx, lemmas, range, cases, seed, b, screening, progress)))
        })
        .collect()
}

/// The seed of block `b`: the user's seed for the first block (so a
/// search of up to BLOCK_CASES cases is the plain seeded search), then a
/// fixed odd-multiplier mix of the seed and the block's index.
fn block_seed(seed: u64, b: usize) -> u64 {
    if b == 0 {
        seed
    } else {
        seed ^ (b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

#[allow(clippy::too_many_arguments)]
fn search_block(
    ctx: &Context,
    lemmas: &[Lemma],
    range: std::ops::Range<usize>,
    cases: usize,
    seed: u64,
    b: usize,
    screening: bool,
    progress: &Progress,
) -> Outcome {
    let mut rng = ChaCha8Rng::seed_from_u64(block_seed(seed, b));
    let screening = screening.then_some(SCREENING_PRECISION);
    let out = Outcome { seed, screening, ..Outcome::default() };
    let mut searcher = Searcher { ctx, lemmas, out, candidates: BTreeMap::new() };
    for case in range {
        let instance = random_instance(&mut rng, case);
        progress(&format!("random {}/{cases}", case + 1));
        searcher.record(&instance);
    }
    searcher.confirm_candidates();
    searcher.climb(&mut rng, progress);

    // Shrink every violation to a smaller instance that still violates.
    let mut out = searcher.out;
    for lemma in lemmas {
        let Some(found) = out.lemmas.get(lemma.number).map(|l| l.violations.clone()) else {
            continue;
        };
        let shrunk: Vec<Instance> =
            found.into_iter().map(|v| shrink(ctx, lemma, v, progress)).collect();
        out.lemmas.entry(lemma.number).or_default().violations = shrunk;
    }
    out
}

/// Merges the outcomes of blocks, in block order: counts add up,
/// violations are listed block by block, and the tightest margin is the
/// smallest (the earlier block's on a tie).
pub fn merged(seed: u64, blocks: impl IntoIterator<Item = Outcome>) -> Outcome {
    let mut all = Outcome { seed, ..Outcome::default() };
    for b in blocks {
        all.cases += b.cases;
        all.failed_solves += b.failed_solves;
        all.screening = all.screening.or(b.screening);
        all.screened += b.screened;
        all.confirmed_unsettled += b.confirmed_unsettled;
        all.confirmed_failed_screen += b.confirmed_failed_screen;
        all.confirmed_candidates += b.confirmed_candidates;
        for (bucket, count) in b.coverage {
            *all.coverage.entry(bucket).or_default() += count;
        }
        for (number, l) in b.lemmas {
            let into = all.lemmas.entry(number).or_default();
            into.cases += l.cases;
            into.evaluated += l.evaluated;
            into.violations.extend(l.violations);
            let tighter = match (&into.tightest, &l.tightest) {
                (None, Some(_)) => true,
                (Some((a, _)), Some((b, _))) => b < a,
                _ => false,
            };
            if tighter {
                into.tightest = l.tightest;
            }
            for (reason, count) in l.unmet {
                *into.unmet.entry(reason).or_default() += count;
            }
            for (bucket, count) in l.buckets {
                *into.buckets.entry(bucket).or_default() += count;
            }
        }
    }
    all
}

/// Returns the screening context of an instance: [`SCREENING_PRECISION`]
/// bits plus half of ⌈log2 n⌉, rounded up to a multiple of 32 (the runner
/// then adds ⌈log2 n⌉ itself).
///
/// The extra half is what τ_i > 0 (C.4) and the λ band (C.6) need: their
/// sides differ by about γ/η relative, and η grows like n^(3/2) α, so at a
/// flat 64 bits they come out undecided on most instances with n above
/// 10^15 and would all go to confirmation.
pub fn screening_context(instance: &Instance) -> Context {
    let bits = (instance.n.clone().max(q(1, 1))).to_f64().log2().ceil().min(1e6) as u32;
    Context::new(SCREENING_PRECISION + (bits / 2).div_ceil(32) * 32)
        .expect("the screening precision lies in the accepted range")
}

/// Returns true when a screening run cannot settle an instance: some
/// lemma is violated or undecided at the screening precision.
pub fn needs_confirmation(screened: &InstanceRun) -> bool {
    let unsettled = |v: Verdict| matches!(v, Verdict::Violated | Verdict::Undecided);
    screened.evaluations.iter().any(|(_, e)| unsettled(e.verdict()))
}

/// The way the search evaluates an instance: screened, then confirmed at
/// `ctx`'s precision when the screening cannot settle it (or its solve
/// fails). Returns the run, and whether it is at full precision.
///
/// # Errors
///
/// When the full-precision solve fails.
pub fn screen_then_confirm(
    ctx: &Context,
    lemmas: &[Lemma],
    instance: &Instance,
) -> Result<(InstanceRun, bool)> {
    if screens(instance) {
        let screened = runner::run_one(&screening_context(instance), "screening", instance, lemmas);
        if let Some(run) = screened.ok().filter(|run| !needs_confirmation(run)) {
            return Ok((run, false));
        }
    }
    runner::run_one(ctx, "search", instance, lemmas).map(|run| (run, true))
}

/// Returns true when the search screens an instance: a finite population.
///
/// A density is evaluated at full precision at once: its error bounds
/// carry the quadrature error, which no precision shrinks, so C.5 and C.6
/// come out undecided at the screening precision and would be confirmed
/// anyway, and its cost (the graded rule) falls by less than half when screened.
pub fn screens(instance: &Instance) -> bool {
    matches!(instance.population, Population::Finite(_))
}

struct Searcher<'a> {
    ctx: &'a Context,
    lemmas: &'a [Lemma],
    out: Outcome,
    candidates: BTreeMap<&'static str, Vec<Candidate>>,
}

impl Searcher<'_> {
    /// Evaluates an instance, screening first; Some((run, at full precision)).
    fn assess(&mut self, instance: &Instance) -> Option<(InstanceRun, bool)> {
        if self.out.screening.is_some() && screens(instance) {
            self.out.screened += 1;
            let screen = screening_context(instance);
            match runner::run_one(&screen, "screening", instance, self.lemmas) {
                Ok(run) if !needs_confirmation(&run) => return Some((run, false)),
                Ok(_) => self.out.confirmed_unsettled += 1,
                Err(_) => self.out.confirmed_failed_screen += 1,
            }
        }
        let run = self.full(instance)?;
        Some((run, true))
    }

    /// Evaluates at full precision and notes violations and tightest margins.
    fn full(&mut self, instance: &Instance) -> Option<InstanceRun> {
        let Ok(run) = runner::run_one(self.ctx, "search", instance, self.lemmas) else {
            self.out.failed_solves += 1;
            return None;
        };
        for lemma in self.lemmas {
            let entry = self.out.lemmas.entry(lemma.number).or_default();
            let violated = run
                .evaluations
                .iter()
                .any(|(n, e)| *n == lemma.number && e.verdict() == Verdict::Violated);
            if violated && entry.violations.len() < 5 {
                entry.violations.push(run.solved.instance.clone());
            }
            if let Some(margin) = margin_of(&run, lemma.number) {
                if entry.tightest.as_ref().is_none_or(|(m, _)| margin < *m) {
                    entry.tightest = Some((margin, run.solved.instance.clone()));
                }
            }
        }
        Some(run)
    }

    /// Evaluates one instance of the random phase and records its coverage.
    fn record(&mut self, instance: &Instance) {
        self.out.cases += 1;
        let Some((run, full)) = self.assess(instance) else { return };
        let buckets = Bucket::of(&run);
        for b in &buckets {
            *self.out.coverage.entry(*b).or_default() += 1;
        }
        for lemma in self.lemmas {
            let entry = self.out.lemmas.entry(lemma.number).or_default();
            entry.cases += 1;
            let Some((_, eval)) = run.evaluations.iter().find(|(n, _)| *n == lemma.number) else {
                continue;
            };
            for reason in &eval.unmet {
                *entry.unmet.entry(reason.clone()).or_default() += 1;
            }
            if eval.unmet.is_empty() {
                entry.evaluated += 1;
                for b in &buckets {
                    *entry.buckets.entry(*b).or_default() += 1;
                }
            }
            if let Some(margin) = margin_of(&run, lemma.number) {
                let list = self.candidates.entry(lemma.number).or_default();
                list.push(Candidate::of(&run, margin, full));
                list.sort_by(|a, b| a.margin.total_cmp(&b.margin));
                list.truncate(KEPT_CANDIDATES);
            }
        }
    }

    /// Evaluates at full precision the candidates only screened so far, so
    /// that the tightest margins and the climb start from full-precision values.
    fn confirm_candidates(&mut self) {
        let mut runs: BTreeMap<String, Option<InstanceRun>> = BTreeMap::new();
        let numbers: Vec<&'static str> = self.candidates.keys().copied().collect();
        for number in numbers {
            let list = self.candidates.remove(number).unwrap_or_default();
            let mut kept = Vec::new();
            for mut c in list {
                if !c.full {
                    if !runs.contains_key(&c.instance.name) {
                        self.out.confirmed_candidates += 1;
                        let run = self.full(&c.instance);
                        runs.insert(c.instance.name.clone(), run);
                    }
                    let run = runs[&c.instance.name].as_ref();
                    let Some(margin) = run.and_then(|r| margin_of(r, number)) else { continue };
                    c.margin = margin;
                    c.full = true;
                }
                kept.push(c);
            }
            kept.sort_by(|a, b| a.margin.total_cmp(&b.margin));
            self.candidates.insert(number, kept);
        }
    }

    /// Climbs from the best candidates toward a smaller margin, for the
    /// lemmas whose bound came within CLIMB_BELOW of its left side (a
    /// relative margin near 1, as for τ > 0, has nothing to climb). A
    /// mutant is screened like any instance; the best one reached is
    /// confirmed at full precision.
    fn climb(&mut self, rng: &mut ChaCha8Rng, progress: &Progress) {
        for lemma in self.lemmas {
            let start = self.candidates.get(lemma.number).cloned().unwrap_or_default();
            let climbable = |c: &Candidate| c.margin < CLIMB_BELOW && c.work <= CLIMB_WORK;
            for mut best in start.into_iter().filter(climbable) {
                let origin = best.instance.name.clone();
                for step in 0..CLIMB_STEPS {
                    progress(&format!("targeted {} step {step}", lemma.number));
                    let mut mutant = mutate(rng, &best.instance);
                    mutant.name = format!("{origin} climb {}", step + 1);
                    let Some((run, full)) = self.assess(&mutant) else { continue };
                    if let Some(margin) = margin_of(&run, lemma.number) {
                        if margin < best.margin {
                            best = Candidate::of(&run, margin, full);
                        }
                    }
                }
                if !best.full {
                    self.out.confirmed_candidates += 1;
                    self.full(&best.instance);
                }
            }
        }
    }
}

/// Moves one parameter of an instance a step on its grid.
fn mutate(rng: &mut ChaCha8Rng, instance: &Instance) -> Instance {
    let mut next = instance.clone();
    match rng.gen_range(0..4) {
        0 => next.n = next.n.clone() * ten_to(if rng.gen_bool(0.5) { 1 } else { -1 }),
        1 => next.gamma = (next.gamma.clone() * q(rng.gen_range(1..=3), 2)).min(q(1, 1)),
        2 => {
            let factor = q(rng.gen_range(1..=3), 2);
            next.alpha = match &next.alpha {
                Alpha::Exact(a) => Alpha::Exact(a.clone() * factor),
                Alpha::PowerOfN { coefficient, exponent } => Alpha::PowerOfN {
                    coefficient: coefficient.clone() * factor,
                    exponent: exponent.clone(),
                },
            };
        }
        _ => {
            // Move one ideal point halfway toward another: χ is convex.
            if let Population::Finite(types) = &mut next.population {
                if types.len() > 1 {
                    let (a, b) = (rng.gen_range(0..types.len()), rng.gen_range(0..types.len()));
                    let target = types[b].y.clone();
                    for (v, t) in types[a].y.iter_mut().zip(target) {
                        *v = (v.clone() + t) / 2u32;
                    }
                }
            }
        }
    }
    if next.n < 1 {
        next.n = q(1, 1);
    }
    next
}

/// Simplifies a violating instance while it still violates the lemma.
fn shrink(ctx: &Context, lemma: &Lemma, mut instance: Instance, progress: &Progress) -> Instance {
    let started = Instant::now();
    let lemmas = std::slice::from_ref(lemma);
    let violates = |inst: &Instance| {
        runner::run_one(ctx, "shrink", inst, lemmas)
            .map(|r| r.evaluations[0].1.verdict() == Verdict::Violated)
            .unwrap_or(false)
    };
    let mut steps = 0;
    let mut progressed = true;
    while progressed && steps < SHRINK_STEPS && started.elapsed() < SHRINK_TIME {
        progressed = false;
        for candidate in simpler(&instance) {
            steps += 1;
            progress(&format!("shrinking {} step {steps}", lemma.number));
            if candidate.clone().validated().is_ok() && violates(&candidate) {
                instance = candidate;
                progressed = true;
                break;
            }
            if steps >= SHRINK_STEPS || started.elapsed() >= SHRINK_TIME {
                break;
            }
        }
    }
    instance
}

/// Returns simpler variants: one type fewer, n and γ rounded to powers of ten.
fn simpler(instance: &Instance) -> Vec<Instance> {
    let mut out = Vec::new();
    if let Population::Finite(types) = &instance.population {
        for k in 0..types.len() {
            if types.len() > 1 {
                let mut next = instance.clone();
                if let Population::Finite(t) = &mut next.population {
                    t.remove(k);
                }
                out.push(next);
            }
        }
    }
    for e in (0..=MAX_N_DECADES as i32).rev() {
        let n = ten_to(e);
        if n < instance.n {
            let mut next = instance.clone();
            next.n = n;
            out.push(next);
            break;
        }
    }
    if instance.gamma != q(1, 100) {
        let mut next = instance.clone();
        next.gamma = q(1, 100);
        out.push(next);
    }
    out
}

/// Returns "k (p%)" for a count out of a total.
fn share(count: usize, total: usize) -> String {
    if total == 0 {
        return format!("{count}");
    }
    format!("{count} ({:.0}%)", 100.0 * count as f64 / total as f64)
}

/// Returns SEARCH.md: per lemma the cases, acceptance, findings, tightest
/// margin, hypotheses met and unmet, and the coverage of the hypothesis space.
pub fn markdown(out: &Outcome, lemmas: &[Lemma]) -> String {
    let mut md = format!(
        "Random search of {} instances (seed {}), a targeted climb of {} steps from the {} \
         tightest candidates per lemma, and shrinking of violations ({} failed solves at full \
         precision).\n\n",
        out.cases, out.seed, CLIMB_STEPS, KEPT_CANDIDATES, out.failed_solves
    );
    md.push_str(&screening_paragraph(out));
    md.push_str(&summary_table(out, lemmas));
    md.push_str("\n\nHypotheses per lemma, met / unmet, over the instances solved:\n\n");
    md.push_str(&hypothesis_table(out, lemmas));
    md.push_str(&coverage_tables(out, lemmas));
    md.push('\n');
    md
}

fn screening_paragraph(out: &Outcome) -> String {
    let Some(bits) = out.screening else {
        return "Every instance was evaluated at full precision (no screening).\n\n".into();
    };
    format!(
        "Screening: {} evaluations at {bits} bits plus ⌈log2 n⌉/2 (and the runner's ⌈log2 n⌉); \
         evaluated again at full precision: {} on which some lemma was violated or undecided \
         when screened, {} whose screening solve failed, and {} candidates of the targeted \
         phase. Violations and tightest margins come from full-precision evaluations only; \
         hypothesis counts and coverage of an instance the screening settled come from its \
         screening evaluation.\n\n",
        out.screened,
        out.confirmed_unsettled,
        out.confirmed_failed_screen,
        out.confirmed_candidates
    )
}

fn summary_table(out: &Outcome, lemmas: &[Lemma]) -> String {
    let rows = lemmas
        .iter()
        .map(|l| {
            let e = out.lemmas.get(l.number);
            let cases = e.map_or(0, |e| e.cases);
            let evaluated = e.map_or(0, |e| e.evaluated);
            let clamped: usize = e.map_or(0, |e| {
                (1..4).map(|k| e.buckets.get(&Bucket::Exceptional(k)).copied().unwrap_or(0)).sum()
            });
            vec![
                l.number.to_string(),
                cases.to_string(),
                share(evaluated, cases),
                share(clamped, evaluated),
                e.map_or(0, |e| e.violations.len()).to_string(),
                e.and_then(|e| e.tightest.as_ref())
                    .map_or("—".into(), |(m, i)| format!("{m:.3e} ({})", i.name)),
            ]
        })
        .collect();
    crate::report::markdown(
        &[
            "lemma",
            "cases",
            "hypotheses met (acceptance)",
            "of those, α clamp active",
            "violations",
            "tightest relative margin",
        ],
        rows,
    )
}

/// The hypotheses, shortened for the column heads, with their full names.
const HYPOTHESIS_COLUMNS: [(&str, &str); 9] = [
    ("y ∈ χ", h::IDEAL_POINTS_IN_CHI),
    ("α range", h::ALPHA_IN_RANGE),
    ("density", h::HAS_DENSITY),
    ("N̂ ≠ ∅", h::SOME_NORMAL_AGENT),
    ("∫_N̂ p ≥ 1/2", h::NORMAL_MASS_HALF),
    ("tight", h::NORMAL_AGENTS_TIGHT),
    ("η > 0", h::ETA_POSITIVE),
    ("η ≥ 1", h::ETA_AT_LEAST_ONE),
    ("γ ≤ 1", h::GAMMA_AT_MOST_ONE),
];

fn hypothesis_table(out: &Outcome, lemmas: &[Lemma]) -> String {
    let rows = lemmas
        .iter()
        .map(|l| {
            let e = out.lemmas.get(l.number);
            let cases = e.map_or(0, |e| e.cases);
            let mut row = vec![l.number.to_string()];
            for (_, name) in HYPOTHESIS_COLUMNS {
                let unmet = e.and_then(|e| e.unmet.get(name)).copied().unwrap_or(0);
                let cell = if l.hypotheses.contains(&name) {
                    format!("{} / {unmet}", cases - unmet)
                } else {
                    "—".into()
                };
                row.push(cell);
            }
            row
        })
        .collect();
    let mut header = vec!["lemma"];
    header.extend(HYPOTHESIS_COLUMNS.iter().map(|(short, _)| *short));
    let mut md = crate::report::markdown(&header, rows);
    md.push_str("\n\n");
    for (short, name) in HYPOTHESIS_COLUMNS {
        md.push_str(&format!("- {short}: {name}\n"));
    }
    md
}

/// Picks the buckets of one coverage table.
type BucketFilter = fn(&Bucket) -> bool;

/// The coverage tables: one row for every instance of the random phase and
/// one per lemma (instances with its hypotheses met), one column per bucket.
fn coverage_tables(out: &Outcome, lemmas: &[Lemma]) -> String {
    let all = Bucket::all();
    let groups: [(&str, BucketFilter); 3] = [
        ("m", |b| matches!(b, Bucket::Issues(_))),
        ("log10 n", |b| matches!(b, Bucket::Decades(_))),
        ("weight spread, population, χ, exceptional mass", |b| {
            !matches!(b, Bucket::Issues(_) | Bucket::Decades(_))
        }),
    ];
    let mut md = String::from(
        "\n\nCoverage of the random phase: the first row counts every instance solved, the \
         others the instances on which the lemma's hypotheses were met. An agent is \
         exceptional (i ∉ N̂) exactly when the α clamp is active on it.\n",
    );
    for (title, keep) in groups {
        // Buckets beyond the expected decades show up only when visited.
        let mut columns: Vec<Bucket> = all.iter().copied().filter(&keep).collect();
        let extra: Vec<Bucket> =
            out.coverage.keys().filter(|b| keep(b) && !all.contains(b)).copied().collect();
        columns.extend(extra);
        let count = |map: &BTreeMap<Bucket, usize>, b: &Bucket| map.get(b).copied().unwrap_or(0);
        let mut rows = vec![std::iter::once("all instances".to_string())
            .chain(columns.iter().map(|b| count(&out.coverage, b).to_string()))
            .collect::<Vec<_>>()];
        for l in lemmas {
            let empty = BTreeMap::new();
            let map = out.lemmas.get(l.number).map_or(&empty, |e| &e.buckets);
            rows.push(
                std::iter::once(l.number.to_string())
                    .chain(columns.iter().map(|b| count(map, b).to_string()))
                    .collect(),
            );
        }
        let names: Vec<String> = columns.iter().map(Bucket::name).collect();
        let mut header = vec!["instances"];
        header.extend(names.iter().map(String::as_str));
        md.push_str(&format!("\nBy {title}:\n\n"));
        md.push_str(&crate::report::markdown(&header, rows));
        md.push('\n');
    }
    md.push_str(&unvisited(out, lemmas, &all));
    md
}

/// Says which buckets no instance visited, and per lemma which buckets no
/// instance with its hypotheses met visited.
fn unvisited(out: &Outcome, lemmas: &[Lemma], all: &[Bucket]) -> String {
    let missing = |map: &BTreeMap<Bucket, usize>| -> Vec<String> {
        all.iter().filter(|b| !map.contains_key(b)).map(Bucket::name).collect()
    };
    let mut md = String::from("\nNever visited:\n\n");
    let none = missing(&out.coverage);
    md.push_str(&format!(
        "- by any instance: {}\n",
        if none.is_empty() { "none".into() } else { none.join(", ") }
    ));
    for l in lemmas {
        let empty = BTreeMap::new();
        let map = out.lemmas.get(l.number).map_or(&empty, |e| &e.buckets);
        let gaps = missing(map);
        if !gaps.is_empty() {
            md.push_str(&format!("- with {}'s hypotheses met: {}\n", l.number, gaps.join(", ")));
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn markdown_names_the_buckets_never_visited() {
        let lemmas = crate::lemmas::registry();
        let mut out = Outcome { cases: 3, ..Outcome::default() };
        out.coverage.insert(Bucket::Issues(1), 3);
        let md = markdown(&out, &lemmas);
        assert!(md.contains("- by any instance: m = 2, m = 3"), "{md}");
        assert!(!md.contains("by any instance: m = 1"), "{md}");
    }
}
