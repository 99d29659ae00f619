//! The two approximations δ' and δ'' are close for normal agents (Lemma D.3).
//!
//! # Statement
//!
//! ```text
//! for all i ∈ N̂:   ‖δ'_i − δ''_i‖₂ ≤ √γ d_max / (β η n^(3/2) α)
//! δ'_ij = c_i w_ij (y_ij − x_j) / (λ_i q_j),   δ''_ij = c_i w_ij (y_ij − x_j) q_j⁻¹ √γ
//! ```
//!
//! with β of Lemma B.4 and η = (n^(3/2) α β w_min − 2√γ m w_max)/(2 m w_max).
//!
//! # Hypotheses
//!
//! 1. N̂ is non-empty (`SOME_NORMAL_AGENT`).
//! 2. Every i ∈ N̂ is tight: λ_i > 0, and C.6 bounds λ_i (`NORMAL_AGENTS_TIGHT`).
//! 3. η > 0: C.5's division, and the bound divides by η (`ETA_POSITIVE`).
//! 4. γ ≤ 1: τ_i ≤ γ/η after C.5, hence C.6 (`GAMMA_AT_MOST_ONE`).
//! 5. Lemma B.4 and `‖y_i − x‖ ≤ d_max` (`NORMAL_MASS_HALF`, `IDEAL_POINTS_IN_CHI`).
//!
//! η ≥ 1 is not used by this proof (only by D.2's).
//!
//! # Numerical check
//!
//! Per normal type i, two checks:
//! - "i = k": `‖δ'_i − δ''_i‖₂` against the bound. The difference is computed
//!   as `‖(c_i w_ij (y_ij − x_j) q_j⁻¹)_j‖₂ · |1/λ_i − √γ|`, a factorisation
//!   that is pure algebra of the two definitions: the two vectors are parallel,
//!   so the cancellation happens once, between the scalars 1/λ_i and √γ, each
//!   rounded once, instead of in every component. The bound is
//!   [`split_bound`]: fixed-point sensitivity (C.6 relies on c = f(c)) on
//!   ‖δ'_i‖ + ‖δ''_i‖, rounding on the right side.
//! - "i = k, proof step: 1/λ_i − √γ ≤ √γ/η": the proof's first display,
//!   fixed-point sensitivity on 1/λ_i, rounding on √γ + √γ/η.
//!
//! Certified: per type certainly in N̂, `‖δ'_i − δ''_i‖₂` component by
//! component from the two definitions over the enclosed c, x, q and λ_i's
//! certified bracket, against the bound over the enclosed parameters (η
//! included). The factorisation, the error bound and the multiplier's drift
//! of the evaluation are not needed: at the exact fixed point b = 0 exactly,
//! and the bracket holds the exact λ_i. The proof step on 1/λ_i − √γ is not
//! certified.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the proof's last lines take `c_i w_ij q_j⁻¹` out of the norm
//! with j still free, then bound it by B.4. The reading encoded is
//! `‖δ'_i − δ''_i‖₂ ≤ (√γ/η) ‖y_i − x‖₂ max_j c_i w_ij q_j⁻¹`, and B.4 bounds
//! that maximum by 1/(β n^(3/2) α).
//! The proof also uses `1/λ_i − √γ ≥ 0` (λ_i ≤ 1/√γ, C.6's upper half) when
//! it bounds a norm by this scalar; the left side here uses its absolute value.

use rug::Float;

use crate::certify::{self, hypotheses as ch, Certification, Enclosed};
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::interval::Interval;
use crate::solved::Solved;
use crate::verdict::{Check, Evaluation, Hypotheses, Relation};

use super::approximate_shifts_cancel::{
    certified_delta_double_prime, certified_delta_prime, delta_double_prime, delta_prime,
    instead_of_checks, split_bound,
};
use super::tau_is_positive::multiplier_drift;

/// Appends the multiplier's drift to a bound's description.
fn with_drift(how: String) -> String {
    format!("{how}; plus the drift of 1/λ_i from the rounding left in b")
}
use super::hypotheses::{self as h, norm};

