//! The finite map g_A has a fixed point in the box S (Lemma 5.1).
//!
//! # Statement
//!
//! ```text
//! α ∈ (0, √n w_max² d_max² / w_min]  ⇒  g_A has a fixed point c* ∈ S,
//! S = [w_min / (w_max² d_max²), √n / α]^|A|
//! [g_A(c)](i) = √n / max(α, √(Σ_j w_ij² (y_ij − x_j(c))² / Σ_k s_k c(k) w_kj))
//! ```
//!
//! A is the set of types with their masses s: a finite population's own
//! types, or, for a density, its Gauss–Legendre quadrature nodes with the
//! quadrature weights as masses.
//!
//! # Hypotheses
//!
//! 1. α ∈ (0, √n w_max² d_max² / w_min]: [`hypotheses::ALPHA_IN_RANGE`]
//!    (α > 0 is enforced when the instance is validated).
//! 2. Every ideal point lies in χ: [`hypotheses::IDEAL_POINTS_IN_CHI`]. The
//!    proof bounds √(Σ_j (y_ij − x_j(c))²) by d_max, which needs y_i ∈ χ
//!    (x(c) is then in χ by convexity).
//! 3. n ≥ 1, the proof's last step: always true, since instance validation
//!    refuses n < 1. No check.
//!
//! # Numerical check
//!
//! - The solver found c with relative residual ρ = max_i |g_A(c)_i − c_i| / c_i
//!   below its target 2^-(prec − 24) (relation ≤, rounding bound).
//! - For every type: w_min / (w_max² d_max²) ≤ c_i and c_i ≤ √n / α, with
//!   rounding plus the amplified residual ρ on the bound's magnitude. For a
//!   density the quadrature error does not enter: A is the set of nodes itself.
//! - The proof's self-map claim g_A(S) ⊂ S at three points of S: the corners
//!   c ≡ lo and c ≡ hi and the computed fixed point. There g_A(c) is evaluated
//!   from its definition, Q and x recomputed from that c (evaluating the map,
//!   not solving). For the type with the smallest and the one with the largest
//!   value: g_A(c)_i ≥ lo, g_A(c)_i ≤ √n / α, and the proof's stronger bound
//!   g_A(c)_i ≥ √n w_min / (w_max² d_max²). Rounding bound on the values'
//!   magnitude. A value that is the clamp √n / α itself is compared with the
//!   bound √n / α bit for bit, with zero error: both are the same correctly
//!   rounded expression, and the exact map never exceeds √n / α.
//!
//! Certified: over the enclosure of an exact fixed point c* (whose existence
//! the enclosure's Krawczyk box proves), the statement checks only. The
//! residual ρ is enclosed by evaluating g_A from its definition, Q(c) and
//! x(c) included, over the box of c*, so it bounds how tightly the box pins
//! c* rather than where the solver stopped. The lower bound compares the
//! enclosure of c_i with w_min/(w_max² d_max²). The upper bound is compared
//! as c_i − √n/α ≤ 0, with c_i − √n/α = √n min(0, α − √r_i)/(α max(α, √r_i)):
//! a clamped type attains √n/α exactly, and two enclosures of one real can
//! never certify a ≤ a, while this form gives exactly 0 there. No rounding
//! or residual bound enters. α and χ are decided as hypotheses over the
//! exact inputs.
//!
//! Observed: the lemma holds on the instances tried, but the proof's stronger
//! lower bound fails whenever some type is clamped and α > w_max² d_max² / w_min,
//! which the range allows (up to √n times that). The proof bounds the
//! denominator max(α, √r_i) by w_max² d_max² / w_min, forgetting the α. There
//! g_A(c)_i = √n / α < √n w_min / (w_max² d_max²); the conclusion
//! g_A(c)_i ≥ w_min / (w_max² d_max²) still holds, by the range of α.
//! Instance: the triangle (0,0), (1,0), (0,1) with n = 100, α = 10
//! (test `proof_lower_bound_fails_for_large_alpha`).
//!
//! # Differences from the paper
//!
//! DIFFERENCE: Section 5.1 writes the discrete average without c,
//! `x_j(c) = (Σ_i s_i w_ij)⁻¹ Σ_i s_i w_ij y_ij`; the continuous definition and
//! Part 2 of the proof of Lemma 5.3 use `(Σ_i s_i c(i) w_ij)⁻¹ Σ_i s_i c(i) w_ij y_ij`.
//! The fixed point and the primary self-map checks use the version with c;
//! the self-map checks are repeated with x computed without c, labelled
//! "literal reading" (Q keeps c, as the display of g_A does).

