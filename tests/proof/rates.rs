//! Measured rates (issue 3): slopes derived by hand, exact zeros, noise,
//! the closed form in one issue, precision, and values beyond f64's range.
//!
//! For a finite population with nobody clamped, c = √n/√r with r ∝ 1/Q and
//! Q ∝ c give c ∝ n, so Q ∝ n and q = nQ ∝ n², and δ ∝ q^(−1/2) ∝ 1/n.
//! The tests below hold the fitted slopes against what follows from that.

use equal_power::fit::RateVerdict;
use equal_power::numeric::{log10_abs, sci, Context};
use equal_power::population::{Cell, Population};
use equal_power::rates::one_issue::Continuum;
use equal_power::rates::{self, DoubleFailure, Outcome, Point, Row, Sweep};
use equal_power::{runner, solved};
use rug::ops::Pow;
use rug::{Float, Rational};

fn finite_two_issue_rows() -> Vec<Row> {
    let sweep = rates::default_sweeps()
        .into_iter()
        .find(|s| s.family == "finite m=2" && s.schedule.0 == "n^(-7/8)")
        .unwrap();
    let decades: Vec<u32> = (6..=30).step_by(4).collect();
    rates::sweep_rows(&Context::new(256).unwrap(), &sweep, &decades, &|_| {}).unwrap()
}

fn find<'a>(rows: &'a [Row], claim: &str) -> &'a Row {
    rows.iter().find(|r| r.claim == claim).unwrap()
}

fn slope(rows: &[Row], claim: &str) -> f64 {
    match &find(rows, claim).outcome {
        Outcome::Fitted { fit, .. } => fit.slope,
        _ => panic!("{claim} was not fitted"),
    }
}

fn point(ctx: &Context, x: f64, value: Float) -> Point {
    Point { x, value, floor: ctx.zero(), bound: None, quadrature: None, twice_digits: None }
}

/// Source: Lemma D.2's first display. δ′ − δ = c²w²(y − x)/(λq(cw + λq))
/// ≈ (c/q)² (y − x) w²/λ², and c/q ∝ n/n² = 1/n: slope −2, while the
/// paper's bound 2γd/(β²n³α²) has slope −3 + 7/4 = −1.25 (loose).
#[test]
fn d2_gap_decays_like_one_over_n_squared() {
    let rows = finite_two_issue_rows();
    let s = slope(&rows, "delta-prime-gap");
    assert!((s + 2.0).abs() < 0.02, "slope {s}");
}

/// Source: the definition of τ_i after Lemma C.3. τ_i = 1/λ_i² − γ and the
/// leading correction is of order c w/(λ q) ∝ 1/n: slope −1 against the
/// claimed −3/2 − a = −5/8.
#[test]
fn tau_decays_like_one_over_n() {
    let rows = finite_two_issue_rows();
    let s = slope(&rows, "tau");
    assert!((s + 1.0).abs() < 0.02, "slope {s}");
    let Outcome::Fitted { verdict, .. } = &find(&rows, "tau").outcome else { panic!() };
    assert_eq!(*verdict, RateVerdict::Consistent);
}

/// Source: Lemma D.5's chain. With ∫ p δ″ = 0 (D.1) the net movement is
/// n ∫ p (δ − δ″), and δ − δ″ = δ·O(cw/(λq)) ∝ n⁻¹·n⁻¹: n·n⁻² gives slope −1.
#[test]
fn net_movement_decays_like_one_over_n() {
    let rows = finite_two_issue_rows();
    let row = find(&rows, "net-movement");
    // The finite family has no density, so the rate is reported as unmet,
    // but its points are still measured and fitted here directly.
    let Outcome::Fitted { fit, .. } = rates::judge(&row.points, row.exponent) else { panic!() };
    assert!((fit.slope + 1.0).abs() < 0.02, "slope {}", fit.slope);
    assert!(matches!(row.outcome, Outcome::Unmet(_)));
}