pub const NUMBER: &str = "D.3";
pub const STATEMENT: &str = "for all i ∈ N̂, ‖δ'_i − δ''_i‖₂ ≤ √γ d_max / (β η n^(3/2) α)";
pub const HYPOTHESES: &[&str] = &[
    h::SOME_NORMAL_AGENT,
    h::NORMAL_AGENTS_TIGHT,
    h::ETA_POSITIVE,
    h::GAMMA_AT_MOST_ONE,
    h::NORMAL_MASS_HALF,
    h::IDEAL_POINTS_IN_CHI,
];
pub const METHOD: &str = "per i ∈ N̂: ‖δ' − δ''‖₂ = ‖c w (y − x) q⁻¹‖₂ |1/λ_i − √γ| (algebra \
    of the definitions, one scalar cancellation) against √γ d_max/(β η n^(3/2) α), fixed-point \
    bound on ‖δ'‖ + ‖δ''‖, rounding on the bound; plus the proof step 1/λ_i − √γ ≤ √γ/η";

/// Returns the right side √γ d_max / (β η n^(3/2) α).
pub fn bound(s: &Solved) -> Float {
    let p = &s.params;
    let n32 = p.n.clone().sqrt() * &p.n;
    let denom = p.beta() * p.eta() * n32 * &p.alpha;
    p.gamma.clone().sqrt() * &p.d_max / denom
}

/// Evaluates Lemma D.3.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    if let Some(unmet) = Hypotheses::default()
        .require(h::some_normal_agent(s), h::SOME_NORMAL_AGENT)
        .require(h::normal_agents_tight(s), h::NORMAL_AGENTS_TIGHT)
        .require(h::eta_positive(s), h::ETA_POSITIVE)
        .require(h::gamma_at_most_one(s), h::GAMMA_AT_MOST_ONE)
        .require(h::normal_mass_half(s), h::NORMAL_MASS_HALF)
        .require(h::ideal_points_in_chi(s), h::IDEAL_POINTS_IN_CHI)
        .unmet()
    {
        return Ok(Evaluation::unmet(unmet));
    }

    let prec = s.ctx.prec();
    let sqrt_gamma = s.params.gamma.clone().sqrt();
    let step_rhs = Float::with_val(prec, &sqrt_gamma / &s.params.eta());
    let rhs = bound(s);
    let mut checks = Vec::new();
    for i in (0..s.types.len()).filter(|&i| s.is_normal(i)) {
        let inverse = Float::with_val(prec, 1u32) / &s.programs[i].lambda;
        let excess = Float::with_val(prec, &inverse - &sqrt_gamma);

        // δ''/√γ = c w (y − x) q⁻¹ is the common direction of δ' and δ''.
        let dpp = delta_double_prime(s, i);
        let direction = norm(&dpp) / &sqrt_gamma;
        let lhs = Float::with_val(prec, excess.abs_ref()) * &direction;
        // λ_i carries the solver's share of the rounding left in b (see
        // C.4's `multiplier_drift`): 1/λ_i moves by that fraction of itself.
        let drift = multiplier_drift(s, i) * &inverse;

        let shifts = norm(&delta_prime(s, i)) + norm(&dpp);
        let (value, how) = split_bound(s, &shifts, &rhs);
        let bound = (value + Float::with_val(prec, &drift * &direction), with_drift(how));
        checks.push(Check::new(label(i), lhs, Relation::Le, rhs.clone(), bound)?);

        let exact = Float::with_val(prec, &sqrt_gamma + &step_rhs);
        let (value, how) = split_bound(s, &inverse, &exact);
        let bound = (value + &drift, with_drift(how));
        let label = format!("i = {}, proof step: 1/λ_i − √γ ≤ √γ/η", i + 1);
        checks.push(Check::new(label, excess, Relation::Le, step_rhs.clone(), bound)?.proof_step());
    }
    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// Returns the right side √γ d_max / (β η n^(3/2) α) over the enclosed parameters.
pub fn certified_bound(e: &Enclosure) -> Interval {
    let p = &e.params;
    let n32 = &p.n.sqrt() * &p.n;
    let denom = &(&(&p.beta() * &p.eta()) * &n32) * &p.alpha;
    (&p.gamma.sqrt() * &p.d_max).div(&denom)
}

