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

/// Evaluates one lemma on a generated instance: no harness error, no violation.
fn lemma_holds_or_is_unmet(number: &str, inst: &Instance) -> Result<(), TestCaseError> {
    let lemma = lemmas::find(number).unwrap();
    let run = runner::run_one(&ctx(), "property", inst, std::slice::from_ref(&lemma))
        .map_err(|e| TestCaseError::fail(e.message))?;
    prop_assert_ne!(run.evaluations[0].1.verdict(), Verdict::Violated, "{} on {:?}", number, inst);
    Ok(())
}

macro_rules! per_lemma_property {
    ($($test:ident => $number:literal),* $(,)?) => {
        proptest! {
            #![proptest_config(Config { cases: 12, ..config() })]
            $(
                #[test]
                fn $test(inst in instance()) {
                    lemma_holds_or_is_unmet($number, &inst)?;
                }
            )*
        }
    };
}

per_lemma_property! {
    property_5_1 => "5.1", property_5_3 => "5.3", property_b1 => "B.1", property_b2 => "B.2",
    property_b3 => "B.3", property_b4 => "B.4", property_c1 => "C.1", property_c2 => "C.2",
    property_c3 => "C.3", property_c4 => "C.4", property_c5 => "C.5", property_c6 => "C.6",
    property_d1 => "D.1", property_d2 => "D.2", property_d3 => "D.3", property_d4 => "D.4",
    property_d5 => "D.5",
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

proptest! {
    #![proptest_config(config())]

    /// Source: issue 4, metamorphic checks. Merging two identical types
    /// (adding their masses) changes nothing; tripling an unclamped type's
    /// weights leaves x, every λ and every verdict unchanged and divides its
    /// scaling by 3. The weight box is [1, 9] with weights drawn in [1, 3],
    /// so the tripled weights stay inside it and no constant of a lemma moves.
    #[test]
    fn merging_types_and_rescaling_weights_change_nothing(inst in instance()) {
        let mut inst = inst;
        inst.w_max = q(9, 1);
        let all = lemmas::registry();
        let run = |i: &Instance| runner::run_one(&ctx(), "property", i, &all).unwrap();
        let base = run(&inst);
        let Population::Finite(types) = &inst.population else { unreachable!() };

        let mut doubled = inst.clone();
        let mut list = types.clone();
        list[0].mass /= 2u32;
        list.insert(1, list[0].clone());
        doubled.population = Population::Finite(list);
        let merged_back = run(&doubled);
        for j in 0..base.solved.params.m {
            prop_assert!(close(&base.solved.eq.x[j], &merged_back.solved.eq.x[j]));
        }

        let Some(k) = (0..types.len()).find(|&k| base.solved.is_normal(k)) else {
            return Ok(());
        };
        let mut tripled = inst.clone();
        let mut list = types.clone();
        list[k].w = list[k].w.iter().map(|w| w.clone() * 3u32).collect();
        tripled.population = Population::Finite(list);
        let other = run(&tripled);
        for j in 0..base.solved.params.m {
            prop_assert!(close(&base.solved.eq.x[j], &other.solved.eq.x[j]), "x_{}", j);
        }
        for i in 0..types.len() {
            let (a, b) = (&base.solved.programs[i].lambda, &other.solved.programs[i].lambda);
            prop_assert!(close(a, b), "λ of type {}", i);
        }
        let third = base.solved.eq.c[k].clone() / 3u32;
        prop_assert!(close(&third, &other.solved.eq.c[k]), "c of type {}", k);
        for ((number, a), (_, b)) in base.evaluations.iter().zip(&other.evaluations) {
            prop_assert_eq!(a.verdict(), b.verdict(), "{}", number);
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// Source: Section 1.2's remark that rescaling an issue rescales q_j.
    /// Measuring issue 1 in units twice as small (y_i1 → 2 y_i1, χ doubled)
    /// while dividing every w_i1 by 4 leaves every utility unchanged, so x_1
    /// doubles, x_j (j > 1) stays, and every c_i and λ_i is unchanged.
    #[test]
    fn rescaling_one_issue_rescales_only_its_outcome(inst in instance()) {
        let mut inst = inst;
        inst.w_min = q(1, 4);
        let solve = |i: &Instance| runner::run_one(&ctx(), "property", i, &[]).unwrap().solved;
        let base = solve(&inst);

        let mut scaled = inst.clone();
        if let Population::Finite(types) = &mut scaled.population {
            for t in types.iter_mut() {
                t.y[0] *= 2u32;
                t.w[0] /= 4u32;
            }
        }
        if let OutcomeSet::Box { hi, .. } = &mut scaled.outcome_set {
            hi[0] = q(2, 1);
        }
        let other = solve(&scaled);

        let doubled = base.eq.x[0].clone() * 2u32;
        prop_assert!(close(&doubled, &other.eq.x[0]), "x_1: {} vs {}", doubled, other.eq.x[0]);
        for j in 1..base.params.m {
            prop_assert!(close(&base.eq.x[j], &other.eq.x[j]), "x_{}", j + 1);
        }
        for i in 0..base.types.len() {
            prop_assert!(close(&base.eq.c[i], &other.eq.c[i]), "c of type {}", i);
            let (a, b) = (&base.programs[i].lambda, &other.programs[i].lambda);
            prop_assert!(close(a, b), "λ of type {}: {} vs {}", i, a, b);
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
