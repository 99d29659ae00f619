//! x(c), Q, q, and the fixed point of f (g_A for a finite population).
//!
//! # The map
//!
//! ```text
//! Q_j(c) = Σ_k s_k c_k w_kj          q_j = n Q_j
//! x_j(c) = Q_j⁻¹ Σ_k s_k c_k w_kj y_kj
//! r_i    = Σ_j w_ij² (y_ij − x_j)² / Q_j
//! [g(c)]_i = √n / max(α, √r_i)
//! ```
//!
//! A scaling enters g only through the 2m aggregates (Q, x), so the solver
//! iterates on those: a few plain (Picard) steps, then Levenberg–Marquardt
//! steps on the 2m equations `Σ_k s_k c_k w_kj = Q_j`,
//! `Σ_k s_k c_k w_kj (y_kj − x_j) = 0`, with the Jacobian in closed form.
//! The regularisation μ = ‖F‖² keeps the step defined when the Jacobian is
//! singular (in one dimension with an even split of mass every point between
//! the two middle types is a median) and vanishes at the solution.
//!
//! The result is reported with its relative residual
//! `ρ = max_i |g(c)_i − c_i| / c_i`, and `x`, `Q` are recomputed from the
//! final `c`, so that `x = x(c)` holds to rounding as the lemmas assume.
//! Reaching the iteration cap is an error.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: Section 5.1 writes the discrete average as
//! `x_j(c) = (Σ_i s_i w_ij)⁻¹ Σ_i s_i w_ij y_ij`, without `c(i)`. Part 2 of
//! the proof of Lemma 5.3 uses the version with `c(i)`, as does the
//! continuous definition; that is the one encoded. Lemma 5.1 also checks its
//! self-map claim under the literal reading.
//!
//! FIXME: when the outcome is a median on a heavy type whose weights are
//! far from the others' (a ratio near 1e5, with α = 1/10 at n = 100, or two
//! types in three issues at n = 1e40), the plain steps approach it
//! sublinearly, the Levenberg–Marquardt steps are refused at the clamp's
//! kink, and the solve ends at the iteration cap: an error, never a verdict.
//!
//! For a density, every integral is a tensor Gauss–Legendre rule per cell;
//! the solve is repeated with one more node per axis and the difference of
//! the aggregates is the reported quadrature error.

use rug::{Assign, Float};

use crate::error::{Error, Result};
use crate::numeric::{finite, tol, Context};
use crate::population::{Cell, Instance, Population, Start};

/// The model's scalar parameters at the working precision.
#[derive(Clone, Debug)]
pub struct Params {
    pub m: usize,
    pub n: Float,
    pub alpha: Float,
    pub gamma: Float,
    pub w_min: Float,
    pub w_max: Float,
    pub d_max: Float,
    /// d_max², rounded once from its exact value (a box's sum of squares).
    pub d_max_squared: Float,
    /// The bound on the density of ideal points, for a density population.
    pub p_max: Option<Float>,
}

impl Params {
    /// Rounds an instance's parameters to the context precision.
    pub fn of(ctx: &Context, instance: &Instance) -> Params {
        Params {
            m: instance.n_issues(),
            n: ctx.rational(&instance.n),
            alpha: instance.alpha(ctx),
            gamma: ctx.rational(&instance.gamma),
            w_min: ctx.rational(&instance.w_min),
            w_max: ctx.rational(&instance.w_max),
            d_max: instance.outcome_set.d_max(ctx),
            d_max_squared: ctx.rational(&instance.outcome_set.d_max_squared()),
            p_max: instance.population.p_max().map(|p| ctx.rational(&p)),
        }
    }

    /// Returns β = w_min² / (4 w_max³ d_max²), the constant of Lemma B.4.
    pub fn beta(&self) -> Float {
        let w_max3 = Float::with_val(self.w_max.prec(), self.w_max.clone().square() * &self.w_max);
        self.w_min.clone().square() / (w_max3 * &self.d_max_squared * 4u32)
    }