/// Issue 3, point 5: every point of a finite sweep is solved again at
/// twice the working precision, and agrees with it far beyond 3 digits.
#[test]
fn finite_sweep_points_agree_at_twice_the_precision() {
    let rows = finite_two_issue_rows();
    for claim in ["tau", "lambda-band", "delta-prime-gap", "net-movement", "power-to-ideal"] {
        let row = find(&rows, claim);
        assert!(row.points.iter().all(|p| p.twice_digits.is_some()), "{claim}");
        let agreement = row.twice_precision.unwrap();
        assert_eq!(agreement.points, row.points.len(), "{claim}");
        assert!(agreement.digits >= 30.0, "{claim}: {agreement:?}");
        assert!(row.caveat.is_none(), "{claim}");
    }
}

#[test]
fn disagreement_at_twice_the_precision_makes_a_row_inconclusive() {
    let ctx = Context::new(64).unwrap();
    // A clean slope of −1, consistent with a claimed −1/2 ...
    let points: Vec<Point> = (0..8)
        .map(|k| {
            let mut p = point(&ctx, k as f64, ctx.int(1) / ctx.int(10).pow(k as u32));
            p.twice_digits = Some(if k == 7 { 1.5 } else { 18.0 });
            p
        })
        .collect();
    let outcome = rates::judge(&points, -0.5);
    let row = Row {
        claim: "synthetic".into(),
        source: "a test".into(),
        quantity: "10^-x".into(),
        claimed: "x^(-1/2)".to_string(),
        family: "synthetic".to_string(),
        schedule: "none".to_string(),
        exponent: -0.5,
        points,
        outcome,
        f64: None,
        twice_precision: None,
        caveat: None,
    };
    assert!(matches!(row.outcome, Outcome::Fitted { verdict: RateVerdict::Consistent, .. }));
    // ... but one point agrees to 1.5 digits only at twice the precision.
    let row = rates::settled(row);
    assert!(matches!(row.outcome, Outcome::Fitted { verdict: RateVerdict::Inconclusive, .. }));
    assert!(row.caveat.unwrap().contains("1.5 digits"));
}

/// Source: Lemma 3.3's proof. λ_i = 1/√(qγ) − 1/(q|x − y_i|), so
/// 1 − λ_i√(qγ) = √γ/(√q |x − y_i|) with q ∝ n: slope −1/2 against the
/// claimed 1/Ω(n^(1/4)).
#[test]
fn warm_up_band_decays_like_one_over_root_n() {
    let decades: Vec<u32> = (4..=28).step_by(4).collect();
    let row = rates::warm_up_sweep(&Context::new(256).unwrap(), &decades, &|_| {}).unwrap();
    let Outcome::Fitted { fit, verdict, .. } = &row.outcome else { panic!() };
    assert!((fit.slope + 0.5).abs() < 0.01, "slope {}", fit.slope);
    assert_eq!(*verdict, RateVerdict::Consistent);
    assert!(row.twice_precision.unwrap().digits >= 30.0);
}

/// Issue 3, point 5: φ_i(0) = Σ_j q_j (y_ij − x_j)² leaves f64's range once
/// n passes about 10^154 and must still be fitted. Nobody is clamped in
/// this family, so Q ∝ n, q = nQ ∝ n² and φ_i(0) has slope exactly 2.
#[test]
fn power_to_ideal_is_fitted_beyond_the_f64_range() {
    let decades = [2u32, 100, 200, 300, 400];
    let ctx = rates::wide_context(&Context::new(256).unwrap());
    let rows = rates::sweep_rows(&ctx, &rates::wide_sweep(), &decades, &|_| {}).unwrap();
    let row = find(&rows, "power-to-ideal");
    let last = &row.points.last().unwrap().value;
    assert!(last.get_exp().unwrap() > 1024, "{}", sci(last, 4));
    assert!(log10_abs(last) > 700, "{}", sci(last, 4));
    let Outcome::Fitted { fit, verdict, .. } = &row.outcome else { panic!() };
    assert!((fit.slope - 2.0).abs() < 1e-3, "slope {}", fit.slope);
    assert_eq!(*verdict, RateVerdict::Consistent);
    // q passes 2^1024 between 10^100 and 10^200: f64 holds nothing there.
    let double = row.f64.unwrap();
    assert_eq!(double.up_to, Some(100));
    assert_eq!(double.failure, Some((200, DoubleFailure::Range)));
    assert!(row.twice_precision.unwrap().digits >= 30.0);
    // With 2 log2 n extra bits, τ (∝ 1/n, slope −1) stays resolved there too.
    let tau = find(&rows, "tau");
    assert!(tau.points.iter().all(|p| !p.is_noise()));
    assert!((slope(&rows, "tau") + 1.0).abs() < 0.02, "slope {}", slope(&rows, "tau"));
    assert!(tau.caveat.is_none());
}

