//! The clamped ("unusual") types carry little mass (Lemma B.2).
//!
//! # Statement
//!
//! ```text
//! ∫_{i∉N̂} p(i) di ≤ α^(m/2) n^(m/4) · π^(m/2) p_max / Γ(m/2 + 1) · (√w_max / w_min)^m
//! N̂ = {i : √(Σ_j w_ij² (y_ij − x_j)² / Q_j) ≥ α},   Q_j = ∫ p c w_j
//! ```
//!
//! # Hypotheses
//!
//! 1. p has a density bounded by p_max: [`hypotheses::HAS_DENSITY`]. A finite
//!    population has none, so the lemma does not apply to it.
//! 2. Every ideal point lies in χ: [`hypotheses::IDEAL_POINTS_IN_CHI`]. The
//!    model (Sections 2 and 5.2) puts p on types with y ∈ χ, and c is the
//!    fixed point of the f built there; the ball argument itself does not
//!    use d_max.
//! 3. c = f(c), used for c_k ≤ √n/α; it holds to the residual ρ, which enters
//!    the error bound.
//!
//! # Numerical check
//!
//! The left side comes from the density itself, not from the quadrature
//! nodes. In a cell the weights are one vector w and the density is
//! p_cell = mass / volume, so the clamped ideal points of the cell are the cell
//! intersected with the ellipsoid E = {y : Σ_j w_j² (y_j − x_j)² / Q_j < α²},
//! of semi-axes α √Q_j / w_j and volume V_m Π_j α √Q_j / w_j, V_m the volume
//! of the unit m-ball. A cell containing E's bounding box contributes exactly
//! p_cell vol(E); a cell disjoint from that box contributes 0; any other cell
//! contributes somewhere in [0, p_cell min(vol(E), vol(cell))]. The sum is an
//! interval [lo, hi]: the check takes its midpoint as the left side and adds
//! its half-width to the error bound, with the fixed-point bound (ρ and the
//! quadrature error of Q and x) on hi, and rounding on the right side, which
//! is made of the instance's parameters only.
//!
//! A second check, labelled "quadrature nodes", puts the mass of the
//! non-normal quadrature nodes on the left, for comparison.
//!
//! Observed: on the uniform unit square with w = (1, 2), n = 10⁶, α = n^(-7/8),
//! the clamp ellipsoid lies inside the cell and the exact left side,
//! 9.7·10⁻⁴, is far below the bound 3.5·10⁻². The nodes' comparison is
//! undecided there: the central node alone carries 0.027 of the mass.
//!
//! Certified: only the hypotheses, decided on the exact instance. An
//! enclosure exists for a finite population only, which has no density, so
//! the certified outcome is always "hypothesis unmet" (with χ's hypothesis
//! too when an ideal point leaves χ), as `evaluate` finds.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: Section 2 bounds the density p(i) of types i = (y_i, w_i) by
//! p_max, but the proof integrates over ideal points only ("∫_{i: y_i ∈ B} di
//! is the volume of the ball"). The bound encoded is the one the proof needs:
//! p_max bounds the density of ideal points (`Population::p_max`). Under the
//! literal reading, a joint density over (y, w), the cells here carry a
//! single weight vector each, a point mass in w, so no finite p_max exists
//! and the literal lemma has no instance to check.
//!
//! DIFFERENCE: the proof's "‖y_i − x‖₂ ≤ (√(α w_max) n^(1/4) / w_min) w_min" has a
//! stray factor w_min; the radius it then uses, √(α w_max) n^(1/4) / w_min,
//! is the one in the statement.

use rug::ops::Pow;
use rug::{Float, Rational};

use crate::certify::{self, Certification};
use crate::enclosure::Enclosure;
use crate::error::{Error, Result};
use crate::lemmas::hypotheses::{self, HAS_DENSITY, IDEAL_POINTS_IN_CHI};
use crate::population::Population;
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Hypotheses, Relation, Sensitivity};

pub const NUMBER: &str = "B.2";
pub const STATEMENT: &str = "∫_{i∉N̂} p(i) di ≤ α^(m/2) n^(m/4) π^(m/2) p_max/Γ(m/2+1) \
    (√w_max/w_min)^m";
pub const HYPOTHESES: &[&str] = &[HAS_DENSITY, IDEAL_POINTS_IN_CHI];
pub const METHOD: &str = "left side from the density: per cell, p_cell times the volume of \
    the clamp ellipsoid {Σ_j w_j²(y_j − x_j)²/Q_j < α²} when it lies inside the cell, 0 when \
    disjoint, an interval when it crosses the boundary (half-width added to the error); \
    fixed-point bound; also the mass of the non-normal quadrature nodes";