use rug::Float;

use crate::certify::{self, Certification, Enclosed};
use crate::enclosure::Enclosure;
use crate::equilibrium::{aggregates, disagreement, scaling_of, Params};
use crate::error::Result;
use crate::interval::{sum, Interval};
use crate::lemmas::hypotheses::{self, ALPHA_IN_RANGE, IDEAL_POINTS_IN_CHI};
use crate::numeric::tol;
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Hypotheses, Relation, Sensitivity};

pub const NUMBER: &str = "5.1";
pub const STATEMENT: &str = "for α ∈ (0, √n w_max² d_max²/w_min], g_A has a fixed point \
    c* ∈ [w_min/(w_max² d_max²), √n/α]^|A|";
pub const HYPOTHESES: &[&str] = &[ALPHA_IN_RANGE, IDEAL_POINTS_IN_CHI];
pub const METHOD: &str = "the solver's residual ρ ≤ 2^-(prec−24); every c_i inside S \
    (fixed-point bound); g_A evaluated from its definition at the corners c ≡ lo, c ≡ hi \
    and at the fixed point, its extreme values checked against S and against the proof's \
    √n w_min/(w_max² d_max²) (rounding bound), with x(c) as in Lemma 5.3 and, labelled \
    literal reading, without c";

/// Evaluates Lemma 5.1.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    let mut required = Hypotheses::default();
    required
        .require(hypotheses::alpha_in_range(s), ALPHA_IN_RANGE)
        .require(hypotheses::ideal_points_in_chi(s), IDEAL_POINTS_IN_CHI);
    if let Some(unmet) = required.unmet() {
        return Ok(Evaluation::unmet(unmet));
    }

    let mut checks = vec![residual_check(s)?];
    checks.extend(box_checks(s)?);
    let (lo, hi) = box_corners(&s.params);
    let samples = [
        ("c ≡ lo", vec![lo; s.types.len()]),
        ("c ≡ hi", vec![hi; s.types.len()]),
        ("c = fixed point", s.eq.c.clone()),
    ];
    for literal in [false, true] {
        for (name, c) in &samples {
            checks.extend(self_map_checks(s, name, c, literal)?);
        }
    }
    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// Returns the corners of S: (w_min / (w_max² d_max²), √n / α).
fn box_corners(p: &Params) -> (Float, Float) {
    let lo = p.w_min.clone() / (p.w_max.clone().square() * &p.d_max_squared);
    let hi = p.n.clone().sqrt() / &p.alpha;
    (lo, hi)
}

/// Records that the solver met its target: the computed c is a fixed point to ρ.
///
/// A solver that stopped at its rounding floor (a residual that stalled
/// below 2^-(prec/2), see `equilibrium::solve_fixed_point`) neither shows
/// nor refutes a fixed point at the target: its whole residual is then the
/// error bound, so the check reads undecided, never violated.
fn residual_check(s: &Solved) -> Result<Check> {
    let target = s.ctx.int(1) >> (s.ctx.prec() - tol::RESIDUAL_SLACK_BITS);
    let mut bound = error_bound(s, &target, Sensitivity::Rounding);
    if s.residual > target {
        bound = (
            s.residual.clone(),
            "the solver stopped at its rounding floor: the whole residual ρ".to_string(),
        );
    }
    Check::new(
        format!("fixed point found: ρ ≤ 2^-{}", s.ctx.prec() - tol::RESIDUAL_SLACK_BITS),
        s.residual.clone(),
        Relation::Le,
        target,
        bound,
    )
}

