//! The first approximation δ' is close to the shift δ for normal agents (Lemma D.2).
//!
//! # Statement
//!
//! ```text
//! for each i ∈ N̂:   ‖δ'_i − δ_i‖₂ ≤ 2γ d_max / (β² n³ α²)
//! δ'_ij = c_i w_ij (y_ij − x_j) / (λ_i q_j)
//! ```
//!
//! with δ_i, λ_i the optimum and multiplier of agent i's Program 1,
//! `q_j = n Q_j`, and β = w_min² / (4 w_max³ d_max²) of Lemma B.4.
//!
//! # Hypotheses
//!
//! 1. N̂ is non-empty, so the statement is not vacuous (`SOME_NORMAL_AGENT`).
//! 2. Every i ∈ N̂ has a tight constraint, so λ_i > 0 and δ' is defined, and
//!    Lemma C.6's bound on λ_i applies (`NORMAL_AGENTS_TIGHT`).
//! 3. η > 0, the division in Lemma C.5 behind C.6 (`ETA_POSITIVE`).
//! 4. η ≥ 1, the proof's "as long as η ≥ 1", which turns ((η+1)/η)² into 4
//!    (`ETA_AT_LEAST_ONE`).
//! 5. γ ≤ 1, used after Lemma C.5 for τ_i ≤ γ/η, hence by C.6
//!    (`GAMMA_AT_MOST_ONE`).
//! 6. ∫_{N̂} p ≥ 1/2 and every ideal point in χ: Lemma B.4 (through B.3)
//!    and `|y_ij − x_j| ≤ d_max` (`NORMAL_MASS_HALF`, `IDEAL_POINTS_IN_CHI`).
//!
//! # Numerical check
//!
//! Per normal type i, two checks:
//! - "i = k": `‖δ'_i − δ_i‖₂` against the bound. δ_i is the program's stored
//!   shift; δ' is computed from its definition, and the difference taken,
//!   at the working precision plus `64 + L_i` bits, where
//!   `L_i = max_j ⌈log₂(λ_i q_j / (c_i w_ij))⌉`. Since
//!   `(δ'_ij − δ_ij)/δ'_ij = c_i w_ij / (c_i w_ij + λ_i q_j)` by the two
//!   definitions, the subtraction cancels about L_i leading bits; with the
//!   widening, δ' and the difference add no rounding of their own on the
//!   difference's scale, and the only error left is δ_i's own at the working
//!   precision. The bound is [`split_bound`]: fixed-point sensitivity (C.6
//!   relies on c = f(c)) on ‖δ_i‖ + ‖δ'_i‖, the terms of the difference, and
//!   rounding on the right side and on [`externality_terms`] (the b-terms
//!   inside the stored δ_i, ≈ 0 only by cancellation).
//! - "i = k, proof step: closed form of δ' − δ": the proof's first display,
//!   `δ'_ij − δ_ij = c_i² w_ij² (y_ij − x_j) / (λ_i q_j (c_i w_ij + λ_i q_j))`,
//!   as `max_j |direct − closed form| = 0`. This is algebra of the
//!   definitions (with b ≈ 0, Lemma B.1), so the bound is rounding only, on
//!   ‖δ_i‖ + ‖δ'_i‖ + the externality terms.
//!
//! Certified: per type certainly in N̂, `‖δ'_i − δ_i‖₂` with δ' from its
//! definition over the enclosed c, x, q and λ_i's certified bracket, and δ_i
//! Program 1's enclosed optimum, against the bound over the enclosed
//! parameters. The hypotheses are decided over the box (ideal points in χ
//! exactly, from the instance); a type that may lie on either side of the
//! kink leaves the lemma uncertified. Neither the widened precision nor the
//! error bound of the evaluation is needed, and the closed-form step, a
//! proof step, is not certified.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the proof writes `‖δ'_i − δ_i‖₂²` as one fraction with j
//! free; a sum over the issues j is meant, and is what is computed.
//! Its step `(c_i w_ij / q_j)⁴ ≤ 1/(β⁴ n⁶ α⁴)` is Lemma B.4 applied per j,
//! which bounds the sum by `d_max² / λ_i⁴ · max_j (c_i w_ij / q_j)⁴`.

use rug::Float;

use crate::certify::{self, hypotheses as ch, Certification, Enclosed};
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::interval::Interval;
use crate::numeric::Context;
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Hypotheses, Relation, Sensitivity};