    /// Returns η = (n^(3/2) α β w_min − 2 √γ m w_max) / (2 m w_max), after Lemma C.5.
    pub fn eta(&self) -> Float {
        let n32 = self.n.clone().sqrt() * &self.n;
        let two_m_wmax = self.w_max.clone() * (2 * self.m as u32);
        let lead = n32 * &self.alpha * self.beta() * &self.w_min;
        (lead - self.gamma.clone().sqrt() * &two_m_wmax) / two_m_wmax
    }
}

/// One type at the working precision: ideal point, weights, mass s.
///
/// For a density these are quadrature nodes; `cell` names the cell.
#[derive(Clone, Debug)]
pub struct Type {
    pub y: Vec<Float>,
    pub w: Vec<Float>,
    pub mass: Float,
    pub cell: Option<usize>,
}

/// A scaling with its aggregates: c, Q(c), q(c) = n Q(c), x(c), r.
#[derive(Clone, Debug)]
pub struct Equilibrium {
    pub c: Vec<Float>,
    pub big_q: Vec<Float>,
    pub q: Vec<Float>,
    pub x: Vec<Float>,
    /// r_i = Σ_j w_ij² (y_ij − x_j)² / Q_j at the aggregates of `c`.
    pub r: Vec<Float>,
}

impl Equilibrium {
    /// Computes Q(c), q, x(c) and r from an arbitrary positive scaling.
    pub fn from_scaling(types: &[Type], n: &Float, c: Vec<Float>) -> Equilibrium {
        let (big_q, x) = aggregates(types, &c);
        let q = big_q.iter().map(|qj| Float::with_val(qj.prec(), qj * n)).collect();
        let r = types.iter().map(|t| disagreement(t, &big_q, &x)).collect();
        Equilibrium { c, big_q, q, x, r }
    }
}

/// Returns (Q, x) for a scaling: Q_j = Σ s c w, x_j = Q_j⁻¹ Σ s c w y.
pub fn aggregates(types: &[Type], c: &[Float]) -> (Vec<Float>, Vec<Float>) {
    let m = types[0].y.len();
    let prec = c[0].prec();
    let mut big_q = vec![Float::new(prec); m];
    let mut moment = vec![Float::new(prec); m];

    // The solver sums K·m terms here once or twice per iteration: they go
    // through reused buffers, since an MPFR allocation costs about as much
    // as a product.
    let mut sc = Float::new(prec);
    let mut scw = Float::new(prec);
    let mut term = Float::new(prec);
    for (t, ck) in types.iter().zip(c) {
        sc.assign(&t.mass * ck);
        for j in 0..m {
            scw.assign(&sc * &t.w[j]);
            term.assign(&scw * &t.y[j]);
            moment[j] += &term;
            big_q[j] += &scw;
        }
    }
    let x = moment.into_iter().zip(&big_q).map(|(t, qj)| t / qj).collect();
    (big_q, x)
}

/// Returns r_i = Σ_j w_ij² (y_ij − x_j)² / Q_j.
pub fn disagreement(t: &Type, big_q: &[Float], x: &[Float]) -> Float {
    let mut scratch = Float::new(big_q[0].prec());
    disagreement_with(t, big_q, x, &mut scratch)
}

/// [`disagreement`] with a caller's scratch value, rounded the same way.
fn disagreement_with(t: &Type, big_q: &[Float], x: &[Float], wd: &mut Float) -> Float {
    let mut r = Float::new(big_q[0].prec());
    for j in 0..x.len() {
        wd.assign(&t.y[j] - &x[j]);
        *wd *= &t.w[j];
        wd.square_mut();
        *wd /= &big_q[j];
        r += &*wd;
    }
    r
}

/// Returns √n / max(α, √r): the map g (or f) at one type.
pub fn scaling_of(params: &Params, r: &Float) -> Float {
    let root = r.clone().sqrt();
    let denom = if root < params.alpha { params.alpha.clone() } else { root };
    params.n.clone().sqrt() / denom
}

/// The solver's output: the equilibrium, its residual, how it got there.
#[derive(Clone, Debug)]
pub struct FixedPoint {
    pub eq: Equilibrium,
    /// ρ = max_i |g(c)_i − c_i| / c_i.
    pub residual: Float,
    pub iterations: usize,
}