/// Checks lo ≤ c_i ≤ hi for every type.
fn box_checks(s: &Solved) -> Result<Vec<Check>> {
    let (lo, hi) = box_corners(&s.params);
    let mut checks = Vec::with_capacity(2 * s.types.len());
    for (i, c) in s.eq.c.iter().enumerate() {
        let bound = residual_bound(s, &lo);
        let label = format!("i = {}: c_i ≥ w_min/(w_max² d_max²)", i + 1);
        checks.push(Check::new(label, c.clone(), Relation::Ge, lo.clone(), bound)?);

        let bound = upper_error(s, c, &hi, residual_bound(s, &hi));
        let label = format!("i = {}: c_i ≤ √n/α", i + 1);
        checks.push(Check::new(label, c.clone(), Relation::Le, hi.clone(), bound)?);
    }
    Ok(checks)
}

/// Returns the error bound for a side relying on c = g_A(c): rounding plus the residual.
///
/// For a density, A is the set of quadrature nodes itself, so the lemma is
/// about those nodes exactly and the quadrature error does not enter.
fn residual_bound(s: &Solved, scale: &Float) -> (Float, String) {
    let rounding = s.ctx.unit_roundoff() * tol::ROUNDING_ULPS;
    let model = s.residual.clone() * tol::RESIDUAL_AMPLIFICATION;
    let how = format!(
        "rounding ({} ulps) plus {}·ρ (fixed-point residual of g_A on A), relative to the \
         terms' magnitude",
        tol::ROUNDING_ULPS,
        tol::RESIDUAL_AMPLIFICATION
    );
    ((rounding + model) * scale.clone().abs(), how)
}

/// Returns [g_A(c)](i) for every type, with x(c) with or without c.
fn map_at(s: &Solved, c: &[Float], literal: bool) -> Vec<Float> {
    let (big_q, x) = aggregates(&s.types, c);
    let x = if literal {
        // Section 5.1's display: x_j = (Σ s w)⁻¹ Σ s w y, i.e. the average at c ≡ 1.
        let ones = vec![s.ctx.int(1); c.len()];
        aggregates(&s.types, &ones).1
    } else {
        x
    };
    s.types.iter().map(|t| scaling_of(&s.params, &disagreement(t, &big_q, &x))).collect()
}

/// Checks g_A(c) ∈ S and the proof's lower bound at one point c of S.
fn self_map_checks(s: &Solved, name: &str, c: &[Float], literal: bool) -> Result<Vec<Check>> {
    let p = &s.params;
    let (lo, hi) = box_corners(p);
    let proof_lo = lo.clone() * p.n.clone().sqrt();
    let g = map_at(s, c, literal);

    // The extremes decide "for all i": the smallest value against both lower
    // bounds, the largest against the upper one.
    let mut low = 0;
    let mut high = 0;
    for (i, v) in g.iter().enumerate() {
        if *v < g[low] {
            low = i;
        }
        if *v > g[high] {
            high = i;
        }
    }
    let prefix = if literal { "literal reading: " } else { "" };

    let mut checks = Vec::with_capacity(3);
    let scale = g[low].clone().max(&lo);
    let label = format!("{prefix}{name}: min_i g_A(c)_i ≥ w_min/(w_max² d_max²) (i = {})", low + 1);
    let bound = error_bound(s, &scale, Sensitivity::Rounding);
    checks.push(Check::new(label, g[low].clone(), Relation::Ge, lo, bound)?.proof_step());

    let bound = upper_error(s, &g[high], &hi, error_bound(s, &hi, Sensitivity::Rounding));
    let label = format!("{prefix}{name}: max_i g_A(c)_i ≤ √n/α (i = {})", high + 1);
    checks.push(Check::new(label, g[high].clone(), Relation::Le, hi, bound)?.proof_step());

    let scale = g[low].clone().max(&proof_lo);
    let label = format!(
        "{prefix}{name}: min_i g_A(c)_i ≥ √n w_min/(w_max² d_max²), the proof's bound (i = {})",
        low + 1
    );
    let bound = error_bound(s, &scale, Sensitivity::Rounding);
    checks.push(Check::new(label, g[low].clone(), Relation::Ge, proof_lo, bound)?.proof_step());
    Ok(checks)
}

