//! Instances shared by the unit tests of the lemma and proof modules.
//!
//! Each is written as an instance file would be, parsed and solved at 256
//! bits, so a test reads like a user's `check --instance`.

use crate::numeric::Context;
use crate::solved::Solved;

/// α = n^(−7/8), the schedule of Lemma A.1, as an instance file writes it.
pub const N_POWER: &str = r#"{"power_of_n": "-7/8"}"#;

/// Parses an instance file's text and solves it at 256 bits.
pub fn solve(text: &str) -> Solved {
    let instance = crate::instance_file::from_str(text).unwrap();
    crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap()
}

/// Three types at (y0, 0), (1, 0), (0, 1) with weights 1 and equal masses,
/// γ = 1/100, in the unit square.
pub fn triangle(n: &str, alpha: &str, y0: &str) -> Solved {
    solve(&format!(
        r#"{{"name": "triangle", "n": "{n}", "alpha": {alpha}, "gamma": "1/100",
        "weight_box": {{"min": "1", "max": "1"}},
        "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["1", "1"]}}}},
        "population": {{"types": [
            {{"y": ["{y0}", "0"], "w": ["1", "1"], "mass": "1"}},
            {{"y": ["1", "0"], "w": ["1", "1"], "mass": "1"}},
            {{"y": ["0", "1"], "w": ["1", "1"], "mass": "1"}}]}}}}"#
    ))
}

/// The same triangle with unequal weights in [1, 2] and α = n^(−7/8), as text.
pub fn weighted_triangle(n: &str, gamma: &str) -> String {
    format!(
        r#"{{"name": "triangle", "n": "{n}", "alpha": {{"power_of_n": "-7/8"}},
        "gamma": "{gamma}", "weight_box": {{"min": "1", "max": "2"}},
        "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["1", "1"]}}}},
        "population": {{"types": [
          {{"y": ["0", "0"], "w": ["1", "2"], "mass": "1"}},
          {{"y": ["1", "0"], "w": ["2", "1"], "mass": "1"}},
          {{"y": ["0", "1"], "w": ["1", "1"], "mass": "1"}}]}}}}"#
    )
}

/// Ideal points uniform on [0, 1], w = 1, n = 10⁶, γ = 1/100, with
/// Lemma 5.3's cell side `epsilon`.
pub fn segment(epsilon: &str, alpha: &str) -> Solved {
    solve(&format!(
        r#"{{"name": "segment", "n": "1e6", "alpha": {alpha}, "gamma": "1/100",
        "weight_box": {{"min": "1", "max": "1"}},
        "outcome_set": {{"box": {{"lo": ["0"], "hi": ["1"]}}}},
        "population": {{"cells": [{{"lo": ["0"], "hi": ["1"], "w": ["1"], "mass": "1"}}]}},
        "epsilon": "{epsilon}"}}"#
    ))
}

/// Encloses a solved instance, failing the test when its box does not close.
pub fn enclosed(s: &Solved) -> crate::enclosure::Enclosure {
    crate::enclosure::enclose(s).unwrap_or_else(|why| panic!("the box does not close: {why:?}"))
}

/// Returns a certification's checks, failing on any other outcome.
pub fn certified_checks(c: crate::certify::Certification) -> Vec<crate::certify::Enclosed> {
    match c {
        crate::certify::Certification::Checks(checks) => checks,
        other => panic!("expected checks, got {other:?}"),
    }
}

/// Returns the labels of an evaluation's statement checks.
pub fn statement_labels(e: &crate::verdict::Evaluation) -> Vec<String> {
    e.statement_checks().iter().map(|c| c.label.clone()).collect()
}

/// Certifies a lemma on `s` and asserts what every certified test of a
/// statement starts from: each check is proven to hold, and the checks
/// carry the labels `evaluate` gives the statement, in the same order
/// (so the report can pair the two verdicts).
pub fn assert_certified_holds(
    s: &Solved,
    certify: fn(&Solved, &crate::enclosure::Enclosure) -> crate::certify::Certification,
    evaluate: fn(&Solved) -> crate::Result<crate::verdict::Evaluation>,
) -> Vec<crate::certify::Enclosed> {
    let checks = certified_checks(certify(s, &enclosed(s)));
    for k in &checks {
        assert_eq!(k.proven(), crate::certify::Proven::Holds, "{}", k.label);
    }
    let labels: Vec<String> = checks.iter().map(|k| k.label.clone()).collect();
    assert_eq!(labels, statement_labels(&evaluate(s).unwrap()));
    checks
}
