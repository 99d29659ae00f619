//! The default suite: instance families spanning each lemma's hypothesis space.
//!
//! Every family is built from exact rationals. The random family draws its
//! parameters on exact grids from a ChaCha generator seeded by
//! [`SUITE_SEED`], so the suite is the same on every machine.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rug::ops::Pow;
use rug::{Integer, Rational};

use crate::population::{AgentType, Alpha, Cell, Instance, OutcomeSet, Population, Start};

/// The seed of the default suite's random families.
pub const SUITE_SEED: u64 = 20_261_203;

/// An instance and the family it belongs to.
#[derive(Clone, Debug)]
pub struct Member {
    pub family: &'static str,
    pub instance: Instance,
}

/// Returns the default suite, in a fixed order.
pub fn default_suite(seed: u64) -> Vec<Member> {
    let mut out = Vec::new();
    out.extend(triangle_family());
    out.extend(one_dimensional_family());
    out.extend(degenerate_family());
    out.extend(alpha_range_family());
    out.extend(random_finite_family(seed));
    out.extend(density_family(seed));
    out
}

fn q(num: i64, den: i64) -> Rational {
    Rational::from((num, den))
}

fn ten_to(e: u32) -> Rational {
    Rational::from(Integer::from(10).pow(e))
}

fn schedule(exponent: Rational) -> Alpha {
    Alpha::PowerOfN { coefficient: q(1, 1), exponent }
}

fn unit_box(m: usize) -> OutcomeSet {
    OutcomeSet::Box { lo: vec![q(0, 1); m], hi: vec![q(1, 1); m] }
}

fn base(name: String, population: Population, outcome_set: OutcomeSet) -> Instance {
    Instance {
        name,
        n: ten_to(6),
        alpha: schedule(q(-7, 8)),
        gamma: q(1, 100),
        w_min: q(1, 1),
        w_max: q(1, 1),
        outcome_set,
        population,
        epsilon: None,
        start: Start::LowerCorner,
    }
}

fn agent(y: &[Rational], w: &[Rational], mass: Rational) -> AgentType {
    AgentType { y: y.to_vec(), w: w.to_vec(), mass }
}

/// Three types at (0,0), (1,0), (0,1), unit weights, equal masses.
///
/// Nobody is clamped, and x is the geometric median ((3 − √3)/6, (3 − √3)/6).
pub fn triangle(n: Rational, gamma: Rational) -> Instance {
    let w = [q(1, 1), q(1, 1)];
    let types = vec![
        agent(&[q(0, 1), q(0, 1)], &w, q(1, 3)),
        agent(&[q(1, 1), q(0, 1)], &w, q(1, 3)),
        agent(&[q(0, 1), q(1, 1)], &w, q(1, 3)),
    ];
    let name = format!("triangle n={} γ={}", pretty(&n), gamma);
    let mut inst = base(name, Population::Finite(types), unit_box(2));
    inst.n = n;
    inst.gamma = gamma;
    inst
}

/// Types at −1, 0, 1 with masses 1/4, 1/2, 1/4: x lands on the middle type.
pub fn one_dimensional(n: Rational, gamma: Rational) -> Instance {
    let w = [q(1, 1)];
    let types = vec![
        agent(&[q(-1, 1)], &w, q(1, 4)),
        agent(&[q(0, 1)], &w, q(1, 2)),
        agent(&[q(1, 1)], &w, q(1, 4)),
    ];
    let chi = OutcomeSet::Box { lo: vec![q(-1, 1)], hi: vec![q(1, 1)] };
    let name = format!("line -1,0,1 n={} γ={}", pretty(&n), gamma);
    let mut inst = base(name, Population::Finite(types), chi);
    inst.n = n;
    inst.gamma = gamma;
    inst
}

fn triangle_family() -> Vec<Member> {
    let mut out = Vec::new();
    for e in [2u32, 4, 6, 12, 20, 30, 40, 60] {
        for gamma in [q(1, 100), q(1, 1)] {
            out.push(Member { family: "triangle", instance: triangle(ten_to(e), gamma) });
        }
    }
    // Pre-asymptotic: η < 0 and γ > 1.
    out.push(Member { family: "triangle", instance: triangle(q(4, 1), q(4, 1)) });
    out
}

fn one_dimensional_family() -> Vec<Member> {
    let mut out = Vec::new();
    for n in [q(1, 1), q(4, 1), ten_to(3), ten_to(8), ten_to(20), ten_to(40)] {
        out.push(Member { family: "one-dimensional", instance: one_dimensional(n, q(1, 100)) });
    }
    out
}

fn degenerate_family() -> Vec<Member> {
    let w3 = [q(1, 1), q(2, 1), q(3, 1)];
    let single = vec![agent(&[q(1, 2), q(1, 4), q(3, 4)], &w3, q(1, 1))];
    let mut one = base("single type m=3".into(), Population::Finite(single), unit_box(3));
    one.w_max = q(3, 1);

    let w2 = [q(1, 1), q(1, 1)];
    let same = vec![agent(&[q(1, 3), q(2, 3)], &w2, q(1, 1)); 4];
    let identical = base("four identical types".into(), Population::Finite(same), unit_box(2));

    let mut two_point = one_dimensional(ten_to(12), q(1, 1000));
    if let Population::Finite(types) = &mut two_point.population {
        types.remove(1);
    }
    two_point.name = "line -1,1 even split n=1e12".into();

    [one, identical, two_point]
        .into_iter()
        .map(|instance| Member { family: "degenerate", instance })
        .collect()
}