/// Returns a zero error bound when `value` is the bound √n/α bit for bit, else `otherwise`.
///
/// A clamped type's value is computed by the same correctly rounded
/// expression as the bound, so their difference is exactly zero, and the
/// exact map never exceeds √n/α: no rounding can hide a violation there.
fn upper_error(
    s: &Solved,
    value: &Float,
    hi: &Float,
    otherwise: (Float, String),
) -> (Float, String) {
    if value == hi {
        (
            s.ctx.zero(),
            "exact: the value is the clamp √n/α, the bound's own rounded expression".into(),
        )
    } else {
        otherwise
    }
}

/// Certifies the statement on the enclosure of an exact fixed point c* of g_A.
pub fn certify(s: &Solved, e: &Enclosure) -> Certification {
    let mut required = certify::Hypotheses::default();
    required
        .require(certify::hypotheses::alpha_in_range(e), ALPHA_IN_RANGE)
        .require(Some(hypotheses::ideal_points_in_chi(s)), IDEAL_POINTS_IN_CHI);
    if let Some(verdict) = required.verdict() {
        return verdict;
    }

    let mut checks = vec![certified_residual(s, e)];
    let p = &e.params;
    let lo = p.w_min.div(&(&p.w_max.square() * &p.d_max_squared));
    let sqrt_n = p.n.sqrt();
    let zero = p.small(0);
    for (i, c) in e.c.iter().enumerate() {
        let label = format!("i = {}: c_i ≥ w_min/(w_max² d_max²)", i + 1);
        checks.push(Enclosed::new(label, c.clone(), Relation::Ge, lo.clone()));

        // c_i − √n/α = √n (α − max(α, √r_i)) / (α max(α, √r_i)), and
        // α − max(α, √r_i) = min(0, α − √r_i): exactly [0, 0] for a clamped
        // type, which attains the bound. Compared as c_i and √n/α, the two
        // sides would be one interval, which no precision separates.
        let root = e.r[i].sqrt();
        let denominator = p.alpha.max(&root);
        let gap = (&p.alpha - &root).min(&zero);
        let excess = (&sqrt_n * &gap).div(&(&p.alpha * &denominator));
        let label = format!("i = {}: c_i ≤ √n/α", i + 1);
        checks.push(Enclosed::new(label, excess, Relation::Le, zero.clone()));
    }
    Certification::Checks(checks)
}

/// Encloses ρ = max_i |g_A(c*)_i − c*_i| / c*_i, with g_A from its definition over the box.
///
/// The box is certified to hold an exact fixed point, where ρ = 0; the
/// enclosure of ρ measures how tightly the box pins c* down.
fn certified_residual(s: &Solved, e: &Enclosure) -> Enclosed {
    let image = map_over(e, &e.c);
    let zero = e.params.small(0);
    let rho = image.iter().zip(&e.c).fold(zero, |worst, (g, c)| worst.max(&(g - c).abs().div(c)));
    let bits = s.ctx.prec() - tol::RESIDUAL_SLACK_BITS;
    let target = Interval::point(&(s.ctx.int(1) >> bits));
    Enclosed::new(format!("fixed point found: ρ ≤ 2^-{bits}"), rho, Relation::Le, target)
}

