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
