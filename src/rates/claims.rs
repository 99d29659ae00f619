//! The claims swept in n: what each measures, its floor and its explicit bound.
//!
//! A measure reads a solved instance and returns the value, the floor below
//! which it is rounding (or quadrature) noise, and the paper's explicit
//! bound at that instance where the proof gives one.

use rug::ops::Pow;
use rug::{Float, Rational};

use crate::equilibrium::Params;
use crate::lemmas::hypotheses::norm;
use crate::lemmas::{tau_is_positive, unusual_agents_are_rare, unusual_agents_move_little};
use crate::numeric::{tol, Context};
use crate::population::Population;
use crate::solved::Solved;
use crate::verdict::Sensitivity;

/// A measurement: the value, its rounding floor, and the explicit bound there.
pub type Measured = (Float, Float, Option<Float>);

/// A claim: what is measured and the exponent the paper claims for it.
pub struct Claim {
    pub id: &'static str,
    pub source: &'static str,
    pub quantity: &'static str,
    /// The claimed exponent of n for a population in m issues under α = n^a.
    pub exponent: fn(usize, f64) -> f64,
    /// The claim's explicit form, for the table.
    pub claimed: &'static str,
    pub measure: fn(&Solved) -> Option<Measured>,
    /// True when the claim rests on Lemma B.2, which needs a density.
    pub needs_density: bool,
    /// True when the quantity integrates a shift that is odd in y − x, so
    /// that it vanishes on a density mirror-symmetric about x.
    pub odd: bool,
}

/// Returns the claims swept in n.
pub fn claims() -> Vec<Claim> {
    vec![
        Claim {
            id: "net-movement",
            source: "Thm 4.1(1), Lemma D.5, A.1(1)",
            quantity: "n ‖∫ p δ‖₂",
            exponent: |m, a| (-2.0 - 2.0 * a).max(1.0 + m as f64 * (2.0 * a + 1.0) / 4.0),
            claimed: "(γ+√γ)/Ω(n²α²) + O(α^(m/2) n^(m/4+1))",
            measure: net_movement,
            needs_density: true,
            odd: true,
        },
        Claim {
            id: "exceptional-mass",
            source: "Thm 4.1(2), Lemma B.2, A.1(2)",
            quantity: "∫_{i∉N̂} p",
            exponent: |m, a| m as f64 * (2.0 * a + 1.0) / 4.0,
            claimed: "O(α^(m/2) n^(m/4))",
            measure: exceptional_mass,
            needs_density: true,
            odd: false,
        },
        Claim {
            id: "lambda-band",
            source: "Lemma C.6, Thm 4.1(2)",
            quantity: "max_{N̂} (1 − λ_i √γ)",
            exponent: |_, a| -1.5 - a,
            claimed: "1 − √(η/(η+1)), η = Θ(n^(3/2) α)",
            measure: lambda_band,
            needs_density: false,
            odd: false,
        },
        Claim {
            id: "tau",
            source: "Lemma C.5",
            quantity: "max_{N̂} τ_i",
            exponent: |_, a| -1.5 - a,
            claimed: "γ^(3/2)/η",
            measure: tau_max,
            needs_density: false,
            odd: false,
        },
        Claim {
            id: "delta-prime-gap",
            source: "Lemma D.2",
            quantity: "max_{N̂} ‖δ′ − δ‖₂",
            exponent: |_, a| -3.0 - 2.0 * a,
            claimed: "2γ d_max/(β² n³ α²)",
            measure: delta_prime_gap,
            needs_density: false,
            odd: false,
        },
        Claim {
            id: "approximations-gap",
            source: "Lemma D.3",
            quantity: "max_{N̂} ‖δ′ − δ″‖₂",
            exponent: |_, a| -3.0 - 2.0 * a,
            claimed: "√γ d_max/(β η n^(3/2) α)",
            measure: approximations_gap,
            needs_density: false,
            odd: false,
        },
        Claim {
            id: "unusual-movement",
            source: "Lemma D.4",
            quantity: "‖∫_{i∉N̂} p (δ − δ″)‖₂",
            exponent: |m, a| m as f64 * (2.0 * a + 1.0) / 4.0,
            claimed: "O(α^(m/2) n^(m/4))",
            measure: unusual_movement,
            needs_density: true,
            odd: true,
        },
        Claim {
            id: "power-to-ideal",
            source: "definitions of q_j and f (Lemma C.1's power)",
            quantity: "max_i φ_i(0) = max_i Σ_j q_j (y_ij − x_j)²",
            // c_i ≤ √n/α makes q_j = n Q_j ≤ n^(3/2) w_max/α.
            exponent: |_, a| 1.5 - a,
            claimed: "≤ n^(3/2) w_max d_max²/α (c_i ≤ √n/α)",
            measure: power_to_ideal,
            needs_density: false,
            odd: false,
        },
    ]
}

