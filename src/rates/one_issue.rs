//! The continuum fixed point of a one-issue piecewise-uniform density, in closed form.
//!
//! In one issue every integral that the fixed point of f and the shifts need
//! is elementary on a cell, so the quantities that vanish with n are computed
//! from the density itself, with no quadrature error. Write t = y − x,
//! u = √Q, and ρ_k = α u / w_k for the clamp radius of cell k (where
//! √r = w |t| / u reaches α). The map f gives c w = √n u / max(ρ_k, |t|), and
//! the two aggregate equations read
//!
//! ```text
//! Q = ∫ p c w           ⟺  u = √n Σ_k p_k ∫ dt / max(ρ_k, |t|)
//! ∫ p c w (y − x) = 0   ⟺  Σ_k p_k ∫ t / max(ρ_k, |t|) dt = 0
//! ```
//!
//! each integral over the cell's [a_k − x, b_k − x]. In one issue U is a
//! quadratic whose slope vanishes at x = x(c), so U(x) − U(x + δ) = q δ²
//! exactly, and Program 1 is: maximise −c w (t − δ)² subject to q δ² ≤ γ.
//! Its solution δ = clamp(t, −s, s) with s = √(γ/q) depends on neither c
//! nor w, so ∫ p δ is elementary as well.
//!
//! The x equation is solved by Newton steps kept inside a bracket (its left
//! side falls as x grows); u by the same method on u − √n Σ_k p_k I_k(x(u)),
//! where x(u) solves the x equation at that u.

use rug::Float;

use crate::equilibrium::Params;
use crate::error::{Error, Result};
use crate::numeric::{tol, Context};
use crate::population::{Instance, Population};

/// One cell at the working precision: ideal points uniform on [a, b] with density p, weight w.
#[derive(Clone, Debug)]
struct Segment {
    a: Float,
    b: Float,
    p: Float,
    w: Float,
}

/// The continuum fixed point (x, u = √Q) of a one-issue density and what follows from it.
#[derive(Clone, Debug)]
pub struct Continuum {
    ctx: Context,
    pub params: Params,
    segments: Vec<Segment>,
    pub x: Float,
    /// u = √Q.
    pub root_q: Float,
    /// A bound on |x − x*|: the solver's tolerance plus the rounding of the x equation.
    pub x_error: Float,
}

/// The most Newton or bisection steps a bracketed solve may take, per bit of precision.
const STEPS_PER_BIT: u32 = 4;

/// Bits below the precision at which a bracketed solve stops: the last ones are rounding.
const SLACK_BITS: u32 = 8;

impl Continuum {
    /// Solves the fixed point of f for a one-issue density, at `ctx`'s precision.
    ///
    /// # Errors
    ///
    /// Fails when the population is not a density in one issue, or a bracketed
    /// solve does not converge.
    pub fn solve(ctx: &Context, instance: &Instance) -> Result<Continuum> {
        let Population::Density(cells) = &instance.population else {
            return Err(Error::invalid("the closed form needs a density"));
        };
        if instance.n_issues() != 1 {
            return Err(Error::invalid(format!(
                "the closed form needs one issue, got m = {}",
                instance.n_issues()
            )));
        }
        let segments = cells
            .iter()
            .map(|c| Segment {
                a: ctx.rational(&c.lo[0]),
                b: ctx.rational(&c.hi[0]),
                p: ctx.rational(&c.density()),
                w: ctx.rational(&c.w[0]),
            })
            .collect();
        let params = Params::of(ctx, instance);
        let mut fp = Continuum {
            ctx: *ctx,
            params,
            segments,
            x: ctx.zero(),
            root_q: ctx.zero(),
            x_error: ctx.zero(),
        };
        fp.root_q = fp.solve_root_q()?;
        fp.x = fp.x_at(&fp.root_q)?;
        fp.x_error = fp.x_error_at(&fp.root_q);
        Ok(fp)
    }

    fn radius(&self, seg: &Segment, u: &Float) -> Float {
        self.params.alpha.clone() * u / &seg.w
    }

    fn extent(&self) -> (Float, Float) {
        let lo = self.segments.iter().map(|s| s.a.clone()).reduce(|a, b| a.min(&b));
        let hi = self.segments.iter().map(|s| s.b.clone()).reduce(|a, b| a.max(&b));
        (lo.unwrap_or_else(|| self.ctx.zero()), hi.unwrap_or_else(|| self.ctx.zero()))
    }