fn two_cells(schedule: usize) -> Sweep {
    rates::closed_form_sweeps().into_iter().nth(schedule).unwrap()
}

/// Source: the x equation of `rates::one_issue` on the two-cell density
/// (p = 1 on [0, 1], w = 1 below 1/2 and 2 above, so ρ_L = αu, ρ_R = ρ_L/2).
/// With x = 1/2 + e and e < ρ_R, the clamped parts give
/// (ρ_L − ρ_R)/2 − 2e − e²/(2ρ_R) + e²/(2ρ_L) = 0, i.e. κ² + 4κ − 1/2 = 0
/// for κ = e/ρ_L: κ = 3/√2 − 2. Every shift is clamp(y − x, ±s), and
/// (−s, s) lies where p = 1, so n ∫ p δ = n s (P(y > x) − P(y < x)) = −2nse,
/// with s = √γ/(√n u): |n ∫ p δ| = 2κ √γ α √n = (3√2 − 4) √γ α √n.
#[test]
fn two_cell_net_movement_is_its_closed_form() {
    let decades: Vec<u32> = (5..=40).step_by(5).collect();
    let ctx = Context::new(256).unwrap();
    let rows = rates::closed_form_rows(&ctx, &two_cells(0), &decades, &|_| {}).unwrap();
    let row = find(&rows, "net-movement");
    for (p, &d) in row.points.iter().zip(&decades) {
        let instance = two_cells(0).instance(d).unwrap();
        let wctx = runner::working_context(&ctx, &instance);
        let n = wctx.rational(&instance.n);
        let alpha = instance.alpha(&wctx);
        let gamma = wctx.rational(&instance.gamma);
        let formula = (wctx.int(18).sqrt() - 4u32) * gamma.sqrt() * alpha * n.sqrt();
        let gap = (p.value.clone() - &formula).abs();
        assert!(gap <= p.floor.clone() + (formula.clone() >> 200u32), "n = 1e{d}");
        assert!(p.floor < (formula >> 200u32), "n = 1e{d}");
    }
    // Slope a + 1/2 = −3/8, against the paper's max(−2 − 2a, 1 + (2a + 1)/4).
    let Outcome::Fitted { fit, verdict, .. } = &row.outcome else { panic!() };
    assert!((fit.slope + 0.375).abs() < 1e-9, "slope {}", fit.slope);
    assert_eq!(*verdict, RateVerdict::Consistent);
    assert!(row.twice_precision.unwrap().digits >= 50.0);
}

/// The closed form and the graded quadrature solve the same fixed point:
/// x and Q agree within the solver's quadrature error, and so does the net
/// movement, within the solver's quadrature floor.
#[test]
fn closed_form_agrees_with_the_quadrature_solver() {
    let instance = two_cells(0).instance(8).unwrap();
    let ctx = runner::working_context(&Context::new(256).unwrap(), &instance);
    let fp = Continuum::solve(&ctx, &instance).unwrap();
    let s = solved::solve(&ctx, &instance).unwrap();
    let slack = s.model_error();
    let big_q = fp.root_q.clone().square();
    assert!((s.eq.big_q[0].clone() - &big_q).abs() <= big_q * &slack);
    assert!((s.eq.x[0].clone() - &fp.x).abs() <= slack.clone() * &s.params.d_max);
    let claim = rates::claims().into_iter().find(|c| c.id == "net-movement").unwrap();
    let (quadrature, floor, _) = (claim.measure)(&s).unwrap();
    let (closed, _) = fp.net_movement();
    assert!(floor < closed, "the quadrature floor {} hides the value", sci(&floor, 3));
    assert!((quadrature - &closed).abs() <= floor, "closed form {}", sci(&closed, 6));
}