/// For a density: the quadrature error times n ∫ p ‖δ‖, the resolution of
/// any integral of the shifts (0 for a finite population, whose sums are exact).
fn quadrature_floor(s: &Solved) -> Float {
    let Some(qe) = &s.quadrature_error else { return s.ctx.zero() };
    let mut scale = s.ctx.zero();
    for (t, p) in s.types.iter().zip(&s.programs) {
        scale += t.mass.clone() * norm(&p.delta);
    }
    scale * &s.params.n * qe
}

fn rounding_floor(s: &Solved, scale: &Float) -> Float {
    s.ctx.unit_roundoff() * tol::ROUNDING_ULPS * scale.clone().abs()
}

/// n ‖∫ p δ‖₂, summed as n ‖∫ p (δ − δ″)‖₂.
///
/// The two agree because ∫ p δ″ = 0 at x = x(c) (Lemma D.1, checked in the
/// suite), and the second sum avoids the cancellation of the first: for a
/// tight normal type δ − δ″ = (δ′ − δ″) − (δ′ − δ), both in closed form
/// (D.2's first display and c w (y − x) q⁻¹ τ/(1/λ + √γ)), so no term is
/// formed as a small difference of large ones.
fn net_movement(s: &Solved) -> Option<Measured> {
    let prec = s.ctx.prec();
    let m = s.params.m;
    let sqrt_gamma = s.params.gamma.clone().sqrt();
    let mut total = vec![s.ctx.zero(); m];
    let mut scale = s.ctx.zero();
    // The part of the floor that τ_i's own error bound leaves in δ′ − δ″.
    let mut through_tau = s.ctx.zero();
    for (i, t) in s.types.iter().enumerate() {
        let program = &s.programs[i];
        let dpp = crate::lemmas::approximate_shifts_cancel::delta_double_prime(s, i);
        let gap: Vec<Float> = if s.is_normal(i) && program.tight {
            let lambda = &program.lambda;
            let inverse = s.ctx.int(1) / lambda;
            let excess = tau_is_positive::tau(s, i) / (inverse + &sqrt_gamma);
            let per_gamma = norm(&dpp) / &sqrt_gamma;
            through_tau += excess_floor(s, i, &sqrt_gamma) * per_gamma * &t.mass;
            (0..m)
                .map(|j| {
                    let cw = Float::with_val(prec, &s.eq.c[i] * &t.w[j]);
                    let lq = Float::with_val(prec, lambda * &s.eq.q[j]);
                    let dev = Float::with_val(prec, &t.y[j] - &s.eq.x[j]);
                    let prime_gap = cw.clone().square() * &dev / (lq.clone() * (cw.clone() + &lq));
                    let approx_gap = cw * dev / &s.eq.q[j] * &excess;
                    approx_gap - prime_gap
                })
                .collect()
        } else {
            (0..m).map(|j| Float::with_val(prec, &program.delta[j] - &dpp[j])).collect()
        };
        scale += t.mass.clone() * norm(&gap);
        for j in 0..m {
            total[j] += Float::with_val(prec, &t.mass * &gap[j]);
        }
    }
    let n = &s.params.n;
    let value = norm(&total) * n;
    let rounding = rounding_floor(s, &scale) + through_tau + outcome_floor(s);
    let floor = (rounding * n).max(&quadrature_floor(s));
    Some((value, floor, net_movement_bound(s)))
}

