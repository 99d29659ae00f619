//! The second approximations δ'' of the shifts cancel over the population (Lemma D.1).
//!
//! # Statement
//!
//! ```text
//! ‖∫ p(i) δ''_i di‖₂ = 0,   δ''_ij = c_i w_ij (y_ij − x_j) q_j⁻¹ √γ
//! ```
//!
//! with `q_j = n Q_j`, `Q_j = ∫ p(k) c_k w_kj dk` and `x = x(c)`. The norm is
//! over the issues j; the integral is `Σ_i s_i` over the types (a density's
//! quadrature nodes, whose aggregates Q and x are summed with the same rule).
//!
//! This module also holds the two approximations of Appendix D that the
//! later lemmas share, as the paper defines them:
//! [`delta_prime`] (`δ'_ij = c_i w_ij (y_ij − x_j) / (λ_i q_j)`) and
//! [`delta_double_prime`], together with two helpers for error bounds:
//! [`externality_terms`] (the size of the b-terms inside a stored shift δ_i)
//! and [`split_bound`].
//!
//! # Hypotheses
//!
//! 1. x = x(c): holds by construction (the solver recomputes x from the final
//!    c), so nothing is checked. The proof uses only the definition of x,
//!    not the fixed-point property, so the check is pure algebra of c.
//!
//! # Numerical check
//!
//! The left side is `‖(Σ_i s_i δ''_ij)_j‖₂` at the working precision; the
//! right side is 0. The sum cancels completely, so the error bound
//! (rounding only) is charged on the terms' magnitude, which has two parts:
//! `Σ_i s_i ‖δ''_i‖₂`, and `√γ ‖(q_j⁻¹ Σ_k s_k c_k w_kj (|y_kj| + |x_j|))_j‖₂`,
//! because x is itself a rounded quotient of sums of `s c w y`, whose error
//! scales with `|y|` and `|x|` rather than with `|y − x|`.
//!
//! Certified: [`certify`] sums `s_i δ''_i` over the enclosure, δ'' from its
//! definition over the enclosed c, x, q and √γ, and returns the norm against 0
//! as an equality, which an enclosure can refute or bound but never prove.
//! No rounding bound is charged: the box holds an exact fixed point, where
//! x = x(c) exactly, and the enclosure's width is the whole uncertainty.
//! [`certified_delta_prime`], [`certified_delta_double_prime`] and the N̂
//! gate [`instead_of_checks`] are shared with D.2–D.5.
//!
//! # Differences from the paper
//!
//! None. The proof writes `q_j⁻¹` inside a norm with j free; that is the
//! vector over the issues j, as encoded.

use rug::Float;

use crate::certify::{self, Certification, Enclosed, Hypotheses};
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::interval::Interval;
use crate::numeric::Context;
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Relation, Sensitivity};

use super::hypotheses::norm;

pub const NUMBER: &str = "D.1";
pub const STATEMENT: &str = "‖∫ p(i) δ''_i di‖₂ = 0, δ''_ij = c_i w_ij (y_ij − x_j) q_j⁻¹ √γ";
pub const HYPOTHESES: &[&str] = &[];
pub const METHOD: &str = "‖Σ_i s_i δ''_i‖₂ from the definition of δ'' against 0, rounding bound \
    on Σ_i s_i ‖δ''_i‖ + √γ ‖q⁻¹ Σ s c w (|y| + |x|)‖ (the terms x and the sum are made of)";

/// The one check's label, shared by the evaluation and the certification.
const LABEL: &str = "‖∫ p δ''‖₂ = 0";

/// Returns δ'_i at the working precision: `c_i w_ij (y_ij − x_j) / (λ_i q_j)`.
///
/// Defined when λ_i > 0, that is when the agent's constraint is tight.
pub fn delta_prime(s: &Solved, i: usize) -> Vec<Float> {
    delta_prime_at(s, &s.ctx, i)
}

/// Returns δ'_i computed at `ctx`'s precision from the stored c, x, q, λ.
pub fn delta_prime_at(s: &Solved, ctx: &Context, i: usize) -> Vec<Float> {
    let prec = ctx.prec();
    let lambda = &s.programs[i].lambda;
    (0..s.params.m)
        .map(|j| {
            let lambda_q = Float::with_val(prec, lambda * &s.eq.q[j]);
            pull(s, ctx, i, j) / lambda_q
        })
        .collect()
}