/// [g_A(c)](i) = √n / max(α, √(Σ_j w_ij² (y_ij − x_j(c))² / Q_j(c))) over a box of c.
fn map_over(e: &Enclosure, c: &[Interval]) -> Vec<Interval> {
    let p = &e.params;
    let mut big_q = vec![p.small(0); p.m];
    let mut moment = vec![p.small(0); p.m];
    for (t, ci) in e.types.iter().zip(c) {
        let sc = &t.mass * ci;
        for j in 0..p.m {
            let scw = &sc * &t.w[j];
            moment[j] = &moment[j] + &(&scw * &t.y[j]);
            big_q[j] = &big_q[j] + &scw;
        }
    }
    let x: Vec<Interval> = moment.iter().zip(&big_q).map(|(t, q)| t.div(q)).collect();
    let sqrt_n = p.n.sqrt();
    e.types
        .iter()
        .map(|t| {
            let terms: Vec<Interval> =
                (0..p.m).map(|j| (&t.w[j] * &(&t.y[j] - &x[j])).square().div(&big_q[j])).collect();
            let r = sum(&e.ctx, &terms);
            sqrt_n.div(&p.alpha.max(&r.sqrt()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certify::Proven;
    use crate::fixtures::triangle;
    use crate::numeric::Context;
    use crate::verdict::Verdict;

    fn with_label<'a>(e: &'a Evaluation, part: &str) -> Vec<&'a Check> {
        e.checks.iter().filter(|c| c.label.contains(part)).collect()
    }

    // Section 5.1, Lemma 5.1 at α = n^(-7/8), the regime of Lemma A.1.
    #[test]
    fn holds_on_the_triangle() {
        let s = triangle("1e6", r#"{"power_of_n": "-7/8"}"#, "0");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
        // 1 residual check, 2 per type, 3 per sample point and reading.
        assert_eq!(e.checks.len(), 1 + 2 * 3 + 3 * 3 * 2);
    }

    // Section 5.1, the proof's display bounding the denominator by w_max² d_max²/w_min.
    #[test]
    fn proof_lower_bound_fails_for_large_alpha() {
        // α = 10 lies in (w_max² d_max²/w_min, √n w_max² d_max²/w_min] = (2, 20]:
        // every type is clamped and c ≡ √n/α = 1, below the proof's √n/2 = 5.
        let s = triangle("100", r#""10""#, "0");
        let e = evaluate(&s).unwrap();
        let proof = with_label(&e, "the proof's bound");
        assert_eq!(proof.len(), 6);
        assert!(proof.iter().all(|c| c.verdict == Verdict::Violated));
        // The lemma's own claims hold: c ∈ S and g_A(S) ⊂ S.
        let lemma = e.checks.iter().filter(|c| !c.label.contains("the proof's bound"));
        assert!(lemma.into_iter().all(|c| c.verdict == Verdict::Holds));
    }

    #[test]
    fn unmet_when_alpha_is_above_the_range() {
        // √n w_max² d_max²/w_min = 10 · 2 = 20 for n = 100 on the unit square.
        let s = triangle("100", r#""21""#, "0");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Unmet);
        assert_eq!(e.unmet, vec![ALPHA_IN_RANGE.to_string()]);
    }

    #[test]
    fn unmet_when_an_ideal_point_leaves_chi() {
        let s = triangle("1e6", r#"{"power_of_n": "-7/8"}"#, "2");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.unmet, vec![IDEAL_POINTS_IN_CHI.to_string()]);
    }

    #[test]
    fn literal_reading_holds_on_a_density() {
        let text = r#"{"name": "segment", "n": "1e6", "alpha": {"power_of_n": "-7/8"},
            "gamma": "1/100", "weight_box": {"min": "1", "max": "1"},
            "outcome_set": {"box": {"lo": ["0"], "hi": ["1"]}},
            "population": {"cells": [{"lo": ["0"], "hi": ["1"], "w": ["1"], "mass": "1"}]}}"#;
        let instance = crate::instance_file::from_str(text).unwrap();
        let s = crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap();
        let e = evaluate(&s).unwrap();
        let literal = with_label(&e, "literal reading");
        assert_eq!(literal.len(), 9);
        assert!(literal.iter().all(|c| c.verdict == Verdict::Holds));
        let bad: Vec<_> = e.checks.iter().filter(|c| c.verdict != Verdict::Holds).collect();
        assert!(bad.is_empty(), "{bad:?}");
    }

    #[test]
    fn sharpened_bound_is_violated() {
        let s = triangle("1e6", r#"{"power_of_n": "-7/8"}"#, "0");
        let e = evaluate(&s).unwrap();
        let tightest = e.tightest().unwrap();
        // Past the margin by more than the error bound, measured against the bound.
        let past = tightest.margin() + tightest.error.clone();
        let t = past / tightest.rhs.clone().abs() * s.ctx.ratio(1025, 1024);
        assert_eq!(tightest.sharpened(&t).verdict, Verdict::Violated);
    }

    /// The labels of `evaluate`'s statement checks, in order.
    fn statement_labels(s: &Solved) -> Vec<String> {
        let e = evaluate(s).unwrap();
        let statement = e.checks.iter().filter(|c| c.role == crate::verdict::Role::Statement);
        statement.map(|c| c.label.clone()).collect()
    }

    fn certified(s: &Solved) -> Vec<Enclosed> {
        let e = crate::enclosure::enclose(s).unwrap();
        match certify(s, &e) {
            Certification::Checks(checks) => checks,
            other => panic!("{other:?}"),
        }
    }

    /// The same check with its right side moved past the left side's far end.
    fn moved_past(k: &Enclosed) -> Enclosed {
        let prec = k.lhs.hi().prec();
        let beyond = |v: &Float, up: bool| {
            let step =
                Float::with_val(prec, v.abs_ref()) / 1024u32 + (Float::with_val(prec, 1) >> 100u32);
            let moved = if up {
                Float::with_val(prec, v + &step)
            } else {
                Float::with_val(prec, v - &step)
            };
            Interval::point(&moved)
        };
        let rhs = match k.relation {
            Relation::Ge | Relation::Gt => beyond(k.lhs.hi(), true),
            _ => beyond(k.lhs.lo(), false),
        };
        Enclosed::new(k.label.clone(), k.lhs.clone(), k.relation, rhs)
    }

    // Section 5.1 at α = n^(-7/8): c* ∈ S certified around the exact fixed point.
    #[test]
    fn certified_on_the_triangle() {
        let s = triangle("1e4", r#"{"power_of_n": "-7/8"}"#, "0");
        let checks = certified(&s);
        let labels: Vec<String> = checks.iter().map(|k| k.label.clone()).collect();
        assert_eq!(labels, statement_labels(&s));
        for k in &checks {
            assert_eq!(k.proven(), Proven::Holds, "{}: {:?} vs {:?}", k.label, k.lhs, k.rhs);
        }
    }

    #[test]
    fn certified_when_every_type_is_clamped() {
        // α = 10, n = 100: c ≡ √n/α = 1 attains the upper bound exactly.
        let s = triangle("100", r#""10""#, "0");
        let checks = certified(&s);
        assert_eq!(checks.len(), 1 + 2 * 3);
        assert!(checks.iter().all(|k| k.proven() == Proven::Holds), "{checks:?}");
    }

    #[test]
    fn certified_sides_moved_past_each_other_are_violated() {
        let s = triangle("1e4", r#"{"power_of_n": "-7/8"}"#, "0");
        for k in certified(&s) {
            assert_eq!(moved_past(&k).proven(), Proven::Violated, "{}", k.label);
        }
    }

    #[test]
    fn a_scaling_that_is_not_a_fixed_point_fails_the_residual() {
        let s = triangle("1e4", r#"{"power_of_n": "-7/8"}"#, "0");
        let mut e = crate::enclosure::enclose(&s).unwrap();
        let nudge = Interval::point(&(s.ctx.int(1) + (s.ctx.int(1) >> 100u32)));
        e.c[1] = &e.c[1] * &nudge;
        assert_eq!(certified_residual(&s, &e).proven(), Proven::Violated);
    }

    #[test]
    fn certainly_unmet_when_alpha_is_above_the_range() {
        let s = triangle("100", r#""21""#, "0");
        let e = crate::enclosure::enclose(&s).unwrap();
        match certify(&s, &e) {
            Certification::Unmet(names) => assert_eq!(names, vec![ALPHA_IN_RANGE.to_string()]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn certainly_unmet_when_an_ideal_point_leaves_chi() {
        let s = triangle("1e6", r#"{"power_of_n": "-7/8"}"#, "2");
        let e = crate::enclosure::enclose(&s).unwrap();
        match certify(&s, &e) {
            Certification::Unmet(names) => assert_eq!(names, vec![IDEAL_POINTS_IN_CHI.to_string()]),
            other => panic!("{other:?}"),
        }
    }
}