/// The triangle with α at half of and at the top of Lemma 5.1's range,
/// √n w_max² d_max² / w_min = 2√n, where the clamp binds for everybody.
fn alpha_range_family() -> Vec<Member> {
    let mut out = Vec::new();
    for (n, root) in [(ten_to(2), 10i64), (ten_to(6), 1000)] {
        for (num, den) in [(1i64, 1i64), (2, 1)] {
            let mut inst = triangle(n.clone(), q(1, 100));
            inst.alpha = Alpha::Exact(q(num * root, den));
            inst.name = format!("{} α={}", inst.name, num * root);
            out.push(Member { family: "alpha-range", instance: inst });
        }
    }
    out
}

/// Weight boxes at several scales and spreads.
fn weight_boxes() -> Vec<(Rational, Rational)> {
    vec![
        (q(1, 1), q(1, 1)),
        (q(1, 10), q(1, 1)),
        (q(1, 1), q(4, 1)),
        (q(1000, 1), q(3000, 1)),
        (q(1, 1000), q(1, 100)),
    ]
}

fn random_finite_family(seed: u64) -> Vec<Member> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    for m in [1usize, 2, 3, 4, 6, 8] {
        for k in 0..6 {
            let inst = random_finite(&mut rng, m, k);
            out.push(Member { family: "random-finite", instance: inst });
        }
    }
    out
}

fn random_finite(rng: &mut ChaCha8Rng, m: usize, k: usize) -> Instance {
    let n_exp = [2u32, 4, 8, 16, 30, 40][k % 6];
    let n = ten_to(n_exp);
    let (w_min, w_max) = weight_boxes().choose(rng).cloned().expect("non-empty");
    let gamma = [q(1, 1_000_000_000_000), q(1, 1000), q(1, 10), q(1, 2), q(1, 1)]
        .choose(rng)
        .cloned()
        .expect("non-empty");
    let alpha = match rng.gen_range(0..4) {
        0 => schedule(q(-7, 8)),
        1 => schedule(q(-3, 4)),
        2 => Alpha::Exact(q(1, 10)),
        _ => Alpha::Exact(Rational::from((1, Integer::from(10).pow(30)))),
    };
    let ball = rng.gen_bool(0.5);
    let outcome_set = if ball {
        OutcomeSet::Ball { center: vec![q(0, 1); m], radius: q(1, 1) }
    } else {
        unit_box(m)
    };
    let n_types = rng.gen_range(2..=10);
    let types = (0..n_types)
        .map(|_| AgentType {
            y: random_point(rng, m, ball),
            w: (0..m).map(|_| on_grid(rng, &w_min, &w_max)).collect(),
            mass: q(rng.gen_range(1..=8), 1),
        })
        .collect();
    let name = format!("random m={m} #{k} n=1e{n_exp}");
    Instance {
        name,
        n,
        alpha,
        gamma,
        w_min,
        w_max,
        outcome_set,
        population: Population::Finite(types),
        epsilon: None,
        start: Start::LowerCorner,
    }
}

/// A point on the grid of sixteenths inside the unit box, or inside the
/// unit ball (coordinates in [−1/√m, 1/√m], which the ball contains).
fn random_point(rng: &mut ChaCha8Rng, m: usize, ball: bool) -> Vec<Rational> {
    (0..m)
        .map(|_| {
            if ball {
                // ⌊√⌊256/m⌋⌋ ≤ 16/√m keeps the point inside the ball.
                let reach = Integer::from(256 / m as u32).sqrt().to_i64().expect("small");
                q(rng.gen_range(-reach..=reach), 16)
            } else {
                q(rng.gen_range(0..=16), 16)
            }
        })
        .collect()
}

/// A value on a grid of 16 steps in [lo, hi].
fn on_grid(rng: &mut ChaCha8Rng, lo: &Rational, hi: &Rational) -> Rational {
    let step = Rational::from(hi - lo) / 16u32;
    lo.clone() + step * rng.gen_range(0..=16u32)
}

fn density_family(seed: u64) -> Vec<Member> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xD3);
    let mut out = Vec::new();
    for m in [1usize, 2, 3] {
        for (k, n_exp) in [3u32, 8, 20].into_iter().enumerate() {
            let cells = random_cells(&mut rng, m);
            let name = format!("density m={m} #{k} n=1e{n_exp}");
            let mut inst = base(name, Population::Density(cells), unit_box(m));
            inst.w_max = q(2, 1);
            inst.n = ten_to(n_exp);
            out.push(Member { family: "density", instance: inst });
        }
    }
    out
}

/// One to three disjoint cells in the unit box: halves along the first axis.
fn random_cells(rng: &mut ChaCha8Rng, m: usize) -> Vec<Cell> {
    let n_cells = rng.gen_range(1..=3usize);
    (0..n_cells)
        .map(|c| {
            let mut lo = vec![q(0, 1); m];
            let mut hi = vec![q(1, 1); m];
            lo[0] = q(c as i64, n_cells as i64);
            hi[0] = q(c as i64 + 1, n_cells as i64);
            let w = (0..m).map(|_| on_grid(rng, &q(1, 1), &q(2, 1))).collect();
            Cell { lo, hi, w, mass: q(rng.gen_range(1..=4), 1) }
        })
        .collect()
}

/// Prints a power of ten as 1eK and anything else exactly.
fn pretty(n: &Rational) -> String {
    let s = n.to_string();
    let zeros = s.len() - s.trim_end_matches('0').len();
    if s.starts_with('1') && zeros + 1 == s.len() && zeros >= 3 {
        format!("1e{zeros}")
    } else {
        s
    }
}
