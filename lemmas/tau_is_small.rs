//! The approximation variable τ_i is small for every normal agent (Lemma C.5).
//!
//! # Statement
//!
//! ```text
//! τ_i ≤ 2 γ^(3/2) m w_max / (n^(3/2) α β w_min − 2 √γ m w_max)   for all i ∈ N̂
//! ```
//!
//! with τ_i as in Lemma C.4 and β = w_min² / (4 w_max³ d_max²) (Lemma B.4).
//! The right side is γ^(3/2) / η, with η defined after the lemma.
//!
//! # Hypotheses
//!
//! 1. N̂ is non-empty (`SOME_NORMAL_AGENT`).
//! 2. Every i ∈ N̂ is tight (`NORMAL_AGENTS_TIGHT`): τ_i needs λ_i > 0, and
//!    the proof uses 1/λ_i² = τ_i + γ, which needs Σ q δ_i² = γ (Lemma C.3).
//! 3. η > 0 (`ETA_POSITIVE`): the proof divides by n^(3/2) α β w_min −
//!    2 √γ m w_max, "true as n → ∞"; checked on the instance.
//! 4. ∫_{N̂} p ≥ 1/2 (`NORMAL_MASS_HALF`): the proof uses Lemma B.4, whose
//!    proof (through B.3) assumes n large enough for this.
//! 5. Every ideal point lies in χ (`IDEAL_POINTS_IN_CHI`): B.3's proof bounds
//!    ‖y_k − x‖ by d_max.
//!
//! # Numerical check
//!
//! For every i ∈ N̂ three checks:
//! - "i = 1": τ_i (Lemma C.4's [`tau`], from the definition at a widened
//!   precision) against the right side, computed from the statement's
//!   formula. Bound: [`tau_error`] with the fixed-point sensitivity (the
//!   proof uses c_i = 1/√(Σ_j w_ij² (y_ij − x_j)² q_j⁻¹), which is c = f(c)),
//!   relative to the terms of τ_i (about γ plus its first term), plus the
//!   rounding of the right side, whose denominator may cancel when η is small.
//! - "i = 1, 1/λ² = τ + γ": the proof's identity, both sides from the
//!   definitions; fixed-point bound on the magnitude of all terms, plus
//!   P = Σ_j b̄_j |δ_ij|, by which the rounding left in b moves Σ q δ² off γ.
//! - "i = 1, c_i ≤ 1/(w_min Δ_i)": the proof's step with
//!   Δ_i = max_j |y_ij − x_j| q_j^(−1/2); fixed-point bound. When y_i
//!   differs from x on one issue only and the weight there is w_min (every
//!   normal type of a one-issue population with w = w_min), the step is an
//!   identity, and a ≤ at equality cannot be decided within a bound: it is
//!   then checked as the equality ("c_i = 1/(w_min Δ_i)"), the stronger claim.
//!
//! Certified: one check "i = 1" per type certainly in N̂, τ_i enclosed from
//! its definition (Lemma C.4's `tau_enclosed`) against the statement's
//! right side enclosed from the exact parameters. The enclosure needs no
//! fixed-point bound (its c is the exact fixed point's) and no allowance for
//! the right side's cancellation (the interval carries it). The identity
//! 1/λ² = τ + γ and the step c_i ≤ 1/(w_min Δ_i) are proof steps and are not
//! certified.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the proof writes "√δ_ij ≤ √γ q_j^(−1/2)" for every i and j.
//! It follows from Σ_j q_j δ_ij² ≤ γ only as |δ_ij| ≤ √γ q_j^(−1/2), which is
//! what the next display uses (it replaces δ_ij by √γ q_j^(−1/2)); √δ_ij is
//! undefined for δ_ij < 0. The reading |δ_ij| is encoded; the literal reading
//! is not checked (it is not a step the proof uses).

use rug::Float;

use super::hypotheses;
use super::power_is_a_weighted_square::{abs, power_drift, weighted_square};
use super::tau_is_positive::{lead_term, tau, tau_enclosed, tau_error};
use crate::certify::{self as certified, Certification, Enclosed};
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::interval::Interval;
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Hypotheses, Relation, Sensitivity};

pub const NUMBER: &str = "C.5";
pub const STATEMENT: &str =
    "τ_i ≤ 2γ^(3/2) m w_max / (n^(3/2) α β w_min − 2√γ m w_max) for all i ∈ N̂";
pub const HYPOTHESES: &[&str] = &[
    hypotheses::SOME_NORMAL_AGENT,
    hypotheses::NORMAL_AGENTS_TIGHT,
    hypotheses::ETA_POSITIVE,
    hypotheses::NORMAL_MASS_HALF,
    hypotheses::IDEAL_POINTS_IN_CHI,
];
pub const METHOD: &str = "τ_i from its definition at a widened precision against the \
    statement's bound (fixed-point bound on the terms of τ_i, plus the rounding left in b); \
    the proof's identity 1/λ_i² = τ_i + γ and its step c_i ≤ 1/(w_min Δ_i)";

