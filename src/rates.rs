//! Asymptotic claims measured as fitted rates (issue 3's `rates`).
//!
//! Each claim names a measured quantity, the paper's explicit bound where
//! its proof gives one, and the exponent the paper claims. A sweep solves
//! the same population at n = 10^2, 10^5, ..., 10^38, 10^40 (or, for Lemma
//! 5.3, at cell sides ε = 2^-2 ... 2^-8) and fits log10 of the quantity
//! against log10 n. The fit is evidence, labelled as such: a rate is never
//! a proof, and these verdicts are kept apart from the lemmas' verdicts.
//!
//! Quantities that are differences of order-one terms are computed in
//! cancellation-free forms (D.2's closed form of δ′ − δ, τ_i at a widened
//! precision, 1/λ_i − √γ = τ_i / (1/λ_i + √γ)), and every instance runs
//! at the working precision plus ⌈log2 n⌉ bits (see
//! [`runner::working_context`]). A point below its own rounding floor is
//! marked as noise and left out of the fit; a quantity that is exactly
//! zero at every point is reported as an exact zero, not fitted.

use rug::ops::Pow;
use rug::{Float, Rational};

use crate::agent;
use crate::equilibrium::{self, Equilibrium, Params};
use crate::error::Result;
use crate::fit::{self, Fit, RateVerdict};
use crate::lemmas::hypotheses::norm;
use crate::lemmas::{tau_is_positive, unusual_agents_are_rare, unusual_agents_move_little};
use crate::numeric::{log10_abs, sci, tol, Context};
use crate::population::{AgentType, Alpha, Cell, Instance, OutcomeSet, Population, Start};
use crate::runner;
use crate::solved::{self, Solved};

/// The decades of n swept by default: 10^2, 10^5, ..., 10^38, and 10^40.
pub fn default_decades() -> Vec<u32> {
    let mut d: Vec<u32> = (2..=38).step_by(3).collect();
    d.push(40);
    d
}

/// One measured point: the quantity, its rounding floor, the explicit bound.
#[derive(Clone, Debug)]
pub struct Point {
    /// log10 of the swept variable (n, or 1/ε).
    pub x: f64,
    pub value: Float,
    /// Below this the value is rounding noise.
    pub floor: Float,
    pub bound: Option<Float>,
    /// The instance's relative quadrature error, for a density.
    pub quadrature: Option<Float>,
}

