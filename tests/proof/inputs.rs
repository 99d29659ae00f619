//! The inputs of issue 2 that must behave: exact masses, closed-form outcomes,
//! an agent at the outcome, extreme multipliers, pre-asymptotic instances.

use equal_power::lemmas;
use equal_power::population::Population;
use equal_power::verdict::Verdict;
use rug::ops::Pow;
use rug::Rational;

use crate::common::{ctx, instance, solve, triangle};

#[test]
fn decimal_masses_sum_to_exactly_one() {
    let inst = instance(
        r#"{"n": "10", "alpha": "1/10", "gamma": "1/10", "weight_box": {"min": "1", "max": "1"},
        "outcome_set": {"box": {"lo": ["0"], "hi": ["1"]}},
        "population": {"types": [{"y": ["0"], "w": ["1"], "mass": "0.1"},
          {"y": ["1/2"], "w": ["1"], "mass": "0.2"}, {"y": ["1"], "w": ["1"], "mass": "0.7"}]}}"#,
    );
    let Population::Finite(types) = &inst.population else { panic!("finite") };
    let total: Rational = types.iter().map(|t| &t.mass).sum();
    assert_eq!(total, Rational::from(1));
    assert_eq!(types[0].mass, Rational::from((1, 10)));
}

#[test]
fn binary_float_masses_are_refused() {
    let err = equal_power::instance_file::from_str(
        r#"{"n": "10", "alpha": "1/10", "gamma": "1/10", "weight_box": {"min": "1", "max": "1"},
        "outcome_set": {"box": {"lo": ["0"], "hi": ["1"]}},
        "population": {"types": [{"y": ["0"], "w": ["1"], "mass": 0.1}]}}"#,
    )
    .unwrap_err();
    assert!(err.message.contains("types[0].mass"), "{}", err.message);
}

/// Source: issue 2; the weighted geometric median of the triangle's corners.
#[test]
fn triangle_outcome_is_the_geometric_median() {
    let s = solve(&triangle("1e6", "1/100"));
    let ctx = ctx();
    let expected = (ctx.int(3) - ctx.int(3).sqrt()) / 6u32;
    let tolerance = ctx.int(1) >> 240u32;
    for j in 0..2 {
        let gap = (s.eq.x[j].clone() - &expected).abs();
        assert!(gap < tolerance, "x_{j} is off by {gap}");
    }
    assert!((0..3).all(|i| s.is_normal(i)), "nobody is clamped");
}

fn line(n: &str, gamma: &str) -> equal_power::population::Instance {
    instance(&format!(
        r#"{{"n": "{n}", "alpha": {{"power_of_n": "-7/8"}}, "gamma": "{gamma}",
        "weight_box": {{"min": "1", "max": "1"}},
        "outcome_set": {{"box": {{"lo": ["-1"], "hi": ["1"]}}}},
        "population": {{"types": [{{"y": ["-1"], "w": ["1"], "mass": "1/4"}},
          {{"y": ["0"], "w": ["1"], "mass": "1/2"}}, {{"y": ["1"], "w": ["1"], "mass": "1/4"}}]}}}}"#
    ))
}

/// Source: issue 2; x = 0 lands on the middle type, whose program is slack.
#[test]
fn agent_at_the_outcome_is_slack_and_clamped() {
    let s = solve(&line("4", "1/100"));
    let tiny = ctx().int(1) >> 240u32;
    assert!(s.eq.x[0].clone().abs() < tiny, "x = {}", s.eq.x[0]);
    assert!(!s.programs[1].tight);
    assert!(s.programs[1].lambda.is_zero());
    assert!(!s.is_normal(1), "the middle type is clamped, outside N̂");
    for lemma in lemmas::registry() {
        (lemma.evaluate)(&s).unwrap_or_else(|e| panic!("{}: {}", lemma.number, e.message));
    }
}

fn assert_constraint_to_full_precision(s: &equal_power::solved::Solved) {
    let floor = s.ctx.int(1) >> (s.ctx.prec() - 16);
    for (i, p) in s.programs.iter().enumerate() {
        assert!(p.tight, "type {i} should be tight");
        let gap = (p.power.clone() - &s.params.gamma).abs() / &s.params.gamma;
        assert!(gap < floor, "type {i}: constraint off by {gap}");
        assert!(p.stationarity < floor, "type {i}: stationarity {}", p.stationarity);
    }
}

#[test]
fn large_multiplier_is_found_to_working_precision() {
    let s = solve(&triangle("1e6", "1e-12"));
    assert_constraint_to_full_precision(&s);
    assert!(s.programs[0].lambda > 100_000u32, "λ ≈ 1/√γ = 1e6");
}

#[test]
fn huge_n_is_solved_to_working_precision() {
    let s = solve(&triangle("1e40", "1/100"));
    assert_constraint_to_full_precision(&s);
}

/// Source: issue 2; bounds needing η > 0, η ≥ 1 or γ ≤ 1 are unmet, never violated.
#[test]
fn pre_asymptotic_instances_are_unmet_not_violated() {
    for (n, gamma) in [("4", "4"), ("100", "4")] {
        let s = solve(&triangle(n, gamma));
        assert!(s.params.eta() < 0u32, "n = {n}: η = {}", s.params.eta());
        for number in ["C.5", "C.6", "D.2", "D.3", "D.5"] {
            let lemma = lemmas::find(number).unwrap();
            let eval = (lemma.evaluate)(&s).unwrap();
            assert_eq!(eval.verdict(), Verdict::Unmet, "{number} at n = {n}, γ = {gamma}");
        }
    }
}

/// A tiny but valid γ: λ ≈ 1/√γ = 1e1500 lies far beyond the working
/// precision's exponent span of a fixed bracket search, and is still found.
#[test]
fn extremely_small_gamma_still_brackets_the_multiplier() {
    let s = solve(&triangle("1e6", "1e-3000"));
    assert_constraint_to_full_precision(&s);
    assert!(s.programs[0].lambda > ctx().int(10).pow(1400u32));
}
