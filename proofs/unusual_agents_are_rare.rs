//! The proof of Lemma B.2 (Appendix B.2), link by link.
//!
//! # The chains
//!
//! First display, for every type i (every quadrature node of the density,
//! at most 48 sampled evenly), with Q_j = ∫ p c w_j:
//!
//! ```text
//! √(Σ_j w_ij² (y_ij − x_j)² (∫ p c w_j)⁻¹)
//!     ≥ √(Σ_j w_ij² (y_ij − x_j)² (∫ p (√n/α) w_j)⁻¹)
//!     = (√α / n^{1/4}) √(Σ_j w_ij² (y_ij − x_j)² (∫ p w_j)⁻¹)
//!     ≥ (√α / n^{1/4}) √(Σ_j w_min² (y_ij − x_j)² (∫ p w_max)⁻¹)
//!     = (√α w_min / (n^{1/4} √w_max)) √(Σ_j (y_ij − x_j)² (∫ p)⁻¹)
//!     ≥ (√α w_min / (n^{1/4} √w_max)) √(Σ_j (y_ij − x_j)²)
//!     = (√α w_min / (n^{1/4} √w_max)) ‖y_i − x‖₂
//! ```
//!
//! then, for every clamped type i ∉ N̂ (at most 48): the second display
//! α ≥ (√α / n^{1/4}) ‖y_i − x‖₂ w_min / √w_max, the third
//! ‖y_i − x‖₂ ≤ √(α w_max) n^{1/4} / w_min =: R, and the line "Therefore
//! i ∉ N̂ only if ‖y_i − x‖₂ ≤ R w_min" (as written, and as the proof uses:
//! without the factor w_min). Finally, with B the ball of radius R about x:
//!
//! ```text
//! ∫_{i∉N̂} p(i) di ≤ ∫_{i: y_i∈B} p(i) di ≤ p_max ∫_{i: y_i∈B} di
//!     = p_max π^{m/2} R^m / Γ(m/2 + 1)
//!     = α^{m/2} n^{m/4} π^{m/2} p_max / Γ(m/2 + 1) (√w_max / w_min)^m
//! ```
//!
//! The masses of the last display come from the density itself: a cell is
//! uniform with one weight vector, so its clamped ideal points are the cell
//! cut by the ellipsoid Σ_j w_j² (y_j − x_j)² / Q_j < α², and its share of B
//! the cell cut by the ball. Such a cut is computed exactly when m = 1 (an
//! interval), or when the ellipsoid or ball lies inside the cell, contains
//! it, or misses its box. On an instance where some cut is none of these,
//! the last display is left out. ∫ p w_j and ∫ p are sums over the
//! quadrature nodes, as Q_j is.
//!
//! Error bound: the fixed-point bound (the chains use c = f(c), and Q and
//! x are a density's integrals).
//!
//! # Differences from the paper
//!
//! DIFFERENCE: "‖y_i − x‖₂ ≤ (√(α w_max) n^{1/4} / w_min) w_min" has a stray
//! factor w_min; the ball the proof then takes has radius R, without it.
//! Both are encoded ("therefore, as written" and "…, as the proof uses");
//! the literal one fails for a clamped type farther than R w_min from x,
//! which needs w_min < 1.
//!
//! As in the lemma module, p_max bounds the density of ideal points, the
//! reading under which "∫_{i: y_i∈B} di is the volume of the ball" holds.

use rug::ops::Pow;
use rug::Float;