/// Evaluates Lemma C.5.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    if let Some(unmet) = Hypotheses::default()
        .require(hypotheses::some_normal_agent(s), hypotheses::SOME_NORMAL_AGENT)
        .require(hypotheses::normal_agents_tight(s), hypotheses::NORMAL_AGENTS_TIGHT)
        .require(hypotheses::eta_positive(s), hypotheses::ETA_POSITIVE)
        .require(hypotheses::normal_mass_half(s), hypotheses::NORMAL_MASS_HALF)
        .require(hypotheses::ideal_points_in_chi(s), hypotheses::IDEAL_POINTS_IN_CHI)
        .unmet()
    {
        return Ok(Evaluation::unmet(unmet));
    }

    let (bound, bound_rounding) = right_side(s);
    let mut checks = Vec::new();
    for i in (0..s.types.len()).filter(|&i| s.is_normal(i)) {
        let (error, how) = tau_error(s, i, Sensitivity::FixedPoint);
        let how = format!("{how}; plus the right side's rounding");
        let error = error + &bound_rounding;
        let label = format!("i = {}", i + 1);
        checks.push(Check::new(label, tau(s, i), Relation::Le, bound.clone(), (error, how))?);

        checks.push(identity_check(s, i)?);
        checks.push(scaling_step_check(s, i)?);
    }
    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// Returns the statement's right side and a bound on its rounding.
fn right_side(s: &Solved) -> (Float, Float) {
    let p = &s.params;
    let prec = s.ctx.prec();
    let m = p.m as u32;
    let sqrt_gamma = p.gamma.clone().sqrt();
    let gamma_32 = Float::with_val(prec, &p.gamma * &sqrt_gamma);

    let n_32 = p.n.clone().sqrt() * &p.n;
    let lead = n_32 * &p.alpha * p.beta() * &p.w_min;
    let penalty = sqrt_gamma * &p.w_max * (2 * m);
    let denominator = Float::with_val(prec, &lead - &penalty);
    let bound = gamma_32 * &p.w_max * (2 * m) / &denominator;

    // The denominator is a difference: its rounding is relative to lead + penalty.
    let cancellation = (lead + penalty) / &denominator;
    let terms = abs(&bound) * cancellation;
    (bound, error_bound(s, &terms, Sensitivity::Rounding).0)
}

/// The proof's identity 1/λ_i² = τ_i + γ, from c_i = 1/√(Σ w² (y − x)² / q) and tightness.
fn identity_check(s: &Solved, i: usize) -> Result<Check> {
    let prec = s.ctx.prec();
    let gamma = &s.params.gamma;
    let lambda = &s.programs[i].lambda;
    let inverse_square = Float::with_val(prec, lambda.clone().square()).recip();
    let rhs = tau(s, i) + gamma;

    let power = weighted_square(s, &s.programs[i].delta);
    let scale = abs(&inverse_square) + abs(&lead_term(s, i)) + power + gamma;
    let (bound, how) = error_bound(s, &scale, Sensitivity::FixedPoint);
    let drift = power_drift(s, &s.programs[i].delta);
    let how = format!("{how}; plus Σ b̄ |δ| by which the rounding left in b moves Σ q δ² off γ");
    let label = format!("i = {}, 1/λ² = τ + γ", i + 1);
    Check::new(label, inverse_square, Relation::Eq, rhs, (bound + drift, how))
        .map(Check::proof_step)
}

/// The proof's step c_i ≤ 1/(w_min Δ_i), Δ_i = max_j |y_ij − x_j| q_j^(−1/2).
fn scaling_step_check(s: &Solved, i: usize) -> Result<Check> {
    let prec = s.ctx.prec();
    let t = &s.types[i];
    let mut big_delta = Float::new(prec);
    for j in 0..s.params.m {
        let reach = Float::with_val(prec, &t.y[j] - &s.eq.x[j]).abs() / s.eq.q[j].clone().sqrt();
        big_delta = big_delta.max(&reach);
    }
    let c = s.eq.c[i].clone();
    let rhs = (big_delta * &s.params.w_min).recip();

    let scale = abs(&c) + &rhs;
    let bound = error_bound(s, &scale, Sensitivity::FixedPoint);
    if step_is_an_identity(s, i) {
        let label = format!("i = {}, c_i = 1/(w_min Δ_i) (the step is an identity)", i + 1);
        return Check::new(label, c, Relation::Eq, rhs, bound).map(Check::proof_step);
    }
    let label = format!("i = {}, c_i ≤ 1/(w_min Δ_i)", i + 1);
    Check::new(label, c, Relation::Le, rhs, bound).map(Check::proof_step)
}