use super::approximate_shifts_cancel::{
    certified_delta_prime, delta_prime_at, externality_terms, instead_of_checks, split_bound,
};
use super::hypotheses::{self as h, norm};

pub const NUMBER: &str = "D.2";
pub const STATEMENT: &str = "for each i ∈ N̂, ‖δ'_i − δ_i‖₂ ≤ 2γ d_max / (β² n³ α²)";
pub const HYPOTHESES: &[&str] = &[
    h::SOME_NORMAL_AGENT,
    h::NORMAL_AGENTS_TIGHT,
    h::ETA_POSITIVE,
    h::ETA_AT_LEAST_ONE,
    h::GAMMA_AT_MOST_ONE,
    h::NORMAL_MASS_HALF,
    h::IDEAL_POINTS_IN_CHI,
];
pub const METHOD: &str = "per i ∈ N̂: ‖δ' − δ‖₂ with δ' from its definition and the difference \
    taken at the working precision + 64 + max_j log₂(λ q_j / (c w_ij)) bits, against \
    2γ d_max/(β² n³ α²); fixed-point bound on ‖δ‖ + ‖δ'‖, rounding on the bound and δ's \
    externality terms; plus the proof's closed form of δ' − δ as an equality (rounding bound)";

/// Returns the right side 2γ d_max / (β² n³ α²).
pub fn bound(s: &Solved) -> Float {
    let p = &s.params;
    let n3 = p.n.clone().square() * &p.n;
    let denom = p.beta().square() * n3 * p.alpha.clone().square();
    p.gamma.clone() * &p.d_max * 2u32 / denom
}

/// Evaluates Lemma D.2.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    if let Some(unmet) = Hypotheses::default()
        .require(h::some_normal_agent(s), h::SOME_NORMAL_AGENT)
        .require(h::normal_agents_tight(s), h::NORMAL_AGENTS_TIGHT)
        .require(h::eta_positive(s), h::ETA_POSITIVE)
        .require(h::eta_at_least_one(s), h::ETA_AT_LEAST_ONE)
        .require(h::gamma_at_most_one(s), h::GAMMA_AT_MOST_ONE)
        .require(h::normal_mass_half(s), h::NORMAL_MASS_HALF)
        .require(h::ideal_points_in_chi(s), h::IDEAL_POINTS_IN_CHI)
        .unmet()
    {
        return Ok(Evaluation::unmet(unmet));
    }

    let rhs = bound(s);
    let mut checks = Vec::new();
    for i in (0..s.types.len()).filter(|&i| s.is_normal(i)) {
        let wide = s.ctx.widened(64 + cancelled_bits(s, i));
        let delta_prime = delta_prime_at(s, &wide, i);
        let gap: Vec<Float> = (0..s.params.m)
            .map(|j| Float::with_val(wide.prec(), &delta_prime[j] - &s.programs[i].delta[j]))
            .collect();
        let shifts = norm(&s.programs[i].delta) + s.ctx.lift(&norm(&delta_prime));
        let externality = externality_terms(s, i);

        let lhs = s.ctx.lift(&norm(&gap));
        let exact = Float::with_val(s.ctx.prec(), &externality + &rhs);
        let bound = split_bound(s, &shifts, &exact);
        checks.push(Check::new(label(i), lhs, Relation::Le, rhs.clone(), bound)?);

        let step = closed_form_gap(s, &wide, i, &gap);
        let bound = error_bound(s, &(shifts + externality), Sensitivity::Rounding);
        let label = format!("i = {}, proof step: closed form of δ' − δ", i + 1);
        checks.push(Check::new(label, step, Relation::Eq, s.ctx.zero(), bound)?.proof_step());
    }
    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// Returns max_j ⌈log₂(λ_i q_j / (c_i w_ij))⌉, at least 0: the leading bits
/// that δ' and δ share, lost when one is subtracted from the other.
fn cancelled_bits(s: &Solved, i: usize) -> u32 {
    let prec = s.ctx.prec();
    let lambda = &s.programs[i].lambda;
    let mut bits = 0u32;
    for j in 0..s.params.m {
        let cw = Float::with_val(prec, &s.eq.c[i] * &s.types[i].w[j]);
        let ratio = Float::with_val(prec, lambda * &s.eq.q[j]) / cw;
        if let Some(e) = ratio.get_exp() {
            bits = bits.max(e.max(0) as u32);
        }
    }
    bits
}