/// Returns δ''_i at the working precision: `c_i w_ij (y_ij − x_j) q_j⁻¹ √γ`.
pub fn delta_double_prime(s: &Solved, i: usize) -> Vec<Float> {
    delta_double_prime_at(s, &s.ctx, i)
}

/// Returns δ''_i computed at `ctx`'s precision from the stored c, x, q, γ.
pub fn delta_double_prime_at(s: &Solved, ctx: &Context, i: usize) -> Vec<Float> {
    let prec = ctx.prec();
    let sqrt_gamma = Float::with_val(prec, s.params.gamma.sqrt_ref());
    (0..s.params.m).map(|j| pull(s, ctx, i, j) / &s.eq.q[j] * &sqrt_gamma).collect()
}

/// Returns `c_i w_ij (y_ij − x_j)`, the numerator every form of δ_ij shares.
fn pull(s: &Solved, ctx: &Context, i: usize, j: usize) -> Float {
    let prec = ctx.prec();
    let t = &s.types[i];
    Float::with_val(prec, &t.y[j] - &s.eq.x[j]) * &s.eq.c[i] * &t.w[j]
}

/// Returns the magnitude of the externality terms inside the stored δ_i.
///
/// The program's shift is `δ_ij = (c w (y − x) − λ b_j / 2) / (c w + λ q_j)`
/// with `b_j = 2n (Q_j x_j − T_j)`, `T_j = Σ_k s_k c_k w_kj y_kj`, which is
/// ≈ 0 only by cancellation (Lemma B.1). Its rounding therefore scales with
/// `n (|Q_j x_j| + |T_j|)`, not with b_j; this returns
/// `‖(λ_i n (|Q_j x_j| + |T_j|) / (c_i w_ij + λ_i q_j))_j‖₂`. Since x is
/// recomputed from c, b ≈ 0 holds whatever the fixed-point residual, so
/// these terms carry rounding only.
pub fn externality_terms(s: &Solved, i: usize) -> Float {
    let prec = s.ctx.prec();
    let lambda = &s.programs[i].lambda;
    let terms: Vec<Float> = (0..s.params.m)
        .map(|j| {
            let cw = Float::with_val(prec, &s.eq.c[i] * &s.types[i].w[j]);
            let denom = cw + Float::with_val(prec, lambda * &s.eq.q[j]);
            let qx = Float::with_val(prec, &s.eq.big_q[j] * &s.eq.x[j]).abs();
            let moment = Float::with_val(prec, s.ext.moment[j].abs_ref());
            (qx + moment) * &s.params.n * lambda / denom
        })
        .collect();
    norm(&terms)
}

/// Returns the error bound of a comparison whose terms split in two: those
/// of magnitude `model` rely on c = f(c) (or a density's integrals), those of
/// magnitude `exact` are parameters or rounding-only cancellations.
pub fn split_bound(s: &Solved, model: &Float, exact: &Float) -> (Float, String) {
    let (fixed, how_fixed) = error_bound(s, model, Sensitivity::FixedPoint);
    let (rounding, how_rounding) = error_bound(s, exact, Sensitivity::Rounding);
    let how = format!(
        "{how_fixed}, on the terms that use c = f(c); plus {how_rounding}, on the parameters \
         and the externality terms"
    );
    (fixed + rounding, how)
}

