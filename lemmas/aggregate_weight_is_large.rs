//! Society's aggregate weight on every issue grows like n (Lemma B.3).
//!
//! # Statement
//!
//! ```text
//! ∀j:  Q_j = ∫ p(k) c_k w_kj dk ≥ w_min² n / (4 w_max² d_max²)
//! ```
//!
//! with c the fixed point of f and x = x(c).
//!
//! # Hypotheses
//!
//! 1. Every ideal point lies in χ: [`hypotheses::IDEAL_POINTS_IN_CHI`]; the
//!    proof bounds ‖y_k − x‖₂ by d_max.
//! 2. ∫_{k∈N̂} p(k) dk ≥ 1/2, the proof's "for large enough n" (it argues from
//!    Lemma B.2 and α^(m/2) n^(m/4) → 0), checked directly:
//!    [`hypotheses::NORMAL_MASS_HALF`].
//! 3. c = f(c): holds to the residual ρ (and, for a density, the quadrature
//!    error), which enter the error bound.
//!
//! # Numerical check
//!
//! For every issue j, Q_j = Σ_k s_k c_k w_kj against the bound; and the
//! proof's intermediate ∫ p c = Σ_k s_k c_k ≥ w_min n / (4 w_max² d_max²). The
//! left sides rest on c = f(c): fixed-point bound on their magnitude. The
//! right sides are the instance's parameters: rounding bound.
//!
//! Certified: Q_j summed from its definition Σ_k s_k c_k w_kj over the
//! enclosed c* against the bound over the exact parameters; no residual or
//! rounding bound enters. ∫_{N̂} p ≥ 1/2 is decided over the enclosure, so
//! it stays undecided while some type's side of the clamp's kink is.
//!
//! # Differences from the paper
//!
//! None: the statement and the proof's intermediate are encoded as written.

use rug::Float;

use crate::certify::{self, Certification, Enclosed};
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::interval::{sum, Interval};
use crate::lemmas::hypotheses::{self, IDEAL_POINTS_IN_CHI, NORMAL_MASS_HALF};
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Hypotheses, Relation, Sensitivity};

pub const NUMBER: &str = "B.3";
pub const STATEMENT: &str = "∀j: ∫ p(k) c_k w_kj dk ≥ w_min² n / (4 w_max² d_max²)";
pub const HYPOTHESES: &[&str] = &[IDEAL_POINTS_IN_CHI, NORMAL_MASS_HALF];
pub const METHOD: &str = "Q_j = Σ_k s_k c_k w_kj per issue, and the proof's intermediate \
    ∫ p c ≥ w_min n/(4 w_max² d_max²); fixed-point bound on the left, rounding on the right";

/// Evaluates Lemma B.3.
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

    let p = &s.params;
    let denominator = p.w_max.clone().square() * p.d_max_squared.clone() * 4u32;
    let lower = p.w_min.clone().square() * &p.n / &denominator;
    let mut checks = Vec::with_capacity(p.m + 1);
    for (j, big_q) in s.eq.big_q.iter().enumerate() {
        let bound = bound(s, big_q, &lower);
        let label = format!("j = {}: Q_j ≥ w_min² n/(4 w_max² d_max²)", j + 1);
        checks.push(Check::new(label, big_q.clone(), Relation::Ge, lower.clone(), bound)?);
    }

    // The proof's last display before multiplying by w_min.
    let mut total = s.ctx.zero();
    for (t, c) in s.types.iter().zip(&s.eq.c) {
        total += Float::with_val(s.ctx.prec(), &t.mass * c);
    }
    let lower = p.w_min.clone() * &p.n / denominator;
    let bound = bound(s, &total, &lower);
    let label = "∫ p c ≥ w_min n/(4 w_max² d_max²) (the proof's intermediate)";
    checks.push(Check::new(label, total, Relation::Ge, lower, bound)?.proof_step());
    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// Returns the fixed-point bound on the left side plus rounding on the right.
fn bound(s: &Solved, lhs: &Float, rhs: &Float) -> (Float, String) {
    let (model, how) = error_bound(s, lhs, Sensitivity::FixedPoint);
    let (rounding, _) = error_bound(s, rhs, Sensitivity::Rounding);
    (model + rounding, format!("{how} of the left side; rounding of the right"))
}

