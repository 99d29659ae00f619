//! Every normal agent's multiplier lies in a narrow band below 1/√γ (Lemma C.6).
//!
//! # Statement
//!
//! ```text
//! √(η / (η + 1)) · 1/√γ ≤ λ_i ≤ 1/√γ   for all i ∈ N̂
//! η = (n^(3/2) α β w_min − 2 √γ m w_max) / (2 m w_max)
//! ```
//!
//! λ_i is the multiplier of Program 1, β = w_min² / (4 w_max³ d_max²).
//!
//! # Hypotheses
//!
//! Those of Lemma C.5, on which the proof rests, and one more:
//!
//! 1. N̂ is non-empty (`SOME_NORMAL_AGENT`).
//! 2. Every i ∈ N̂ is tight (`NORMAL_AGENTS_TIGHT`): λ_i = 1/√(τ_i + γ).
//! 3. η > 0 (`ETA_POSITIVE`), for C.5 and for √(η/(η+1)).
//! 4. ∫_{N̂} p ≥ 1/2 (`NORMAL_MASS_HALF`), through B.4 in C.5.
//! 5. Every ideal point lies in χ (`IDEAL_POINTS_IN_CHI`), through B.3.
//! 6. γ ≤ 1 (`GAMMA_AT_MOST_ONE`): the proof uses τ_i ≤ γ/η, obtained from
//!    C.5's γ^(3/2)/η by γ^(3/2) ≤ γ.
//!
//! # Numerical check
//!
//! Two checks per i ∈ N̂, "i = 1, lower" and "i = 1, upper": the solver's
//! λ_i (the root of its power equation, found without any bracket from this
//! lemma) against the two ends, computed from γ and `Params::eta`. The bound
//! is the fixed-point one (the band rests on c = f(c) through C.5) relative to
//! 1/√γ + λ_i, plus λ_i times the relative move of λ_i that the rounding left
//! in b can cause (Lemma C.4's `multiplier_drift`).
//!
//! Certified: the same two checks per type certainly in N̂, with λ_i the
//! enclosure's certified bracket (signs of Σ_j q_j δ_j(λ)² − γ over the box)
//! and both ends enclosed from the exact γ and η. No fixed-point bound and
//! no drift of λ through the rounding of b: the bracket holds the exact λ_i
//! at the exact fixed point, where b = 0.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the roadmap of Section 4 says that the band shrinks to the
//! single point "1/γ" as η → ∞; both ends of the lemma tend to 1/√γ, which is
//! the reading encoded. The roadmap's sentence is not part of the lemma and
//! is asymptotic, so no check with the literal 1/γ is recorded (on one
//! instance it would hold only at γ = 1). Theorem 3.1's one-dimensional
//! warm-up finds λ → 1/√(q γ) for its own normalisation; that is not this
//! lemma.

use rug::Float;

use super::hypotheses;
use super::tau_is_positive::multiplier_drift;
use crate::certify::{self as certified, Certification, Enclosed};
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::interval::Interval;
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Hypotheses, Relation, Sensitivity};

pub const NUMBER: &str = "C.6";
pub const STATEMENT: &str = "√(η/(η+1)) · 1/√γ ≤ λ_i ≤ 1/√γ for all i ∈ N̂";
pub const HYPOTHESES: &[&str] = &[
    hypotheses::SOME_NORMAL_AGENT,
    hypotheses::NORMAL_AGENTS_TIGHT,
    hypotheses::ETA_POSITIVE,
    hypotheses::NORMAL_MASS_HALF,
    hypotheses::IDEAL_POINTS_IN_CHI,
    hypotheses::GAMMA_AT_MOST_ONE,
];
pub const METHOD: &str = "the solver's λ_i against √(η/(η+1))/√γ and 1/√γ; fixed-point bound \
    relative to 1/√γ + λ_i, plus the move of λ_i that the rounding left in b can cause";