/// Evaluates Lemma D.1.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    let prec = s.ctx.prec();
    let m = s.params.m;

    // Left side: the population sum of δ'', issue by issue.
    let mut total = vec![s.ctx.zero(); m];
    let mut scale = s.ctx.zero();
    for (i, t) in s.types.iter().enumerate() {
        let dpp = delta_double_prime(s, i);
        scale += Float::with_val(prec, &t.mass * norm(&dpp));
        for (j, v) in dpp.iter().enumerate() {
            total[j] += Float::with_val(prec, &t.mass * v);
        }
    }
    let lhs = norm(&total);

    // The terms x was rounded from: Σ s c w (|y| + |x|), per issue, times √γ / q_j.
    let sqrt_gamma = s.params.gamma.clone().sqrt();
    let mut spread = Vec::with_capacity(m);
    for j in 0..m {
        let x_abs = Float::with_val(prec, s.eq.x[j].abs_ref());
        let mut sum = s.ctx.zero();
        for (k, t) in s.types.iter().enumerate() {
            let y_abs = Float::with_val(prec, t.y[j].abs_ref());
            sum += Float::with_val(prec, &t.mass * &s.eq.c[k]) * &t.w[j] * (y_abs + &x_abs);
        }
        spread.push(sum / &s.eq.q[j] * &sqrt_gamma);
    }
    scale += norm(&spread);

    let bound = error_bound(s, &scale, Sensitivity::Rounding);
    let check = Check::new(LABEL, lhs, Relation::Eq, s.ctx.zero(), bound)?;
    Ok(Evaluation { unmet: Vec::new(), checks: vec![check] })
}

/// Certifies Lemma D.1 on an enclosure: `‖Σ_i s_i δ''_i‖₂` against 0.
///
/// There is no hypothesis to decide: the statement uses only the
/// definition of x, which the exact fixed point satisfies.
pub fn certify(_: &Solved, e: &Enclosure) -> Certification {
    let m = e.params.m;
    let mut total = vec![e.params.small(0); m];
    for (i, t) in e.types.iter().enumerate() {
        let dpp = certified_delta_double_prime(e, i);
        for j in 0..m {
            total[j] = &total[j] + &(&t.mass * &dpp[j]);
        }
    }
    let lhs = certify::norm(e, &total);
    Certification::Checks(vec![Enclosed::new(LABEL, lhs, Relation::Eq, e.params.small(0))])
}

/// Returns δ'_i over the enclosure: `c_i w_ij (y_ij − x_j) / (λ_i q_j)`.
///
/// Unbounded where λ_i's bracket holds 0, that is unless the constraint
/// certainly binds.
pub fn certified_delta_prime(e: &Enclosure, i: usize) -> Vec<Interval> {
    (0..e.params.m).map(|j| certified_pull(e, i, j).div(&(&e.lambda[i] * &e.q[j]))).collect()
}

/// Returns δ''_i over the enclosure: `c_i w_ij (y_ij − x_j) q_j⁻¹ √γ`.
pub fn certified_delta_double_prime(e: &Enclosure, i: usize) -> Vec<Interval> {
    let sqrt_gamma = e.params.gamma.sqrt();
    (0..e.params.m).map(|j| &certified_pull(e, i, j).div(&e.q[j]) * &sqrt_gamma).collect()
}

/// Returns `c_i w_ij (y_ij − x_j)` over the enclosure.
fn certified_pull(e: &Enclosure, i: usize, j: usize) -> Interval {
    let t = &e.types[i];
    &(&e.c[i] * &t.w[j]) * &(&t.y[j] - &e.x[j])
}

/// Returns what a lemma of Appendix D reports instead of its checks, if
/// anything: unmet when a hypothesis certainly fails; uncertified, naming
/// the types, when some may lie on either side of the clamp's kink (their
/// side decides N̂, over which the statements range: [`certify::normal_types`]);
/// uncertified when a hypothesis is undecided.
pub fn instead_of_checks(hypotheses: &mut Hypotheses, e: &Enclosure) -> Option<Certification> {
    let verdict = hypotheses.verdict();
    if let Some(Certification::Unmet(_)) = verdict {
        return verdict;
    }
    if let Err(undecided) = certify::normal_types(e) {
        return Some(undecided);
    }
    verdict
}

/// Instances and assertions shared by the tests of Appendix D's lemmas.
#[cfg(test)]
pub(crate) mod tests {
    use rug::Float;

    use super::*;
    use crate::certify::Proven;
    use crate::lemmas::hypotheses as h;
    use crate::numeric::Context;
    use crate::verdict::Verdict;

    /// Solves an instance given as JSON text at 256 bits.
    pub(crate) fn solve_json(json: &str) -> Solved {
        let instance = crate::instance_file::from_str(json).expect("valid instance");
        crate::solved::solve(&Context::new(256).unwrap(), &instance).expect("solvable")
    }