    /// Returns G = Σ p ∫ ψ, ∂G/∂x, ∂G/∂u and Σ p |terms| (G's rounding scale).
    fn x_equation(&self, x: &Float, u: &Float) -> [Float; 4] {
        let mut out = [self.ctx.zero(), self.ctx.zero(), self.ctx.zero(), self.ctx.zero()];
        for seg in &self.segments {
            let rho = self.radius(seg, u);
            let (lo, hi) = self.ends(seg, x);
            let (f_hi, f_lo) = (psi_antiderivative(&hi, &rho), psi_antiderivative(&lo, &rho));
            out[3] += (f_hi.clone().abs() + f_lo.clone().abs()) * &seg.p;
            out[0] += (f_hi - f_lo) * &seg.p;
            out[1] -= (psi(&hi, &rho) - psi(&lo, &rho)) * &seg.p;
            let d_rho = psi_antiderivative_d_rho(&self.ctx, &hi, &rho)
                - psi_antiderivative_d_rho(&self.ctx, &lo, &rho);
            out[2] += d_rho * &seg.p * &self.params.alpha / &seg.w;
        }
        out
    }

    /// Returns the cell's ends in t = y − x.
    fn ends(&self, seg: &Segment, x: &Float) -> (Float, Float) {
        let prec = self.ctx.prec();
        (Float::with_val(prec, &seg.a - x), Float::with_val(prec, &seg.b - x))
    }

    /// Returns x(u), the root of the x equation at u.
    fn x_at(&self, u: &Float) -> Result<Float> {
        let (lo, hi) = self.extent();
        let scale = Float::with_val(self.ctx.prec(), &hi - &lo) + lo.clone().abs();
        bracketed_root(&self.ctx, lo, hi, &scale, |x| {
            let [g, g_x, _, _] = self.x_equation(x, u);
            Ok((g, g_x))
        })
    }

    /// Returns u − √n Σ p I at (x(u), u) and its total derivative in u.
    fn q_equation(&self, u: &Float) -> Result<(Float, Float)> {
        let x = self.x_at(u)?;
        let [_, g_x, g_u, _] = self.x_equation(&x, u);
        let x_prime = -(g_u / &g_x);
        let (mut sum, mut d_sum) = (self.ctx.zero(), self.ctx.zero());
        for seg in &self.segments {
            let rho = self.radius(seg, u);
            let (lo, hi) = self.ends(seg, &x);
            sum += (inverse_antiderivative(&hi, &rho) - inverse_antiderivative(&lo, &rho)) * &seg.p;
            let d_rho =
                inverse_antiderivative_d_rho(&hi, &rho) - inverse_antiderivative_d_rho(&lo, &rho);
            let d_x = -(inverse(&hi, &rho) - inverse(&lo, &rho));
            let d_u = d_rho * &self.params.alpha / &seg.w + d_x * &x_prime;
            d_sum += d_u * &seg.p;
        }
        let root_n = self.params.n.clone().sqrt();
        let h = Float::with_val(self.ctx.prec(), u - &(sum * &root_n));
        Ok((h, self.ctx.int(1) - d_sum * root_n))
    }

    /// Brackets u by doubling or halving from √n, then solves the Q equation.
    fn solve_root_q(&self) -> Result<Float> {
        let start = self.params.n.clone().sqrt();
        let rising = self.q_equation(&start)?.0 < 0;
        let (mut near, mut far) = (start.clone(), start);
        for _ in 0..(2 * self.ctx.prec() + 64) {
            far = if rising { near.clone() * 2u32 } else { near.clone() / 2u32 };
            let h = self.q_equation(&far)?.0;
            if (h >= 0) == rising {
                let (lo, hi) = if rising { (near, far) } else { (far, near) };
                let scale = hi.clone();
                return bracketed_root(&self.ctx, lo, hi, &scale, |u| self.q_equation(u));
            }
            near = far.clone();
        }
        Err(Error::solver(format!("no bracket for √Q found near {}", crate::numeric::sci(&far, 6))))
    }

    /// Returns the bound on |x − x*|: the solve's tolerance, the rounding of
    /// the x equation over its slope, and u's tolerance carried through x(u).
    fn x_error_at(&self, u: &Float) -> Float {
        let [_, g_x, g_u, scale] = self.x_equation(&self.x, u);
        let unit = self.ctx.unit_roundoff();
        let (lo, hi) = self.extent();
        let tolerance =
            (Float::with_val(self.ctx.prec(), &hi - &lo) + lo.abs()) >> slack_shift(&self.ctx);
        let rounding = unit * tol::ROUNDING_ULPS * scale / g_x.clone().abs();
        let through_u = ((g_u / g_x).abs() * u.clone()) >> slack_shift(&self.ctx);
        tolerance + rounding + through_u
    }

    /// Returns the context the fixed point was solved in.
    pub fn context(&self) -> Context {
        self.ctx
    }