/// Evaluates Lemma B.2.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    let density = matches!(s.instance.population, Population::Density(_));
    let mut required = Hypotheses::default();
    required
        .require(density && s.params.p_max.is_some(), HAS_DENSITY)
        .require(hypotheses::ideal_points_in_chi(s), IDEAL_POINTS_IN_CHI);
    if let Some(unmet) = required.unmet() {
        return Ok(Evaluation::unmet(unmet));
    }

    let rhs =
        right_side(s).ok_or_else(|| Error::invalid("a density must carry its bound p_max"))?;
    let (lo, hi) = clamped_mass(s)?;
    let prec = s.ctx.prec();
    let lhs = Float::with_val(prec, &lo + &hi) / 2u32;
    let half_width = Float::with_val(prec, &hi - &lo) / 2u32;
    // The right side is exact parameters, rounded; only the left side rests on c = f(c).
    let (model, how) = error_bound(s, &hi, Sensitivity::FixedPoint);
    let (rounding, _) = error_bound(s, &rhs, Sensitivity::Rounding);
    let bound = (
        model + rounding + half_width,
        format!(
            "exact ellipsoid volume where the clamp region lies inside a cell; interval \
             where it crosses a cell boundary (half-width added); plus {how} of the left \
             side; plus rounding of the right side"
        ),
    );
    let label = "∫_{i∉N̂} p from the density";
    let mut checks = vec![Check::new(label, lhs, Relation::Le, rhs.clone(), bound)?];

    // The quadrature nodes' own split, for comparison with the density's.
    let mut nodes = s.ctx.zero();
    for (i, t) in s.types.iter().enumerate() {
        if !s.is_normal(i) {
            nodes += &t.mass;
        }
    }
    let (model, how) = error_bound(s, &nodes, Sensitivity::FixedPoint);
    let (rounding, _) = error_bound(s, &rhs, Sensitivity::Rounding);
    let bound = (model + rounding, format!("{how} of the left side; rounding of the right"));
    let label = "quadrature nodes: Σ_{i∉N̂} s_i";
    checks.push(Check::new(label, nodes, Relation::Le, rhs, bound)?.proof_step());
    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// Returns α^(m/2) n^(m/4) π^(m/2) p_max / Γ(m/2 + 1) (√w_max / w_min)^m,
/// or None when p has no density.
pub fn right_side(s: &Solved) -> Option<Float> {
    let p = &s.params;
    let m = p.m;
    let p_max = p.p_max.as_ref()?;
    let alpha_part = s.ctx.power(&p.alpha, &Rational::from((m as i64, 2)));
    let n_part = s.ctx.power(&p.n, &Rational::from((m as i64, 4)));
    let ratio = p.w_max.clone().sqrt() / &p.w_min;
    let weight_part = ratio.pow(m as u32);
    Some(alpha_part * n_part * s.ctx.unit_ball_volume(m) * p_max * weight_part)
}

/// Returns [lo, hi] ∋ ∫_{i∉N̂} p(i) di, summed over the density's cells.
pub fn clamped_mass(s: &Solved) -> Result<(Float, Float)> {
    let Population::Density(cells) = &s.instance.population else {
        return Err(Error::invalid("Lemma B.2 needs a density"));
    };
    let prec = s.ctx.prec();
    let m = s.params.m;
    let alpha = &s.params.alpha;
    let mut lo = s.ctx.zero();
    let mut hi = s.ctx.zero();
    for cell in cells {
        let p_cell = s.ctx.rational(&cell.density());
        let mut volume = s.ctx.unit_ball_volume(m);
        let mut inside = true;
        let mut disjoint = false;
        for j in 0..m {
            // E's semi-axis along issue j: w_j² a² / Q_j = α².
            let a = alpha.clone() * s.eq.big_q[j].clone().sqrt() / s.ctx.rational(&cell.w[j]);
            let e_lo = Float::with_val(prec, &s.eq.x[j] - &a);
            let e_hi = Float::with_val(prec, &s.eq.x[j] + &a);
            let c_lo = s.ctx.rational(&cell.lo[j]);
            let c_hi = s.ctx.rational(&cell.hi[j]);
            inside &= c_lo <= e_lo && e_hi <= c_hi;
            // E is open, so touching the cell's face meets it in measure zero.
            disjoint |= e_hi <= c_lo || c_hi <= e_lo;
            volume *= a;
        }
        if disjoint {
            continue;
        }
        let exact = Float::with_val(prec, &p_cell * &volume);
        if inside {
            lo += &exact;
            hi += exact;
        } else {
            let cell_mass = s.ctx.rational(&cell.mass);
            hi += exact.min(&cell_mass);
        }
    }
    Ok((lo, hi))
}

