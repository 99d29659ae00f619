//! The approximation variable τ_i is positive for every normal agent (Lemma C.4).
//!
//! # Statement
//!
//! ```text
//! τ_i > 0   for all i ∈ N̂,
//! τ_i = (c_i² / λ_i²) Σ_j w_ij² (y_ij − x_j)² q_j⁻¹ − Σ_j q_j δ_ij²
//! ```
//!
//! δ_i, λ_i are the optimum and multiplier of Program 1, q_j = n Q_j.
//!
//! # Hypotheses
//!
//! 1. N̂ is non-empty (`SOME_NORMAL_AGENT`).
//! 2. λ_i > 0 for every i ∈ N̂ (`NORMAL_AGENTS_TIGHT`): τ_i divides by λ_i,
//!    so a normal agent with a slack constraint (λ_i = 0) leaves τ_i
//!    undefined. The solver reports λ_i > 0 exactly when the constraint binds.
//!
//! # Numerical check
//!
//! τ_i is computed from its definition by [`tau`]: both terms are summed at
//! the working precision plus 64 bits plus the bits the subtraction cancels
//! (estimated by a first pass at the working precision), from the solver's
//! c, λ, δ and q. The right side is 0.
//!
//! The error bound ([`tau_error`]) is ROUNDING_ULPS units of roundoff
//! relative to the terms (the first term plus Σ q δ²), not to τ_i, because
//! the inputs carry rounding relative to the terms. It adds the effect of the
//! rounding b that x = x(c) leaves in the gradient of U (see Lemma C.1's
//! module), which the solver's program keeps: it moves Σ q δ² by at most
//! P = Σ_j b̄_j |δ_ij|, and λ_i by a relative amount at most P / S with
//! S = Σ_j q_j δ_ij² λ_i q_j / (c_i w_ij + λ_i q_j) (twice the linearised move
//! P / (2S), since λ dE/dλ = −2S); the first term is ∝ λ⁻², so it moves by at
//! most 2 (P / S) times itself.
//!
//! The sensitivity is rounding: τ's definition and the sign claim do not use
//! the fixed-point property.
//!
//! Certified: one check "i = 1" per type certainly in N̂, τ_i enclosed by
//! [`tau_enclosed`] from its definition over the box (c, x, q, the bracket
//! of λ_i and the enclosure's δ_i) against 0. Neither the widened precision
//! nor the drift of λ through the rounding of b is needed: the enclosure's
//! x is the exact weighted mean, so b = 0 exactly, and the bracket holds
//! the exact λ_i.
//!
//! # Differences from the paper
//!
//! None.

use rug::Float;

use super::hypotheses;
use super::power_is_a_weighted_square::{abs, excess_bits, power_drift, weighted_square};
use crate::certify::{self as certified, Certification, Enclosed};
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::interval::{sum, Interval};
use crate::numeric::Context;
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Hypotheses, Relation, Sensitivity};

pub const NUMBER: &str = "C.4";
pub const STATEMENT: &str =
    "τ_i > 0 for all i ∈ N̂, τ_i = (c_i²/λ_i²) Σ_j w_ij² (y_ij − x_j)² q_j⁻¹ − Σ_j q_j δ_ij²";
pub const HYPOTHESES: &[&str] = &[hypotheses::SOME_NORMAL_AGENT, hypotheses::NORMAL_AGENTS_TIGHT];
pub const METHOD: &str = "τ_i from its definition, summed at the working precision + 64 bits + \
    the cancelled bits; rounding bound relative to the first term plus Σ q δ², plus the move \
    of δ and λ that the rounding of b can cause";

/// Evaluates Lemma C.4.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    if let Some(unmet) = Hypotheses::default()
        .require(hypotheses::some_normal_agent(s), hypotheses::SOME_NORMAL_AGENT)
        .require(hypotheses::normal_agents_tight(s), hypotheses::NORMAL_AGENTS_TIGHT)
        .unmet()
    {
        return Ok(Evaluation::unmet(unmet));
    }

    let mut checks = Vec::new();
    for i in (0..s.types.len()).filter(|&i| s.is_normal(i)) {
        let bound = tau_error(s, i, Sensitivity::Rounding);
        let label = format!("i = {}", i + 1);
        checks.push(Check::new(label, tau(s, i), Relation::Gt, s.ctx.zero(), bound)?);
    }
    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// Returns τ_i from its definition, for a type with λ_i > 0.
