//! For small enough γ every normal agent's power constraint binds (Lemma C.3).
//!
//! # Statement
//!
//! ```text
//! ∃ γ > 0 :  Σ_j q_j δ_ij² = γ   for all i ∈ N̂
//! ```
//!
//! δ_i is the optimum of Program 1 at that γ; N̂ are the types whose scaling
//! is not clamped at α (√r_i ≥ α).
//!
//! # Hypotheses
//!
//! 1. N̂ is non-empty (`SOME_NORMAL_AGENT`); otherwise the claim is vacuous.
//! 2. Every ideal point lies in χ (`IDEAL_POINTS_IN_CHI`): the proof bounds
//!    ‖y_k − x‖ by d_max, silently.
//! 3. α lies in Lemma 5.1's range (`ALPHA_IN_RANGE`): the proof uses the
//!    lower end of Lemma 5.1's box, c_k ≥ w_min / (w_max² d_max²) for every
//!    k, silently; a clamped type has c_k = √n/α, below that end when α
//!    exceeds the range.
//!
//! # Numerical check
//!
//! The lemma is existential, so the check computes its witness. An agent
//! who can reach her ideal point within her power is slack, and the power
//! that takes her there is Σ_j q_j (y_ij − x_j)² (Lemma C.1). Hence
//!
//! ```text
//! γ* = min_{i ∈ N̂} Σ_j q_j (y_ij − x_j)²
//! ```
//!
//! is the threshold: for every γ < γ* every normal agent is tight, and at
//! γ ≥ γ* some normal agent is slack. The remark after the lemma (if it holds
//! for γ it holds for every γ' ∈ (0, γ]) is what a threshold expresses. The
//! lemma holds exactly when γ* > 0 ("γ* > 0", rounding bound on γ*).
//!
//! The proof's step, for every i ∈ N̂ ("i = 1, ‖y_i − x‖₂"):
//! `‖y_i − x‖₂ ≥ α w_min / (w_max² d_max)`, with the bound of the fixed-point
//! property on both sides' magnitudes (the step uses c = f(c)).
//!
//! The instance's own γ: when γ < γ*, every i ∈ N̂ must be tight, and the
//! solver's power U(x) − U(x + δ_i) (from the expanded definition, see
//! `src/agent.rs`) must equal γ ("i = 1, power = γ", rounding bound on γ).
//! When γ ≥ γ* nothing more is recorded: some normal agent is slack at this
//! γ, which does not contradict an existential statement.
//!
//! Certified: the statement check γ* > 0 alone, with γ* from the enclosed
//! q and x over the types certainly in N̂ (uncertified, naming the type,
//! when the box straddles a type's kink). The distance and power checks are
//! proof steps and are not certified. No rounding bound is needed: the
//! enclosure contains the exact γ*.
//!
//! # Differences from the paper
//!
//! None in the statement. The proof's second display replaces every c_k by
//! w_min / (w_max² d_max²); that is Lemma 5.1's box, listed as hypothesis 3.

use rug::Float;

use super::hypotheses::{self, norm};
use super::power_is_a_weighted_square::{abs, weighted_square};
use crate::certify::{self as certified, Certification, Enclosed};
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::interval::{sum, Interval};
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Hypotheses, Relation, Sensitivity};

pub const NUMBER: &str = "C.3";
pub const STATEMENT: &str = "there is γ > 0 with Σ_j q_j δ_ij² = γ for all i ∈ N̂";
pub const HYPOTHESES: &[&str] =
    &[hypotheses::SOME_NORMAL_AGENT, hypotheses::IDEAL_POINTS_IN_CHI, hypotheses::ALPHA_IN_RANGE];
pub const METHOD: &str = "the threshold γ* = min_{i∈N̂} Σ q (y_i − x)² must be positive \
    (rounding bound); the proof's step ‖y_i − x‖₂ ≥ α w_min / (w_max² d_max) for every i ∈ N̂ \
    (fixed-point bound); and, when the instance's γ < γ*, the solver's power equals γ for \
    every i ∈ N̂ (rounding bound)";