/// Returns max_j |gap_j − c_i² w_ij² (y_ij − x_j) / (λ_i q_j (c_i w_ij + λ_i q_j))|.
fn closed_form_gap(s: &Solved, wide: &Context, i: usize, gap: &[Float]) -> Float {
    let prec = wide.prec();
    let t = &s.types[i];
    let lambda = &s.programs[i].lambda;
    let mut worst = wide.zero();
    for (j, g) in gap.iter().enumerate() {
        let cw = Float::with_val(prec, &s.eq.c[i] * &t.w[j]);
        let lambda_q = Float::with_val(prec, lambda * &s.eq.q[j]);
        let dev = Float::with_val(prec, &t.y[j] - &s.eq.x[j]);
        let closed =
            cw.clone().square() * dev / (Float::with_val(prec, &cw + &lambda_q) * lambda_q);
        let miss = Float::with_val(prec, g - &closed).abs();
        worst = worst.max(&miss);
    }
    s.ctx.lift(&worst)
}

/// Returns the right side 2γ d_max / (β² n³ α²) over the enclosed parameters.
pub fn certified_bound(e: &Enclosure) -> Interval {
    let p = &e.params;
    let denom = &(&p.beta().square() * &p.n.pow(3)) * &p.alpha.square();
    (&(&p.gamma * &p.d_max) * &p.small(2)).div(&denom)
}

/// Certifies Lemma D.2 on an enclosure: per i ∈ N̂, ‖δ'_i − δ_i‖₂ against the bound.
pub fn certify(s: &Solved, e: &Enclosure) -> Certification {
    let mut hypotheses = certify::Hypotheses::default();
    hypotheses
        .require(ch::some_normal_agent(e), h::SOME_NORMAL_AGENT)
        .require(ch::normal_agents_tight(e), h::NORMAL_AGENTS_TIGHT)
        .require(ch::eta_positive(e), h::ETA_POSITIVE)
        .require(ch::eta_at_least_one(e), h::ETA_AT_LEAST_ONE)
        .require(ch::gamma_at_most_one(e), h::GAMMA_AT_MOST_ONE)
        .require(ch::normal_mass_half(e), h::NORMAL_MASS_HALF)
        .require(Some(h::ideal_points_in_chi(s)), h::IDEAL_POINTS_IN_CHI);
    if let Some(instead) = instead_of_checks(&mut hypotheses, e) {
        return instead;
    }

    let rhs = certified_bound(e);
    let checks = (0..e.types.len())
        .filter(|&i| e.surely_normal(i))
        .map(|i| {
            let gap: Vec<Interval> = certified_delta_prime(e, i)
                .iter()
                .zip(&e.delta[i])
                .map(|(first, shift)| first - shift)
                .collect();
            Enclosed::new(label(i), certify::norm(e, &gap), Relation::Le, rhs.clone())
        })
        .collect();
    Certification::Checks(checks)
}