/// The largest number of solver steps before the solve is an error.
pub const MAX_ITERATIONS: usize = 4000;

/// Steps without the residual halving after which a small residual is its floor.
const STALL_ITERATIONS: usize = 64;

/// Plain steps taken before the Levenberg–Marquardt phase.
const PICARD_WARMUP: usize = 8;

/// Solves c = g(c) for the given types, from a constant starting scaling.
///
/// # Errors
///
/// Fails when the residual neither reaches 2^-(prec − 24) nor settles at
/// its rounding floor below 2^-(prec/2) within [`MAX_ITERATIONS`] steps,
/// or when a non-finite value arises.
pub fn solve_fixed_point(
    ctx: &Context,
    types: &[Type],
    params: &Params,
    start: &Float,
) -> Result<FixedPoint> {
    let target = ctx.int(1) >> (ctx.prec() - tol::RESIDUAL_SLACK_BITS);
    let map = ScalingMap::of(params);
    let c0 = vec![start.clone(); types.len()];
    let (mut big_q, mut x) = aggregates(types, &c0);
    let mut sweep = Sweep::from(types, &map, map.scalings(types, &big_q, &x));
    let mut since_progress = 0usize;
    let mut best: Option<(Float, usize)> = None;
    for iteration in 0..MAX_ITERATIONS {
        let residual = sweep.residual.clone();
        finite(residual.clone(), "the fixed-point residual")?;
        if residual <= target {
            let eq = sweep.into_equilibrium(types, &params.n);
            return Ok(FixedPoint { eq, residual, iterations: iteration + 1 });
        }

        // Nodes very close to x carry y − x with a relative rounding error
        // of u·|x|/|y − x|, which can sit above the target: the residual
        // then stalls at its own floor. A residual that has not halved in
        // STALL_ITERATIONS steps and lies below 2^-(prec/2) is that floor;
        // it is returned as it is, and it enters every error bound as ρ.
        if best.as_ref().is_none_or(|(r, _)| residual.clone() * 2u32 <= *r) {
            best = Some((residual.clone(), iteration));
        } else if let Some((r, at)) = &best {
            let floor = ctx.int(1) >> (ctx.prec() / 2);
            if iteration - at > STALL_ITERATIONS
                && residual <= floor
                && residual <= r.clone() * 2u32
            {
                log::info!(
                    "fixed point: residual stalled at its rounding floor {} after {} iterations; \
                     accepted and charged to the error bounds",
                    crate::numeric::sci_up(&residual, 3),
                    iteration + 1
                );
                let eq = sweep.into_equilibrium(types, &params.n);
                return Ok(FixedPoint { eq, residual, iterations: iteration + 1 });
            }
        }

        let stepped = if iteration >= PICARD_WARMUP && since_progress < 4 {
            marquardt_step(ctx, types, &map, (&big_q, &x), &sweep)
        } else {
            None
        };
        match stepped {
            Some((q_new, x_new, trial)) => {
                since_progress = 0;
                big_q = q_new;
                x = x_new;
                sweep = trial;
            }
            None => {
                if iteration >= PICARD_WARMUP && since_progress < 4 {
                    log::debug!(
                        "fixed point: Marquardt step rejected at iteration {iteration} \
                         (ρ = {}); falling back to a plain step",
                        crate::numeric::sci_up(&residual, 3)
                    );
                }
                // A plain step always makes progress in the scale of Q (its
                // contraction factor is 1/2), so it is the safe fallback.
                since_progress += 1;
                if since_progress > 16 {
                    log::debug!("fixed point: Marquardt steps restarted at iteration {iteration}");
                    since_progress = 0;
                }
                // The plain step moves to the aggregates of c, where g's
                // scalings are already known from the residual.
                let Sweep { big_q: q_next, x: x_next, next, .. } = sweep;
                big_q = q_next;
                x = x_next;
                sweep = Sweep::from(types, &map, next);
            }
        }
    }
    Err(Error::solver(format!("fixed point did not converge within {MAX_ITERATIONS} iterations")))
}

/// The map g from aggregates to scalings, with √n rounded once.
struct ScalingMap<'a> {
    sqrt_n: Float,
    alpha: &'a Float,
    d_max: &'a Float,
}