/// Evaluates Lemma C.6.
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
        .require(hypotheses::gamma_at_most_one(s), hypotheses::GAMMA_AT_MOST_ONE)
        .unmet()
    {
        return Ok(Evaluation::unmet(unmet));
    }

    let prec = s.ctx.prec();
    let eta = s.params.eta();
    let upper = s.params.gamma.clone().sqrt().recip();
    let share = Float::with_val(prec, &eta / &(eta.clone() + 1u32));
    let lower = share.sqrt() * &upper;

    let mut checks = Vec::new();
    for i in (0..s.types.len()).filter(|&i| s.is_normal(i)) {
        let lambda = s.programs[i].lambda.clone();
        let scale = Float::with_val(prec, &upper + &lambda);
        let (bound, how) = error_bound(s, &scale, Sensitivity::FixedPoint);
        let drift = multiplier_drift(s, i) * &lambda;
        let how = format!("{how}; plus λ times its move from the rounding left in b");
        let error = (bound + drift, how);

        let label = format!("i = {}, lower", i + 1);
        checks.push(Check::new(label, lambda.clone(), Relation::Ge, lower.clone(), error.clone())?);
        let label = format!("i = {}, upper", i + 1);
        checks.push(Check::new(label, lambda, Relation::Le, upper.clone(), error)?);
    }
    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// Certifies √(η/(η+1))/√γ ≤ λ_i ≤ 1/√γ with λ_i's certified bracket.
pub fn certify(s: &Solved, e: &Enclosure) -> Certification {
    if let Some(verdict) = certified::Hypotheses::default()
        .require(certified::hypotheses::some_normal_agent(e), hypotheses::SOME_NORMAL_AGENT)
        .require(certified::hypotheses::normal_agents_tight(e), hypotheses::NORMAL_AGENTS_TIGHT)
        .require(certified::hypotheses::eta_positive(e), hypotheses::ETA_POSITIVE)
        .require(certified::hypotheses::normal_mass_half(e), hypotheses::NORMAL_MASS_HALF)
        .require(Some(hypotheses::ideal_points_in_chi(s)), hypotheses::IDEAL_POINTS_IN_CHI)
        .require(certified::hypotheses::gamma_at_most_one(e), hypotheses::GAMMA_AT_MOST_ONE)
        .verdict()
    {
        return verdict;
    }
    let normal = match certified::normal_types(e) {
        Ok(normal) => normal,
        Err(uncertified) => return uncertified,
    };

    let (lower, upper) = band(e);
    let mut checks = Vec::new();
    for i in normal {
        let lambda = &e.lambda[i];
        let label = format!("i = {}, lower", i + 1);
        checks.push(Enclosed::new(label, lambda.clone(), Relation::Ge, lower.clone()));
        let label = format!("i = {}, upper", i + 1);
        checks.push(Enclosed::new(label, lambda.clone(), Relation::Le, upper.clone()));
    }
    Certification::Checks(checks)
}