    /// Returns s = √(γ/q), the largest shift Program 1 allows: |δ| ≤ s.
    pub fn shift_cap(&self) -> Float {
        let q = self.params.n.clone() * self.root_q.clone().square();
        (self.params.gamma.clone() / q).sqrt()
    }

    /// Returns q = n u².
    pub fn q(&self) -> Float {
        self.params.n.clone() * self.root_q.clone().square()
    }

    /// Returns true when p and w are constant on x ± max(ρ_k, s) for every cell.
    ///
    /// Then, on each cell, t / max(ρ_k, |t|) and clamp(t, −s, s) are odd on
    /// that interval and equal sign t and s·sign t off it, so the x equation
    /// makes ∫ p sign t vanish and ∫ p δ = s ∫ p sign t = 0 exactly; the
    /// unusual types lie inside the interval, where δ − δ″ is odd, so D.4's
    /// integral vanishes as well.
    pub fn locally_uniform(&self) -> bool {
        let s = self.shift_cap();
        let e = &self.x_error;
        self.segments.iter().all(|seg| {
            let reach = self.radius(seg, &self.root_q).max(&s);
            let left = Float::with_val(self.ctx.prec(), &self.x - &reach);
            let right = Float::with_val(self.ctx.prec(), &self.x + &reach);
            let inside = seg.a.clone() + e <= left && right <= seg.b.clone() - e;
            let apart = right <= seg.a.clone() - e || seg.b.clone() + e <= left;
            inside || apart
        })
    }

    /// Returns n ‖∫ p δ‖ and its floor (rounding, and x's error through ∂/∂x).
    pub fn net_movement(&self) -> (Float, Float) {
        if self.locally_uniform() {
            return (self.ctx.zero(), self.ctx.zero());
        }
        let s = self.shift_cap();
        let (mut total, mut scale, mut slope) = (self.ctx.zero(), self.ctx.zero(), self.ctx.zero());
        for seg in &self.segments {
            let (lo, hi) = self.ends(seg, &self.x);
            let (a_hi, a_lo) = (clamp_antiderivative(&hi, &s), clamp_antiderivative(&lo, &s));
            scale += (a_hi.clone().abs() + a_lo.clone().abs()) * &seg.p;
            total += (a_hi - a_lo) * &seg.p;
            slope += (clamp(&hi, &s) - clamp(&lo, &s)).abs() * &seg.p;
        }
        let n = &self.params.n;
        let value = total.abs() * n;
        let floor =
            self.rounding(&(scale * n)) + slope * n * &self.x_error + self.through_u(&value);
        (value, floor)
    }

    /// Returns ∫_{i∉N̂} p: the mass within the clamp radius of x, and its floor.
    pub fn clamped_mass(&self) -> (Float, Float) {
        let mut mass = self.ctx.zero();
        let mut density = self.ctx.zero();
        for seg in &self.segments {
            if let Some((lo, hi)) = self.clamped_part(seg) {
                mass += Float::with_val(self.ctx.prec(), &hi - &lo) * &seg.p;
                density += &seg.p;
            }
        }
        let floor = self.rounding(&mass) + density * 2u32 * &self.x_error;
        (mass, floor)
    }

    /// Returns ‖∫_{i∉N̂} p (δ − δ″)‖ and its floor, with δ″ = s t / ρ_k on the clamped part.
    pub fn unusual_movement(&self) -> (Float, Float) {
        if self.locally_uniform() {
            return (self.ctx.zero(), self.ctx.zero());
        }
        let s = self.shift_cap();
        let (mut total, mut scale, mut density) =
            (self.ctx.zero(), self.ctx.zero(), self.ctx.zero());
        for seg in &self.segments {
            let Some((lo, hi)) = self.clamped_part(seg) else { continue };
            let rho = self.radius(seg, &self.root_q);
            // ∫ (clamp(t) − s t / ρ) dt = A(t) − s t² / (2ρ).
            let part = |t: &Float| {
                clamp_antiderivative(t, &s) - s.clone() * t.clone().square() / (rho.clone() * 2u32)
            };
            let (b_hi, b_lo) = (part(&hi), part(&lo));
            scale += (b_hi.clone().abs() + b_lo.clone().abs()) * &seg.p;
            total += (b_hi - b_lo) * &seg.p;
            density += &seg.p;
        }
        let value = total.abs();
        // |δ − δ″| ≤ 2s on the clamped part, and each end moves with x.
        let moved = density * 4u32 * &s * &self.x_error;
        let floor = self.rounding(&scale) + moved + self.through_u(&value);
        (value, floor)
    }