/// Returns true when w_min Δ_i = √(Σ_j w_ij² (y_ij − x_j)² q_j⁻¹) exactly.
///
/// That happens when y_i differs from x on one issue only and the weight
/// there is w_min (every type of a one-issue population with w = w_min). A ≤
/// at equality cannot be decided within an error bound, so the step is then
/// checked as the identity it is, which is the stronger claim.
fn step_is_an_identity(s: &Solved, i: usize) -> bool {
    let t = &s.types[i];
    let mut moved = (0..s.params.m).filter(|&j| t.y[j] != s.eq.x[j]);
    match (moved.next(), moved.next()) {
        (Some(j), None) => t.w[j] == s.params.w_min,
        _ => false,
    }
}

/// Certifies τ_i ≤ 2γ^(3/2) m w_max / (n^(3/2) α β w_min − 2√γ m w_max) over the box.
pub fn certify(s: &Solved, e: &Enclosure) -> Certification {
    if let Some(verdict) = certified::Hypotheses::default()
        .require(certified::hypotheses::some_normal_agent(e), hypotheses::SOME_NORMAL_AGENT)
        .require(certified::hypotheses::normal_agents_tight(e), hypotheses::NORMAL_AGENTS_TIGHT)
        .require(certified::hypotheses::eta_positive(e), hypotheses::ETA_POSITIVE)
        .require(certified::hypotheses::normal_mass_half(e), hypotheses::NORMAL_MASS_HALF)
        .require(Some(hypotheses::ideal_points_in_chi(s)), hypotheses::IDEAL_POINTS_IN_CHI)
        .verdict()
    {
        return verdict;
    }
    let normal = match certified::normal_types(e) {
        Ok(normal) => normal,
        Err(uncertified) => return uncertified,
    };

    let bound = right_side_enclosed(e);
    let checks = normal
        .into_iter()
        .map(|i| {
            let label = format!("i = {}", i + 1);
            Enclosed::new(label, tau_enclosed(e, i), Relation::Le, bound.clone())
        })
        .collect();
    Certification::Checks(checks)
}