/// The band's ends √(η/(η+1)) · 1/√γ and 1/√γ, from the enclosed parameters.
fn band(e: &Enclosure) -> (Interval, Interval) {
    let eta = e.params.eta();
    let upper = e.params.gamma.sqrt().recip();
    let share = eta.div(&(&eta + &e.params.small(1)));
    (&share.sqrt() * &upper, upper)
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

    fn triangle(n: &str, gamma: &str) -> String {
        format!(
            r#"{{"name": "triangle", "n": "{n}", "alpha": {{"power_of_n": "-7/8"}},
            "gamma": "{gamma}", "weight_box": {{"min": "1", "max": "1"}},
            "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["1", "1"]}}}},
            "population": {{"types": [
              {{"y": ["0", "0"], "w": ["1", "1"], "mass": "1"}},
              {{"y": ["1", "0"], "w": ["1", "1"], "mass": "1"}},
              {{"y": ["0", "1"], "w": ["1", "1"], "mass": "1"}}]}}}}"#
        )
    }

    /// Types at −1, 0, 1; the middle one sits at x = 0, clamped and slack.
    fn line(n: &str) -> String {
        format!(
            r#"{{"name": "line", "n": "{n}", "alpha": {{"power_of_n": "-7/8"}},
            "gamma": "1/100", "weight_box": {{"min": "1", "max": "1"}},
            "outcome_set": {{"box": {{"lo": ["-1"], "hi": ["1"]}}}},
            "population": {{"types": [
              {{"y": ["-1"], "w": ["1"], "mass": "1/4"}},
              {{"y": ["0"], "w": ["1"], "mass": "1/2"}},
              {{"y": ["1"], "w": ["1"], "mass": "1/4"}}]}}}}"#
        )
    }

    #[test]
    fn holds_on_the_triangle() {
        let e = evaluate(&solved(&triangle("1e6", "1/100"))).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
        assert_eq!(e.checks.len(), 6);
    }

    #[test]
    fn holds_on_the_line_without_counting_the_slack_middle_type() {
        let s = solved(&line("1e6"));
        assert!(!s.is_normal(1) && s.programs[1].lambda.is_zero());
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
        let labels: Vec<&str> = e.checks.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["i = 1, lower", "i = 1, upper", "i = 3, lower", "i = 3, upper"]);
    }

    #[test]
    fn unmet_when_eta_is_negative() {
        let e = evaluate(&solved(&triangle("4", "4"))).unwrap();
        assert_eq!(e.verdict(), Verdict::Unmet);
        assert!(e.unmet.contains(&hypotheses::ETA_POSITIVE.to_string()), "{:?}", e.unmet);
        // At n = 4 the line has η ≈ −0.026 and meets every other hypothesis.
        let e = evaluate(&solved(&line("4"))).unwrap();
        assert_eq!(e.unmet, vec![hypotheses::ETA_POSITIVE.to_string()]);
    }

    #[test]
    fn unmet_when_gamma_exceeds_one() {
        let e = evaluate(&solved(&triangle("1e6", "2"))).unwrap();
        assert_eq!(e.unmet, vec![hypotheses::GAMMA_AT_MOST_ONE.to_string()]);
    }

    #[test]
    fn sharpened_band_is_violated() {
        let s = solved(&triangle("1e6", "1/100"));
        let e = evaluate(&s).unwrap();
        for check in &e.checks {
            // Move the end just past λ_i: by the relative margin (upper end)
            // or by λ/end − 1 (lower end), times 1.001.
            let gap = match check.relation {
                Relation::Le => check.relative_margin(),
                _ => Float::with_val(256, &check.lhs / &check.rhs) - 1u32,
            };
            let t = gap * s.ctx.ratio(1001, 1000);
            assert_eq!(check.sharpened(&t).verdict, Verdict::Violated, "{}", check.label);
        }
    }

    fn certified(s: &Solved) -> Certification {
        let e = crate::enclosure::enclose(s).expect("the fixture's box closes");
        certify(s, &e)
    }

    #[test]
    fn certified_multipliers_lie_in_the_band_on_the_triangles_and_the_line() {
        use crate::fixtures;
        let weighted = fixtures::solve(&fixtures::weighted_triangle("1e6", "1/100"));
        for s in [fixtures::triangle("1e4", fixtures::N_POWER, "0"), weighted, solved(&line("1e6"))]
        {
            fixtures::assert_certified_holds(&s, certify, evaluate);
        }
    }

    #[test]
    fn certified_band_moved_past_the_multiplier_is_refuted() {
        use crate::certify::Proven;
        let s = crate::fixtures::triangle("1e4", crate::fixtures::N_POWER, "0");
        let Certification::Checks(checks) = certified(&s) else { panic!("not certified") };
        for check in &checks {
            // Each end moved past the bracket of λ_i by 2^-20 of it.
            let (end, nudge) = match check.relation {
                Relation::Ge => (check.lhs.hi(), check.lhs.hi().clone() >> 20u32),
                _ => (check.lhs.lo(), -(check.lhs.lo().clone() >> 20u32)),
            };
            let moved = &Interval::point(end) + &Interval::point(&nudge);
            let k = Enclosed::new("moved", check.lhs.clone(), check.relation, moved);
            assert_eq!(k.proven(), Proven::Violated, "{}", check.label);
        }
    }

    #[test]
    fn certified_unmet_when_gamma_exceeds_one_or_eta_is_negative() {
        let Certification::Unmet(unmet) = certified(&solved(&triangle("1e6", "2"))) else {
            panic!("not unmet")
        };
        assert_eq!(unmet, vec![hypotheses::GAMMA_AT_MOST_ONE.to_string()]);
        let Certification::Unmet(unmet) = certified(&solved(&line("4"))) else {
            panic!("not unmet")
        };
        assert_eq!(unmet, vec![hypotheses::ETA_POSITIVE.to_string()]);
    }
}
