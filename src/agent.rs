//! Program 1: each agent's best shift δ_i under the power constraint, and λ_i.
//!
//! ```text
//! maximise   u_i(x + δ) = −c_i Σ_j w_ij (x_j + δ_j − y_ij)²
//! subject to E(δ) = U(x) − U(x + δ) ≤ γ
//! ```
//!
//! Expanding U from its definition, `E(δ) = Σ_j (q_j δ_j² + b_j δ_j)` with
//! `b_j = 2n Σ_k s_k c_k w_kj (x_j − y_kj)`: this is algebra of the sums,
//! kept in full, not Lemma C.1 (which drops `b` by Lemma B.1). Stationarity
//! of the Lagrangian then gives, for a multiplier λ ≥ 0,
//!
//! ```text
//! δ_j(λ) = (c_i w_ij (y_ij − x_j) − λ b_j / 2) / (c_i w_ij + λ q_j)
//! ```
//!
//! When the unconstrained optimum `δ = y_i − x` is feasible the program is
//! slack and λ = 0. Otherwise λ is the root of `E(δ(λ)) = γ`, which is
//! decreasing in λ; it is bracketed by doubling outward from 1 (no bracket
//! comes from Lemma C.6) and found by Newton's method safeguarded by
//! bisection, to the working precision.

use rug::{Assign, Float};

use crate::equilibrium::{Equilibrium, Params, Type};
use crate::error::{Error, Result};
use crate::numeric::{finite, Context};

/// The optimum of one agent's Program 1.
#[derive(Clone, Debug)]
pub struct Program1 {
    pub delta: Vec<Float>,
    pub lambda: Float,
    /// True when the constraint binds (λ > 0).
    pub tight: bool,
    /// The power used, E(δ), from the expanded definition.
    pub power: Float,
    /// ‖∇u_i(x+δ) + λ ∇U(x+δ)‖ relative to the terms' magnitudes, gradients
    /// from the definitions.
    pub stationarity: Float,
}

/// The coefficients shared by every agent's program: b_j and T_j = Σ s c w y.
#[derive(Clone, Debug)]
pub struct Externality {
    pub b: Vec<Float>,
    pub moment: Vec<Float>,
    /// Σ_k s_k c_k w_kj |y_kj|: the magnitude of the terms of `moment`,
    /// on which its rounding is charged.
    pub moment_magnitude: Vec<Float>,
}

impl Externality {
    /// Computes b_j = 2n (Q_j x_j − Σ_k s_k c_k w_kj y_kj) from the sums.
    pub fn of(types: &[Type], eq: &Equilibrium, n: &Float) -> Externality {
        let m = eq.x.len();
        let prec = eq.x[0].prec();
        let mut moment = vec![Float::new(prec); m];
        let mut moment_magnitude = vec![Float::new(prec); m];
        for (t, ck) in types.iter().zip(&eq.c) {
            let sc = Float::with_val(prec, &t.mass * ck);
            for j in 0..m {
                let term = Float::with_val(prec, &sc * &t.w[j]) * &t.y[j];
                moment_magnitude[j] += Float::with_val(prec, term.abs_ref());
                moment[j] += term;
            }
        }
        let b = (0..m)
            .map(|j| {
                let qx = Float::with_val(prec, &eq.big_q[j] * &eq.x[j]);
                (qx - &moment[j]) * n * 2u32
            })
            .collect();
        Externality { b, moment, moment_magnitude }
    }
}

/// Solves Program 1 for type `i`.
///
/// # Errors
///
/// Fails when the multiplier cannot be bracketed or a non-finite value arises.
pub fn solve(
    ctx: &Context,
    types: &[Type],
    eq: &Equilibrium,
    ext: &Externality,
    params: &Params,
    i: usize,
) -> Result<Program1> {
    let program = Program::new(ctx, &types[i], &eq.c[i], eq, ext);
    let gamma = &params.gamma;

    let zero = ctx.zero();
    let own = program.delta(&zero);
    let own_power = program.power(&own);
    if own_power <= *gamma {
        let stationarity = program.stationarity(&own, &zero, params);
        return Ok(Program1 {
            delta: own,
            lambda: zero,
            tight: false,
            power: own_power,
            stationarity,
        });
    }

    let lambda = program.multiplier(gamma, i)?;
    let delta = program.delta(&lambda);
    let power = program.power(&delta);
    let stationarity = program.stationarity(&delta, &lambda, params);
    finite(lambda.clone(), &format!("the multiplier λ of type {i}"))?;
    Ok(Program1 { delta, lambda, tight: true, power, stationarity })
}