/// The statement check's label for type i (0-based), as the report pairs them.
fn label(i: usize) -> String {
    format!("i = {}", i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certify::Proven;
    use crate::lemmas::approximate_shifts_cancel::tests as fixtures;
    use crate::verdict::Verdict;

    fn main_checks(e: &Evaluation) -> Vec<&Check> {
        e.checks.iter().filter(|c| !c.label.contains("proof step")).collect()
    }

    fn tightest_main(e: &Evaluation) -> &Check {
        let main = main_checks(e);
        main.into_iter()
            .min_by(|a, b| a.relative_margin().partial_cmp(&b.relative_margin()).unwrap())
            .unwrap()
    }

    // Lemma D.2, with the proof's first display as a separate check.
    #[test]
    fn holds_on_the_triangle() {
        let s = fixtures::triangle("1e6", "1/100");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        assert_eq!(e.checks.len(), 2 * 3);
        fixtures::assert_sharpening_caught(tightest_main(&e));
    }

    // η = (n^(3/2) α β w_min − 2√γ m w_max)/(2 m w_max) ≈ 1.004 at n = 300:
    // the triangle just inside "η ≥ 1".
    #[test]
    fn holds_at_the_edge_of_eta_at_least_one() {
        let s = fixtures::triangle("300", "1/100");
        assert!(s.params.eta() >= 1u32 && s.params.eta() < 2u32);
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        fixtures::assert_sharpening_caught(tightest_main(&e));
    }

    #[test]
    fn skips_the_clamped_type() {
        let s = fixtures::corners_and_centre();
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        // Four normal corners, two checks each; the centre (type 5, 1-based) is not in N̂.
        assert_eq!(e.checks.len(), 8);
        assert!(e.checks.iter().all(|c| !c.label.starts_with("i = 5")));
    }

    #[test]
    fn holds_with_weights_that_differ_across_issues() {
        let e = evaluate(&fixtures::weighted_triangle()).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        fixtures::assert_sharpening_caught(tightest_main(&e));
    }

    // On the unit-interval density the graded quadrature's error (≈ 1e-9),
    // charged 16-fold on ‖δ_i‖ + ‖δ'_i‖ ≈ 3·10⁻⁸, stays below the bound
    // ≈ 10⁻⁸: every main check holds, and so does the closed form.
    #[test]
    fn holds_on_a_density_within_its_quadrature_error() {
        let s = fixtures::unit_interval_density();
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        for check in main_checks(&e) {
            assert_eq!(check.verdict, Verdict::Holds, "{}", check.label);
            assert!(check.lhs < check.rhs);
        }
        let steps = e.checks.iter().filter(|c| c.label.contains("proof step"));
        assert!(steps.into_iter().all(|c| c.verdict == Verdict::Holds));
    }

    #[test]
    fn closed_form_step_is_caught_when_moved() {
        let s = fixtures::triangle("1e6", "1/100");
        let e = evaluate(&s).unwrap();
        let step = e.checks.iter().find(|c| c.label.contains("closed form")).unwrap();
        fixtures::assert_equality_sharpening_caught(step);
    }

    #[test]
    fn unmet_when_eta_is_below_one() {
        let s = fixtures::triangle("100", "1/100");
        assert!(s.params.eta() > 0u32 && s.params.eta() < 1u32);
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Unmet);
        assert_eq!(e.unmet, vec![h::ETA_AT_LEAST_ONE.to_string()]);
    }

    #[test]
    fn unmet_outside_each_hypothesis() {
        fixtures::assert_unmet_outside(HYPOTHESES, evaluate);
    }

    /// Asserts that every certified check holds, with evaluate's statement labels.
    fn assert_certified(s: &Solved) -> Vec<Enclosed> {
        crate::fixtures::assert_certified_holds(s, certify, evaluate)
    }

    #[test]
    fn certified_on_the_triangle_and_with_unequal_weights() {
        for s in [fixtures::triangle("1e6", "1/100"), fixtures::weighted_triangle()] {
            let checks = assert_certified(&s);
            assert_eq!(checks.len(), 3);
            checks.iter().for_each(fixtures::assert_certified_sharpening_caught);
        }
    }

    #[test]
    fn certified_at_the_edge_of_eta_at_least_one_and_without_the_clamped_type() {
        assert_certified(&fixtures::triangle("300", "1/100"));
        let checks = assert_certified(&fixtures::corners_and_centre());
        assert_eq!(checks.len(), 4);
    }

    #[test]
    fn a_shrunk_enclosed_multiplier_is_refuted() {
        // The bound is about 1.1 ‖δ_i‖ on the triangle. With λ_i divided by
        // 10, δ'_i grows tenfold, so ‖δ'_i − δ_i‖ ≈ 9 ‖δ_i‖.
        let s = fixtures::triangle("1e6", "1/100");
        let mut e = fixtures::enclosed(&s);
        e.lambda[0] = e.lambda[0].div(&e.params.small(10));
        let checks = fixtures::certified_checks(certify(&s, &e));
        assert_eq!(checks[0].proven(), Proven::Violated);
        assert_eq!(checks[1].proven(), Proven::Holds);
    }

    #[test]
    fn certified_unmet_when_eta_is_below_one() {
        let s = fixtures::triangle("100", "1/100");
        let e = fixtures::enclosed(&s);
        match certify(&s, &e) {
            Certification::Unmet(names) => assert_eq!(names, vec![h::ETA_AT_LEAST_ONE]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn certified_unmet_outside_each_hypothesis() {
        fixtures::assert_certified_unmet_outside(HYPOTHESES, certify);
    }
}