/// D.5's explicit right side with the measured unusual mass.
fn net_movement_bound(s: &Solved) -> Option<Float> {
    let c_d4 = unusual_agents_move_little::c_d4(s);
    d5_right_side(&s.params, &c_d4, &unusual_agents_move_little::unusual_mass(s))
}

/// Returns D.5's right side n (2γ d/(β² n³ α²) + √γ d/(β η n^(3/2) α) + C_D4 ∫_{i∉N̂} p),
/// when η > 0.
pub(super) fn d5_right_side(p: &Params, c_d4: &Float, unusual_mass: &Float) -> Option<Float> {
    if p.eta() <= 0 {
        return None;
    }
    let n3a2 = p.n.clone().square() * &p.n * p.alpha.clone().square();
    let first = p.gamma.clone() * &p.d_max * 2u32 / (p.beta().square() * n3a2);
    let n32a = p.n.clone().sqrt() * &p.n * &p.alpha;
    let second = p.gamma.clone().sqrt() * &p.d_max / (p.beta() * p.eta() * n32a);
    let third = c_d4.clone() * unusual_mass;
    Some((first + second + third) * &p.n)
}

/// Returns C_D4 = d_max + √γ d_max / (β n^(3/2) α) from the parameters alone,
/// as `unusual_agents_move_little::c_d4` does from a solved instance.
pub(super) fn c_d4_of(p: &Params) -> Float {
    let n32 = p.n.clone().sqrt() * &p.n;
    p.gamma.clone().sqrt() * &p.d_max / (p.beta() * n32 * &p.alpha) + &p.d_max
}

/// Returns Lemma B.2's right side from the parameters alone, as
/// `unusual_agents_are_rare::right_side` does from a solved instance.
pub(super) fn b2_right_side(ctx: &Context, p: &Params) -> Option<Float> {
    let m = p.m;
    let p_max = p.p_max.as_ref()?;
    let alpha_part = ctx.power(&p.alpha, &Rational::from((m as i64, 2)));
    let n_part = ctx.power(&p.n, &Rational::from((m as i64, 4)));
    let ratio = p.w_max.clone().sqrt() / &p.w_min;
    Some(alpha_part * n_part * ctx.unit_ball_volume(m) * p_max * ratio.pow(m as u32))
}

/// max_i φ_i(0) = max_i Σ_j q_j (y_ij − x_j)²: the power type i would spend
/// to move x to its ideal point (Lemma C.1 with δ = y_i − x).
///
/// It grows like q, beyond f64's range once n passes about 10^154; no step
/// here leaves MPFR. The bound follows from the definitions: c_i ≤ √n/α
/// gives Q_j ≤ √n w_max/α, so φ_i(0) ≤ max_j q_j d_max² ≤ n^(3/2) w_max d_max²/α.
fn power_to_ideal(s: &Solved) -> Option<Measured> {
    let prec = s.ctx.prec();
    let mut worst = s.ctx.zero();
    for t in &s.types {
        let mut power = s.ctx.zero();
        for j in 0..s.params.m {
            let dev = Float::with_val(prec, &t.y[j] - &s.eq.x[j]);
            power += dev.square() * &s.eq.q[j];
        }
        worst = worst.max(&power);
    }
    let p = &s.params;
    let n32 = p.n.clone().sqrt() * &p.n;
    let bound = n32 * &p.w_max * &p.d_max_squared / &p.alpha;
    Some((worst.clone(), rounding_floor(s, &worst), Some(bound)))
}

