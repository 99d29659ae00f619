//! Bounded property tests over generated instances (issue 4): for every
//! lemma, instances valid by construction never produce a harness error and
//! never violate the statement; and the model's invariances hold on them.
//! The case count and the seed are fixed, so the run is the same everywhere.

use equal_power::lemmas;
use equal_power::population::{AgentType, Alpha, Instance, OutcomeSet, Population, Start};
use equal_power::runner;
use equal_power::verdict::Verdict;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use rug::ops::Pow;
use rug::{Float, Integer, Rational};

use crate::common::ctx;

fn q(num: i64, den: i64) -> Rational {
    Rational::from((num, den))
}

/// One type on the grid: coordinates in sixteenths of [0, 1], weights in
/// sixteenths of [1, 3], a mass from 1 to 8.
fn agent_type(m: usize) -> impl Strategy<Value = AgentType> {
    (prop::collection::vec(0..=16i64, m), prop::collection::vec(0..=16i64, m), 1..=8i64).prop_map(
        |(y, w, mass)| AgentType {
            y: y.into_iter().map(|v| q(v, 16)).collect(),
            w: w.into_iter().map(|v| q(16 + 2 * v, 16)).collect(),
            mass: q(mass, 1),
        },
    )
}

/// A finite instance in 1 to 4 issues with n from 1 to 1e30, α on the
/// schedule n^(−7/8) or a power of ten, γ in (0, 1].
fn instance() -> impl Strategy<Value = Instance> {
    (1..=4usize)
        .prop_flat_map(|m| {
            (
                prop::collection::vec(agent_type(m), 1..=5),
                0..=30u32,
                prop::bool::ANY,
                1..=12u32,
                1..=16i64,
            )
        })
        .prop_map(|(types, n_exp, on_schedule, alpha_exp, gamma)| {
            let m = types[0].y.len();
            let alpha = if on_schedule {
                Alpha::PowerOfN { coefficient: q(1, 1), exponent: q(-7, 8) }
            } else {
                Alpha::Exact(Rational::from((1, Integer::from(10).pow(alpha_exp))))
            };
            Instance {
                name: format!("property m={m} n=1e{n_exp}"),
                n: Rational::from(Integer::from(10).pow(n_exp)),
                alpha,
                gamma: q(gamma, 16),
                w_min: q(1, 1),
                w_max: q(3, 1),
                outcome_set: OutcomeSet::Box { lo: vec![q(0, 1); m], hi: vec![q(1, 1); m] },
                population: Population::Finite(types),
                epsilon: None,
                start: Start::LowerCorner,
            }
        })
}

fn config() -> Config {
    Config { cases: 24, rng_seed: RngSeed::Fixed(20_261_203), ..Config::default() }
}

proptest! {
    #![proptest_config(config())]

    /// Source: every lemma module. No statement is violated and no value is
    /// NaN on a valid instance; unmet hypotheses are allowed and counted.
    #[test]
    fn no_lemma_statement_is_violated_on_generated_instances(inst in instance()) {
        let run = runner::run_one(&ctx(), "property", &inst, &lemmas::registry());
        let run = run.map_err(|e| TestCaseError::fail(e.message))?;
        for (number, eval) in &run.evaluations {
            prop_assert_ne!(eval.verdict(), Verdict::Violated, "{} on {:?}", number, inst);
        }
    }

    /// Source: issue 4, metamorphic checks. Reversing the order of the types
    /// and splitting the first type into two halves leave x and every λ unchanged.
    #[test]
    fn permuting_and_splitting_types_leave_outcome_and_multipliers(inst in instance()) {
        let solve = |i: &Instance| runner::run_one(&ctx(), "property", i, &[]).unwrap().solved;
        let base = solve(&inst);

        let Population::Finite(types) = &inst.population else { unreachable!() };
        let mut reversed = inst.clone();
        reversed.population = Population::Finite(types.iter().rev().cloned().collect());
        let mut split = inst.clone();
        let mut halves = types.clone();
        halves[0].mass /= 2u32;
        halves.push(halves[0].clone());
        split.population = Population::Finite(halves);

        let k = types.len();
        for (variant, map) in [(reversed, (0..k).rev().collect::<Vec<_>>()), (split, (0..k).collect())] {
            let other = solve(&variant);
            for j in 0..base.params.m {
                prop_assert!(close(&base.eq.x[j], &other.eq.x[j]), "x_{}", j);
            }
            for (i, &mapped) in map.iter().enumerate() {
                let (a, b) = (&base.programs[i].lambda, &other.programs[mapped].lambda);
                prop_assert!(close(a, b), "λ of type {}: {} vs {}", i, a, b);
            }
        }
    }
}

/// Agreement to 2^-150 relative (or absolute below 2^-200): far below any
/// margin, far above the solver's residual of about 2^-232.
fn close(a: &Float, b: &Float) -> bool {
    let scale = Float::with_val(a.prec(), a.abs_ref()).max(&Float::with_val(b.prec(), b.abs_ref()));
    let gap = Float::with_val(a.prec(), a - b).abs();
    gap <= scale * (ctx().int(1) >> 150u32) + (ctx().int(1) >> 200u32)
}
