//! What the chains of Appendices C and D share: the types a "for all i"
//! chain runs over, and the error a link carries that its terms do not show.
//!
//! [`crate::audit::ChainBuilder`] bounds a link's error relative to the
//! larger of its two terms. Two sources of error escape that scale, and a
//! proof module adds them to the links they reach with [`charge`]:
//!
//! - The rounding left in the gradient b of U at x. The solver's shift is
//!   `δ_ij = (c_i w_ij (y_ij − x_j) − λ_i b_j / 2) / (c_i w_ij + λ_i q_j)`
//!   with `b_j = 2n (Q_j x_j − Σ_k s_k c_k w_kj y_kj)`, which vanishes only up
//!   to the rounding of x = x(c) (Lemma C.1's module bounds it by b̄_j). So a
//!   stored δ_ij sits up to `e_ij = λ_i b̄_j / (2 (c_i w_ij + λ_i q_j))` from
//!   Lemma C.2's expression ([`shift_rounding`]), whatever the terms' size.
//! - The fixed-point residual, relative to a quantity (1/λ_i, say) of which
//!   a link compares a small difference (1/λ_i − √γ).
//!
//! Both are bounds on rounding and on the residual, the same ones the lemma
//! modules charge; neither depends on the statement being audited.

use rug::Float;

use crate::audit::{link_check, Chain, TIE_NOTE};
use crate::error::Result;
use crate::lemmas::power_is_a_weighted_square::externality_rounding;
use crate::numeric::Context;
use crate::proofs::sampled;
use crate::solved::Solved;

/// Returns the normal types (i ∈ N̂), or an evenly spaced sample of them.
pub fn normal_types(s: &Solved) -> Vec<usize> {
    sampled((0..s.types.len()).filter(|&i| s.is_normal(i)).collect())
}

/// Returns the types outside N̂, or an evenly spaced sample of them.
pub fn unusual_types(s: &Solved) -> Vec<usize> {
    sampled((0..s.types.len()).filter(|&i| !s.is_normal(i)).collect())
}

/// Returns every type, or an evenly spaced sample of them.
pub fn all_types(s: &Solved) -> Vec<usize> {
    sampled((0..s.types.len()).collect())
}

/// Returns Lemma C.2's shift `c_i w_ij (y_ij − x_j) / (c_i w_ij + λ_i q_j)`
/// at `ctx`'s precision, from the stored c, x, q and λ.
pub fn c2_shift(s: &Solved, ctx: &Context, i: usize) -> Vec<Float> {
    let prec = ctx.prec();
    let t = &s.types[i];
    let lambda = &s.programs[i].lambda;
    (0..s.params.m)
        .map(|j| {
            let cw = Float::with_val(prec, &s.eq.c[i] * &t.w[j]);
            let pull = Float::with_val(prec, &t.y[j] - &s.eq.x[j]) * &cw;
            let denominator = cw + Float::with_val(prec, lambda * &s.eq.q[j]);
            pull / denominator
        })
        .collect()
}

/// Returns a context wide enough for the differences of type i's terms.
///
/// C.2's shift and its first approximation share about
/// `L_i = max_j log₂(λ_i q_j / (c_i w_ij))` leading bits, and τ_i is about
/// 2^(−L_i) of its terms; 64 + 2 L_i more bits keep every such difference
/// exact to the working precision, from the stored c, x, q and λ.
pub fn widened_for(s: &Solved, i: usize) -> Context {
    let prec = s.ctx.prec();
    let lambda = &s.programs[i].lambda;
    let mut bits = 0u32;
    for j in 0..s.params.m {
        let cw = Float::with_val(prec, &s.eq.c[i] * &s.types[i].w[j]);
        let ratio = Float::with_val(prec, lambda * &s.eq.q[j]) / cw;
        if let Some(e) = ratio.get_exp() {
            bits = bits.max(e.max(0).unsigned_abs());
        }
    }
    s.ctx.widened(64 + 2 * bits)
}

/// Returns `e_ij = λ_i b̄_j / (2 (c_i w_ij + λ_i q_j))` for every issue: how
/// far the stored δ_ij may sit from Lemma C.2's expression because of the
/// rounding left in b. It is 0 for a slack agent (λ_i = 0), whose stored
/// shift is y_i − x exactly.
pub fn shift_rounding(s: &Solved, i: usize) -> Vec<Float> {
    let prec = s.ctx.prec();
    let b_bar = externality_rounding(s);
    let lambda = &s.programs[i].lambda;
    (0..s.params.m)
        .map(|j| {
            let cw = Float::with_val(prec, &s.eq.c[i] * &s.types[i].w[j]);
            let denominator = (cw + Float::with_val(prec, lambda * &s.eq.q[j])) * 2u32;
            Float::with_val(prec, lambda * &b_bar[j]) / denominator
        })
        .collect()
}

/// Returns a bound on |Σ_j q_j δ_ij² − Σ_j q_j δ̃_ij²| for δ̃ Lemma C.2's
/// expression: `Σ_j q_j (2 |δ̃_ij| e_ij + e_ij²)`.
pub fn power_rounding(s: &Solved, i: usize) -> Float {
    let prec = s.ctx.prec();
    let shift = c2_shift(s, &s.ctx, i);
    let e = shift_rounding(s, i);
    let mut total = s.ctx.zero();
    for j in 0..s.params.m {
        let spread = Float::with_val(prec, shift[j].abs_ref()) * 2u32 + &e[j];
        total += spread * &e[j] * &s.eq.q[j];
    }
    total
}

/// Adds `extra` to the error bound of link `k` of `chain` and decides the
/// link again, recording `why` in its error source.
///
/// # Errors
///
/// Fails on a non-finite bound.
pub fn charge(chain: &mut Chain, k: usize, extra: &Float, why: &str) -> Result<()> {
    let old = &chain.links[k];
    let error = Float::with_val(old.error.prec(), &old.error + extra);
    let source = old.error_source.strip_suffix(TIE_NOTE).unwrap_or(&old.error_source);
    let source = format!("{source}; plus {why}");
    let (lhs, rhs, relation) = (old.lhs.clone(), old.rhs.clone(), old.relation);

    let (link, tie) = link_check(old.label.clone(), lhs, relation, rhs, (error, source))?;
    chain.links[k] = link;
    chain.ties[k] = tie;
    Ok(())
}