/// g's scaling of every type at one pair of aggregates (Q, x).
struct Scalings {
    c: Vec<Float>,
    /// True where √r_i < α: the scaling sits at the clamp √n/α.
    clamped: Vec<bool>,
}

impl ScalingMap<'_> {
    fn of(params: &Params) -> ScalingMap<'_> {
        ScalingMap { sqrt_n: params.n.clone().sqrt(), alpha: &params.alpha, d_max: &params.d_max }
    }

    /// Returns g's scaling of every type at (Q, x), as [`scaling_of`] rounds it.
    fn scalings(&self, types: &[Type], big_q: &[Float], x: &[Float]) -> Scalings {
        let prec = big_q[0].prec();
        let mut out = Scalings {
            c: Vec::with_capacity(types.len()),
            clamped: Vec::with_capacity(types.len()),
        };
        let mut scratch = Float::new(prec);
        let mut root = Float::new(prec);
        for t in types {
            let r = disagreement_with(t, big_q, x, &mut scratch);
            root.assign(r.sqrt_ref());
            let clamped = root < *self.alpha;
            let denom = if clamped { self.alpha } else { &root };
            out.c.push(Float::with_val(self.sqrt_n.prec(), &self.sqrt_n / denom));
            out.clamped.push(clamped);
        }
        out
    }
}

/// One evaluation of the residual at (Q, x): the scalings c = g(Q, x), their
/// aggregates (Q(c), x(c)), and g's scalings there.
///
/// A plain step moves to (Q(c), x(c)), and an accepted Marquardt step to the
/// trial point whose sweep was just computed, so each sweep is computed once.
struct Sweep {
    at: Scalings,
    big_q: Vec<Float>,
    x: Vec<Float>,
    next: Scalings,
    /// ρ = max_i |g(c)_i − c_i| / c_i.
    residual: Float,
}

impl Sweep {
    fn from(types: &[Type], map: &ScalingMap, at: Scalings) -> Sweep {
        let (big_q, x) = aggregates(types, &at.c);
        let next = map.scalings(types, &big_q, &x);
        let residual = relative_gap(&at.c, &next.c);
        Sweep { at, big_q, x, next, residual }
    }

    /// The equilibrium of c: the same values [`Equilibrium::from_scaling`] computes.
    fn into_equilibrium(self, types: &[Type], n: &Float) -> Equilibrium {
        let q = self.big_q.iter().map(|qj| Float::with_val(qj.prec(), qj * n)).collect();
        // r is recomputed rather than kept from the last sweep: a sweep
        // then holds two K-vectors, not four, and the peak memory stays
        // where it was before sweeps were reused.
        let r = types.iter().map(|t| disagreement(t, &self.big_q, &self.x)).collect();
        Equilibrium { c: self.at.c, big_q: self.big_q, q, x: self.x, r }
    }
}

/// Returns max_i |b_i − a_i| / a_i.
pub fn relative_gap(a: &[Float], b: &[Float]) -> Float {
    let mut worst = Float::new(a[0].prec());
    let mut gap = Float::new(a[0].prec());
    for (ai, bi) in a.iter().zip(b) {
        gap.assign(bi - ai);
        gap.abs_mut();
        gap /= ai;
        if gap > worst {
            worst.assign(&gap);
        }
    }
    worst
}