struct Program<'a> {
    ctx: &'a Context,
    t: &'a Type,
    c: &'a Float,
    eq: &'a Equilibrium,
    ext: &'a Externality,
    /// c_i w_ij, rounded once: the root search evaluates δ(λ) dozens of
    /// times, and these terms do not depend on λ.
    cw: Vec<Float>,
    /// (y_ij − x_j) c_i w_ij: the pull toward the agent's ideal point.
    pull: Vec<Float>,
    /// b_j c w / 2 + q_j c w (y − x): the numerator of dδ_j/dλ.
    slope_num: Vec<Float>,
}

impl<'a> Program<'a> {
    fn new(
        ctx: &'a Context,
        t: &'a Type,
        c: &'a Float,
        eq: &'a Equilibrium,
        ext: &'a Externality,
    ) -> Program<'a> {
        let prec = ctx.prec();
        let m = eq.x.len();
        let cw: Vec<Float> = (0..m).map(|j| Float::with_val(prec, c * &t.w[j])).collect();
        let pull: Vec<Float> =
            (0..m).map(|j| Float::with_val(prec, &t.y[j] - &eq.x[j]) * &cw[j]).collect();
        let slope_num = (0..m)
            .map(|j| {
                Float::with_val(prec, &ext.b[j] * &cw[j]) / 2u32
                    + Float::with_val(prec, &eq.q[j] * &pull[j])
            })
            .collect();
        Program { ctx, t, c, eq, ext, cw, pull, slope_num }
    }
}

