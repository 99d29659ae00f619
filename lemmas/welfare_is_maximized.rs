//! The outcome x maximises welfare U with respect to c (Lemma B.1).
//!
//! # Statement
//!
//! ```text
//! x ∈ argmax_{x'} U(x'),   U(x') = −n ∫ p(i) c_i Σ_j w_ij (x'_j − y_ij)² di
//! x_j = (∫ p c w_j)⁻¹ ∫ p c w_j y_j
//! ```
//!
//! # Hypotheses
//!
//! 1. c is a scaling and x = x(c) (by construction; no check needed: the
//!    proof uses only the definition of x, not the fixed-point property).
//!
//! # Numerical check
//!
//! Two kinds of check, both from the definition of U:
//! - the gradient `∂U/∂x_j = −2n Σ_k s_k c_k w_kj (x_j − y_kj)` equals 0,
//!   with the error bound charged on `2n Σ_k s_k c_k w_kj (|x_j| + |y_kj|)`
//!   (x_j is a rounded quotient, so its own rounding enters every term);
//! - `U(x) ≥ U(x + h e)` for steps h = d_max·2⁻⁴ and d_max·2⁻²⁰ along every
//!   axis and the diagonal, in both directions. U is summed at the working
//!   precision plus 64 bits, because the two values agree in their leading
//!   digits; the bound is charged on |U(x)|.
//!
//! Certified: both kinds of check over the enclosure of the exact fixed
//! point, from the definition of U with the enclosed c and x. The gradient
//! is an equality with 0, so it is refuted or bounded, never proven; no
//! rounding bound enters. The step points x ± h e are boxes (h = d_max·2^-s
//! with d_max enclosed), and U needs no widened precision: the enclosures
//! are already outward-rounded, and the gain q_j h² dwarfs their width.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the proof's second display drops the factor −2n between its
//! first and second lines; the gradient checked here keeps it (it does not
//! change where the gradient vanishes).

use rug::Float;

use crate::certify::{Certification, Enclosed, WelfareSums};
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::interval::{sum, Interval};
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Relation, Sensitivity};

pub const NUMBER: &str = "B.1";
pub const STATEMENT: &str = "x maximises U(x') = −n ∫ p(i) c_i Σ_j w_ij (x'_j − y_ij)² di over x'";
pub const HYPOTHESES: &[&str] = &[];
pub const METHOD: &str = "∂U/∂x_j = 0 from the definition of U (rounding bound on \
    2n Σ s c w (|x_j| + |y|)), and U(x) ≥ U(x + h e) for steps along each axis and the \
    diagonal, U summed at the working precision + 64 bits";

/// Evaluates Lemma B.1.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    let mut checks = gradient_checks(s)?;
    checks.extend(step_checks(s)?);
    Ok(Evaluation { unmet: Vec::new(), checks })
}

fn gradient_checks(s: &Solved) -> Result<Vec<Check>> {
    let prec = s.ctx.prec();
    let mut checks = Vec::new();
    for j in 0..s.params.m {
        let mut gradient = Float::new(prec);
        let mut scale = Float::new(prec);
        for (k, t) in s.types.iter().enumerate() {
            let scw = Float::with_val(prec, &t.mass * &s.eq.c[k]) * &t.w[j];

            // x_j is itself a rounded quotient, so its rounding enters each
            // term as u·|x_j|: the magnitude charged is |x_j| + |y_kj|.
            let size = Float::with_val(prec, s.eq.x[j].abs_ref()) + t.y[j].clone().abs();
            scale += Float::with_val(prec, &scw * &size);
            gradient += scw * Float::with_val(prec, &s.eq.x[j] - &t.y[j]);
        }
        let two_n = s.params.n.clone() * 2u32;
        let gradient = -gradient * &two_n;
        let scale = scale * &two_n;
        let bound = error_bound(s, &scale, Sensitivity::Rounding);
        checks.push(Check::new(
            format!("∂U/∂x_{}", j + 1),
            gradient,
            Relation::Eq,
            s.ctx.zero(),
            bound,
        )?);
    }
    Ok(checks)
}

fn step_checks(s: &Solved) -> Result<Vec<Check>> {
    let wide = s.ctx.widened(64);
    let m = s.params.m;
    let at_x = s.welfare(&wide, &s.eq.x);
    let mut checks = Vec::new();
    for shift in [4u32, 20] {
        let h = s.params.d_max.clone() >> shift;
        // Axis directions e_1..e_m, then the diagonal (1, ..., 1)/√m.
        for axis in 0..=m {
            for sign in [1i32, -1] {
                let mut z: Vec<Float> = s.eq.x.iter().map(|v| wide.lift(v)).collect();
                if axis < m {
                    z[axis] += h.clone() * sign;
                } else {
                    let step = h.clone() / s.ctx.int(m as i64).sqrt() * sign;
                    z.iter_mut().for_each(|v| *v += &step);
                }
                let moved = s.welfare(&wide, &z);
                let bound = error_bound(s, &at_x, Sensitivity::Rounding);
                let direction =
                    if axis < m { format!("e_{}", axis + 1) } else { "diagonal".into() };
                let label = format!(
                    "U(x) ≥ U(x {} d_max·2^-{shift} {direction})",
                    if sign > 0 { "+" } else { "−" }
                );
                checks.push(Check::new(label, at_x.clone(), Relation::Ge, moved, bound)?);
            }
        }
    }
    Ok(checks)
}