///
/// Both terms are near γ and τ_i is much smaller, so they are summed at a
/// precision widened by 64 bits plus the bits their difference cancels at
/// the working precision; the result is rounded back once.
pub fn tau(s: &Solved, i: usize) -> Float {
    let prec = s.ctx.prec();
    let (lead, power) = terms(&s.ctx, s, i);
    let difference = Float::with_val(prec, &lead - &power);
    // A difference that vanishes at the working precision cancels all its bits.
    let cancelled = if difference.is_zero() { prec } else { excess_bits(&lead, &difference) };
    let wide = s.ctx.widened(64 + cancelled);
    let (lead, power) = terms(&wide, s, i);
    s.ctx.lift(&Float::with_val(wide.prec(), &lead - &power))
}

/// Returns τ_i's first term, (c_i² / λ_i²) Σ_j w_ij² (y_ij − x_j)² q_j⁻¹.
pub fn lead_term(s: &Solved, i: usize) -> Float {
    terms(&s.ctx, s, i).0
}

/// Returns a bound on the relative move of λ_i that the rounding of b can cause.
///
/// The solver's power is E = Σ (q δ² + b δ). The rounding left in b moves
/// the power by at most P = Σ_j b̄_j |δ_ij|; since λ dE/dλ = −2S with
/// S = Σ_j q_j δ_ij² λ q_j / (c w_ij + λ q_j), λ moves by about P / (2S) of
/// itself. Twice that is returned, to cover the linearisation.
pub fn multiplier_drift(s: &Solved, i: usize) -> Float {
    let prec = s.ctx.prec();
    let program = &s.programs[i];
    let lambda = &program.lambda;
    let mut slope = Float::new(prec);
    for j in 0..s.params.m {
        let lq = Float::with_val(prec, lambda * &s.eq.q[j]);
        let cw = Float::with_val(prec, &s.eq.c[i] * &s.types[i].w[j]);
        let share = Float::with_val(prec, &lq / &(cw + &lq));
        slope += Float::with_val(prec, &s.eq.q[j] * &program.delta[j]) * &program.delta[j] * share;
    }
    if slope.is_zero() {
        return slope;
    }
    power_drift(s, &program.delta) / slope
}

/// Returns the error bound on τ_i and how it was obtained.
///
/// Rounding (and, for `FixedPoint`, the residual) relative to the terms of
/// τ_i, plus the rounding of b through Σ q δ² and through λ_i.
pub fn tau_error(s: &Solved, i: usize, sensitivity: Sensitivity) -> (Float, String) {
    let lead = lead_term(s, i);
    let power = weighted_square(s, &s.programs[i].delta);
    let scale = abs(&lead) + &power;
    let (bound, how) = error_bound(s, &scale, sensitivity);
    let through_power = power_drift(s, &s.programs[i].delta);
    let through_lambda = multiplier_drift(s, i) * &lead * 2u32;
    let how = format!(
        "{how}; plus Σ b̄ |δ| + 2 (P/S) · first term for the rounding left in b (through δ and λ)"
    );
    (bound + through_power + through_lambda, how)
}

/// Returns τ_i's two terms at `ctx`'s precision: the first term and Σ_j q_j δ_ij².
fn terms(ctx: &Context, s: &Solved, i: usize) -> (Float, Float) {
    let prec = ctx.prec();
    let t = &s.types[i];
    let program = &s.programs[i];
    let mut spread = Float::new(prec);
    let mut power = Float::new(prec);
    for j in 0..s.params.m {
        let wd = Float::with_val(prec, &t.y[j] - &s.eq.x[j]) * &t.w[j];
        spread += wd.square() / &s.eq.q[j];
        let d = ctx.lift(&program.delta[j]);
        power += Float::with_val(prec, &d * &s.eq.q[j]) * &d;
    }
    let ratio = Float::with_val(prec, &s.eq.c[i] / &program.lambda);
    (ratio.square() * spread, power)
}