    /// Returns the cell's clamped part [lo, hi] in t, when it is not empty.
    fn clamped_part(&self, seg: &Segment) -> Option<(Float, Float)> {
        let rho = self.radius(seg, &self.root_q);
        let (lo, hi) = self.ends(seg, &self.x);
        let lo = lo.max(&-rho.clone());
        let hi = hi.min(&rho);
        (lo < hi).then_some((lo, hi))
    }

    fn rounding(&self, scale: &Float) -> Float {
        self.ctx.unit_roundoff() * tol::ROUNDING_ULPS * scale.clone().abs()
    }

    /// The relative tolerance of u moves s, and with it a shift integral, relatively.
    fn through_u(&self, value: &Float) -> Float {
        (value.clone() * 2u32) >> slack_shift(&self.ctx)
    }
}

fn slack_shift(ctx: &Context) -> u32 {
    ctx.prec() - SLACK_BITS
}

/// Solves f(v) = 0 on [lo, hi], where f changes sign, by Newton steps kept
/// inside the bracket (bisecting when a step would leave it).
fn bracketed_root(
    ctx: &Context,
    mut lo: Float,
    mut hi: Float,
    scale: &Float,
    f: impl Fn(&Float) -> Result<(Float, Float)>,
) -> Result<Float> {
    let prec = ctx.prec();
    let tolerance = scale.clone().abs() >> slack_shift(ctx);
    let low_sign = f(&lo)?.0 < 0;
    let mut v = Float::with_val(prec, &lo + &hi) / 2u32;
    for _ in 0..STEPS_PER_BIT * prec {
        let (value, slope) = f(&v)?;
        if value.is_zero() {
            return Ok(v);
        }
        if (value < 0) == low_sign {
            lo = v.clone();
        } else {
            hi = v.clone();
        }
        let newton = Float::with_val(prec, &v - &(value / &slope));
        let next = if newton.is_finite() && lo < newton && newton < hi {
            newton
        } else {
            Float::with_val(prec, &lo + &hi) / 2u32
        };
        let step = Float::with_val(prec, &next - &v).abs();
        v = next;
        if step <= tolerance {
            return Ok(v);
        }
    }
    Err(Error::solver(format!(
        "a bracketed solve did not converge within {STEPS_PER_BIT} steps per bit"
    )))
}

/// Returns 1 / max(ρ, |t|).
fn inverse(t: &Float, rho: &Float) -> Float {
    rho.clone().max(&t.clone().abs()).recip()
}

/// Returns ∫_0^t dτ / max(ρ, |τ|): t/ρ inside the radius, sign t (1 + ln(|t|/ρ)) beyond.
fn inverse_antiderivative(t: &Float, rho: &Float) -> Float {
    let size = t.clone().abs();
    if size <= *rho {
        return t.clone() / rho;
    }
    let tail = (size / rho).ln() + 1u32;
    if *t < 0 {
        -tail
    } else {
        tail
    }
}

/// Returns ∂/∂ρ of [`inverse_antiderivative`]: −t/ρ² inside, −sign t/ρ beyond.
fn inverse_antiderivative_d_rho(t: &Float, rho: &Float) -> Float {
    if t.clone().abs() <= *rho {
        return -(t.clone() / rho.clone().square());
    }
    let v = rho.clone().recip();
    if *t < 0 {
        v
    } else {
        -v
    }
}

/// Returns ψ(t) = t / max(ρ, |t|).
fn psi(t: &Float, rho: &Float) -> Float {
    t.clone() / rho.clone().max(&t.clone().abs())
}

/// Returns ∫_0^t ψ: t²/(2ρ) inside the radius, |t| − ρ/2 beyond.
fn psi_antiderivative(t: &Float, rho: &Float) -> Float {
    let size = t.clone().abs();
    if size <= *rho {
        size.square() / (rho.clone() * 2u32)
    } else {
        size - rho.clone() / 2u32
    }
}

/// Returns ∂/∂ρ of [`psi_antiderivative`]: −t²/(2ρ²) inside, −1/2 beyond.
fn psi_antiderivative_d_rho(ctx: &Context, t: &Float, rho: &Float) -> Float {
    if t.clone().abs() <= *rho {
        -(t.clone().square() / (rho.clone().square() * 2u32))
    } else {
        -ctx.ratio(1, 2)
    }
}

/// Returns clamp(t, −s, s), the shift of Program 1 in one issue.
fn clamp(t: &Float, s: &Float) -> Float {
    t.clone().min(s).max(&-s.clone())
}

/// Returns ∫_0^t clamp(τ, −s, s) dτ: t²/2 inside, s|t| − s²/2 beyond.
fn clamp_antiderivative(t: &Float, s: &Float) -> Float {
    let size = t.clone().abs();
    if size <= *s {
        size.square() / 2u32
    } else {
        size * s - s.clone().square() / 2u32
    }
}