impl Program<'_> {
    /// δ(λ) from stationarity of the Lagrangian.
    fn delta(&self, lambda: &Float) -> Vec<Float> {
        self.delta_and_denominators(lambda).0
    }

    /// δ(λ) and the denominators c w + λ q_j it divides by, which dδ/dλ shares.
    fn delta_and_denominators(&self, lambda: &Float) -> (Vec<Float>, Vec<Float>) {
        let prec = self.ctx.prec();
        let m = self.eq.x.len();
        let mut delta = Vec::with_capacity(m);
        let mut denoms = Vec::with_capacity(m);
        let mut half_b = Float::new(prec);
        for j in 0..m {
            half_b.assign(lambda * &self.ext.b[j]);
            half_b /= 2u32;
            // c w + λ q: one correctly rounded sum, whichever operand holds it.
            let mut denom = Float::with_val(prec, lambda * &self.eq.q[j]);
            denom += &self.cw[j];
            let mut d = Float::with_val(prec, &self.pull[j] - &half_b);
            d /= &denom;
            delta.push(d);
            denoms.push(denom);
        }
        (delta, denoms)
    }

    /// dδ_j/dλ = −(b_j c w / 2 + q_j c w (y − x)) / (c w + λ q_j)², from the denominators.
    fn delta_slope(&self, denoms: &[Float]) -> Vec<Float> {
        let prec = self.ctx.prec();
        let mut square = Float::new(prec);
        (0..denoms.len())
            .map(|j| {
                square.assign(denoms[j].square_ref());
                let mut slope = Float::with_val(prec, -&self.slope_num[j]);
                slope /= &square;
                slope
            })
            .collect()
    }

    /// E(δ) = Σ_j (q_j δ_j² + b_j δ_j).
    fn power(&self, delta: &[Float]) -> Float {
        let prec = self.ctx.prec();
        let mut e = Float::new(prec);
        let mut term = Float::new(prec);
        for (j, d) in delta.iter().enumerate() {
            term.assign(&self.eq.q[j] * d);
            term *= d;
            e += &term;
            term.assign(&self.ext.b[j] * d);
            e += &term;
        }
        e
    }

    /// Finds λ > 0 with E(δ(λ)) = γ.
    fn multiplier(&self, gamma: &Float, i: usize) -> Result<Float> {
        let prec = self.ctx.prec();
        let excess = |l: &Float| self.power(&self.delta(l)) - gamma;

        // Bracket: E(δ(λ)) − γ is positive at lo and non-positive at hi.
        // λ scales like 1/√γ, so the search may need to cross γ's whole
        // binary exponent (γ = 1e-3000 is valid input) besides the precision.
        let span = 4 * prec as usize + gamma.get_exp().map_or(0, |e| e.unsigned_abs() as usize);
        let mut hi = self.ctx.int(1);
        let mut steps = 0;
        while excess(&hi) > 0 {
            hi <<= 4u32;
            steps += 1;
            if steps > span {
                return Err(Error::solver(format!("cannot bracket the multiplier of type {i}")));
            }
        }
        let mut lo = hi.clone();
        steps = 0;
        while excess(&lo) <= 0 {
            lo >>= 4u32;
            steps += 1;
            if steps > span {
                return Err(Error::solver(format!("cannot bracket the multiplier of type {i}")));
            }
        }

        let mut lambda = Float::with_val(prec, &lo * &hi).sqrt();
        let floor = self.ctx.int(1) >> (prec - 4);
        for _ in 0..8 * prec as usize {
            let (delta, denoms) = self.delta_and_denominators(&lambda);
            let value = self.power(&delta) - gamma;
            if value.is_zero() {
                return Ok(lambda);
            }
            if value > 0 {
                lo = lambda.clone();
            } else {
                hi = lambda.clone();
            }
            let slope = self.power_slope(&delta, &denoms);
            let newton = Float::with_val(prec, &lambda - Float::with_val(prec, &value / &slope));
            let next = if lo < newton && newton < hi {
                newton
            } else if newton == lambda {
                // The Newton correction rounds away: λ is the root to the
                // working precision. It sits on the bracket's end just
                // moved to it, and bisecting from there would take about
                // one step per bit to shrink the bracket onto it.
                return Ok(lambda);
            } else {
                Float::with_val(prec, &lo * &hi).sqrt()
            };
            let moved = Float::with_val(prec, &next - &lambda).abs();
            lambda = next;
            let width = Float::with_val(prec, &hi - &lo);
            if moved <= Float::with_val(prec, &lambda * &floor)
                || width <= Float::with_val(prec, &lambda * &floor)
            {
                return Ok(lambda);
            }
        }
        Err(Error::solver(format!("the multiplier of type {i} did not converge")))
    }

    /// dE/dλ = Σ_j (2 q_j δ_j + b_j) dδ_j/dλ.
    fn power_slope(&self, delta: &[Float], denoms: &[Float]) -> Float {
        let prec = self.ctx.prec();
        let slope = self.delta_slope(denoms);
        let mut s = Float::new(prec);
        for j in 0..delta.len() {
            let de = Float::with_val(prec, &self.eq.q[j] * &delta[j]) * 2u32 + &self.ext.b[j];
            s += de * &slope[j];
        }
        s
    }

    /// The relative stationarity residual of the Lagrangian at (δ, λ).
    ///
    /// ∇u_i(z) = −2 c_i w_i (z − y_i) and ∇U(z) = −2n (Q z − T) with
    /// T_j = Σ s c w y: both from the definitions, at z = x + δ. The residual
    /// is relative to the magnitudes of the terms before they cancel
    /// (|Q_j z_j| and |T_j| are far larger than their difference when δ is
    /// small), so a correct solution scores a few units of roundoff.
    fn stationarity(&self, delta: &[Float], lambda: &Float, params: &Params) -> Float {
        let prec = self.ctx.prec();
        let mut num = Float::new(prec);
        let mut scale = Float::new(prec);
        for j in 0..delta.len() {
            let z = Float::with_val(prec, &self.eq.x[j] + &delta[j]);
            let cw = Float::with_val(prec, self.c * &self.t.w[j]);
            let grad_u = Float::with_val(prec, &z - &self.t.y[j]) * &cw * -2i32;
            let qz = Float::with_val(prec, &self.eq.big_q[j] * &z);
            let grad_big_u = Float::with_val(prec, &qz - &self.ext.moment[j]) * &params.n * -2i32;
            let lagrangian = Float::with_val(prec, lambda * &grad_big_u) + &grad_u;
            num += lagrangian.square();

            let size_u = (Float::with_val(prec, z.abs_ref()) + self.t.y[j].clone().abs()) * &cw;
            let size_big_u = (qz.abs() + self.ext.moment[j].clone().abs()) * &params.n * lambda;
            scale += (size_u + size_big_u) * 2u32;
        }
        if scale.is_zero() {
            return self.ctx.zero();
        }
        num.sqrt() / scale
    }
}

/// Solves every type's program.
///
/// # Errors
///
/// Fails on the first type whose program cannot be solved.
pub fn solve_all(
    ctx: &Context,
    types: &[Type],
    eq: &Equilibrium,
    params: &Params,
) -> Result<(Externality, Vec<Program1>)> {
    let ext = Externality::of(types, eq, &params.n);
    let programs = (0..types.len())
        .map(|i| solve(ctx, types, eq, &ext, params, i))
        .collect::<Result<Vec<_>>>()?;
    Ok((ext, programs))
}