impl Point {
    fn is_noise(&self) -> bool {
        !self.value.is_zero() && self.value.clone().abs() <= self.floor
    }
}

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
        },
        Claim {
            id: "exceptional-mass",
            source: "Thm 4.1(2), Lemma B.2, A.1(2)",
            quantity: "∫_{i∉N̂} p",
            exponent: |m, a| m as f64 * (2.0 * a + 1.0) / 4.0,
            claimed: "O(α^(m/2) n^(m/4))",
            measure: exceptional_mass,
            needs_density: true,
        },
        Claim {
            id: "lambda-band",
            source: "Lemma C.6, Thm 4.1(2)",
            quantity: "max_{N̂} (1 − λ_i √γ)",
            exponent: |_, a| -1.5 - a,
            claimed: "1 − √(η/(η+1)), η = Θ(n^(3/2) α)",
            measure: lambda_band,
            needs_density: false,
        },
        Claim {
            id: "tau",
            source: "Lemma C.5",
            quantity: "max_{N̂} τ_i",
            exponent: |_, a| -1.5 - a,
            claimed: "γ^(3/2)/η",
            measure: tau_max,
            needs_density: false,
        },
        Claim {
            id: "delta-prime-gap",
            source: "Lemma D.2",
            quantity: "max_{N̂} ‖δ′ − δ‖₂",
            exponent: |_, a| -3.0 - 2.0 * a,
            claimed: "2γ d_max/(β² n³ α²)",
            measure: delta_prime_gap,
            needs_density: false,
        },
        Claim {
            id: "approximations-gap",
            source: "Lemma D.3",
            quantity: "max_{N̂} ‖δ′ − δ″‖₂",
            exponent: |_, a| -3.0 - 2.0 * a,
            claimed: "√γ d_max/(β η n^(3/2) α)",
            measure: approximations_gap,
            needs_density: false,
        },
        Claim {
            id: "unusual-movement",
            source: "Lemma D.4",
            quantity: "‖∫_{i∉N̂} p (δ − δ″)‖₂",
            exponent: |m, a| m as f64 * (2.0 * a + 1.0) / 4.0,
            claimed: "O(α^(m/2) n^(m/4))",
            measure: unusual_movement,
            needs_density: true,
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
    for (i, t) in s.types.iter().enumerate() {
        let program = &s.programs[i];
        let dpp = crate::lemmas::approximate_shifts_cancel::delta_double_prime(s, i);
        let gap: Vec<Float> = if s.is_normal(i) && program.tight {
            let lambda = &program.lambda;
            let inverse = s.ctx.int(1) / lambda;
            let excess = tau_is_positive::tau(s, i) / (inverse + &sqrt_gamma);
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
    let floor = rounding_floor(s, &(scale * n)).max(&quadrature_floor(s));
    Some((value, floor, net_movement_bound(s)))
}

/// D.5's explicit right side with the measured unusual mass.
fn net_movement_bound(s: &Solved) -> Option<Float> {
    let p = &s.params;
    if p.eta() <= 0 {
        return None;
    }
    let n3a2 = p.n.clone().square() * &p.n * p.alpha.clone().square();
    let first = p.gamma.clone() * &p.d_max * 2u32 / (p.beta().square() * n3a2);
    let n32a = p.n.clone().sqrt() * &p.n * &p.alpha;
    let second = p.gamma.clone().sqrt() * &p.d_max / (p.beta() * p.eta() * n32a);
    let third = unusual_agents_move_little::c_d4(s) * unusual_agents_move_little::unusual_mass(s);
    Some((first + second + third) * &p.n)
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
    for &i in &normal {
        // 1 − λ√γ = √γ (1/λ − √γ) λ, with 1/λ − √γ = τ / (1/λ + √γ).
        let lambda = &s.programs[i].lambda;
        let inverse = s.ctx.int(1) / lambda;
        let gap = tau_is_positive::tau(s, i) / (inverse + &sqrt_gamma) * lambda * &sqrt_gamma;
        worst = worst.max(&gap);
    }
    let eta = s.params.eta();
    let bound = (eta > 0).then(|| s.ctx.int(1) - (eta.clone() / (eta + 1u32)).sqrt());
    Some((worst, rounding_floor(s, &s.ctx.int(1)), bound))
}

fn tau_max(s: &Solved) -> Option<Measured> {
    let normal = normal_tight(s);
    if normal.is_empty() {
        return None;
    }
    let worst =
        normal.iter().map(|&i| tau_is_positive::tau(s, i)).fold(s.ctx.zero(), |a, t| a.max(&t));
    let floor = rounding_floor(s, &s.params.gamma);
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
    for &i in &normal {
        let inverse = s.ctx.int(1) / &s.programs[i].lambda;
        let excess = tau_is_positive::tau(s, i) / (inverse + &sqrt_gamma);
        let direction = norm(&crate::lemmas::approximate_shifts_cancel::delta_double_prime(s, i));
        worst = worst.max(&(excess.abs() * direction / &sqrt_gamma));
    }
    let bound = (s.params.eta() > 0).then(|| crate::lemmas::approximations_are_close::bound(s));
    Some((worst, s.ctx.zero(), bound))
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
    let floor = rounding_floor(s, &scale).max(&(quadrature_floor(s) / &s.params.n));
    Some((norm(&total), floor, bound))
}

/// A population swept in n, and its α schedule.
pub struct Sweep {
    pub family: &'static str,
    pub schedule: (&'static str, Rational),
    pub population: Population,
    pub outcome_set: OutcomeSet,
    pub w_box: (Rational, Rational),
}

fn q(num: i64, den: i64) -> Rational {
    Rational::from((num, den))
}

fn agent(y: &[i64], w: &[i64], den: i64) -> AgentType {
    AgentType {
        y: y.iter().map(|v| q(*v, den)).collect(),
        w: w.iter().map(|v| q(*v, 1)).collect(),
        mass: q(1, 1),
    }
}

/// Returns the default sweeps: finite populations in m ∈ {1, 2, 6, 8} and
/// densities in m ∈ {1, 2, 6}, each under α = n^(−7/8) and α = n^(−3/4).
pub fn default_sweeps() -> Vec<Sweep> {
    let unit = |m: usize| OutcomeSet::Box { lo: vec![q(0, 1); m], hi: vec![q(1, 1); m] };
    let mut bases: Vec<(&'static str, Population, OutcomeSet)> = Vec::new();
    bases.push((
        "finite m=1",
        Population::Finite(vec![agent(&[0], &[1], 8), agent(&[3], &[2], 8), agent(&[8], &[1], 8)]),
        unit(1),
    ));
    bases.push((
        "finite m=2",
        Population::Finite(vec![
            agent(&[0, 0], &[1, 2], 1),
            agent(&[1, 0], &[2, 1], 1),
            agent(&[0, 1], &[1, 1], 1),
        ]),
        unit(2),
    ));
    for m in [6usize, 8] {
        // Four types on a fixed pattern of coordinates and weights in [1, 2].
        let types = (0..4)
            .map(|k| {
                let y: Vec<i64> = (0..m).map(|j| ((k * 5 + j * 3) % 9) as i64).collect();
                let w: Vec<i64> = (0..m).map(|j| 1 + ((k + j) % 2) as i64).collect();
                agent(&y, &w, 8)
            })
            .collect();
        let name = if m == 6 { "finite m=6" } else { "finite m=8" };
        bases.push((name, Population::Finite(types), unit(m)));
    }
    // Weights that differ across issues in m ≥ 2: with equal weights the
    // net movement of a symmetric density vanishes identically. In one issue
    // the uniform density keeps that symmetry (an asymmetric one meets the
    // solver's known slow case, see equilibrium.rs), so its net movement is
    // resolved only down to its quadrature floor.
    let segment = Cell { lo: vec![q(0, 1)], hi: vec![q(1, 1)], w: vec![q(1, 1)], mass: q(1, 1) };
    bases.push(("density m=1", Population::Density(vec![segment]), unit(1)));
    for m in [2usize, 6] {
        let w = (0..m).map(|j| q(1 + (j % 2) as i64, 1)).collect();
        let cell = Cell { lo: vec![q(0, 1); m], hi: vec![q(1, 1); m], w, mass: q(1, 1) };
        let name = if m == 2 { "density m=2" } else { "density m=6" };
        bases.push((name, Population::Density(vec![cell]), unit(m)));
    }
    let mut out = Vec::new();
    for (family, population, outcome_set) in bases {
        for schedule in [("n^(-7/8)", q(-7, 8)), ("n^(-3/4)", q(-3, 4))] {
            out.push(Sweep {
                family,
                schedule,
                population: population.clone(),
                outcome_set: outcome_set.clone(),
                w_box: (q(1, 1), q(2, 1)),
            });
        }
    }
    out
}

impl Sweep {
    fn instance(&self, decade: u32) -> Result<Instance> {
        Instance {
            name: format!("{} α={} n=1e{decade}", self.family, self.schedule.0),
            n: Rational::from(rug::Integer::from(10).pow(decade)),
            alpha: Alpha::PowerOfN { coefficient: q(1, 1), exponent: self.schedule.1.clone() },
            gamma: q(1, 100),
            w_min: self.w_box.0.clone(),
            w_max: self.w_box.1.clone(),
            outcome_set: self.outcome_set.clone(),
            population: self.population.clone(),
            epsilon: None,
            start: Start::LowerCorner,
        }
        .validated()
    }
}

/// One row of the rates table: a claim on one sweep.
pub struct Row {
    pub claim: &'static str,
    pub source: &'static str,
    pub quantity: &'static str,
    pub claimed: String,
    pub family: String,
    pub schedule: String,
    pub exponent: f64,
    pub points: Vec<Point>,
    pub outcome: Outcome,
    /// For n-sweeps: the last decade up to which f64 precision agrees to 3 digits
    /// (`Some(None)` when it never does).
    pub f64_agrees_up_to: Option<Option<u32>>,
}

/// What a sweep of one claim shows.
pub enum Outcome {
    /// The quantity is exactly 0 at every point.
    ExactZero,
    /// Too few points above their rounding floor to fit.
    Unresolved,
    /// A fitted slope and its verdict against the claimed exponent.
    Fitted { fit: Fit, verdict: RateVerdict, local: Vec<f64> },
    /// The claim's hypotheses do not hold for this sweep (named).
    Unmet(&'static str),
}

/// Runs every n-sweep and the Lemma 5.3 ε-sweep.
///
/// # Errors
///
/// A solver failure is a harness error.
pub fn run(ctx: &Context, decades: &[u32], progress: &dyn Fn(&str)) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for sweep in default_sweeps() {
        rows.extend(sweep_rows(ctx, &sweep, decades, progress)?);
    }
    rows.extend(afpp_sweep(ctx, progress)?);
    rows.push(warm_up_sweep(ctx, decades, progress)?);
    Ok(rows)
}

/// Runs one sweep in n and returns a row per claim.
///
/// # Errors
///
/// A solver failure is a harness error, naming the instance.
pub fn sweep_rows(
    ctx: &Context,
    sweep: &Sweep,
    decades: &[u32],
    progress: &dyn Fn(&str),
) -> Result<Vec<Row>> {
    let claims = claims();
    let mut per_claim: Vec<Vec<Point>> = vec![Vec::new(); claims.len()];
    // The last decade up to which a 53-bit evaluation agrees to 3 digits,
    // and whether it still agrees (the first disagreement ends the run).
    let mut double: Vec<(Option<u32>, bool)> = vec![(None, true); claims.len()];
    for &d in decades {
        let instance = sweep.instance(d)?;
        progress(&instance.name);
        let wctx = runner::working_context(ctx, &instance);
        let s = solved::solve(&wctx, &instance).map_err(|e| named(e, &instance))?;
        // A 53-bit solve may fail outright; that is a disagreement, not an error.
        let s53 = solved::solve(&Context::double_precision(), &instance).ok();
        for (k, claim) in claims.iter().enumerate() {
            let Some((value, floor, bound)) = (claim.measure)(&s) else { continue };
            let low = s53.as_ref().and_then(|s53| (claim.measure)(s53)).map(|m| m.0);
            let agrees = low.is_some_and(|low| three_digits(&value, &low));
            let entry = &mut double[k];
            if entry.1 && agrees {
                entry.0 = Some(d);
            } else {
                entry.1 = false;
            }
            per_claim[k].push(Point {
                x: d as f64,
                value,
                floor,
                bound,
                quadrature: s.quadrature_error.clone(),
            });
        }
    }
    let a = sweep.schedule.1.to_f64();
    let m = sweep.population.n_issues();
    let finite = matches!(sweep.population, Population::Finite(_));
    let mut rows = Vec::new();
    for ((claim, points), (f64_agrees_up_to, _)) in claims.iter().zip(per_claim).zip(double) {
        let exponent = (claim.exponent)(m, a);
        let claimed = claim.claimed.to_string();
        let mut r = row(claim.id, claim.source, claim.quantity, claimed, sweep, exponent, points);
        r.f64_agrees_up_to = Some(f64_agrees_up_to);
        if claim.needs_density && finite {
            // The rate comes from Lemma B.2's bound, which needs p_max: a
            // finite population (an atom at x stays clamped) is outside it.
            r.outcome = Outcome::Unmet("p has no density (Lemma B.2)");
        }
        rows.push(r);
    }
    Ok(rows)
}

/// Returns true when `low` matches `value` to 3 significant digits.
fn three_digits(value: &Float, low: &Float) -> bool {
    if value.is_zero() {
        return low.is_zero();
    }
    let gap = Float::with_val(value.prec(), value - low).abs() / value.clone().abs();
    gap * 2000u32 <= 1u32
}

fn named(e: crate::Error, instance: &Instance) -> crate::Error {
    crate::Error { kind: e.kind, message: format!("instance \"{}\": {}", instance.name, e.message) }
}

fn row(
    claim: &'static str,
    source: &'static str,
    quantity: &'static str,
    claimed: String,
    sweep: &Sweep,
    exponent: f64,
    points: Vec<Point>,
) -> Row {
    let outcome = judge(&points, exponent);
    Row {
        claim,
        source,
        quantity,
        claimed,
        family: sweep.family.to_string(),
        schedule: sweep.schedule.0.to_string(),
        exponent,
        points,
        outcome,
        f64_agrees_up_to: None,
    }
}

/// Fits the points above their floors and judges the slope.
pub fn judge(points: &[Point], exponent: f64) -> Outcome {
    if !points.is_empty() && points.iter().all(|p| p.value.is_zero()) {
        return Outcome::ExactZero;
    }
    let kept: Vec<&Point> = points.iter().filter(|p| !p.value.is_zero() && !p.is_noise()).collect();
    if kept.len() < fit::MIN_WINDOW {
        return Outcome::Unresolved;
    }
    let xs: Vec<f64> = kept.iter().map(|p| p.x).collect();
    let ys: Vec<f64> = kept.iter().map(|p| log10_abs(&p.value).to_f64()).collect();
    match fit::asymptotic(&xs, &ys) {
        Some(f) => Outcome::Fitted {
            verdict: fit::judge(&f, exponent),
            local: fit::local_slopes(&xs, &ys),
            fit: f,
        },
        None => Outcome::Unresolved,
    }
}

/// Lemma 5.3 swept in the cell side ε = 2^-2 ... 2^-8 at n = 10^6 on a
/// one-dimensional density: sup_i |f(c)(i) − c(i)| against the proof's O(ε²).
fn afpp_sweep(ctx: &Context, progress: &dyn Fn(&str)) -> Result<Vec<Row>> {
    let sweep = Sweep {
        family: "density m=1",
        schedule: ("n^(-7/8)", q(-7, 8)),
        population: Population::Density(vec![Cell {
            lo: vec![q(0, 1)],
            hi: vec![q(1, 1)],
            w: vec![q(1, 1)],
            mass: q(1, 1),
        }]),
        outcome_set: OutcomeSet::Box { lo: vec![q(0, 1)], hi: vec![q(1, 1)] },
        w_box: (q(1, 1), q(1, 1)),
    };
    let mut points = Vec::new();
    let mut r_points = Vec::new();
    for k in 2..=8u32 {
        let mut instance = sweep.instance(6)?;
        // Sides strictly below ε = 2^-k + 2^-(k+4): the pieces are 2^-k wide.
        instance.epsilon =
            Some(Rational::from(1) / Rational::from(rug::Integer::from(1) << k) * q(17, 16));
        instance.name = format!("5.3 sweep ε≈2^-{k}");
        progress(&instance.name);
        let s = solved::solve(ctx, &instance).map_err(|e| named(e, &instance))?;
        let (sup, sup_r) = afpp_gap(&s);
        // x is log10(1/ε): ε → 0 is x → ∞, and O(ε²) is slope −2.
        let x = k as f64 * std::f64::consts::LOG10_2;
        points.push(Point { x, value: sup, floor: ctx.zero(), bound: None, quadrature: None });
        r_points.push(Point { x, value: sup_r, floor: ctx.zero(), bound: None, quadrature: None });
    }
    let outcome = judge(&points, -2.0);
    let r_outcome = judge(&r_points, -2.0);
    let r_row = Row {
        claim: "afpp-r-gap",
        source: "Lemma 5.3 (proof, |r(i) − r(i_ℓ)| = O(ε²))",
        quantity: "sup_ℓ sup_{S_ℓ} |r(i) − r(i_ℓ)| against 1/ε",
        claimed: "O(ε²)".to_string(),
        family: sweep.family.to_string(),
        schedule: "n=1e6, ε halved 6 times".to_string(),
        exponent: -2.0,
        points: r_points,
        outcome: r_outcome,
        f64_agrees_up_to: None,
    };
    let f_row = Row {
        claim: "afpp-gap",
        source: "Lemma 5.3 (proof, Part 3)",
        quantity: "sup_i |f(c)(i) − c(i)| against 1/ε",
        claimed: "O(√n ε²)/α³".to_string(),
        family: sweep.family.to_string(),
        schedule: "n=1e6, ε halved 6 times".to_string(),
        exponent: -2.0,
        points,
        outcome,
        f64_agrees_up_to: None,
    };
    Ok(vec![f_row, r_row])
}

/// Returns sup over the pieces of |f(c)(i) − c(i)| and of |r(i) − r(i_ℓ)|,
/// both attained where r is smallest or largest on the piece (f is
/// monotone in r, and r is a separable convex quadratic).
fn afpp_gap(s: &Solved) -> (Float, Float) {
    let Some(partition) = &s.partition else { return (s.ctx.zero(), s.ctx.zero()) };
    let eq = &partition.fixed_point.eq;
    let prec = s.ctx.prec();
    let mut worst = s.ctx.zero();
    let mut worst_r = s.ctx.zero();
    for (l, piece) in partition.pieces.iter().enumerate() {
        let w = &partition.representatives[l].w;
        let r_l = equilibrium::disagreement(&partition.representatives[l], &eq.big_q, &eq.x);
        let mut r_lo = s.ctx.zero();
        let mut r_hi = s.ctx.zero();
        for j in 0..s.params.m {
            let x = &eq.x[j];
            let near = if x < &piece.lo[j] {
                piece.lo[j].clone()
            } else if x > &piece.hi[j] {
                piece.hi[j].clone()
            } else {
                x.clone()
            };
            let far_lo = Float::with_val(prec, x - &piece.lo[j]).abs();
            let far_hi = Float::with_val(prec, x - &piece.hi[j]).abs();
            let far = far_lo.max(&far_hi);
            let w2q = w[j].clone().square() / &eq.big_q[j];
            r_lo += Float::with_val(prec, &near - x).square() * &w2q;
            r_hi += far.square() * &w2q;
        }
        let c_l = &eq.c[l];
        for r in [r_lo, r_hi] {
            worst_r = worst_r.max(&Float::with_val(prec, &r - &r_l).abs());
            let gap = (equilibrium::scaling_of(&s.params, &r) - c_l).abs();
            worst = worst.max(&gap);
        }
    }
    (worst, worst_r)
}

/// The one-dimensional warm-up (Theorem 3.1, Lemma 3.3): with x the median
/// and c_i = 1/(w_i |x − y_i|), the spread max_i (1 − λ_i √(qγ)) over the
/// types at distance at least n^(−1/4), against the claimed 1/Ω(n^(1/4)).
pub fn warm_up_sweep(ctx: &Context, decades: &[u32], progress: &dyn Fn(&str)) -> Result<Row> {
    let population = Population::Finite(vec![
        AgentType { y: vec![q(-1, 1)], w: vec![q(2, 1)], mass: q(3, 10) },
        AgentType { y: vec![q(-1, 2)], w: vec![q(1, 1)], mass: q(1, 5) },
        AgentType { y: vec![q(1, 2)], w: vec![q(2, 1)], mass: q(1, 5) },
        AgentType { y: vec![q(1, 1)], w: vec![q(1, 1)], mass: q(3, 10) },
    ]);
    let sweep = Sweep {
        family: "warm-up m=1",
        schedule: ("c = 1/(w|x−y|)", q(0, 1)),
        population,
        outcome_set: OutcomeSet::Box { lo: vec![q(-1, 1)], hi: vec![q(1, 1)] },
        w_box: (q(1, 1), q(2, 1)),
    };
    let mut points = Vec::new();
    for &d in decades {
        let instance = sweep.instance(d)?;
        progress(&format!("warm-up n=1e{d}"));
        let wctx = runner::working_context(ctx, &instance);
        let params = Params::of(&wctx, &instance);
        let types = equilibrium::types_of(&wctx, &instance.population, 0);
        // The median of the four types is any point of (−1/2, 1/2); x = 0.
        let c =
            types.iter().map(|t| wctx.int(1) / (t.w[0].clone() * t.y[0].clone().abs())).collect();
        let eq = Equilibrium::from_scaling(&types, &params.n, c);
        let (_, programs) = agent::solve_all(&wctx, &types, &eq, &params)?;
        let sqrt_q_gamma = (eq.q[0].clone() * &params.gamma).sqrt();
        let mut worst = wctx.zero();
        for p in programs.iter().filter(|p| p.tight) {
            worst = worst.max(&(wctx.int(1) - p.lambda.clone() * &sqrt_q_gamma));
        }
        let floor = wctx.unit_roundoff() * tol::ROUNDING_ULPS;
        points.push(Point { x: d as f64, value: worst, floor, bound: None, quadrature: None });
    }
    let outcome = judge(&points, -0.25);
    Ok(Row {
        claim: "warm-up-band",
        source: "Thm 3.1(2), Lemma 3.3",
        quantity: "max_i (1 − λ_i √(qγ))",
        claimed: "1/Ω(n^(1/4))".to_string(),
        family: sweep.family.to_string(),
        schedule: sweep.schedule.0.to_string(),
        exponent: -0.25,
        points,
        outcome,
        f64_agrees_up_to: None,
    })
}

/// Returns the rates table as Markdown.
pub fn markdown(rows: &[Row]) -> String {
    let table_rows = rows
        .iter()
        .map(|r| {
            let (slope, window, local, verdict) = match &r.outcome {
                Outcome::ExactZero => {
                    ("exact zero".into(), "—".into(), "—".into(), "exact zero".into())
                }
                Outcome::Unresolved => ("—".into(), "—".into(), "—".into(), "unresolved".into()),
                Outcome::Unmet(why) => {
                    ("—".into(), "—".into(), "—".into(), format!("hypothesis unmet: {why}"))
                }
                Outcome::Fitted { fit, verdict, local } => (
                    format!("{:.3} ± {:.3}", fit.slope, fit.half_width),
                    format!("last {} of {} points", fit.points, r.points.len()),
                    local.iter().map(|v| format!("{v:.2}")).collect::<Vec<_>>().join(", "),
                    looseness(*verdict, fit, r.exponent),
                ),
            };
            let noise = r.points.iter().filter(|p| p.is_noise()).count();
            let last = r.points.last();
            vec![
                r.source.to_string(),
                r.quantity.to_string(),
                r.family.clone(),
                r.schedule.clone(),
                r.claimed.clone(),
                format!("{:.3}", r.exponent),
                slope,
                window,
                local,
                last.map_or("—".into(), |p| sci(&p.value, 3)),
                last.and_then(|p| p.bound.as_ref()).map_or("—".into(), |b| sci(b, 3)),
                noise.to_string(),
                match r.f64_agrees_up_to {
                    None => "—".into(),
                    Some(None) => "never".into(),
                    Some(Some(d)) => format!("n = 1e{d}"),
                },
                verdict,
            ]
        })
        .collect();
    crate::report::markdown(
        &[
            "claim",
            "quantity",
            "family",
            "schedule",
            "claimed",
            "claimed exponent",
            "fitted slope (95%)",
            "window",
            "local slopes",
            "last value",
            "explicit bound there",
            "noise points",
            "f64 agrees to 3 digits up to",
            "verdict",
        ],
        table_rows,
    )
}

fn looseness(verdict: RateVerdict, fit: &Fit, exponent: f64) -> String {
    let gap = exponent - fit.slope;
    // Looseness is claimed only from a tight fit over a long window.
    if verdict == RateVerdict::Consistent && gap > 0.25 && fit.half_width < 0.1 && fit.points >= 6 {
        format!("consistent (decays faster by {gap:.2} in the exponent: the claim is loose)")
    } else {
        verdict.name().to_string()
    }
}

/// Returns rates.csv: one line per point.
pub fn csv(rows: &[Row]) -> String {
    let mut out =
        String::from("claim,family,schedule,log10_x,value,floor,bound,quadrature_error,noise\n");
    for r in rows {
        for p in &r.points {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}\n",
                r.claim,
                r.family,
                r.schedule,
                p.x,
                sci(&p.value, 12),
                sci(&p.floor, 3),
                p.bound.as_ref().map_or(String::new(), |b| sci(b, 12)),
                p.quadrature.as_ref().map_or(String::new(), |q| sci(q, 3)),
                p.is_noise()
            ));
        }
    }
    out
}

/// Returns a log-log SVG plot of one row: points, fit, claimed slope, bound.
pub fn svg(r: &Row) -> String {
    let pts: Vec<(f64, f64)> = r
        .points
        .iter()
        .filter(|p| !p.value.is_zero())
        .map(|p| (p.x, log10_abs(&p.value).to_f64()))
        .collect();
    let bounds: Vec<(f64, f64)> = r
        .points
        .iter()
        .filter_map(|p| p.bound.as_ref().filter(|b| **b > 0).map(|b| (p.x, log10_abs(b).to_f64())))
        .collect();
    let all: Vec<&(f64, f64)> = pts.iter().chain(&bounds).collect();
    let (w, h, pad) = (640.0, 400.0, 50.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{pad}\" y=\"20\">{} — {} — {} ({})</text>\n",
        r.source, r.quantity, r.family, r.schedule
    );
    if all.is_empty() {
        out.push_str("<text x=\"50\" y=\"200\">exact zero at every point</text>\n</svg>\n");
        return out;
    }
    let (x0, x1) = bounds_of(all.iter().map(|p| p.0));
    let (y0, y1) = bounds_of(all.iter().map(|p| p.1));
    let sx = |x: f64| pad + (x - x0) / (x1 - x0).max(1e-9) * (w - 2.0 * pad);
    let sy = |y: f64| h - pad - (y - y0) / (y1 - y0).max(1e-9) * (h - 2.0 * pad);
    out.push_str(&format!(
        "<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n\
         <line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{}\" stroke=\"black\"/>\n\
         <text x=\"{}\" y=\"{}\">log10 x: {x0:.1} … {x1:.1}</text>\n\
         <text x=\"5\" y=\"{}\">log10 y: {y0:.1} … {y1:.1}</text>\n",
        h - pad,
        w - pad,
        h - pad,
        h - pad,
        w / 2.0 - 40.0,
        h - 15.0,
        pad - 10.0
    ));
    for (x, y) in &pts {
        out.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#1f77b4\"/>\n",
            sx(*x),
            sy(*y)
        ));
    }
    if bounds.len() > 1 {
        out.push_str(&polyline(&bounds, &sx, &sy, "#d62728", "4 3"));
    }
    if let Outcome::Fitted { fit, .. } = &r.outcome {
        let (a, b) = (pts[fit.window_start.min(pts.len() - 1)].0, pts[pts.len() - 1].0);
        let line = [(a, fit.intercept + fit.slope * a), (b, fit.intercept + fit.slope * b)];
        out.push_str(&polyline(&line, &sx, &sy, "#1f77b4", ""));
        let (xl, yl) = pts[pts.len() - 1];
        let claimed = [(a, yl + r.exponent * (a - xl)), (xl, yl)];
        out.push_str(&polyline(&claimed, &sx, &sy, "#2ca02c", "2 2"));
    }
    out.push_str(&format!(
        "<text x=\"{}\" y=\"35\" fill=\"#1f77b4\">● measured, — fit</text>\
         <text x=\"{}\" y=\"48\" fill=\"#2ca02c\">- - claimed slope {:.3}</text>\
         <text x=\"{}\" y=\"61\" fill=\"#d62728\">- - explicit bound</text>\n</svg>\n",
        w - 220.0,
        w - 220.0,
        r.exponent,
        w - 220.0
    ));
    out
}

fn bounds_of(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let v: Vec<f64> = values.collect();
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, hi + 1.0)
    }
}

fn polyline(
    points: &[(f64, f64)],
    sx: &dyn Fn(f64) -> f64,
    sy: &dyn Fn(f64) -> f64,
    color: &str,
    dash: &str,
) -> String {
    let coords: Vec<String> =
        points.iter().map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y))).collect();
    format!(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-dasharray=\"{dash}\"/>\n",
        coords.join(" ")
    )
}

/// Returns the file name of a row's plot.
pub fn plot_name(r: &Row) -> String {
    let clean = |s: &str| {
        s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect::<String>()
    };
    format!("{}--{}--{}.svg", r.claim, clean(&r.family), clean(&r.schedule))
}
