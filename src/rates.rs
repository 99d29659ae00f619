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
//! zero at every point is reported as an exact zero, not fitted, and so is
//! an integral of an odd shift over a mirror-symmetric density.
//!
//! Three checks guard the numbers. Some points of every sweep (all of a
//! cheap one, the largest n of a density) are solved again at twice the
//! working precision, and a fitted row whose points disagree there is
//! downgraded to inconclusive. A 53-bit evaluation is compared with every
//! point, and the f64 column names what fails first: the digits, or f64's
//! range, which the sweep to n = 10^400 leaves far behind (φ_i(0) reaches
//! 10^800 there; logarithms and printing stay in MPFR, see [`crate::fit`]).
//! And one-issue densities are also solved in closed form
//! ([`one_issue`]), so their vanishing integrals carry no quadrature error.

use std::borrow::Cow;

use rayon::prelude::*;
use rug::ops::Pow;
use rug::{Float, Rational};
use serde::{Deserialize, Serialize};

use crate::agent;
use crate::equilibrium::{self, Equilibrium, Params};
use crate::error::Result;
use crate::fit::{self, Fit, RateVerdict};
use crate::numeric::{log10_abs, tol, Context};
use crate::population::{AgentType, Alpha, Cell, Instance, OutcomeSet, Population, Start};
use crate::runner;
use crate::shard::Shard;
use crate::solved::{self, Solved};

mod claims;
pub mod one_issue;
mod precision;
mod render;

use claims::{b2_right_side, c_d4_of, d5_right_side};
pub use claims::{claims, Claim, Measured};
use one_issue::Continuum;
use precision::{agreement_digits, in_double_range, solved_in_double_range, three_digits};
pub use precision::{Agreement, DoubleAgreement, DoubleFailure, AGREEMENT_DIGITS};
pub use render::{csv, markdown, plot_name, svg};

/// The decades of n swept by default: 10^2, 10^5, ..., 10^38, and 10^40.
pub fn default_decades() -> Vec<u32> {
    let mut d: Vec<u32> = (2..=38).step_by(3).collect();
    d.push(40);
    d
}

/// The decades of the sweep beyond f64's range: 10^2, 10^36, ..., 10^376, and 10^400.
pub fn wide_decades() -> Vec<u32> {
    let mut d: Vec<u32> = (2..=376).step_by(34).collect();
    d.push(400);
    d
}

/// One measured point: the quantity, its rounding floor, the explicit bound.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Point {
    /// log10 of the swept variable (n, or 1/ε).
    pub x: f64,
    pub value: Float,
    /// Below this the value is rounding noise.
    pub floor: Float,
    pub bound: Option<Float>,
    /// The instance's relative quadrature error, for a density.
    pub quadrature: Option<Float>,
    /// Digits in which a rerun at twice the working precision agrees, when rerun.
    pub twice_digits: Option<f64>,
}