/// Evaluates Lemma C.3.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    if let Some(unmet) = Hypotheses::default()
        .require(hypotheses::some_normal_agent(s), hypotheses::SOME_NORMAL_AGENT)
        .require(hypotheses::ideal_points_in_chi(s), hypotheses::IDEAL_POINTS_IN_CHI)
        .require(hypotheses::alpha_in_range(s), hypotheses::ALPHA_IN_RANGE)
        .unmet()
    {
        return Ok(Evaluation::unmet(unmet));
    }

    let prec = s.ctx.prec();
    let normal: Vec<usize> = (0..s.types.len()).filter(|&i| s.is_normal(i)).collect();
    let mut checks = Vec::new();

    // The witness: the least power with which a normal agent reaches her ideal point.
    let mut gamma_star: Option<Float> = None;
    for &i in &normal {
        let own = own_shift(s, i);
        let need = weighted_square(s, &own);
        gamma_star = Some(match gamma_star {
            Some(g) if g <= need => g,
            _ => need,
        });
    }
    let gamma_star = gamma_star.expect("N̂ is non-empty");
    let bound = error_bound(s, &gamma_star, Sensitivity::Rounding);
    let label = "γ* = min_{i∈N̂} Σ_j q_j (y_ij − x_j)² > 0";
    checks.push(Check::new(label, gamma_star.clone(), Relation::Gt, s.ctx.zero(), bound)?);

    // The proof's step: normal agents keep a distance from x.
    let p = &s.params;
    let distance_floor =
        Float::with_val(prec, &p.alpha * &p.w_min) / (p.w_max.clone().square() * &p.d_max);
    for &i in &normal {
        let distance = norm(&own_shift(s, i));
        let scale = abs(&distance) + &distance_floor;
        let bound = error_bound(s, &scale, Sensitivity::FixedPoint);
        let label = format!("i = {}, ‖y_i − x‖₂ ≥ α w_min / (w_max² d_max)", i + 1);
        checks.push(
            Check::new(label, distance, Relation::Ge, distance_floor.clone(), bound)?.proof_step(),
        );
    }

    // The instance's own γ, when it lies below the threshold.
    if p.gamma < gamma_star {
        for &i in &normal {
            let power = s.programs[i].power.clone();
            let bound = error_bound(s, &p.gamma, Sensitivity::Rounding);
            let label = format!("i = {}, power = γ", i + 1);
            checks
                .push(Check::new(label, power, Relation::Eq, p.gamma.clone(), bound)?.proof_step());
        }
    }

    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// Returns y_i − x: the shift that takes type i to her ideal point.
fn own_shift(s: &Solved, i: usize) -> Vec<Float> {
    let prec = s.ctx.prec();
    s.types[i].y.iter().zip(&s.eq.x).map(|(y, x)| Float::with_val(prec, y - x)).collect()
}

