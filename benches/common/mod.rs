//! The benches' shared instance: a random finite population on exact grids.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rug::Rational;

use equal_power::population::{AgentType, Alpha, Instance, OutcomeSet, Population, Start};

/// A random finite population of `k` types in `m` issues, from a fixed seed:
/// ideal points on a grid of 1/64 in the unit box, weights in [1, 2].
pub fn population(k: usize, m: usize) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let grid = |rng: &mut ChaCha8Rng| Rational::from((rng.gen_range(0..=64), 64));
    let types = (0..k)
        .map(|_| AgentType {
            y: (0..m).map(|_| grid(&mut rng)).collect(),
            w: (0..m).map(|_| Rational::from((rng.gen_range(4..=8), 4))).collect(),
            mass: Rational::from(rng.gen_range(1..=4)),
        })
        .collect();
    Instance {
        name: format!("bench k={k} m={m}"),
        n: Rational::from(1_000_000),
        alpha: Alpha::PowerOfN {
            coefficient: Rational::from(1),
            exponent: Rational::from((-7, 8)),
        },
        gamma: Rational::from((1, 100)),
        w_min: Rational::from(1),
        w_max: Rational::from(2),
        outcome_set: OutcomeSet::Box {
            lo: vec![Rational::new(); m],
            hi: vec![Rational::from(1); m],
        },
        population: Population::Finite(types),
        epsilon: None,
        start: Start::LowerCorner,
    }
    .validated()
    .expect("valid by construction")
}