fn exceptional_mass(s: &Solved) -> Option<Measured> {
    let bound = unusual_agents_move_little::unusual_mass_bound(s);
    match &s.instance.population {
        // A density's clamped mass comes from the ellipsoid volume, not from
        // the quadrature nodes, so it does not vanish at a fixed grid.
        Population::Density(_) => {
            let (lo, hi) = unusual_agents_are_rare::clamped_mass(s).ok()?;
            let floor = Float::with_val(lo.prec(), &hi - &lo) / 2u32;
            Some(((lo + hi) / 2u32, floor, bound))
        }
        Population::Finite(_) => {
            let mass = unusual_agents_move_little::unusual_mass(s);
            Some((mass, s.ctx.zero(), bound))
        }
    }
}

fn normal_tight(s: &Solved) -> Vec<usize> {
    (0..s.types.len()).filter(|&i| s.is_normal(i) && s.programs[i].tight).collect()
}

fn lambda_band(s: &Solved) -> Option<Measured> {
    let normal = normal_tight(s);
    if normal.is_empty() {
        return None;
    }
    let sqrt_gamma = s.params.gamma.clone().sqrt();
    let mut worst = s.ctx.zero();
    let mut floor = rounding_floor(s, &s.ctx.int(1));
    for &i in &normal {
        // 1 − λ√γ = √γ (1/λ − √γ) λ, with 1/λ − √γ = τ / (1/λ + √γ).
        let lambda = &s.programs[i].lambda;
        let inverse = s.ctx.int(1) / lambda;
        let gap = tau_is_positive::tau(s, i) / (inverse + &sqrt_gamma) * lambda * &sqrt_gamma;
        worst = worst.max(&gap);
        floor = floor.max(&(excess_floor(s, i, &sqrt_gamma) * lambda * &sqrt_gamma));
    }
    let eta = s.params.eta();
    let bound = (eta > 0).then(|| s.ctx.int(1) - (eta.clone() / (eta + 1u32)).sqrt());
    Some((worst, floor, bound))
}

/// Returns τ_i's error bound: rounding, and the rounding left in b, which
/// moves τ_i through δ_i and λ_i by about n times the unit roundoff relative
/// to γ. τ_i falls like 1/n, so beyond n ≈ 10^77 the working precision's
/// ⌈log2 n⌉ extra bits no longer resolve it (hence [`super::wide_context`]).
fn tau_floor(s: &Solved, i: usize) -> Float {
    tau_is_positive::tau_error(s, i, Sensitivity::Rounding).0
}

/// Returns the floor of 1/λ_i − √γ = τ_i / (1/λ_i + √γ).
fn excess_floor(s: &Solved, i: usize, sqrt_gamma: &Float) -> Float {
    let inverse = s.ctx.int(1) / &s.programs[i].lambda;
    tau_floor(s, i) / (inverse + sqrt_gamma)
}

/// Returns the floor that the rounding of x leaves in ∫_{i∉N̂} p (δ − δ″):
/// moving x by ε moves each issue of δ_i by at most ε (Lemma C.2) and of
/// δ″_i by less, over the unusual mass.
fn outcome_floor(s: &Solved) -> Float {
    let widest = s.eq.x.iter().fold(s.ctx.zero(), |a, x| a.max(&x.clone().abs()));
    let moved = rounding_floor(s, &widest) * (2 * s.params.m as u32);
    moved * unusual_agents_move_little::unusual_mass(s)
}

fn tau_max(s: &Solved) -> Option<Measured> {
    let normal = normal_tight(s);
    if normal.is_empty() {
        return None;
    }
    let worst =
        normal.iter().map(|&i| tau_is_positive::tau(s, i)).fold(s.ctx.zero(), |a, t| a.max(&t));
    let floor =
        normal.iter().fold(rounding_floor(s, &s.params.gamma), |a, &i| a.max(&tau_floor(s, i)));
    let p = &s.params;
    let denom = p.eta() * (2 * p.m as u32) * &p.w_max;
    let bound = (denom > 0)
        .then(|| p.gamma.clone().sqrt() * &p.gamma * (2 * p.m as u32) * &p.w_max / denom);
    Some((worst, floor, bound))
}