/// Certifies the statement on the enclosure of the exact fixed point.
pub fn certify(_: &Solved, e: &Enclosure) -> Certification {
    let p = &e.params;
    let two_n = &p.n * &p.small(2);
    let mut checks = Vec::new();
    for j in 0..p.m {
        let terms: Vec<Interval> = e
            .types
            .iter()
            .zip(&e.c)
            .map(|(t, c)| &(&(&t.mass * c) * &t.w[j]) * &(&e.x[j] - &t.y[j]))
            .collect();
        let gradient = -&(&two_n * &sum(&e.ctx, &terms));
        checks.push(Enclosed::new(format!("∂U/∂x_{}", j + 1), gradient, Relation::Eq, p.small(0)));
    }

    // U(z) = U(x) − (U(x) − U(z)), the difference regrouped per issue:
    // O(m) per direction once U(x) and the sums are enclosed.
    let at_x = certified_welfare(e, &e.x);
    let sums = WelfareSums::of(e);
    for shift in [4u32, 20] {
        let h = &p.d_max * &Interval::point(&(e.ctx.int(1) >> shift));
        for axis in 0..=p.m {
            for sign in [1i64, -1] {
                let signed = &h * &p.small(sign);
                let z: Vec<Interval> = if axis < p.m {
                    let mut z = e.x.clone();
                    z[axis] = &z[axis] + &signed;
                    z
                } else {
                    let step = signed.div(&p.small(p.m as i64).sqrt());
                    e.x.iter().map(|xj| xj + &step).collect()
                };
                let direction =
                    if axis < p.m { format!("e_{}", axis + 1) } else { "diagonal".into() };
                let label = format!(
                    "U(x) ≥ U(x {} d_max·2^-{shift} {direction})",
                    if sign > 0 { "+" } else { "−" }
                );
                let shift: Vec<Interval> = z.iter().zip(&e.x).map(|(zj, xj)| zj - xj).collect();
                let moved = &at_x - &sums.power(e, &shift);
                checks.push(Enclosed::new(label, at_x.clone(), Relation::Ge, moved));
            }
        }
    }
    Certification::Checks(checks)
}

/// Encloses U(z) = −n Σ_k s_k c_k Σ_j w_kj (z_j − y_kj)² at the enclosed c.
fn certified_welfare(e: &Enclosure, z: &[Interval]) -> Interval {
    let terms: Vec<Interval> = e
        .types
        .iter()
        .zip(&e.c)
        .map(|(t, c)| {
            let loss: Vec<Interval> =
                (0..e.params.m).map(|j| &t.w[j] * &(&z[j] - &t.y[j]).square()).collect();
            &(&t.mass * c) * &sum(&e.ctx, &loss)
        })
        .collect();
    -&(&e.params.n * &sum(&e.ctx, &terms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certify::Proven;
    use crate::enclosure::enclose;
    use crate::fixtures;
    use crate::verdict::Role;

    fn certified(s: &Solved) -> Vec<Enclosed> {
        match certify(s, &enclose(s).unwrap()) {
            Certification::Checks(checks) => checks,
            other => panic!("{other:?}"),
        }
    }

    fn statement_labels(s: &Solved) -> Vec<String> {
        let e = evaluate(s).unwrap();
        e.checks.iter().filter(|c| c.role == Role::Statement).map(|c| c.label.clone()).collect()
    }

    /// The certified bound on |lhs − rhs| of an equality that is not refuted.
    fn gap(k: &Enclosed) -> Float {
        assert_ne!(k.proven(), Proven::Violated, "{}", k.label);
        (&k.lhs - &k.rhs).magnitude()
    }

    // Appendix B.1 on the weighted triangle: ∇U(x) = 0 and x beats its neighbours.
    #[test]
    fn certified_on_the_weighted_triangle() {
        let s = fixtures::solve(&fixtures::weighted_triangle("1e6", "1/100"));
        let checks = certified(&s);
        let labels: Vec<String> = checks.iter().map(|k| k.label.clone()).collect();
        assert_eq!(labels, statement_labels(&s));
        // The certified |∇U| is within 2^-180 of 0 at 256 bits.
        let tiny = s.ctx.int(1) >> 180u32;
        for k in &checks {
            match k.relation {
                Relation::Eq => assert!(gap(k) < tiny, "{}: {}", k.label, gap(k)),
                _ => assert_eq!(k.proven(), Proven::Holds, "{}", k.label),
            }
        }
    }

    #[test]
    fn a_moved_outcome_has_a_nonzero_gradient_and_loses_to_x() {
        let s = fixtures::solve(&fixtures::weighted_triangle("1e6", "1/100"));
        let mut e = enclose(&s).unwrap();
        let x = e.x.clone();
        e.x[0] = &e.x[0] + &Interval::point(&(s.ctx.int(1) >> 30u32));
        let Certification::Checks(checks) = certify(&s, &e) else { panic!("no checks") };
        assert_eq!(checks[0].proven(), Proven::Violated, "{}", checks[0].label);

        // The exact x against the moved point, as a step check would compare them.
        let moved = certified_welfare(&e, &e.x);
        e.x = x;
        let at_x = certified_welfare(&e, &e.x);
        let reversed = Enclosed::new("reversed", moved, Relation::Ge, at_x);
        assert_eq!(reversed.proven(), Proven::Violated);
    }
}