/// The scaled residual F̃ of the aggregate equations, its squared norm, and
/// its Jacobian J̃ in the scaled variables (ΔQ_l = Q_l p_l, Δx_l = d_max p_l).
///
/// One pass over the types: each adds its terms to G_j = Σ s c w (y − x)
/// and, unless clamped, its rank-one term to the Jacobian, O(m²) per type.
fn scaled_system(
    types: &[Type],
    map: &ScalingMap,
    (big_q, x): (&[Float], &[Float]),
    sweep: &Sweep,
) -> (Vec<Float>, Float, Vec<Vec<Float>>) {
    let m = x.len();
    let prec = big_q[0].prec();
    // S_j = Σ s c w is Q(c), summed in the same order by `aggregates`.
    let s = &sweep.big_q;
    let mut g = vec![Float::new(prec); m];
    let mut d_s = vec![vec![Float::new(prec); 2 * m]; m];
    let mut d_g = vec![vec![Float::new(prec); 2 * m]; m];

    let mut dc = vec![Float::new(prec); 2 * m];
    let mut sc = Float::new(prec);
    let mut scw = Float::new(prec);
    let mut dev = Float::new(prec);
    let mut w2 = Float::new(prec);
    let mut r2 = Float::new(prec);
    let mut mw = Float::new(prec);
    let mut mwd = Float::new(prec);
    let mut term = Float::new(prec);
    for (k, t) in types.iter().enumerate() {
        let ck = &sweep.at.c[k];
        sc.assign(&t.mass * ck);
        for j in 0..m {
            scw.assign(&sc * &t.w[j]);
            term.assign(&t.y[j] - &x[j]);
            term *= &scw;
            g[j] += &term;
        }
        if sweep.at.clamped[k] {
            // A clamped type's scaling does not move with (Q, x).
            continue;
        }

        // dc/dQ_l = c a_l / (2 r Q_l) and dc/dx_l = c w_l² (y_l − x_l) / (r Q_l).
        let r = &disagreement_with(t, big_q, x, &mut dev);
        r2.assign(r * 2u32);
        for l in 0..m {
            dev.assign(&t.y[l] - &x[l]);
            w2.assign(t.w[l].square_ref());
            let a_l = &mut dc[l];
            a_l.assign(&w2 * &dev);
            *a_l *= &dev;
            *a_l /= &big_q[l];
            let d_q = a_l;
            term.assign(ck * &*d_q);
            d_q.assign(&term / &r2);
            let d_x = &mut dc[m + l];
            d_x.assign(ck * &w2);
            *d_x *= &dev;
            *d_x /= r;
            *d_x /= &big_q[l];
            *d_x *= map.d_max;
        }
        for j in 0..m {
            mw.assign(&t.mass * &t.w[j]);
            mwd.assign(&t.y[j] - &x[j]);
            mwd *= &mw;
            for (col, dcc) in dc.iter().enumerate() {
                term.assign(&mw * dcc);
                d_s[j][col] += &term;
                term.assign(&mwd * dcc);
                d_g[j][col] += &term;
            }
        }
    }

    let mut f = Vec::with_capacity(2 * m);
    for j in 0..m {
        f.push(Float::with_val(prec, &s[j] - &big_q[j]) / &big_q[j]);
    }
    for j in 0..m {
        f.push(Float::with_val(prec, &g[j] / &s[j]) / map.d_max);
    }
    let norm2 = f.iter().fold(Float::new(prec), |acc, v| acc + v.clone().square());

    let mut jac = Vec::with_capacity(2 * m);
    for j in 0..m {
        // Row of F̃_Q,j = (S_j − Q_j)/Q_j; the −Q_j term gives −1 on the diagonal.
        let mut row: Vec<Float> =
            d_s[j].iter().map(|v| Float::with_val(prec, v / &big_q[j])).collect();
        row[j] -= 1u32;
        jac.push(row);
    }
    for j in 0..m {
        // Row of F̃_x,j = G_j / (S_j d_max); the −x_j S_j term of G gives −S_j.
        let scale = Float::with_val(prec, &s[j] * map.d_max);
        let mut row: Vec<Float> =
            d_g[j].iter().map(|v| Float::with_val(prec, v / &scale)).collect();
        row[m + j] -= Float::with_val(prec, &s[j] * map.d_max) / &scale;
        jac.push(row);
    }
    (f, norm2, jac)
}