impl Point {
    /// Returns true when the value is nonzero and below its rounding floor.
    pub fn is_noise(&self) -> bool {
        !self.value.is_zero() && self.value.clone().abs() <= self.floor
    }
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
    // One cell with one weight vector is mirror-symmetric about its centre
    // on every axis, whatever the weights across issues, so the net movement
    // and D.4's integral are exact zeros here (see `mirror_symmetric`); the
    // asymmetric one-issue density of `closed_form_sweeps` resolves them.
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

/// Returns the sweep beyond f64's range: the finite two-issue family under
/// α = n^(−7/8), swept over [`wide_decades`] (n up to 10^400).
pub fn wide_sweep() -> Sweep {
    let mut sweep = default_sweeps()
        .into_iter()
        .find(|s| s.family == "finite m=2" && s.schedule.0 == "n^(-7/8)")
        .expect("the finite two-issue sweep exists");
    sweep.family = "finite m=2 (n to 1e400)";
    sweep
}

/// Returns the context the wide sweep starts from: ⌈log2 10^400⌉ more bits
/// (rounded up to 32) on top of those [`runner::working_context`] adds.
///
/// τ_i/γ falls like 1/n while the rounding left in b moves it by about n
/// times the unit roundoff (see `tau_floor`), so τ, the λ band and D.3 need
/// about 2 log2 n bits; ⌈log2 n⌉ suffices only up to n ≈ 10^77.
pub fn wide_context(ctx: &Context) -> Context {
    let widest = wide_decades().into_iter().max().unwrap_or(0);
    let bits = rug::Integer::from(10).pow(widest).significant_bits();
    ctx.widened(bits.div_ceil(32) * 32)
}

/// Returns the one-issue densities solved in closed form ([`one_issue`]):
/// two cells of equal mass, w = 1 on [0, 1/2] and w = 2 on [1/2, 1], under
/// both schedules. The median sits on the cell edge, and the clamp keeps x
/// within α√Q of it, so p is not uniform around x and the net movement is
/// not zero.
pub fn closed_form_sweeps() -> Vec<Sweep> {
    let cell = |lo: i64, hi: i64, w: i64| Cell {
        lo: vec![q(lo, 2)],
        hi: vec![q(hi, 2)],
        w: vec![q(w, 1)],
        mass: q(1, 2),
    };
    let population = Population::Density(vec![cell(0, 1, 1), cell(1, 2, 2)]);
    [("n^(-7/8)", q(-7, 8)), ("n^(-3/4)", q(-3, 4))]
        .into_iter()
        .map(|schedule| Sweep {
            family: "density m=1 two-cell (closed form)",
            schedule,
            population: population.clone(),
            outcome_set: OutcomeSet::Box { lo: vec![q(0, 1)], hi: vec![q(1, 1)] },
            w_box: (q(1, 1), q(2, 1)),
        })
        .collect()
}

impl Sweep {
    /// Returns the sweep's instance at n = 10^decade.
    ///
    /// # Errors
    ///
    /// Fails when the instance is invalid (a harness bug for the built-in sweeps).
    pub fn instance(&self, decade: u32) -> Result<Instance> {
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
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Row {
    pub claim: Cow<'static, str>,
    pub source: Cow<'static, str>,
    pub quantity: Cow<'static, str>,
    pub claimed: String,
    pub family: String,
    pub schedule: String,
    pub exponent: f64,
    pub points: Vec<Point>,
    pub outcome: Outcome,
    /// For n-sweeps: how far a 53-bit evaluation agrees to 3 digits.
    pub f64: Option<DoubleAgreement>,
    /// How the rerun points agree at twice the working precision.
    pub twice_precision: Option<Agreement>,
    /// Why the verdict was downgraded, when it was.
    pub caveat: Option<String>,
}

/// What a sweep of one claim shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Outcome {
    /// The quantity is exactly 0 at every point, for the reason given.
    ExactZero(Cow<'static, str>),
    /// Too few points above their rounding floor to fit.
    Unresolved,
    /// A fitted slope and its verdict against the claimed exponent.
    Fitted { fit: Fit, verdict: RateVerdict, local: Vec<f64> },
    /// The claim's hypotheses do not hold for this sweep (named).
    Unmet(Cow<'static, str>),
}

/// Why a quantity that is 0 at every point is zero.
pub const ZERO_AT_EVERY_POINT: &str = "0 at every point";

/// Why an odd shift integrates to zero over a mirror-symmetric density.
pub const MIRROR_SYMMETRY: &str = "p and w are mirror-symmetric about x on every axis: \
    c_i and λ_i are even and δ_i, δ″_i odd in y_i − x (Lemma C.2), so the integral is 0";

/// Why a one-issue integral of the shifts vanishes where p and w are locally uniform.
pub const LOCALLY_UNIFORM: &str = "p and w are constant on x ± max(ρ, s) in one issue: \
    the shifts are odd there and the x equation cancels the rest";

/// Runs every n-sweep, the sweep beyond f64's range, the one-issue closed
/// forms, the Lemma 5.3 ε-sweep and the warm-up.
///
/// # Errors
///
/// A solver failure is a harness error.
pub fn run(ctx: &Context, decades: &[u32], progress: &Progress) -> Result<Vec<Row>> {
    let units = run_units(ctx, decades, &[], Shard::WHOLE, progress)?;
    Ok(units.into_iter().flat_map(|(_, rows)| rows).collect())
}

/// A progress callback that parallel sweeps can share.
pub type Progress = dyn Fn(&str) + Sync;

/// One independent unit of a rates run: a sweep and the rows it yields.
enum Unit {
    Sweep(Sweep),
    Wide,
    ClosedForm(Sweep),
    Afpp,
    WarmUp,
}

impl Unit {
    /// The family the unit sweeps, as the table names it.
    fn family(&self) -> &'static str {
        match self {
            Unit::Sweep(sweep) | Unit::ClosedForm(sweep) => sweep.family,
            Unit::Wide => wide_sweep().family,
            Unit::Afpp => "density m=1 (Lemma 5.3 in ε)",
            Unit::WarmUp => "warm-up m=1",
        }
    }
}

/// Returns the families a rates run sweeps, in order (with repeats for
/// the two schedules of a family).
pub fn families() -> Vec<&'static str> {
    units(&[]).iter().map(Unit::family).collect()
}

/// The number of units of a rates run restricted to `only` (all when empty).
pub fn unit_count(only: &[String]) -> usize {
    units(only).len()
}

fn units(only: &[String]) -> Vec<Unit> {
    let mut units: Vec<Unit> = default_sweeps().into_iter().map(Unit::Sweep).collect();
    units.push(Unit::Wide);
    units.extend(closed_form_sweeps().into_iter().map(Unit::ClosedForm));
    units.push(Unit::Afpp);
    units.push(Unit::WarmUp);
    units.retain(|u| only.is_empty() || only.iter().any(|f| f == u.family()));
    units
}

/// Runs the units of `shard` among the families `only` (all when empty),
/// (in parallel on rayon's pool) and returns
/// each one's index and rows, in order: N shards' units, concatenated,
/// are those of one run.
///
/// # Errors
///
/// A solver failure is a harness error, naming the instance.
pub fn run_units(
    ctx: &Context,
    decades: &[u32],
    only: &[String],
    shard: Shard,
    progress: &Progress,
) -> Result<Vec<(usize, Vec<Row>)>> {
    let owned: Vec<(usize, Unit)> =
        units(only).into_iter().enumerate().filter(|(k, _)| shard.owns(*k)).collect();
    owned
        .into_par_iter()
        .map(|(k, unit)| {
            let rows = match unit {
                Unit::Sweep(sweep) => sweep_rows(ctx, &sweep, decades, progress)?,
                Unit::Wide => {
                    sweep_rows(&wide_context(ctx), &wide_sweep(), &wide_decades(), progress)?
                }
                Unit::ClosedForm(sweep) => closed_form_rows(ctx, &sweep, decades, progress)?,
                Unit::Afpp => afpp_sweep(ctx, progress)?,
                Unit::WarmUp => vec![warm_up_sweep(ctx, decades, progress)?],
            };
            Ok((k, rows))
        })
        .collect()
}

/// Runs one sweep in n and returns a row per claim.
///
/// Every point of a finite population, and the largest n of a density, is
/// solved again at twice the working precision.
///
/// # Errors
///
/// A solver failure is a harness error, naming the instance.
pub fn sweep_rows(
    ctx: &Context,
    sweep: &Sweep,
    decades: &[u32],
    progress: &Progress,
) -> Result<Vec<Row>> {
    let claims = claims();
    let finite = matches!(sweep.population, Population::Finite(_));
    let symmetric = mirror_symmetric(&sweep.population);
    let mut centred_everywhere = symmetric;
    let mut per_claim: Vec<Vec<Point>> = vec![Vec::new(); claims.len()];
    let mut double = vec![DoubleAgreement::default(); claims.len()];
    for (k, &d) in decades.iter().enumerate() {
        let instance = sweep.instance(d)?;
        progress(&instance.name);
        let wctx = runner::working_context(ctx, &instance);
        let s = solved::solve(&wctx, &instance).map_err(|e| named(e, &instance))?;
        // A 53-bit solve may fail outright; that is a disagreement, not an error.
        let s53 = solved::solve(&Context::double_precision(), &instance).ok();
        let twice = if finite || k + 1 == decades.len() {
            let wide = wctx.widened(wctx.prec());
            Some(solved::solve(&wide, &instance).map_err(|e| named(e, &instance))?)
        } else {
            None
        };
        centred_everywhere &= symmetric && centred(&s);
        let in_range = solved_in_double_range(&s);
        for (c, claim) in claims.iter().enumerate() {
            let Some((value, floor, bound)) = (claim.measure)(&s) else { continue };
            let low = s53.as_ref().and_then(|s53| (claim.measure)(s53)).map(|m| m.0);
            let failure = if !in_range || !in_double_range(&value) {
                Some(DoubleFailure::Range)
            } else {
                match &low {
                    None => Some(DoubleFailure::Solve),
                    Some(low) if !three_digits(&value, low) => Some(DoubleFailure::Digits),
                    Some(_) => None,
                }
            };
            double[c].record(d, failure);
            let twice_digits = twice.as_ref().map(|s2| {
                (claim.measure)(s2).map_or(0.0, |(v2, _, _)| agreement_digits(&value, &v2))
            });
            per_claim[c].push(Point {
                x: d as f64,
                value,
                floor,
                bound,
                quadrature: s.quadrature_error.clone(),
                twice_digits,
            });
        }
    }
    let a = sweep.schedule.1.to_f64();
    let m = sweep.population.n_issues();
    let mut rows = Vec::new();
    for ((claim, points), double) in claims.iter().zip(per_claim).zip(double) {
        let exponent = (claim.exponent)(m, a);
        let claimed = claim.claimed.to_string();
        let mut r = row(claim.id, claim.source, claim.quantity, claimed, sweep, exponent, points);
        r.f64 = Some(double);
        if claim.odd && centred_everywhere && !r.points.is_empty() {
            r.outcome = Outcome::ExactZero(MIRROR_SYMMETRY.into());
        }
        if claim.needs_density && finite {
            // The rate comes from Lemma B.2's bound, which needs p_max: a
            // finite population (an atom at x stays clamped) is outside it.
            r.outcome = Outcome::Unmet("p has no density (Lemma B.2)".into());
        }
        rows.push(settled(r));
    }
    Ok(rows)
}

/// Runs one closed-form sweep of a one-issue density: the net movement,
/// the exceptional mass and D.4's integral, at every point also at twice
/// the precision and at 53 bits.
///
/// # Errors
///
/// A failed solve is a harness error, naming the instance.
pub fn closed_form_rows(
    ctx: &Context,
    sweep: &Sweep,
    decades: &[u32],
    progress: &Progress,
) -> Result<Vec<Row>> {
    let ids = ["net-movement", "exceptional-mass", "unusual-movement"];
    let claims: Vec<Claim> = claims().into_iter().filter(|c| ids.contains(&c.id)).collect();
    let mut per_claim: Vec<Vec<Point>> = vec![Vec::new(); claims.len()];
    let mut double = vec![DoubleAgreement::default(); claims.len()];
    let mut uniform_everywhere = true;
    for &d in decades {
        let instance = sweep.instance(d)?;
        progress(&format!("{} (closed form)", instance.name));
        let wctx = runner::working_context(ctx, &instance);
        let solve = |c: &Context| Continuum::solve(c, &instance).map_err(|e| named(e, &instance));
        let fp = solve(&wctx)?;
        let twice = solve(&wctx.widened(wctx.prec()))?;
        let low = solve(&Context::double_precision()).ok();
        uniform_everywhere &= fp.locally_uniform();
        let in_range = [&fp.params.n, &fp.q()].into_iter().all(in_double_range);
        let lows = low.as_ref().map(closed_form_measures);
        for (c, (value, floor, bound)) in closed_form_measures(&fp).into_iter().enumerate() {
            let failure = if !in_range || !in_double_range(&value) {
                Some(DoubleFailure::Range)
            } else {
                match &lows {
                    None => Some(DoubleFailure::Solve),
                    Some(l) if !three_digits(&value, &l[c].0) => Some(DoubleFailure::Digits),
                    Some(_) => None,
                }
            };
            double[c].record(d, failure);
            let twice_digits = Some(agreement_digits(&value, &closed_form_measures(&twice)[c].0));
            per_claim[c].push(Point {
                x: d as f64,
                value,
                floor,
                bound,
                quadrature: None,
                twice_digits,
            });
        }
    }
    let a = sweep.schedule.1.to_f64();
    let mut rows = Vec::new();
    for ((claim, points), double) in claims.iter().zip(per_claim).zip(double) {
        let exponent = (claim.exponent)(1, a);
        let claimed = claim.claimed.to_string();
        let mut r = row(claim.id, claim.source, claim.quantity, claimed, sweep, exponent, points);
        r.f64 = Some(double);
        if claim.odd && uniform_everywhere {
            r.outcome = Outcome::ExactZero(LOCALLY_UNIFORM.into());
        }
        rows.push(settled(r));
    }
    Ok(rows)
}

/// Returns the net movement, the exceptional mass and D.4's integral of a
/// closed-form fixed point, each with its floor and explicit bound.
fn closed_form_measures(fp: &Continuum) -> [Measured; 3] {
    let ctx = fp.context();
    let p = &fp.params;
    let (mass, mass_floor) = fp.clamped_mass();
    let (net, net_floor) = fp.net_movement();
    let (unusual, unusual_floor) = fp.unusual_movement();
    let c_d4 = c_d4_of(p);
    let b2 = b2_right_side(&ctx, p);
    [
        (net, net_floor, d5_right_side(p, &c_d4, &mass)),
        (mass, mass_floor, b2.clone()),
        (unusual, unusual_floor, b2.map(|b| b * &c_d4)),
    ]
}

/// Returns true when a density is mirror-symmetric on every axis: the
/// reflection about the centre of its cells' bounding box maps its cells,
/// with their weights and masses, onto its cells.
pub fn mirror_symmetric(population: &Population) -> bool {
    let Population::Density(cells) = population else { return false };
    (0..population.n_issues()).all(|j| {
        let lo = cells.iter().map(|c| &c.lo[j]).min().expect("a density has cells");
        let hi = cells.iter().map(|c| &c.hi[j]).max().expect("a density has cells");
        let span = Rational::from(lo + hi);
        let mut unmatched: Vec<&Cell> = cells.iter().collect();
        cells.iter().all(|c| {
            let mut image = c.clone();
            image.lo[j] = Rational::from(&span - &c.hi[j]);
            image.hi[j] = Rational::from(&span - &c.lo[j]);
            match unmatched.iter().position(|u| **u == image) {
                Some(at) => {
                    unmatched.swap_remove(at);
                    true
                }
                None => false,
            }
        })
    })
}

/// Returns true when the solved x lies at the centre of a density's bounding
/// box, within d_max times the model error (or 2^(−prec/2), if larger):
/// the solver then found the symmetric fixed point.
fn centred(s: &Solved) -> bool {
    let Population::Density(cells) = &s.instance.population else { return false };
    let slack = s.model_error().max(&(s.ctx.int(1) >> (s.ctx.prec() / 2))) * &s.params.d_max;
    (0..s.params.m).all(|j| {
        let lo = cells.iter().map(|c| &c.lo[j]).min().expect("a density has cells");
        let hi = cells.iter().map(|c| &c.hi[j]).max().expect("a density has cells");
        let centre = s.ctx.rational(&(Rational::from(lo + hi) / 2u32));
        Float::with_val(s.ctx.prec(), &s.eq.x[j] - &centre).abs() <= slack
    })
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
    match &outcome {
        Outcome::Fitted { fit, .. } => log::info!(
            "rates: {claim} on {} ({}): fit over {} points, the first {} above their floor \
             dropped as pre-asymptotic ({} measured), slope {:.3}",
            sweep.family,
            sweep.schedule.0,
            fit.points,
            fit.window_start,
            points.len(),
            fit.slope
        ),
        other => log::info!(
            "rates: {claim} on {} ({}): not fitted ({})",
            sweep.family,
            sweep.schedule.0,
            match other {
                Outcome::ExactZero(_) => "exact zero",
                Outcome::Unresolved => "too few points above their floor",
                _ => "hypothesis unmet",
            }
        ),
    }
    Row {
        claim: claim.into(),
        source: source.into(),
        quantity: quantity.into(),
        claimed,
        family: sweep.family.to_string(),
        schedule: sweep.schedule.0.to_string(),
        exponent,
        points,
        outcome,
        f64: None,
        twice_precision: None,
        caveat: None,
    }
}

/// Summarises a row's rerun at twice the precision and downgrades a fitted
/// verdict to inconclusive when its points disagree there.
pub fn settled(mut r: Row) -> Row {
    r.twice_precision = Agreement::of(&r.points);
    let Some(agreement) = r.twice_precision else { return r };
    if let Outcome::Fitted { verdict, .. } = &mut r.outcome {
        if agreement.points > 0 && agreement.digits < AGREEMENT_DIGITS {
            *verdict = RateVerdict::Inconclusive;
            r.caveat = Some(format!(
                "its points agree to only {:.1} digits at twice the precision",
                agreement.digits
            ));
        }
    }
    r
}

/// Fits the points above their floors and judges the slope.
pub fn judge(points: &[Point], exponent: f64) -> Outcome {
    if !points.is_empty() && points.iter().all(|p| p.value.is_zero()) {
        return Outcome::ExactZero(ZERO_AT_EVERY_POINT.into());
    }
    let kept: Vec<&Point> = points.iter().filter(|p| !p.value.is_zero() && !p.is_noise()).collect();
    if kept.len() < fit::MIN_WINDOW {
        return Outcome::Unresolved;
    }
    let xs: Vec<f64> = kept.iter().map(|p| p.x).collect();
    // The logs are taken in MPFR: the values may lie beyond f64's range.
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
fn afpp_sweep(ctx: &Context, progress: &Progress) -> Result<Vec<Row>> {
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
        // The smallest ε, the most expensive point, is solved again at twice the precision.
        let (twice, twice_r) = if k == 8 {
            let wide = ctx.widened(ctx.prec());
            let s2 = solved::solve(&wide, &instance).map_err(|e| named(e, &instance))?;
            let (sup2, sup_r2) = afpp_gap(&s2);
            (Some(agreement_digits(&sup, &sup2)), Some(agreement_digits(&sup_r, &sup_r2)))
        } else {
            (None, None)
        };
        // x is log10(1/ε): ε → 0 is x → ∞, and O(ε²) is slope −2.
        let x = k as f64 * std::f64::consts::LOG10_2;
        let point = |value: Float, twice_digits: Option<f64>| Point {
            x,
            value,
            floor: ctx.zero(),
            bound: None,
            quadrature: None,
            twice_digits,
        };
        points.push(point(sup, twice));
        r_points.push(point(sup_r, twice_r));
    }
    let outcome = judge(&points, -2.0);
    let r_outcome = judge(&r_points, -2.0);
    let r_row = Row {
        claim: "afpp-r-gap".into(),
        source: "Lemma 5.3 (proof, |r(i) − r(i_ℓ)| = O(ε²))".into(),
        quantity: "sup_ℓ sup_{S_ℓ} |r(i) − r(i_ℓ)| against 1/ε".into(),
        claimed: "O(ε²)".to_string(),
        family: sweep.family.to_string(),
        schedule: "n=1e6, ε halved 6 times".to_string(),
        exponent: -2.0,
        points: r_points,
        outcome: r_outcome,
        f64: None,
        twice_precision: None,
        caveat: None,
    };
    let f_row = Row {
        claim: "afpp-gap".into(),
        source: "Lemma 5.3 (proof, Part 3)".into(),
        quantity: "sup_i |f(c)(i) − c(i)| against 1/ε".into(),
        claimed: "O(√n ε²)/α³".to_string(),
        family: sweep.family.to_string(),
        schedule: "n=1e6, ε halved 6 times".to_string(),
        exponent: -2.0,
        points,
        outcome,
        f64: None,
        twice_precision: None,
        caveat: None,
    };
    Ok(vec![settled(f_row), settled(r_row)])
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
pub fn warm_up_sweep(ctx: &Context, decades: &[u32], progress: &Progress) -> Result<Row> {
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
        let worst = warm_up_spread(&wctx, &instance)?;
        // Every point is cheap, so every point is solved again at twice the precision.
        let twice = warm_up_spread(&wctx.widened(wctx.prec()), &instance)?;
        let floor = wctx.unit_roundoff() * tol::ROUNDING_ULPS;
        points.push(Point {
            x: d as f64,
            twice_digits: Some(agreement_digits(&worst, &twice)),
            value: worst,
            floor,
            bound: None,
            quadrature: None,
        });
    }
    let outcome = judge(&points, -0.25);
    Ok(settled(Row {
        claim: "warm-up-band".into(),
        source: "Thm 3.1(2), Lemma 3.3".into(),
        quantity: "max_i (1 − λ_i √(qγ))".into(),
        claimed: "1/Ω(n^(1/4))".to_string(),
        family: sweep.family.to_string(),
        schedule: sweep.schedule.0.to_string(),
        exponent: -0.25,
        points,
        outcome,
        f64: None,
        twice_precision: None,
        caveat: None,
    }))
}

/// Returns the warm-up's spread max_i (1 − λ_i √(qγ)) over the tight types at `ctx`.
fn warm_up_spread(ctx: &Context, instance: &Instance) -> Result<Float> {
    let params = Params::of(ctx, instance);
    let types = equilibrium::types_of(ctx, &instance.population, 0);
    // The median of the four types is any point of (−1/2, 1/2); x = 0.
    let c = types.iter().map(|t| ctx.int(1) / (t.w[0].clone() * t.y[0].clone().abs())).collect();
    let eq = Equilibrium::from_scaling(&types, &params.n, c);
    let (_, programs) = agent::solve_all(ctx, &types, &eq, &params)?;
    let sqrt_q_gamma = (eq.q[0].clone() * &params.gamma).sqrt();
    let mut worst = ctx.zero();
    for p in programs.iter().filter(|p| p.tight) {
        worst = worst.max(&(ctx.int(1) - p.lambda.clone() * &sqrt_q_gamma));
    }
    Ok(worst)
}