/// Certifies Lemma D.3 on an enclosure: per i ∈ N̂, ‖δ'_i − δ''_i‖₂ against the bound.
pub fn certify(s: &Solved, e: &Enclosure) -> Certification {
    let mut hypotheses = certify::Hypotheses::default();
    hypotheses
        .require(ch::some_normal_agent(e), h::SOME_NORMAL_AGENT)
        .require(ch::normal_agents_tight(e), h::NORMAL_AGENTS_TIGHT)
        .require(ch::eta_positive(e), h::ETA_POSITIVE)
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
            // Component by component from the two definitions: the enclosure
            // is narrow enough that the factorisation `evaluate` uses is not needed.
            let gap: Vec<Interval> = certified_delta_prime(e, i)
                .iter()
                .zip(&certified_delta_double_prime(e, i))
                .map(|(first, second)| first - second)
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

    fn tightest(e: &Evaluation, step: bool) -> &Check {
        e.checks
            .iter()
            .filter(|c| c.label.contains("proof step") == step)
            .min_by(|a, b| a.relative_margin().partial_cmp(&b.relative_margin()).unwrap())
            .unwrap()
    }

    // Lemma D.3 and the first display of its proof.
    #[test]
    fn holds_on_the_triangle() {
        let s = fixtures::triangle("1e6", "1/100");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        assert_eq!(e.checks.len(), 2 * 3);
        fixtures::assert_sharpening_caught(tightest(&e, false));
        fixtures::assert_sharpening_caught(tightest(&e, true));
    }

    // η ≈ 0.46 at n = 100: outside D.2's η ≥ 1 but inside this lemma's η > 0.
    #[test]
    fn holds_with_eta_below_one() {
        let s = fixtures::triangle("100", "1/100");
        assert!(s.params.eta() > 0u32 && s.params.eta() < 1u32);
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        fixtures::assert_sharpening_caught(tightest(&e, false));
    }

    #[test]
    fn holds_with_weights_that_differ_across_issues() {
        let e = evaluate(&fixtures::weighted_triangle()).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        fixtures::assert_sharpening_caught(tightest(&e, false));
    }

    // On the unit-interval density the graded quadrature's error is about
    // 1e-9, so even the proof step, which compares 1/λ_i − √γ ≈ 10⁻⁸ with
    // √γ/η ≈ 10⁻⁴ on terms of size 1/λ_i ≈ 0.1, is decided: it holds.
    #[test]
    fn proof_step_holds_on_a_density() {
        let e = evaluate(&fixtures::unit_interval_density()).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        for check in &e.checks {
            assert_eq!(check.verdict, Verdict::Holds, "{}", check.label);
        }
        fixtures::assert_sharpening_caught(tightest(&e, false));
    }

    #[test]
    fn unmet_when_eta_is_negative() {
        let s = fixtures::triangle("4", "4");
        assert!(s.params.eta() < 0u32);
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Unmet);
        assert!(e.unmet.iter().any(|u| u == h::ETA_POSITIVE));
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

    // η ≈ 0.46: outside D.2's η ≥ 1, inside this lemma's η > 0.
    #[test]
    fn certified_with_eta_below_one_and_without_the_clamped_type() {
        assert_certified(&fixtures::triangle("100", "1/100"));
        assert_eq!(assert_certified(&fixtures::corners_and_centre()).len(), 4);
    }

    #[test]
    fn a_shrunk_enclosed_multiplier_is_refuted() {
        // ‖δ'_i − δ''_i‖ = |1/λ_i − √γ| ‖δ''_i‖/√γ, and the bound is about
        // 2.2 ‖δ''_i‖/√γ on the triangle: with λ_i ≈ 10 divided by 100 the
        // factor |1/λ_i − √γ| is about 9.9.
        let s = fixtures::triangle("1e6", "1/100");
        let mut e = fixtures::enclosed(&s);
        e.lambda[1] = e.lambda[1].div(&e.params.small(100));
        let checks = fixtures::certified_checks(certify(&s, &e));
        assert_eq!(checks[1].proven(), Proven::Violated);
        assert_eq!(checks[0].proven(), Proven::Holds);
    }

    #[test]
    fn certified_unmet_outside_each_hypothesis() {
        fixtures::assert_certified_unmet_outside(HYPOTHESES, certify);
    }
}