    /// Returns the JSON of a finite population on the box [0, hi]^m.
    pub(crate) fn finite_json(n: &str, gamma: &str, hi: &str, types: &[(&[&str], &str)]) -> String {
        let m = types[0].0.len();
        let list: Vec<String> = types
            .iter()
            .map(|(y, mass)| {
                let y: Vec<String> = y.iter().map(|v| format!("\"{v}\"")).collect();
                let w = vec!["\"1\""; m].join(",");
                format!(r#"{{"y":[{}],"w":[{w}],"mass":"{mass}"}}"#, y.join(","))
            })
            .collect();
        let lo = vec!["\"0\""; m].join(",");
        let hi = vec![format!("\"{hi}\""); m].join(",");
        format!(
            r#"{{"name":"d-test","n":"{n}","alpha":{{"power_of_n":"-7/8"}},"gamma":"{gamma}",
            "weight_box":{{"min":"1","max":"1"}},
            "outcome_set":{{"box":{{"lo":[{lo}],"hi":[{hi}]}}}},
            "population":{{"types":[{}]}}}}"#,
            list.join(",")
        )
    }

    /// The triangle (0,0), (1,0), (0,1), unit weights, equal masses, box [0,1]².
    pub(crate) fn triangle(n: &str, gamma: &str) -> Solved {
        solve_json(&triangle_json(n, gamma, "1"))
    }

    fn triangle_json(n: &str, gamma: &str, hi: &str) -> String {
        let types: &[(&[&str], &str)] =
            &[(&["0", "0"], "1"), (&["1", "0"], "1"), (&["0", "1"], "1")];
        finite_json(n, gamma, hi, types)
    }

    /// Four corners of [0,1]² and a type just above the centre, equal masses.
    /// Its own clamped scaling √n/α dominates Q, so x sits about 10⁻⁵ from
    /// it: that type (index 4) is not in N̂, carries mass 1/5, and moves.
    pub(crate) fn corners_and_centre() -> Solved {
        let types: &[(&[&str], &str)] = &[
            (&["0", "0"], "1"),
            (&["1", "0"], "1"),
            (&["0", "1"], "1"),
            (&["1", "1"], "1"),
            (&["1/2", "501/1000"], "1"),
        ];
        solve_json(&finite_json("1e6", "1/100", "1", types))
    }

    /// The triangle with weights that differ across issues, in [1, 2]: the
    /// net movement is then not 0 (with equal weights it is, see D.5).
    pub(crate) fn weighted_triangle() -> Solved {
        solve_json(
            r#"{"name":"d-weighted","n":"1e6","alpha":{"power_of_n":"-7/8"},"gamma":"1/100",
            "weight_box":{"min":"1","max":"2"},
            "outcome_set":{"box":{"lo":["0","0"],"hi":["1","1"]}},
            "population":{"types":[{"y":["0","0"],"w":["1","2"],"mass":"1"},
              {"y":["1","0"],"w":["2","1"],"mass":"1"},
              {"y":["0","1"],"w":["1","1"],"mass":"1"}]}}"#,
        )
    }

    /// Uniform ideal points on [0, 1] (m = 1), unit weights, at n = 1e6.
    pub(crate) fn unit_interval_density() -> Solved {
        solve_json(
            r#"{"name":"d-density","n":"1e6","alpha":{"power_of_n":"-7/8"},"gamma":"1/100",
            "weight_box":{"min":"1","max":"1"},"outcome_set":{"box":{"lo":["0"],"hi":["1"]}},
            "population":{"cells":[{"lo":["0"],"hi":["1"],"w":["1"],"mass":"1"}]}}"#,
        )
    }

    /// Returns, for each shared hypothesis of Appendix D, an instance outside it.
    pub(crate) fn hypothesis_breakers() -> Vec<(&'static str, Solved)> {
        let centre_heavy: &[(&[&str], &str)] =
            &[(&["1/2", "1/2"], "3"), (&["0", "1/2"], "1"), (&["1", "1/2"], "1")];
        let lone: &[(&[&str], &str)] = &[(&["1/2", "1/2"], "1")];
        vec![
            (h::IDEAL_POINTS_IN_CHI, solve_json(&triangle_json("1e6", "1/100", "1/2"))),
            (h::NORMAL_MASS_HALF, solve_json(&finite_json("1e6", "1/100", "1", centre_heavy))),
            (h::SOME_NORMAL_AGENT, solve_json(&finite_json("1e6", "1/100", "1", lone))),
            // The unconstrained shift costs about q |y − x|² ≈ 10^12: γ above it is slack.
            (h::NORMAL_AGENTS_TIGHT, triangle("1e6", "1e14")),
            (h::ETA_POSITIVE, triangle("4", "4")),
            (h::ETA_AT_LEAST_ONE, triangle("100", "1/100")),
            (h::GAMMA_AT_MOST_ONE, triangle("1e6", "2")),
        ]
    }

    /// Asserts that the lemma reports each hypothesis it lists as unmet outside it.
    pub(crate) fn assert_unmet_outside(
        hypotheses: &[&str],
        evaluate: fn(&Solved) -> Result<Evaluation>,
    ) {
        for (name, s) in hypothesis_breakers() {
            if !hypotheses.contains(&name) {
                continue;
            }
            let e = evaluate(&s).unwrap();
            assert_eq!(e.verdict(), Verdict::Unmet, "{name}");
            assert!(e.unmet.iter().any(|u| u == name), "{name} not named in {:?}", e.unmet);
        }
    }

    /// Asserts that an upper bound sharpened just past its relative margin
    /// (widened by the error bound) is violated, and one sharpened just short
    /// of it still holds.
    ///
    /// With `g = (rhs − lhs)/rhs` and `e = error/rhs`, the sharpened check is
    /// violated for t > g + e and holds for t < g − e; the step past either
    /// edge is 2⁻¹⁰ of max(lhs, error)/rhs. When the left side is far above the
    /// error this is the relative margin itself; when it is at rounding level
    /// (an exact-zero case), only a bound below −error can be caught.
    pub(crate) fn assert_sharpening_caught(check: &Check) {
        assert_eq!(check.verdict, Verdict::Holds, "{}", check.label);
        assert_eq!(check.relation, Relation::Le);
        assert!(check.rhs > 0u32, "{}", check.label);
        let prec = check.rhs.prec();
        let rhs = &check.rhs;
        let gap = Float::with_val(prec, rhs - &check.lhs) / rhs;
        let e = Float::with_val(prec, &check.error / rhs);
        let step = Float::with_val(prec, check.lhs.clone().max(&check.error) / rhs) >> 10u32;
        let past = Float::with_val(prec, &gap + &e) + &step;
        let short = Float::with_val(prec, &gap - &e) - &step;
        assert_eq!(check.sharpened(&past).verdict, Verdict::Violated, "{}", check.label);
        assert_eq!(check.sharpened(&short).verdict, Verdict::Holds, "{}", check.label);
    }

    /// Asserts that an equality moved just past its error bound is violated.
    pub(crate) fn assert_equality_sharpening_caught(check: &Check) {
        assert_eq!(check.verdict, Verdict::Holds, "{}", check.label);
        assert_eq!(check.relation, Relation::Eq);
        assert!(check.lhs.clone().abs() < 1u32);
        let t = check.lhs.clone().abs() + check.error.clone() * 2u32;
        assert_eq!(check.sharpened(&t).verdict, Verdict::Violated, "{}", check.label);
    }

    // Lemma D.1's proof, last display: the two integrals are equal by the definition of x.
    #[test]
    fn cancels_on_the_triangle() {
        let s = triangle("1e6", "1/100");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        let check = &e.checks[0];
        // Cancellation is complete: far below the terms (each ‖δ''‖ ≈ 1e-7).
        assert!(check.lhs < check.error);
        assert!(check.error > 0u32);
        assert_equality_sharpening_caught(check);
    }

    #[test]
    fn cancels_with_a_clamped_type() {
        let e = evaluate(&corners_and_centre()).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        assert_equality_sharpening_caught(&e.checks[0]);
    }

    #[test]
    fn cancels_on_a_density() {
        let e = evaluate(&unit_interval_density()).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        assert_equality_sharpening_caught(&e.checks[0]);
    }

    // D.1 needs only x = x(c): it holds even where the later lemmas' hypotheses fail.
    #[test]
    fn cancels_outside_the_later_hypotheses() {
        for (name, s) in hypothesis_breakers() {
            let e = evaluate(&s).unwrap();
            assert_eq!(e.verdict(), Verdict::Holds, "{name}");
        }
    }

    pub(crate) use crate::fixtures::{certified_checks, enclosed, statement_labels};

    /// Asserts that the certified lemma is unmet, naming each hypothesis it
    /// lists, on the enclosure of that hypothesis's breaker.
    pub(crate) fn assert_certified_unmet_outside(
        hypotheses: &[&str],
        certify: fn(&Solved, &Enclosure) -> Certification,
    ) {
        for (name, s) in hypothesis_breakers() {
            if !hypotheses.contains(&name) {
                continue;
            }
            let e = crate::enclosure::enclose(&s).unwrap_or_else(|why| panic!("{name}: {why:?}"));
            match certify(&s, &e) {
                Certification::Unmet(names) => {
                    assert!(names.iter().any(|u| u == name), "{name} not named in {names:?}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    /// Asserts that a certified upper bound's left side is positive and
    /// enclosed to 2⁻²⁰ of itself: a bound that far below its enclosure is
    /// certified violated, one that far above it certified to hold.
    pub(crate) fn assert_certified_sharpening_caught(k: &Enclosed) {
        assert_eq!(k.relation, Relation::Le, "{}", k.label);
        assert!(k.lhs.is_positive(), "{}: left side {:?}", k.label, k.lhs);
        let prec = k.lhs.lo().prec();
        let below = Float::with_val(prec, k.lhs.lo() - (k.lhs.lo().clone() >> 20u32));
        let above = Float::with_val(prec, k.lhs.hi() + (k.lhs.hi().clone() >> 20u32));
        let moved = |bound: &Float| {
            Enclosed::new(&*k.label, k.lhs.clone(), Relation::Le, Interval::point(bound)).proven()
        };
        assert_eq!(moved(&below), Proven::Violated, "{}", k.label);
        assert_eq!(moved(&above), Proven::Holds, "{}", k.label);
    }

    /// Asserts that D.1's certified equality is not refuted, with |lhs| far
    /// below the terms Σ_i s_i ‖δ''_i‖ that cancel in it.
    fn assert_certified_cancellation(s: &Solved) {
        let e = enclosed(s);
        let checks = certified_checks(certify(s, &e));
        assert_eq!(
            checks.iter().map(|k| k.label.clone()).collect::<Vec<_>>(),
            statement_labels(&evaluate(s).unwrap())
        );
        let k = &checks[0];
        assert!(
            matches!(k.proven(), Proven::Open { precision_may_help: false, .. }),
            "{:?}",
            k.proven()
        );
        let terms = (0..e.types.len())
            .map(|i| &e.types[i].mass * &certify::norm(&e, &certified_delta_double_prime(&e, i)));
        let scale = crate::interval::sum(&e.ctx, &terms.collect::<Vec<_>>());
        assert!(scale.is_positive());
        let gap = Float::with_val(scale.lo().prec(), k.lhs.hi() / scale.lo());
        assert!(gap < Float::with_val(gap.prec(), 1u32) >> 150u32, "relative gap {gap}");
    }

    #[test]
    fn certified_to_cancel_on_the_triangle() {
        assert_certified_cancellation(&triangle("1e6", "1/100"));
    }

    #[test]
    fn certified_to_cancel_with_a_clamped_type_and_unequal_weights() {
        assert_certified_cancellation(&corners_and_centre());
        assert_certified_cancellation(&weighted_triangle());
    }

    #[test]
    fn a_shifted_enclosed_outcome_is_refuted() {
        // Move the enclosed x off x(c): the certified sum no longer holds 0.
        let s = triangle("1e6", "1/100");
        let mut e = enclosed(&s);
        let step = Interval::exact(&e.ctx, &rug::Rational::from((1, 1000)));
        e.x[0] = &e.x[0] + &step;
        let checks = certified_checks(certify(&s, &e));
        assert_eq!(checks[0].proven(), Proven::Violated);
    }

    #[test]
    fn a_shifted_outcome_does_not_cancel() {
        // Moving x off x(c) must be caught: the harness can fail.
        let mut s = triangle("1e6", "1/100");
        s.eq.x[0] += s.ctx.ratio(1, 1000);
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Violated);
    }
}