/// In one issue, a uniform density whose clamp interval lies inside its cell
/// has net movement and D.4 integral exactly 0 (p and w constant there).
#[test]
fn locally_uniform_density_is_an_exact_zero() {
    let mut sweep = two_cells(0);
    sweep.population = Population::Density(vec![Cell {
        lo: vec![Rational::from(0)],
        hi: vec![Rational::from(1)],
        w: vec![Rational::from(1)],
        mass: Rational::from(1),
    }]);
    let ctx = Context::new(256).unwrap();
    let rows = rates::closed_form_rows(&ctx, &sweep, &[5, 10, 20, 40], &|_| {}).unwrap();
    for claim in ["net-movement", "unusual-movement"] {
        let row = find(&rows, claim);
        assert!(
            matches!(row.outcome, Outcome::ExactZero(ref why) if why == rates::LOCALLY_UNIFORM),
            "{claim}"
        );
    }
    assert!(matches!(find(&rows, "exceptional-mass").outcome, Outcome::Fitted { .. }));
}

/// A one-cell density is mirror-symmetric about x on every axis, whatever its
/// weights across issues: δ is odd in y − x and ∫ p δ = 0 exactly.
#[test]
fn symmetric_density_net_movement_is_an_exact_zero() {
    let sweeps = rates::default_sweeps();
    let density = |name: &str| sweeps.iter().find(|s| s.family == name).unwrap();
    for name in ["density m=1", "density m=2", "density m=6"] {
        assert!(rates::mirror_symmetric(&density(name).population), "{name}");
    }
    assert!(!rates::mirror_symmetric(&two_cells(0).population));
    assert!(!rates::mirror_symmetric(&sweeps[0].population));
    let ctx = Context::new(256).unwrap();
    let rows = rates::sweep_rows(&ctx, density("density m=1"), &[5, 8, 11, 14], &|_| {}).unwrap();
    for claim in ["net-movement", "unusual-movement"] {
        let row = find(&rows, claim);
        assert!(
            matches!(row.outcome, Outcome::ExactZero(ref why) if why == rates::MIRROR_SYMMETRY),
            "{claim}"
        );
    }
    assert!(matches!(find(&rows, "exceptional-mass").outcome, Outcome::Fitted { .. }));
}

#[test]
fn a_shifted_cell_is_not_mirror_symmetric() {
    let cell = |lo: i64, hi: i64, w: i64| Cell {
        lo: vec![Rational::from(lo)],
        hi: vec![Rational::from(hi)],
        w: vec![Rational::from(w)],
        mass: Rational::from(1),
    };
    // Mirror images of each other, with the same weight: symmetric.
    assert!(rates::mirror_symmetric(&Population::Density(vec![cell(0, 1, 1), cell(2, 3, 1)])));
    // The same boxes with different weights: not.
    assert!(!rates::mirror_symmetric(&Population::Density(vec![cell(0, 1, 1), cell(2, 3, 2)])));
}

#[test]
fn exact_zeros_are_reported_not_fitted() {
    let ctx = Context::new(64).unwrap();
    let points: Vec<Point> = (0..6).map(|k| point(&ctx, k as f64, ctx.zero())).collect();
    assert!(matches!(rates::judge(&points, -1.0), Outcome::ExactZero(_)));
}

#[test]
fn points_below_their_floor_are_noise_and_not_fitted() {
    let ctx = Context::new(64).unwrap();
    // Values of 1e-k with a floor of 1e-3: only three points stand above it.
    let points: Vec<Point> = (0..8)
        .map(|k| {
            let mut p = point(&ctx, k as f64, ctx.int(1) / ctx.int(10).pow(k as u32));
            p.floor = ctx.ratio(1, 1000);
            p
        })
        .collect();
    assert!(matches!(rates::judge(&points, -1.0), Outcome::Unresolved));
}
