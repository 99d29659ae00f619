//! Quadrature rules for densities, graded toward the outcome x.
//!
//! The scaling c(y) = √n / max(α, √r(y)) peaks at y = x like 1/|y − x|,
//! capped at √n/α inside the clamp radius. A plain Gauss–Legendre rule on a
//! cell resolves that peak badly (and an odd order puts a node right on it),
//! so for m ≤ 2 every cell axis is cut at x and at geometrically spaced
//! distances from it, and a small Gauss–Legendre rule runs on every piece.
//! In one dimension the cuts start at the clamp radius itself, where c has
//! its kink, so the rule sees only smooth pieces; in two dimensions the peak
//! is integrable and the innermost piece of side 2^-12 of the cell carries a
//! relative share of the integral of that order. For m ≥ 3 the rule stays
//! plain and its error, estimated from two orders, is reported as it is.

use rug::Float;

use crate::equilibrium::{gauss_legendre, Equilibrium, Params, Type};
use crate::numeric::Context;
use crate::population::Cell;

/// Levels of geometric grading toward x in two dimensions.
pub const LEVELS_2D: u32 = 12;

/// The most grading levels in one dimension (a clamp radius of 2^-220 of the cell).
pub const MAX_LEVELS_1D: u32 = 220;

/// Returns the nodes of a rule graded toward `eq.x`, `order` points per piece and axis.
pub fn graded(
    ctx: &Context,
    cells: &[Cell],
    params: &Params,
    eq: &Equilibrium,
    order: usize,
) -> Vec<Type> {
    let rule = gauss_legendre(ctx, order);
    let m = params.m;
    let mut out = Vec::new();
    for (k, cell) in cells.iter().enumerate() {
        let lo: Vec<Float> = cell.lo.iter().map(|v| ctx.rational(v)).collect();
        let hi: Vec<Float> = cell.hi.iter().map(|v| ctx.rational(v)).collect();
        let w: Vec<Float> = cell.w.iter().map(|v| ctx.rational(v)).collect();
        let density = ctx.rational(&cell.density());
        let breaks: Vec<Vec<Float>> = (0..m)
            .map(|j| {
                let side = Float::with_val(ctx.prec(), &hi[j] - &lo[j]);
                let (inner, levels) = if m == 1 {
                    // The clamp radius on this axis: √r = α exactly where
                    // w |y − x| / √Q = α.
                    let radius = params.alpha.clone() * eq.big_q[j].clone().sqrt() / &w[j];
                    let ratio = Float::with_val(ctx.prec(), &side / &radius);
                    let levels = ratio.log2().ceil().to_u32_saturating().unwrap_or(0);
                    (radius, levels.min(MAX_LEVELS_1D))
                } else {
                    (side >> LEVELS_2D, LEVELS_2D)
                };
                axis_breaks(&lo[j], &hi[j], &eq.x[j], &inner, levels)
            })
            .collect();
        pieces(ctx, &breaks, &rule, &w, &density, k, &mut out);
    }
    out
}

/// Cuts [lo, hi] at x and at x ± inner·2^k for k = 0..=levels.
fn axis_breaks(lo: &Float, hi: &Float, x: &Float, inner: &Float, levels: u32) -> Vec<Float> {
    let mut cuts = vec![lo.clone(), hi.clone()];
    let inside = |v: &Float| lo < v && v < hi;
    if inside(x) {
        cuts.push(x.clone());
    }
    for k in 0..=levels {
        let d = inner.clone() << k;
        for v in [x.clone() - &d, x.clone() + &d] {
            if inside(&v) {
                cuts.push(v);
            }
        }
    }
    cuts.sort_by(|a, b| a.partial_cmp(b).expect("finite cuts"));
    cuts.dedup();
    cuts
}

/// Adds the tensor Gauss–Legendre nodes of every piece of the grid `breaks`.
fn pieces(
    ctx: &Context,
    breaks: &[Vec<Float>],
    rule: &[(Float, Float)],
    w: &[Float],
    density: &Float,
    cell: usize,
    out: &mut Vec<Type>,
) {
    let m = breaks.len();
    let prec = ctx.prec();
    let mut piece = vec![0usize; m];
    loop {
        let mut node = vec![0usize; m];
        loop {
            let mut mass = density.clone();
            let mut y = Vec::with_capacity(m);
            for j in 0..m {
                let (a, b) = (&breaks[j][piece[j]], &breaks[j][piece[j] + 1]);
                let half = Float::with_val(prec, b - a) / 2u32;
                let (t, weight) = &rule[node[j]];
                y.push(Float::with_val(prec, t + 1u32) * &half + a);
                mass *= Float::with_val(prec, &half * weight);
            }
            out.push(Type { y, w: w.to_vec(), mass, cell: Some(cell) });
            if !advance(&mut node, |_| rule.len()) {
                break;
            }
        }
        if !advance(&mut piece, |j| breaks[j].len() - 1) {
            return;
        }
    }
}

/// Steps a mixed-radix counter; false when it wraps around.
fn advance(index: &mut [usize], radix: impl Fn(usize) -> usize) -> bool {
    for (j, v) in index.iter_mut().enumerate() {
        *v += 1;
        if *v < radix(j) {
            return true;
        }
        *v = 0;
    }
    false
}
