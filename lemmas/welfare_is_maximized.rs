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
//! # Differences from the paper
//!
//! DIFFERENCE: the proof's second display drops the factor −2n between its
//! first and second lines; the gradient checked here keeps it (it does not
//! change where the gradient vanishes).

use rug::Float;

use crate::error::Result;
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

/// Certifies the statement on an enclosure: not yet encoded in interval arithmetic.
pub fn certify(_: &Solved, _: &crate::enclosure::Enclosure) -> crate::certify::Certification {
    crate::certify::Certification::not_certifiable("not yet encoded in interval arithmetic")
}