use crate::audit::{Chain, ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::lemmas::hypotheses::{self, norm, HAS_DENSITY, IDEAL_POINTS_IN_CHI};
use crate::lemmas::unusual_agents_are_rare::right_side;
use crate::population::{Cell, Population};
use crate::solved::Solved;
use crate::verdict::{Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "B.2",
    location: "Appendix B.2, proof of Lemma B.2",
    used_by: &["B.3", "D.4", "D.5", "4.1"],
    audit,
};

const THEREFORE_AS_WRITTEN: &str = "therefore, as written";
const THEREFORE_AS_USED: &str = "therefore, as the proof uses (radius without w_min)";
const LAST: &str = "last display";

/// Audits the proof of Lemma B.2.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    let density = matches!(s.instance.population, Population::Density(_));
    let mut required = Hypotheses::default();
    required
        .require(density && s.params.p_max.is_some(), HAS_DENSITY)
        .require(hypotheses::ideal_points_in_chi(s), IDEAL_POINTS_IN_CHI);
    if let Some(unmet) = required.unmet() {
        return Ok(ProofAudit::unmet(unmet));
    }
    let ctx = &s.ctx;
    let prec = ctx.prec();
    let p = &s.params;
    let m = p.m;
    let root_alpha = p.alpha.clone().sqrt();
    let n_quarter = p.n.clone().sqrt().sqrt();
    let cap = Float::with_val(prec, p.n.clone().sqrt() / &p.alpha);
    let front = Float::with_val(prec, &root_alpha / &n_quarter);
    let front_w = front.clone() * &p.w_min / p.w_max.clone().sqrt();
    let radius = Float::with_val(prec, &p.alpha * &p.w_max).sqrt() * &n_quarter / &p.w_min;

    // The integrals over p that do not depend on i.
    let mut weight = vec![ctx.zero(); m];
    let mut mass = ctx.zero();
    for t in &s.types {
        mass += &t.mass;
        for j in 0..m {
            weight[j] += Float::with_val(prec, &t.mass * &t.w[j]);
        }
    }
    let capped: Vec<Float> = weight.iter().map(|w| Float::with_val(prec, w * &cap)).collect();
    let w_max_mass = Float::with_val(prec, &mass * &p.w_max);

    let mut chains = Vec::new();
    for i in super::sampled((0..s.types.len()).collect()) {
        let t = &s.types[i];
        let mut e = [ctx.zero(), ctx.zero(), ctx.zero(), ctx.zero(), ctx.zero()];
        let mut gap = Vec::with_capacity(m);
        for j in 0..m {
            let d = Float::with_val(prec, &t.y[j] - &s.eq.x[j]);
            let wd2 = Float::with_val(prec, &t.w[j] * &d).square();
            let d2 = Float::with_val(prec, d.square_ref());
            e[0] += Float::with_val(prec, &wd2 / &s.eq.big_q[j]);
            e[1] += Float::with_val(prec, &wd2 / &capped[j]);
            e[2] += Float::with_val(prec, &wd2 / &weight[j]);
            e[3] += Float::with_val(prec, &d2 * &p.w_min.clone().square()) / &w_max_mass;
            e[4] += d2;
            gap.push(d);
        }
        let [e0, e1, e2, e3, e5] = e;
        let distance = norm(&gap);
        let chain = ChainBuilder::new(
            s,
            "first display",
            format!("i = {}", i + 1),
            Sensitivity::FixedPoint,
            ("√(Σ_j w_ij² (y_ij − x_j)² (∫ p c w_j)⁻¹)", e0.sqrt()),
        )
        .then(Relation::Ge, "√(Σ_j w_ij² (y_ij − x_j)² (∫ p (√n/α) w_j)⁻¹)", e1.sqrt())
        .then(
            Relation::Eq,
            "(√α/n^{1/4}) √(Σ_j w_ij² (y_ij − x_j)² (∫ p w_j)⁻¹)",
            front.clone() * e2.sqrt(),
        )
        .then(
            Relation::Ge,
            "(√α/n^{1/4}) √(Σ_j w_min² (y_ij − x_j)² (∫ p w_max)⁻¹)",
            front.clone() * e3.sqrt(),
        )
        .then(
            Relation::Eq,
            "(√α w_min/(n^{1/4} √w_max)) √(Σ_j (y_ij − x_j)² (∫ p)⁻¹)",
            front_w.clone() * (e5.clone() / &mass).sqrt(),
        )
        .then(
            Relation::Ge,
            "(√α w_min/(n^{1/4} √w_max)) √(Σ_j (y_ij − x_j)²)",
            front_w.clone() * e5.sqrt(),
        )
        .then(
            Relation::Eq,
            "(√α w_min/(n^{1/4} √w_max)) ‖y_i − x‖₂",
            front_w.clone() * &distance,
        );
        chains.push(chain.build()?);
    }

    // The clamped types: the second and third displays and the radius of B.
    let clamped: Vec<usize> = (0..s.types.len()).filter(|&i| !s.is_normal(i)).collect();
    for i in super::sampled(clamped) {
        let label = format!("i = {}", i + 1);
        let gap: Vec<Float> =
            (0..m).map(|j| Float::with_val(prec, &s.types[i].y[j] - &s.eq.x[j])).collect();
        let distance = norm(&gap);
        let fp = Sensitivity::FixedPoint;
        let second =
            ChainBuilder::new(s, "second display (i ∉ N̂)", &label, fp, ("α", p.alpha.clone()))
                .then(
                    Relation::Ge,
                    "(√α/n^{1/4}) ‖y_i − x‖₂ w_min/√w_max",
                    front_w.clone() * &distance,
                );
        chains.push(second.build()?);
        for (display, bound, term) in [
            ("third display (i ∉ N̂)", radius.clone(), "√(α w_max) n^{1/4}/w_min"),
            (THEREFORE_AS_WRITTEN, radius.clone() * &p.w_min, "(√(α w_max) n^{1/4}/w_min) w_min"),
            (THEREFORE_AS_USED, radius.clone(), "√(α w_max) n^{1/4}/w_min"),
        ] {
            let chain = ChainBuilder::new(s, display, &label, fp, ("‖y_i − x‖₂", distance.clone()))
                .then(Relation::Le, term, bound);
            chains.push(chain.build()?);
        }
    }

    if let Some(chain) = last_display(s, &radius)? {
        chains.push(chain);
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

/// The last display, when every cell's cut by the clamp region and by B is exact.
fn last_display(s: &Solved, radius: &Float) -> Result<Option<Chain>> {
    let Population::Density(cells) = &s.instance.population else {
        return Ok(None);
    };
    let ctx = &s.ctx;
    let p = &s.params;
    let clamp_axes = |cell: &Cell| -> Vec<Float> {
        (0..p.m)
            .map(|j| p.alpha.clone() * s.eq.big_q[j].clone().sqrt() / ctx.rational(&cell.w[j]))
            .collect()
    };
    let ball_axes = |_: &Cell| vec![radius.clone(); p.m];
    let (Some(clamped), Some(in_ball)) =
        (ellipsoid_mass(s, cells, clamp_axes), ellipsoid_mass(s, cells, ball_axes))
    else {
        return Ok(None);
    };
    let Some(statement) = right_side(s) else {
        return Ok(None);
    };
    let p_max = p.p_max.clone().expect("a density has p_max");
    let ball = ctx.unit_ball_volume(p.m) * radius.clone().pow(p.m as u32) * &p_max;
    let chain =
        ChainBuilder::new(s, LAST, "", Sensitivity::FixedPoint, ("∫_{i∉N̂} p(i) di", clamped))
            .then(Relation::Le, "∫_{i: y_i∈B} p(i) di", in_ball)
            .then(Relation::Le, "p_max ∫_{i: y_i∈B} di = p_max π^{m/2} R^m / Γ(m/2+1)", ball)
            .then(
                Relation::Eq,
                "α^{m/2} n^{m/4} π^{m/2} p_max / Γ(m/2+1) (√w_max/w_min)^m",
                statement,
            );
    Ok(Some(chain.build()?))
}

/// Returns the mass of the density inside an axis-aligned ellipsoid about x
/// (semi-axes per cell), or None when some cell's cut is not exact.
fn ellipsoid_mass(
    s: &Solved,
    cells: &[Cell],
    semi_axes: impl Fn(&Cell) -> Vec<Float>,
) -> Option<Float> {
    let ctx = &s.ctx;
    let prec = ctx.prec();
    let m = s.params.m;
    let mut total = ctx.zero();
    for cell in cells {
        let a = semi_axes(cell);
        let lo: Vec<Float> = cell.lo.iter().map(|v| ctx.rational(v)).collect();
        let hi: Vec<Float> = cell.hi.iter().map(|v| ctx.rational(v)).collect();
        let x = &s.eq.x;
        let e_lo: Vec<Float> = (0..m).map(|j| Float::with_val(prec, &x[j] - &a[j])).collect();
        let e_hi: Vec<Float> = (0..m).map(|j| Float::with_val(prec, &x[j] + &a[j])).collect();
        let density = ctx.rational(&cell.density());
        if m == 1 {
            // An interval: the cut is the overlap of two intervals.
            let overlap =
                Float::with_val(prec, e_hi[0].clone().min(&hi[0]) - e_lo[0].clone().max(&lo[0]));
            total += density * overlap.max(&ctx.zero());
            continue;
        }
        let inside = (0..m).all(|j| lo[j] <= e_lo[j] && e_hi[j] <= hi[j]);
        let disjoint = (0..m).any(|j| e_hi[j] <= lo[j] || hi[j] <= e_lo[j]);
        // The cell lies in the ellipsoid when its corner farthest from x does.
        let mut reach = ctx.zero();
        for j in 0..m {
            let far = Float::with_val(prec, &x[j] - &lo[j])
                .abs()
                .max(&Float::with_val(prec, &hi[j] - &x[j]).abs());
            reach += (far / &a[j]).square();
        }
        if inside {
            let mut volume = ctx.unit_ball_volume(m);
            for aj in &a {
                volume *= aj;
            }
            total += density * volume;
        } else if reach <= 1u32 {
            total += ctx.rational(&cell.mass);
        } else if !disjoint {
            return None;
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::solve;
    use crate::verdict::Verdict;

    /// A uniform density on [0, 1] with weight w, at n and α.
    fn segment(n: &str, alpha: &str, w: &str) -> Solved {
        solve(&format!(
            r#"{{"n": "{n}", "alpha": {alpha}, "gamma": "1/100",
            "weight_box": {{"min": "{w}", "max": "{w}"}},
            "outcome_set": {{"box": {{"lo": ["0"], "hi": ["1"]}}}},
            "population": {{"cells": [{{"lo": ["0"], "hi": ["1"], "w": ["{w}"], "mass": "1"}}]}}}}"#
        ))
    }

    fn all_hold(audit: &ProofAudit, display: &str) -> bool {
        let chains: Vec<_> = audit.chains.iter().filter(|c| c.display == display).collect();
        !chains.is_empty()
            && chains.iter().all(|c| c.links.iter().all(|l| l.verdict == Verdict::Holds))
    }

    // Appendix B.2 on the unit cube, w = (1, 2, 1): the clamp ellipsoid and B
    // lie inside the cell.
    #[test]
    fn the_proof_holds_on_the_cube() {
        let s = solve(
            r#"{"n": "1e6", "alpha": {"power_of_n": "-7/8"}, "gamma": "1/100",
            "weight_box": {"min": "1", "max": "2"},
            "outcome_set": {"box": {"lo": ["0", "0", "0"], "hi": ["1", "1", "1"]}},
            "population": {"cells": [{"lo": ["0", "0", "0"], "hi": ["1", "1", "1"],
                "w": ["1", "2", "1"], "mass": "1"}]}}"#,
        );
        let audit = audit(&s).unwrap();
        for display in ["first display", LAST] {
            assert!(all_hold(&audit, display), "{display}");
        }
    }

    // Appendix B.2, "i ∉ N̂ only if ‖y_i − x‖₂ ≤ R w_min": with w = 1/100 and α = 1 at
    // n = 100 every type is clamped, and R w_min = √(α w) n^{1/4} ≈ 0.32 < 1/2.
    #[test]
    fn the_stray_factor_w_min_fails_far_from_x() {
        let s = segment("100", r#""1""#, "1/100");
        assert!((0..s.types.len()).all(|i| !s.is_normal(i)));
        let audit = audit(&s).unwrap();
        let literal = audit.chains.iter().filter(|c| c.display == THEREFORE_AS_WRITTEN);
        assert!(literal.into_iter().any(|c| c.links[0].verdict == Verdict::Violated));
        let clamped = ["second display (i ∉ N̂)", "third display (i ∉ N̂)"];
        for display in clamped.into_iter().chain([THEREFORE_AS_USED, LAST]) {
            assert!(all_hold(&audit, display), "{display}");
        }
    }

    #[test]
    fn unmet_for_a_finite_population() {
        let s = solve(
            r#"{"n": "1e6", "alpha": {"power_of_n": "-7/8"}, "gamma": "1/100",
            "weight_box": {"min": "1", "max": "1"},
            "outcome_set": {"box": {"lo": ["0"], "hi": ["1"]}},
            "population": {"types": [{"y": ["0"], "w": ["1"], "mass": "1"},
                {"y": ["1"], "w": ["1"], "mass": "1"}]}}"#,
        );
        assert_eq!(audit(&s).unwrap().unmet, vec![HAS_DENSITY.to_string()]);
    }
}