/// One Levenberg–Marquardt step with backtracking; None when it cannot improve.
///
/// An accepted step comes with the sweep at its new aggregates.
fn marquardt_step(
    ctx: &Context,
    types: &[Type],
    map: &ScalingMap,
    (big_q, x): (&[Float], &[Float]),
    sweep: &Sweep,
) -> Option<(Vec<Float>, Vec<Float>, Sweep)> {
    let m = x.len();
    let (f, norm2, jac) = scaled_system(types, map, (big_q, x), sweep);

    // Normal equations (J̃ᵀJ̃ + μ I) p = −J̃ᵀF̃, with μ = ‖F̃‖².
    let dim = 2 * m;
    let prec = ctx.prec();
    let mut a = vec![vec![Float::new(prec); dim]; dim];
    let mut rhs = vec![Float::new(prec); dim];
    let mut term = Float::new(prec);
    for row in 0..dim {
        for col in 0..dim {
            for k in 0..dim {
                term.assign(&jac[k][row] * &jac[k][col]);
                a[row][col] += &term;
            }
        }
        a[row][row] += &norm2;
        for k in 0..dim {
            term.assign(&jac[k][row] * &f[k]);
            rhs[row] -= &term;
        }
    }
    let p = solve_linear(a, rhs)?;

    let mut t = ctx.int(1);
    for _ in 0..8 {
        let q_new: Vec<Float> =
            (0..m).map(|l| Float::with_val(prec, &p[l] * &t) * &big_q[l] + &big_q[l]).collect();
        let x_new: Vec<Float> =
            (0..m).map(|l| Float::with_val(prec, &p[m + l] * &t) * map.d_max + &x[l]).collect();
        if q_new.iter().all(|v| v.is_finite() && *v > 0) && x_new.iter().all(|v| v.is_finite()) {
            // Demand that the residual ρ itself halves: the least-squares
            // merit can fall while x drifts away along a flat valley (an
            // even split of mass at a median), where plain steps do better.
            let trial = Sweep::from(types, map, map.scalings(types, &q_new, &x_new));
            if trial.residual.clone() * 2u32 <= sweep.residual {
                return Some((q_new, x_new, trial));
            }
        }
        t >>= 1u32;
    }
    None
}