/// Certifies the statement on the enclosure of the exact fixed point.
pub fn certify(s: &Solved, e: &Enclosure) -> Certification {
    let mut required = certify::Hypotheses::default();
    required
        .require(Some(hypotheses::ideal_points_in_chi(s)), IDEAL_POINTS_IN_CHI)
        .require(certify::hypotheses::normal_mass_half(e), NORMAL_MASS_HALF);
    if let Some(verdict) = required.verdict() {
        return verdict;
    }

    let p = &e.params;
    let denominator = &(&p.w_max.square() * &p.d_max_squared) * &p.small(4);
    let lower = (&p.w_min.square() * &p.n).div(&denominator);
    let checks = aggregate_weights(e)
        .into_iter()
        .enumerate()
        .map(|(j, big_q)| {
            let label = format!("j = {}: Q_j ≥ w_min² n/(4 w_max² d_max²)", j + 1);
            Enclosed::new(label, big_q, Relation::Ge, lower.clone())
        })
        .collect();
    Certification::Checks(checks)
}

/// Encloses Q_j = Σ_k s_k c_k w_kj from the enclosed c, for every issue.
pub fn aggregate_weights(e: &Enclosure) -> Vec<Interval> {
    (0..e.params.m)
        .map(|j| {
            let terms: Vec<Interval> =
                e.types.iter().zip(&e.c).map(|(t, c)| &(&t.mass * c) * &t.w[j]).collect();
            sum(&e.ctx, &terms)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certify::Proven;
    use crate::fixtures::{triangle, N_POWER};
    use crate::verdict::Verdict;

    // Appendix B.3 on the triangle, where nobody is clamped.
    #[test]
    fn holds_on_the_triangle() {
        let s = triangle("1e6", N_POWER, "0");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.checks.len(), 3);
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
    }

    #[test]
    fn unmet_when_most_mass_is_clamped() {
        // n = 100, α = 10: every type is clamped, N̂ is empty.
        let s = triangle("100", r#""10""#, "0");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.unmet, vec![NORMAL_MASS_HALF.to_string()]);
    }

    #[test]
    fn unmet_when_an_ideal_point_leaves_chi() {
        let s = triangle("1e6", N_POWER, "2");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.unmet, vec![IDEAL_POINTS_IN_CHI.to_string()]);
    }

    #[test]
    fn sharpened_bound_is_violated() {
        let s = triangle("1e6", N_POWER, "0");
        let e = evaluate(&s).unwrap();
        let check = e.tightest().unwrap();
        // Past the margin by more than the error bound, measured against the bound.
        let past = check.margin() + check.error.clone();
        let t = past / check.rhs.clone().abs() * s.ctx.ratio(1025, 1024);
        assert_eq!(check.sharpened(&t).verdict, Verdict::Violated);
    }

    fn certified(s: &Solved) -> Certification {
        certify(s, &crate::enclosure::enclose(s).unwrap())
    }

    // Appendix B.3: Q_j ≥ w_min² n/(4 w_max² d_max²) at the exact fixed point.
    #[test]
    fn certified_on_the_triangle() {
        let s = triangle("1e6", N_POWER, "0");
        let Certification::Checks(checks) = certified(&s) else { panic!("no checks") };
        let e = evaluate(&s).unwrap();
        let statement = e.checks.iter().filter(|c| c.role == crate::verdict::Role::Statement);
        let labels: Vec<&String> = statement.map(|c| &c.label).collect();
        assert_eq!(checks.iter().map(|k| &k.label).collect::<Vec<_>>(), labels);
        assert!(checks.iter().all(|k| k.proven() == Proven::Holds), "{checks:?}");
    }

    #[test]
    fn certified_sides_moved_past_each_other_are_violated() {
        // The bound raised just past the enclosure of Q_j.
        let s = triangle("1e6", N_POWER, "0");
        let Certification::Checks(checks) = certified(&s) else { panic!("no checks") };
        for k in checks {
            let above = &k.lhs * &Interval::point(&s.ctx.ratio(1025, 1024));
            let moved = Enclosed::new(k.label.clone(), k.lhs, Relation::Ge, above);
            assert_eq!(moved.proven(), Proven::Violated, "{}", k.label);
        }
    }

    #[test]
    fn certainly_unmet_when_every_type_is_clamped() {
        let s = triangle("100", r#""10""#, "0");
        let Certification::Unmet(names) = certified(&s) else { panic!("not unmet") };
        assert_eq!(names, vec![NORMAL_MASS_HALF.to_string()]);
        let s = triangle("1e6", N_POWER, "2");
        let Certification::Unmet(names) = certified(&s) else { panic!("not unmet") };
        assert_eq!(names, vec![IDEAL_POINTS_IN_CHI.to_string()]);
    }
}
