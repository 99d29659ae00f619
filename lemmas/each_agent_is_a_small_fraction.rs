//! Each type's weight on an issue is a small fraction of society's (Lemma B.4).
//!
//! # Statement
//!
//! ```text
//! ∀i, j:  Q_j = ∫ p(k) c_k w_kj dk ≥ β √n α c_i w_ij,   β = w_min² / (4 w_max³ d_max²)
//! ```
//!
//! # Hypotheses
//!
//! The proof is Lemma B.3 plus c_i ≤ √n/α and w_ij ≤ w_max, so it inherits
//! B.3's hypotheses:
//!
//! 1. Every ideal point lies in χ: [`hypotheses::IDEAL_POINTS_IN_CHI`].
//! 2. ∫_{k∈N̂} p(k) dk ≥ 1/2, B.3's "large enough n": [`hypotheses::NORMAL_MASS_HALF`].
//! 3. c = f(c): holds to the residual ρ (and, for a density, the quadrature
//!    error), which enter the error bound.
//!
//! # Numerical check
//!
//! Q_j = Σ_k s_k c_k w_kj against β √n α c_i w_ij, one check per (i, j) while
//! there are at most 400 pairs; beyond that one check per type i, at the
//! issue j with the smallest ratio Q_j / (c_i w_ij). Both sides rest on
//! c = f(c): fixed-point bound on the magnitude of each side.
//!
//! Certified: Q_j summed from its definition over the enclosed c* (as in
//! Lemma B.3's certified form, a definition, not that lemma) against
//! β √n α c_i w_ij with c_i and β enclosed; the same pairs and labels as
//! `evaluate`, with no residual bound.
//!
//! # Differences from the paper
//!
//! None: the statement is encoded as written, with β as defined after the
//! lemma ([`crate::equilibrium::Params::beta`]).

use crate::interval::Interval;
use rug::Float;

use crate::certify::{self, Certification, Enclosed};
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::lemmas::aggregate_weight_is_large::aggregate_weights;
use crate::lemmas::hypotheses::{self, IDEAL_POINTS_IN_CHI, NORMAL_MASS_HALF};
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Hypotheses, Relation, Sensitivity};

pub const NUMBER: &str = "B.4";
pub const STATEMENT: &str = "∀i, j: ∫ p(k) c_k w_kj dk ≥ β √n α c_i w_ij, \
    β = w_min²/(4 w_max³ d_max²)";
pub const HYPOTHESES: &[&str] = &[IDEAL_POINTS_IN_CHI, NORMAL_MASS_HALF];
pub const METHOD: &str = "Q_j = Σ_k s_k c_k w_kj against β √n α c_i w_ij for every (i, j), \
    or per type at the issue with the smallest Q_j/(c_i w_ij) beyond 400 pairs; \
    fixed-point bound on both sides";

/// The most (i, j) pairs checked one by one.
const MAX_PAIRS: usize = 400;

/// Evaluates Lemma B.4.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    let mut required = Hypotheses::default();
    required
        .require(hypotheses::ideal_points_in_chi(s), IDEAL_POINTS_IN_CHI)
        .require(hypotheses::normal_mass_half(s), NORMAL_MASS_HALF);
    if let Some(unmet) = required.unmet() {
        return Ok(Evaluation::unmet(unmet));
    }

    let prec = s.ctx.prec();
    let p = &s.params;
    let m = p.m;
    let factor = p.beta() * p.n.clone().sqrt() * &p.alpha;
    let every_pair = s.types.len() * m <= MAX_PAIRS;
    let mut checks = Vec::new();
    for (i, (t, c)) in s.types.iter().zip(&s.eq.c).enumerate() {
        let issues: Vec<usize> =
            if every_pair { (0..m).collect() } else { vec![worst_issue(s, i)] };
        for j in issues {
            let big_q = s.eq.big_q[j].clone();
            let rhs = Float::with_val(prec, &factor * c) * &t.w[j];
            let (lhs_error, how) = error_bound(s, &big_q, Sensitivity::FixedPoint);
            let (rhs_error, _) = error_bound(s, &rhs, Sensitivity::FixedPoint);
            let bound = (lhs_error + rhs_error, format!("{how}, for each side"));
            let which = if every_pair { "" } else { ", the issue of smallest ratio" };
            let label = format!("i = {}, j = {}{which}: Q_j ≥ β √n α c_i w_ij", i + 1, j + 1);
            checks.push(Check::new(label, big_q, Relation::Ge, rhs, bound)?);
        }
    }
    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// Returns the issue j with the smallest Q_j / w_ij for type i (c_i is common).