/// Certifies the statement on an enclosure: a finite population certainly has no density.
pub fn certify(s: &Solved, _: &Enclosure) -> Certification {
    let density = matches!(s.instance.population, Population::Density(_));
    let mut required = certify::Hypotheses::default();
    required
        .require(Some(density && s.params.p_max.is_some()), HAS_DENSITY)
        .require(Some(hypotheses::ideal_points_in_chi(s)), IDEAL_POINTS_IN_CHI);
    if let Some(verdict) = required.verdict() {
        return verdict;
    }
    // Unreachable through `enclose`, which refuses a density; kept total.
    Certification::not_certifiable("a density's integrals are not enclosed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;
    use crate::verdict::Verdict;

    fn solve(population: &str, hi: &str) -> Solved {
        let text = format!(
            r#"{{"name": "b2", "n": "1e6", "alpha": {{"power_of_n": "-7/8"}}, "gamma": "1/100",
            "weight_box": {{"min": "1", "max": "2"}},
            "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["{hi}", "1"]}}}},
            "population": {population}}}"#
        );
        let instance = crate::instance_file::from_str(&text).unwrap();
        crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap()
    }

    const SQUARE: &str =
        r#"{"cells": [{"lo": ["0", "0"], "hi": ["1", "1"], "w": ["1", "2"], "mass": "1"}]}"#;

    // Appendix B.2 on a uniform density on the unit square, w = (1, 2).
    #[test]
    fn holds_on_the_square() {
        let s = solve(SQUARE, "1");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.checks.len(), 2);
        let density = &e.checks[0];
        assert_eq!(density.verdict, Verdict::Holds, "{density:?}");
        // The clamp ellipsoid lies inside the square: the left side is exact.
        let (lo, hi) = clamped_mass(&s).unwrap();
        assert_eq!(lo, hi);
        assert!(lo > 0);
        // The graded rule's nodes near x resolve the clamp region only up to
        // their own spacing, but the comparison over the nodes still holds.
        assert_eq!(e.checks[1].verdict, Verdict::Holds, "{:?}", e.checks[1]);
    }

    #[test]
    fn crossing_a_cell_boundary_gives_an_interval() {
        // Two cells split at y_1 = 1/2, through the clamp region around x.
        let split = r#"{"cells": [
            {"lo": ["0", "0"], "hi": ["1/2", "1"], "w": ["1", "2"], "mass": "1"},
            {"lo": ["1/2", "0"], "hi": ["1", "1"], "w": ["1", "2"], "mass": "1"}]}"#;
        let s = solve(split, "1");
        let (lo, hi) = clamped_mass(&s).unwrap();
        assert!(lo.is_zero() && hi > 0);
        let e = evaluate(&s).unwrap();
        assert!(e.checks[0].error >= Float::with_val(256, &hi / 2u32));
    }

    #[test]
    fn unmet_for_a_finite_population() {
        let finite = r#"{"types": [{"y": ["0", "0"], "w": ["1", "1"], "mass": "1"},
            {"y": ["1", "0"], "w": ["1", "1"], "mass": "1"},
            {"y": ["0", "1"], "w": ["1", "1"], "mass": "1"}]}"#;
        let e = evaluate(&solve(finite, "1")).unwrap();
        assert_eq!(e.unmet, vec![HAS_DENSITY.to_string()]);
    }

    #[test]
    fn unmet_when_a_cell_leaves_chi() {
        let e = evaluate(&solve(SQUARE, "1/2")).unwrap();
        assert_eq!(e.unmet, vec![IDEAL_POINTS_IN_CHI.to_string()]);
    }

    #[test]
    fn sharpened_bound_is_violated() {
        let s = solve(SQUARE, "1");
        let e = evaluate(&s).unwrap();
        let check = &e.checks[0];
        // Past the margin by more than the error bound, measured against the bound.
        let past = check.margin() + check.error.clone();
        let t = past / check.rhs.clone().abs() * s.ctx.ratio(1025, 1024);
        assert_eq!(check.sharpened(&t).verdict, Verdict::Violated);
    }

    #[test]
    fn certainly_unmet_for_a_finite_population() {
        for y0 in ["0", "2"] {
            let s = crate::fixtures::triangle("1e4", crate::fixtures::N_POWER, y0);
            let e = crate::enclosure::enclose(&s).unwrap();
            let Certification::Unmet(names) = certify(&s, &e) else { panic!("not unmet") };
            assert_eq!(names[0], HAS_DENSITY);
            assert_eq!(names, evaluate(&s).unwrap().unmet, "y0 = {y0}");
        }
    }
}