fn delta_prime_gap(s: &Solved) -> Option<Measured> {
    let normal = normal_tight(s);
    if normal.is_empty() {
        return None;
    }
    let prec = s.ctx.prec();
    let mut worst = s.ctx.zero();
    for &i in &normal {
        // The closed form of D.2's first display: no cancellation.
        let lambda = &s.programs[i].lambda;
        let gap: Vec<Float> = (0..s.params.m)
            .map(|j| {
                let cw = Float::with_val(prec, &s.eq.c[i] * &s.types[i].w[j]);
                let lq = Float::with_val(prec, lambda * &s.eq.q[j]);
                let dev = Float::with_val(prec, &s.types[i].y[j] - &s.eq.x[j]);
                cw.clone().square() * dev / (lq.clone() * (cw + &lq))
            })
            .collect();
        worst = worst.max(&norm(&gap));
    }
    let bound = crate::lemmas::shift_is_near_first_approximation::bound(s);
    Some((worst, s.ctx.zero(), Some(bound)))
}

fn approximations_gap(s: &Solved) -> Option<Measured> {
    let normal = normal_tight(s);
    if normal.is_empty() {
        return None;
    }
    let sqrt_gamma = s.params.gamma.clone().sqrt();
    let mut worst = s.ctx.zero();
    let mut floor = s.ctx.zero();
    for &i in &normal {
        let inverse = s.ctx.int(1) / &s.programs[i].lambda;
        let excess = tau_is_positive::tau(s, i) / (inverse + &sqrt_gamma);
        let direction = norm(&crate::lemmas::approximate_shifts_cancel::delta_double_prime(s, i));
        let per_gamma = direction / &sqrt_gamma;
        floor = floor.max(&(excess_floor(s, i, &sqrt_gamma) * &per_gamma));
        worst = worst.max(&(excess.abs() * per_gamma));
    }
    let bound = (s.params.eta() > 0).then(|| crate::lemmas::approximations_are_close::bound(s));
    Some((worst, floor, bound))
}

fn unusual_movement(s: &Solved) -> Option<Measured> {
    let m = s.params.m;
    let mut total = vec![s.ctx.zero(); m];
    let mut scale = s.ctx.zero();
    for (i, t) in s.types.iter().enumerate() {
        if s.is_normal(i) {
            continue;
        }
        let dpp = crate::lemmas::approximate_shifts_cancel::delta_double_prime(s, i);
        for j in 0..m {
            let d = Float::with_val(s.ctx.prec(), &s.programs[i].delta[j] - &dpp[j]);
            scale += d.clone().abs() * &t.mass;
            total[j] += d * &t.mass;
        }
    }
    let bound = unusual_agents_move_little::unusual_mass_bound(s)
        .map(|b| b * unusual_agents_move_little::c_d4(s));
    let rounding = rounding_floor(s, &scale) + outcome_floor(s);
    let floor = rounding.max(&(quadrature_floor(s) / &s.params.n));
    Some((norm(&total), floor, bound))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solved;

    /// The closed-form rows compute the explicit bounds from the parameters;
    /// they must be the lemma modules' expressions.
    #[test]
    fn bounds_from_parameters_match_the_lemmas() {
        let sweep = super::super::closed_form_sweeps().into_iter().next().unwrap();
        let instance = sweep.instance(5).unwrap();
        let ctx = Context::new(256).unwrap();
        let s = solved::solve(&ctx, &instance).unwrap();
        let tiny = ctx.int(1) >> 200u32;
        let c_d4 = unusual_agents_move_little::c_d4(&s);
        assert!((c_d4_of(&s.params) - &c_d4).abs() <= tiny.clone() * &c_d4);
        let b2 = unusual_agents_are_rare::right_side(&s).unwrap();
        assert!((b2_right_side(&ctx, &s.params).unwrap() - &b2).abs() <= tiny * &b2);
    }
}