fn worst_issue(s: &Solved, i: usize) -> usize {
    let prec = s.ctx.prec();
    let w = &s.types[i].w;
    let ratio = |j: usize| Float::with_val(prec, &s.eq.big_q[j] / &w[j]);
    (1..s.params.m).fold(0, |best, j| if ratio(j) < ratio(best) { j } else { best })
}

/// Certifies the statement on the enclosure of the exact fixed point.
///
/// Beyond [`MAX_PAIRS`] pairs the issue per type is the one `evaluate`
/// picks from the solver's values: which pair is checked needs no
/// certainty, only each check's two sides do.
pub fn certify(s: &Solved, e: &Enclosure) -> Certification {
    let mut required = certify::Hypotheses::default();
    required
        .require(Some(hypotheses::ideal_points_in_chi(s)), IDEAL_POINTS_IN_CHI)
        .require(certify::hypotheses::normal_mass_half(e), NORMAL_MASS_HALF);
    if let Some(verdict) = required.verdict() {
        return verdict;
    }

    let p = &e.params;
    let factor = &(&p.beta() * &p.n.sqrt()) * &p.alpha;
    let big_q = aggregate_weights(e);
    let every_pair = e.types.len() * p.m <= MAX_PAIRS;
    let mut checks = Vec::new();
    for (i, (t, c)) in e.types.iter().zip(&e.c).enumerate() {
        if every_pair {
            for j in 0..p.m {
                let rhs = &(&factor * c) * &t.w[j];
                let label = format!("i = {}, j = {}: Q_j ≥ β √n α c_i w_ij", i + 1, j + 1);
                checks.push(Enclosed::new(label, big_q[j].clone(), Relation::Ge, rhs));
            }
            continue;
        }
        // Beyond MAX_PAIRS the float path checks one issue per type; the
        // certified check covers every issue at once, since Q_j ≥ k w_ij
        // for all j is min_j Q_j / w_ij ≥ k, and an interval min is sound.
        let ratios: Vec<Interval> = (0..p.m).map(|j| big_q[j].div(&t.w[j])).collect();
        let least = ratios.iter().skip(1).fold(ratios[0].clone(), |a, b| a.min(b));
        let label = format!("i = {}, every j: min_j Q_j / w_ij ≥ β √n α c_i", i + 1);
        checks.push(Enclosed::new(label, least, Relation::Ge, &factor * c));
    }
    Certification::Checks(checks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certify::Proven;
    use crate::interval::Interval;
    use crate::numeric::Context;
    use crate::verdict::Verdict;

    /// Three types at (0,0), (1,0), (0,1) with equal masses.
    fn triangle(n: &str, alpha: &str, y0: &str, w0: &str) -> Solved {
        let text = format!(
            r#"{{"name": "triangle", "n": "{n}", "alpha": {alpha}, "gamma": "1/100",
            "weight_box": {{"min": "1", "max": "2"}},
            "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["1", "1"]}}}},
            "population": {{"types": [
                {{"y": ["{y0}", "0"], "w": ["{w0}", "1"], "mass": "1"}},
                {{"y": ["1", "0"], "w": ["1", "1"], "mass": "1"}},
                {{"y": ["0", "1"], "w": ["1", "1"], "mass": "1"}}]}}}}"#
        );
        let instance = crate::instance_file::from_str(&text).unwrap();
        crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap()
    }

    const N_POWER: &str = r#"{"power_of_n": "-7/8"}"#;

    // Appendix B.3, Lemma B.4 on the triangle, one type with weights (2, 1).
    #[test]
    fn holds_on_the_triangle() {
        let s = triangle("1e6", N_POWER, "0", "2");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.checks.len(), 3 * 2);
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
    }

    #[test]
    fn worst_issue_has_the_largest_weight_relative_to_q() {
        let s = triangle("1e6", N_POWER, "0", "2");
        let j = worst_issue(&s, 0);
        let ratio = |j: usize| s.eq.big_q[j].clone() / &s.types[0].w[j];
        assert!(ratio(j) <= ratio(1 - j));
    }

    #[test]
    fn one_check_per_type_beyond_400_pairs() {
        // A uniform density on the unit cube: 6³ = 216 nodes, 648 pairs.
        let text = r#"{"name": "cube", "n": "1e6", "alpha": {"power_of_n": "-7/8"},
            "gamma": "1/100", "weight_box": {"min": "1", "max": "2"},
            "outcome_set": {"box": {"lo": ["0", "0", "0"], "hi": ["1", "1", "1"]}},
            "population": {"cells": [{"lo": ["0", "0", "0"], "hi": ["1", "1", "1"],
                                      "w": ["1", "2", "1"], "mass": "1"}]},
            "epsilon": "1/2"}"#;
        let instance = crate::instance_file::from_str(text).unwrap();
        let s = crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap();
        let e = evaluate(&s).unwrap();
        assert_eq!(e.checks.len(), s.types.len());
        assert!(e.checks.iter().all(|c| c.label.contains("the issue of smallest ratio")));
        assert_ne!(e.verdict(), Verdict::Violated);
    }

    #[test]
    fn unmet_when_most_mass_is_clamped() {
        // n = 100, α = 10: every type is clamped, N̂ is empty.
        let s = triangle("100", r#""10""#, "0", "1");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.unmet, vec![NORMAL_MASS_HALF.to_string()]);
    }

    #[test]
    fn unmet_when_an_ideal_point_leaves_chi() {
        let s = triangle("1e6", N_POWER, "2", "1");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.unmet, vec![IDEAL_POINTS_IN_CHI.to_string()]);
    }

    #[test]
    fn sharpened_bound_is_violated() {
        let s = triangle("1e6", N_POWER, "0", "2");
        let e = evaluate(&s).unwrap();
        let check = e.tightest().unwrap();
        // Past the margin by more than the error bound, measured against the bound.
        let past = check.margin() + check.error.clone();
        let t = past / check.rhs.clone().abs() * s.ctx.ratio(1025, 1024);
        assert_eq!(check.sharpened(&t).verdict, Verdict::Violated);
    }

    fn certified(s: &Solved) -> Vec<Enclosed> {
        match certify(s, &crate::enclosure::enclose(s).unwrap()) {
            Certification::Checks(checks) => checks,
            other => panic!("{other:?}"),
        }
    }

    fn statement_labels(s: &Solved) -> Vec<String> {
        let e = evaluate(s).unwrap();
        let statement = e.checks.iter().filter(|c| c.role == crate::verdict::Role::Statement);
        statement.map(|c| c.label.clone()).collect()
    }

    // Appendix B.3, Lemma B.4 at the exact fixed point of the weighted triangle.
    #[test]
    fn certified_on_the_triangle() {
        let s = triangle("1e6", N_POWER, "0", "2");
        let checks = certified(&s);
        let labels: Vec<String> = checks.iter().map(|k| k.label.clone()).collect();
        assert_eq!(labels, statement_labels(&s));
        assert!(checks.iter().all(|k| k.proven() == Proven::Holds), "{checks:?}");
    }

    #[test]
    fn certified_per_type_beyond_400_pairs() {
        // 201 types in 2 issues: 402 pairs, one certified check per type that
        // covers both issues (the float path checks only the worst one).
        let types: Vec<String> = (0..201)
            .map(|k| {
                let w = if k % 2 == 0 { r#"["1", "2"]"# } else { r#"["2", "1"]"# };
                format!(r#"{{"y": ["{k}/200", "{}/200"], "w": {w}, "mass": "1"}}"#, (7 * k) % 201)
            })
            .collect();
        let text = format!(
            r#"{{"name": "many", "n": "1e6", "alpha": {N_POWER}, "gamma": "1/100",
            "weight_box": {{"min": "1", "max": "2"}},
            "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["2", "2"]}}}},
            "population": {{"types": [{}]}}}}"#,
            types.join(", ")
        );
        let s = crate::fixtures::solve(&text);
        let checks = certified(&s);
        assert_eq!(checks.len(), 201);
        assert_eq!(statement_labels(&s).len(), 201);
        for (i, k) in checks.iter().enumerate() {
            assert_eq!(k.label, format!("i = {}, every j: min_j Q_j / w_ij ≥ β √n α c_i", i + 1));
            assert_eq!(k.proven(), Proven::Holds, "{}", k.label);
        }
    }

    #[test]
    fn certified_sides_moved_past_each_other_are_violated() {
        // β √n α c_i w_ij scaled just past the enclosure of Q_j.
        let s = triangle("1e6", N_POWER, "0", "2");
        for k in certified(&s) {
            let above = &k.lhs * &Interval::point(&s.ctx.ratio(1025, 1024));
            let moved = Enclosed::new(k.label.clone(), k.lhs, Relation::Ge, above);
            assert_eq!(moved.proven(), Proven::Violated, "{}", k.label);
        }
    }

    #[test]
    fn certainly_unmet_when_every_type_is_clamped() {
        let s = triangle("100", r#""10""#, "0", "1");
        let e = crate::enclosure::enclose(&s).unwrap();
        let Certification::Unmet(names) = certify(&s, &e) else { panic!("not unmet") };
        assert_eq!(names, vec![NORMAL_MASS_HALF.to_string()]);
    }
}