/// The statement's right side from the enclosed parameters, as the statement writes it.
fn right_side_enclosed(e: &Enclosure) -> Interval {
    let p = &e.params;
    let sqrt_gamma = p.gamma.sqrt();
    let two_m_wmax = &p.w_max * &p.small(2 * p.m as i64);
    let n_32 = &p.n.sqrt() * &p.n;
    let lead = &(&(&n_32 * &p.alpha) * &p.beta()) * &p.w_min;
    let denominator = &lead - &(&sqrt_gamma * &two_m_wmax);
    (&(&p.gamma * &sqrt_gamma) * &two_m_wmax).div(&denominator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;
    use crate::solved::solve;
    use crate::verdict::Verdict;

    fn solved(json: &str) -> Solved {
        let instance = crate::instance_file::from_str(json).unwrap();
        solve(&Context::new(256).unwrap(), &instance).unwrap()
    }

    fn triangle(n: &str, gamma: &str, hi: &str) -> String {
        format!(
            r#"{{"name": "triangle", "n": "{n}", "alpha": {{"power_of_n": "-7/8"}},
            "gamma": "{gamma}", "weight_box": {{"min": "1", "max": "1"}},
            "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["{hi}", "{hi}"]}}}},
            "population": {{"types": [
              {{"y": ["0", "0"], "w": ["1", "1"], "mass": "1"}},
              {{"y": ["1", "0"], "w": ["1", "1"], "mass": "1"}},
              {{"y": ["0", "1"], "w": ["1", "1"], "mass": "1"}}]}}}}"#
        )
    }

    /// Types at −1, 0, 1; the middle one sits at x = 0, clamped and slack.
    fn line(n: &str, outer: &str, middle: &str) -> String {
        format!(
            r#"{{"name": "line", "n": "{n}", "alpha": {{"power_of_n": "-7/8"}},
            "gamma": "1/100", "weight_box": {{"min": "1", "max": "1"}},
            "outcome_set": {{"box": {{"lo": ["-1"], "hi": ["1"]}}}},
            "population": {{"types": [
              {{"y": ["-1"], "w": ["1"], "mass": "{outer}"}},
              {{"y": ["0"], "w": ["1"], "mass": "{middle}"}},
              {{"y": ["1"], "w": ["1"], "mass": "{outer}"}}]}}}}"#
        )
    }

    #[test]
    fn holds_on_the_triangle() {
        let e = evaluate(&solved(&triangle("1e6", "1/100", "1"))).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
        assert_eq!(e.checks.len(), 9);
    }

    #[test]
    fn holds_on_the_line_without_counting_the_slack_middle_type() {
        let s = solved(&line("1e6", "1/4", "1/2"));
        assert!(!s.is_normal(1) && s.programs[1].lambda.is_zero());
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
        assert!(e.checks.iter().all(|c| !c.label.starts_with("i = 2")));
        assert_eq!(e.checks.len(), 6);
        // One issue, w = w_min: the step c_i ≤ 1/(w_min Δ_i) is an identity.
        let steps = e.checks.iter().filter(|c| c.label.contains("Δ_i"));
        assert!(steps.clone().count() == 2 && steps.clone().all(|c| c.relation == Relation::Eq));
    }

    #[test]
    fn unmet_when_eta_is_negative() {
        let e = evaluate(&solved(&triangle("4", "4", "1"))).unwrap();
        assert_eq!(e.verdict(), Verdict::Unmet);
        assert!(e.unmet.contains(&hypotheses::ETA_POSITIVE.to_string()), "{:?}", e.unmet);
        // At n = 4 the line has η ≈ −0.026 and meets every other hypothesis.
        let e = evaluate(&solved(&line("4", "1/4", "1/2"))).unwrap();
        assert_eq!(e.unmet, vec![hypotheses::ETA_POSITIVE.to_string()]);
    }

    #[test]
    fn unmet_when_normal_mass_is_below_half() {
        let e = evaluate(&solved(&line("1e6", "1/5", "3/5"))).unwrap();
        assert_eq!(e.unmet, vec![hypotheses::NORMAL_MASS_HALF.to_string()]);
    }

    #[test]
    fn unmet_when_ideal_points_leave_chi() {
        let e = evaluate(&solved(&triangle("1e6", "1/100", "1/2"))).unwrap();
        assert_eq!(e.unmet, vec![hypotheses::IDEAL_POINTS_IN_CHI.to_string()]);
    }

    #[test]
    fn unmet_when_a_normal_agent_is_slack() {
        let e = evaluate(&solved(&triangle("1e6", "1e20", "1"))).unwrap();
        assert!(e.unmet.contains(&hypotheses::NORMAL_AGENTS_TIGHT.to_string()), "{:?}", e.unmet);
    }

    #[test]
    fn sharpened_bound_is_violated() {
        let s = solved(&triangle("1e6", "1/100", "1"));
        let e = evaluate(&s).unwrap();
        let bounds = e.checks.iter().filter(|c| !c.label.contains(','));
        for check in bounds {
            // rhs (1 − t) with t just past the relative margin falls below τ_i.
            let t = check.relative_margin() * s.ctx.ratio(1001, 1000);
            assert_eq!(check.sharpened(&t).verdict, Verdict::Violated, "{}", check.label);
        }
        let identities = e.checks.iter().filter(|c| c.relation == Relation::Eq);
        let t = s.ctx.int(1) >> 100u32;
        for check in identities {
            assert_eq!(check.sharpened(&t).verdict, Verdict::Violated, "{}", check.label);
        }
    }

    fn certified(s: &Solved) -> Certification {
        let e = crate::enclosure::enclose(s).expect("the fixture's box closes");
        certify(s, &e)
    }

    #[test]
    fn certified_tau_is_below_its_bound_on_the_triangles_and_the_line() {
        use crate::fixtures;
        let weighted = fixtures::solve(&fixtures::weighted_triangle("1e6", "1/100"));
        let line = solved(&line("1e6", "1/4", "1/2"));
        for s in [fixtures::triangle("1e4", fixtures::N_POWER, "0"), weighted, line] {
            fixtures::assert_certified_holds(&s, certify, evaluate);
        }
    }

    #[test]
    fn certified_tau_is_refuted_against_a_bound_below_it() {
        use crate::certify::Proven;
        let s = crate::fixtures::triangle("1e4", crate::fixtures::N_POWER, "0");
        let Certification::Checks(checks) = certified(&s) else { panic!("not certified") };
        for check in &checks {
            // The bound moved just below lo(τ_i), by 2^-20 of it, must be refuted.
            let lo = check.lhs.lo().clone();
            let lowered = &Interval::point(&lo) - &Interval::point(&(lo.clone() >> 20u32));
            let k = Enclosed::new("lowered", check.lhs.clone(), Relation::Le, lowered);
            assert_eq!(k.proven(), Proven::Violated, "{}", check.label);
        }
    }

    #[test]
    fn certified_unmet_when_eta_is_negative_or_the_normal_mass_is_below_half() {
        let Certification::Unmet(unmet) = certified(&solved(&line("4", "1/4", "1/2"))) else {
            panic!("not unmet")
        };
        assert_eq!(unmet, vec![hypotheses::ETA_POSITIVE.to_string()]);
        let Certification::Unmet(unmet) = certified(&solved(&line("1e6", "1/5", "3/5"))) else {
            panic!("not unmet")
        };
        assert_eq!(unmet, vec![hypotheses::NORMAL_MASS_HALF.to_string()]);
    }
}