/// Solves a small dense system by Gaussian elimination with partial pivoting.
fn solve_linear(mut a: Vec<Vec<Float>>, mut b: Vec<Float>) -> Option<Vec<Float>> {
    let dim = b.len();
    for col in 0..dim {
        let pivot = (col..dim).max_by(|&i, &k| {
            a[i][col].clone().abs().partial_cmp(&a[k][col].clone().abs()).unwrap()
        })?;
        if a[pivot][col].is_zero() || !a[pivot][col].is_finite() {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..dim {
            let factor = Float::with_val(a[row][col].prec(), &a[row][col] / &a[col][col]);
            for k in col..dim {
                let delta = Float::with_val(factor.prec(), &factor * &a[col][k]);
                a[row][k] -= delta;
            }
            let delta = Float::with_val(factor.prec(), &factor * &b[col]);
            b[row] -= delta;
        }
    }
    let mut out = vec![Float::new(b[0].prec()); dim];
    for row in (0..dim).rev() {
        let mut acc = b[row].clone();
        for k in row + 1..dim {
            acc -= Float::with_val(acc.prec(), &a[row][k] * &out[k]);
        }
        out[row] = acc / &a[row][row];
    }
    out.iter().all(|v| v.is_finite()).then_some(out)
}

/// Returns the starting scaling an instance asks for.
pub fn start_value(ctx: &Context, start: &Start, params: &Params) -> Float {
    match start {
        Start::LowerCorner => {
            params.w_min.clone() / (params.w_max.clone().square() * params.d_max_squared.clone())
        }
        Start::UpperCorner => params.n.clone().sqrt() / &params.alpha,
        Start::Constant(c) => ctx.rational(c),
    }
}

/// Returns the types of a population at the working precision.
///
/// A finite population gives its types; a density gives the nodes of an
/// `order`-point Gauss–Legendre rule per axis in every cell.
pub fn types_of(ctx: &Context, population: &Population, order: usize) -> Vec<Type> {
    match population {
        Population::Finite(types) => types
            .iter()
            .map(|t| Type {
                y: t.y.iter().map(|v| ctx.rational(v)).collect(),
                w: t.w.iter().map(|v| ctx.rational(v)).collect(),
                mass: ctx.rational(&t.mass),
                cell: None,
            })
            .collect(),
        Population::Density(cells) => {
            let rule = gauss_legendre(ctx, order);
            let mut out = Vec::new();
            for (k, cell) in cells.iter().enumerate() {
                cell_nodes(ctx, cell, k, &rule, &mut out);
            }
            out
        }
    }
}

fn cell_nodes(ctx: &Context, cell: &Cell, k: usize, rule: &[(Float, Float)], out: &mut Vec<Type>) {
    let m = cell.lo.len();
    let lo: Vec<Float> = cell.lo.iter().map(|v| ctx.rational(v)).collect();
    let half: Vec<Float> =
        cell.lo.iter().zip(&cell.hi).map(|(l, h)| ctx.rational(&(h.clone() - l)) / 2u32).collect();
    let w: Vec<Float> = cell.w.iter().map(|v| ctx.rational(v)).collect();
    let mass = ctx.rational(&cell.mass);
    let mut index = vec![0usize; m];
    loop {
        let mut node_mass = mass.clone();
        let mut y = Vec::with_capacity(m);
        for j in 0..m {
            let (t, weight) = &rule[index[j]];
            // Nodes on [-1, 1] map to lo + half (1 + t); weights sum to 2.
            y.push(Float::with_val(ctx.prec(), t + 1u32) * &half[j] + &lo[j]);
            node_mass *= weight;
            node_mass /= 2u32;
        }
        out.push(Type { y, w: w.clone(), mass: node_mass, cell: Some(k) });
        let mut axis = 0;
        loop {
            if axis == m {
                return;
            }
            index[axis] += 1;
            if index[axis] < rule.len() {
                break;
            }
            index[axis] = 0;
            axis += 1;
        }
    }
}

/// Returns the nodes and weights of the `order`-point Gauss–Legendre rule on [-1, 1].
pub fn gauss_legendre(ctx: &Context, order: usize) -> Vec<(Float, Float)> {
    let prec = ctx.prec();
    let mut rule = Vec::with_capacity(order);
    for i in 1..=order {
        // Start Newton's method at the classical guess cos(π (4i − 1) / (4N + 2)).
        let angle = ctx.pi() * ctx.ratio(4 * i as i64 - 1, 4 * order as i64 + 2);
        let mut t = angle.cos();
        let mut derivative = ctx.zero();
        for _ in 0..200 {
            let (p, dp) = legendre(ctx, order, &t);
            let step = Float::with_val(prec, &p / &dp);
            t -= &step;
            derivative = dp;
            if step.is_zero() || step.clone().abs() < (ctx.int(1) >> (prec + 2)) {
                let (_, dp) = legendre(ctx, order, &t);
                derivative = dp;
                break;
            }
        }
        let one_minus = ctx.int(1) - t.clone().square();
        let weight = ctx.int(2) / (one_minus * derivative.square());
        rule.push((t, weight));
    }
    rule
}

/// Returns (P_N(t), P_N'(t)) by the three-term recurrence.
fn legendre(ctx: &Context, order: usize, t: &Float) -> (Float, Float) {
    let prec = ctx.prec();
    let mut p_prev = ctx.int(1);
    let mut p = t.clone();
    for k in 2..=order {
        let k = k as u32;
        let next = (Float::with_val(prec, t * &p) * (2 * k - 1)
            - Float::with_val(prec, &p_prev * (k - 1)))
            / k;
        p_prev = p;
        p = next;
    }
    if order == 0 {
        return (ctx.int(1), ctx.zero());
    }
    let dp = (Float::with_val(prec, t * &p) - &p_prev) * (order as u32)
        / (Float::with_val(prec, t.clone().square()) - 1u32);
    (p, dp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rug::ops::Pow;

    #[test]
    fn gauss_legendre_integrates_polynomials_exactly() {
        let ctx = Context::new(128).unwrap();
        let rule = gauss_legendre(&ctx, 4);
        // ∫_{-1}^{1} t^6 dt = 2/7, within reach of a 4-point rule (degree 7).
        let sum = rule.iter().fold(ctx.zero(), |acc, (t, w)| acc + t.clone().pow(6u32) * w);
        let gap = (sum - ctx.ratio(2, 7)).abs();
        assert!(gap < (ctx.int(1) >> 120u32), "gap {gap}");
    }
}