/// Certifies τ_i > 0 for every type certainly in N̂, τ_i from its definition over the box.
pub fn certify(_: &Solved, e: &Enclosure) -> Certification {
    if let Some(verdict) = certified::Hypotheses::default()
        .require(certified::hypotheses::some_normal_agent(e), hypotheses::SOME_NORMAL_AGENT)
        .require(certified::hypotheses::normal_agents_tight(e), hypotheses::NORMAL_AGENTS_TIGHT)
        .verdict()
    {
        return verdict;
    }
    let normal = match certified::normal_types(e) {
        Ok(normal) => normal,
        Err(uncertified) => return uncertified,
    };

    let checks = normal
        .into_iter()
        .map(|i| {
            let label = format!("i = {}", i + 1);
            Enclosed::new(label, tau_enclosed(e, i), Relation::Gt, e.params.small(0))
        })
        .collect();
    Certification::Checks(checks)
}

/// τ_i = (c_i² / λ_i²) Σ_j w_ij² (y_ij − x_j)² q_j⁻¹ − Σ_j q_j δ_ij² over the box.
///
/// δ_i is the enclosure's optimum of Program 1 (the closed form of Lemma
/// C.2 at the bracket of λ_i); λ_i is its bracket, so the two terms are
/// enclosed independently and τ_i's width is about the bracket's relative
/// width times γ. Unbounded when the bracket holds 0.
pub fn tau_enclosed(e: &Enclosure, i: usize) -> Interval {
    let t = &e.types[i];
    let spread: Vec<Interval> =
        (0..e.params.m).map(|j| (&t.w[j] * &(&t.y[j] - &e.x[j])).square().div(&e.q[j])).collect();
    let lead = &e.c[i].div(&e.lambda[i]).square() * &sum(&e.ctx, &spread);
    let power: Vec<Interval> = e.delta[i].iter().zip(&e.q).map(|(d, q)| q * &d.square()).collect();
    &lead - &sum(&e.ctx, &power)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solved::solve;
    use crate::verdict::Verdict;

    fn solved(json: &str) -> Solved {
        let instance = crate::instance_file::from_str(json).unwrap();
        solve(&Context::new(256).unwrap(), &instance).unwrap()
    }

    fn triangle(alpha: &str, gamma: &str) -> String {
        format!(
            r#"{{"name": "triangle", "n": "1e6", "alpha": {alpha},
            "gamma": "{gamma}", "weight_box": {{"min": "1", "max": "1"}},
            "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["1", "1"]}}}},
            "population": {{"types": [
              {{"y": ["0", "0"], "w": ["1", "1"], "mass": "1"}},
              {{"y": ["1", "0"], "w": ["1", "1"], "mass": "1"}},
              {{"y": ["0", "1"], "w": ["1", "1"], "mass": "1"}}]}}}}"#
        )
    }

    /// Types at −1, 0, 1: the middle one sits exactly at x = 0, is clamped
    /// (r = 0 < α²) and slack (λ = 0).
    const LINE: &str = r#"{"name": "line", "n": "4", "alpha": {"power_of_n": "-7/8"},
        "gamma": "1/100", "weight_box": {"min": "1", "max": "1"},
        "outcome_set": {"box": {"lo": ["-1"], "hi": ["1"]}},
        "population": {"types": [
          {"y": ["-1"], "w": ["1"], "mass": "1/4"},
          {"y": ["0"], "w": ["1"], "mass": "1/2"},
          {"y": ["1"], "w": ["1"], "mass": "1/4"}]}}"#;

    const ALPHA: &str = r#"{"power_of_n": "-7/8"}"#;

    #[test]
    fn holds_on_the_triangle() {
        let e = evaluate(&solved(&triangle(ALPHA, "1/100"))).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
        assert_eq!(e.checks.len(), 3);
    }

    #[test]
    fn holds_on_the_line_without_counting_the_slack_middle_type() {
        let s = solved(LINE);
        assert!(!s.is_normal(1) && s.programs[1].lambda.is_zero());
        // Evaluation would be an error, not a verdict, had a NaN appeared.
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
        let labels: Vec<&str> = e.checks.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["i = 1", "i = 3"]);
    }

    #[test]
    fn unmet_when_a_normal_agent_is_slack() {
        // γ = 1e20 lets every agent reach her ideal point: λ = 0, τ undefined.
        let e = evaluate(&solved(&triangle(ALPHA, "1e20"))).unwrap();
        assert_eq!(e.unmet, vec![hypotheses::NORMAL_AGENTS_TIGHT.to_string()]);
    }

    #[test]
    fn unmet_when_every_type_is_clamped() {
        let e = evaluate(&solved(&triangle(r#""1""#, "1/100"))).unwrap();
        assert_eq!(e.unmet, vec![hypotheses::SOME_NORMAL_AGENT.to_string()]);
    }

    #[test]
    fn sharpened_sign_is_violated() {
        // τ_i > (1 + 2^-20) τ_i must fail: the bound is far below τ_i itself,
        // so the sign was decided, not assumed.
        let s = solved(&triangle(ALPHA, "1/100"));
        let e = evaluate(&s).unwrap();
        let t = s.ctx.int(1) >> 20u32;
        for check in &e.checks {
            let raised = check.lhs.clone() * (t.clone() + 1u32);
            let sharper = Check::new(
                "sharper",
                check.lhs.clone(),
                Relation::Gt,
                raised,
                (check.error.clone(), String::new()),
            )
            .unwrap();
            assert_eq!(sharper.verdict, Verdict::Violated, "{}", check.label);
        }
    }

    #[test]
    fn tau_is_small_next_to_its_terms() {
        // τ ≈ γ^(3/2)/η at most, against terms near γ: the widened sum must
        // keep its digits. At 256 bits, with η ≈ 176, τ/γ is below 1e-3.
        let s = solved(&triangle(ALPHA, "1/100"));
        let tau = tau(&s, 0);
        let lead = lead_term(&s, 0);
        assert!(tau > 0 && tau < lead / 1000u32, "τ = {tau}");
    }

    fn certified(s: &Solved) -> Certification {
        let e = crate::enclosure::enclose(s).expect("the fixture's box closes");
        certify(s, &e)
    }

    #[test]
    fn certified_tau_is_positive_on_the_triangles() {
        use crate::fixtures;
        let weighted = fixtures::solve(&fixtures::weighted_triangle("1e6", "1/100"));
        for s in [fixtures::triangle("1e4", fixtures::N_POWER, "0"), weighted, solved(LINE)] {
            fixtures::assert_certified_holds(&s, certify, evaluate);
        }
    }

    #[test]
    fn certified_tau_is_refuted_against_a_bound_above_it() {
        use crate::certify::Proven;
        let s = crate::fixtures::triangle("1e4", crate::fixtures::N_POWER, "0");
        let Certification::Checks(checks) = certified(&s) else { panic!("not certified") };
        for check in &checks {
            // τ_i > (1 + 2^-20) hi(τ_i) must be refuted: τ_i is enclosed, not only signed.
            let hi = Interval::point(check.lhs.hi());
            let raised = &hi + &Interval::point(&(check.lhs.hi().clone() >> 20u32));
            let k = Enclosed::new("raised", check.lhs.clone(), Relation::Gt, raised);
            assert_eq!(k.proven(), Proven::Violated, "{}", check.label);
        }
    }

    #[test]
    fn certified_unmet_when_a_normal_agent_is_slack_or_every_type_is_clamped() {
        let Certification::Unmet(unmet) = certified(&solved(&triangle(ALPHA, "1e20"))) else {
            panic!("not unmet")
        };
        assert_eq!(unmet, vec![hypotheses::NORMAL_AGENTS_TIGHT.to_string()]);
        let Certification::Unmet(unmet) = certified(&solved(&triangle(r#""1""#, "1/100"))) else {
            panic!("not unmet")
        };
        assert_eq!(unmet, vec![hypotheses::SOME_NORMAL_AGENT.to_string()]);
    }
}