/// Certifies the threshold γ* = min_{i∈N̂} Σ_j q_j (y_ij − x_j)² > 0 over the box.
pub fn certify(s: &Solved, e: &Enclosure) -> Certification {
    if let Some(verdict) = certified::Hypotheses::default()
        .require(certified::hypotheses::some_normal_agent(e), hypotheses::SOME_NORMAL_AGENT)
        .require(Some(hypotheses::ideal_points_in_chi(s)), hypotheses::IDEAL_POINTS_IN_CHI)
        .require(certified::hypotheses::alpha_in_range(e), hypotheses::ALPHA_IN_RANGE)
        .verdict()
    {
        return verdict;
    }
    let normal = match certified::normal_types(e) {
        Ok(normal) => normal,
        Err(uncertified) => return uncertified,
    };

    // The least power with which a normal agent reaches her ideal point.
    let need = |i: usize| {
        let t = &e.types[i];
        let terms: Vec<Interval> =
            (0..e.params.m).map(|j| &e.q[j] * &(&t.y[j] - &e.x[j]).square()).collect();
        sum(&e.ctx, &terms)
    };
    let gamma_star = normal.iter().map(|&i| need(i)).reduce(|a, b| a.min(&b));
    let gamma_star = gamma_star.expect("N̂ is certainly non-empty");
    let label = "γ* = min_{i∈N̂} Σ_j q_j (y_ij − x_j)² > 0";
    Certification::Checks(vec![Enclosed::new(label, gamma_star, Relation::Gt, e.params.small(0))])
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

    fn triangle(n: &str, alpha: &str, gamma: &str, hi: &str) -> String {
        format!(
            r#"{{"name": "triangle", "n": "{n}", "alpha": {alpha},
            "gamma": "{gamma}", "weight_box": {{"min": "1", "max": "1"}},
            "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["{hi}", "{hi}"]}}}},
            "population": {{"types": [
              {{"y": ["0", "0"], "w": ["1", "1"], "mass": "1"}},
              {{"y": ["1", "0"], "w": ["1", "1"], "mass": "1"}},
              {{"y": ["0", "1"], "w": ["1", "1"], "mass": "1"}}]}}}}"#
        )
    }

    const ALPHA: &str = r#"{"power_of_n": "-7/8"}"#;

    #[test]
    fn holds_on_the_triangle() {
        let e = evaluate(&solved(&triangle("1e6", ALPHA, "1/100", "1"))).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
        // γ*, three distances, and three tight powers since γ = 1/100 < γ*.
        assert_eq!(e.checks.len(), 7);
    }

    #[test]
    fn records_no_power_check_when_gamma_passes_the_threshold() {
        // At γ = 1e20 every agent reaches her ideal point: γ ≥ γ*, some normal
        // agent is slack, and the existential lemma is still witnessed by γ*.
        let s = solved(&triangle("1e6", ALPHA, "1e20", "1"));
        assert!(s.programs.iter().any(|p| !p.tight));
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        assert!(e.checks.iter().all(|c| !c.label.contains("power")));
        assert_eq!(e.checks.len(), 4);
    }

    #[test]
    fn unmet_when_ideal_points_leave_chi() {
        let e = evaluate(&solved(&triangle("1e6", ALPHA, "1/100", "1/2"))).unwrap();
        assert_eq!(e.verdict(), Verdict::Unmet);
        assert_eq!(e.unmet, vec![hypotheses::IDEAL_POINTS_IN_CHI.to_string()]);
    }

    #[test]
    fn unmet_when_alpha_leaves_the_range_of_lemma_5_1() {
        // √n w_max² d_max² / w_min = 2000 here.
        let e = evaluate(&solved(&triangle("1e6", r#""3000""#, "1/100", "1"))).unwrap();
        assert_eq!(e.verdict(), Verdict::Unmet);
        assert!(e.unmet.contains(&hypotheses::ALPHA_IN_RANGE.to_string()), "{:?}", e.unmet);
    }

    #[test]
    fn unmet_when_every_type_is_clamped() {
        // α = 1 is in range, but far above every √r_i (about 1e-4).
        let e = evaluate(&solved(&triangle("1e6", r#""1""#, "1/100", "1"))).unwrap();
        assert_eq!(e.unmet, vec![hypotheses::SOME_NORMAL_AGENT.to_string()]);
    }

    #[test]
    fn sharpened_checks_are_violated() {
        let s = solved(&triangle("1e6", ALPHA, "1/100", "1"));
        let e = evaluate(&s).unwrap();
        // The power checks: γ moved by 2^-100 is far outside their bound.
        let t = s.ctx.int(1) >> 100u32;
        for check in e.checks.iter().filter(|c| c.relation == Relation::Eq) {
            assert_eq!(check.sharpened(&t).verdict, Verdict::Violated, "{}", check.label);
        }
        // The distance step: raised just past its relative margin.
        let step = e.checks.iter().filter(|c| c.relation == Relation::Ge);
        let tightest =
            step.min_by(|a, b| a.relative_margin().partial_cmp(&b.relative_margin()).unwrap());
        let check = tightest.unwrap();
        // rhs (1 + t) with t = 1.001 (lhs/rhs − 1) lands just above lhs.
        let ratio = Float::with_val(256, &check.lhs / &check.rhs);
        let t = (ratio - 1u32) * s.ctx.ratio(1001, 1000);
        assert_eq!(check.sharpened(&t).verdict, Verdict::Violated);
    }

    fn certified(s: &Solved) -> Certification {
        let e = crate::enclosure::enclose(s).expect("the fixture's box closes");
        certify(s, &e)
    }

    #[test]
    fn certified_threshold_is_positive_on_the_triangles() {
        use crate::fixtures;
        let weighted = fixtures::solve(&fixtures::weighted_triangle("1e6", "1/100"));
        for s in [fixtures::triangle("1e4", fixtures::N_POWER, "0"), weighted] {
            fixtures::assert_certified_holds(&s, certify, evaluate);
        }
    }

    #[test]
    fn certified_threshold_is_refuted_against_a_bound_above_it() {
        use crate::certify::Proven;
        let s = crate::fixtures::triangle("1e4", crate::fixtures::N_POWER, "0");
        let Certification::Checks(checks) = certified(&s) else { panic!("not certified") };
        let gamma_star = &checks[0].lhs;
        // γ* > 2 hi(γ*) must be refuted: the enclosure is narrow, not just positive.
        let above = &Interval::point(gamma_star.hi()) + &Interval::point(gamma_star.hi());
        let k = Enclosed::new("raised", gamma_star.clone(), Relation::Gt, above);
        assert_eq!(k.proven(), Proven::Violated);
    }

    #[test]
    fn certified_unmet_when_alpha_leaves_the_range_or_every_type_is_clamped() {
        let s = solved(&triangle("1e6", r#""3000""#, "1/100", "1"));
        let Certification::Unmet(unmet) = certified(&s) else { panic!("not unmet") };
        assert!(unmet.contains(&hypotheses::ALPHA_IN_RANGE.to_string()), "{unmet:?}");
        let s = solved(&triangle("1e6", r#""1""#, "1/100", "1"));
        let Certification::Unmet(unmet) = certified(&s) else { panic!("not unmet") };
        assert_eq!(unmet, vec![hypotheses::SOME_NORMAL_AGENT.to_string()]);
    }

    #[test]
    fn certified_unmet_when_ideal_points_leave_chi() {
        let s = solved(&triangle("1e6", ALPHA, "1/100", "1/2"));
        let Certification::Unmet(unmet) = certified(&s) else { panic!("not unmet") };
        assert_eq!(unmet, vec![hypotheses::IDEAL_POINTS_IN_CHI.to_string()]);
    }
}
