//! Each agent's optimal shift has a closed form in her multiplier (Lemma C.2).
//!
//! # Statement
//!
//! ```text
//! δ_ij = c_i w_ij (y_ij − x_j) / (c_i w_ij + λ_i q_j)   for every type i and issue j
//! ```
//!
//! δ_i is the optimum of Program 1 and λ_i ≥ 0 its Lagrange multiplier;
//! q_j = n Q_j. A slack agent has λ_i = 0 and the form gives δ_i = y_i − x.
//!
//! # Hypotheses
//!
//! None. The proof needs Slater's condition, which holds because δ = 0 uses
//! no power and γ > 0 (instance files refuse γ ≤ 0).
//!
//! # Numerical check
//!
//! - Left side: the solver's δ_ij (see `src/agent.rs`). The solver does not
//!   use this lemma: it keeps the linear term b of the power
//!   `U(x) − U(x + δ) = Σ_j (q_j δ_j² + b_j δ_j)`, which is zero only in exact
//!   arithmetic, so its δ has the numerator `c w (y − x) − λ b / 2`.
//! - Right side: the closed form, at the working precision.
//!
//! The error bound is ROUNDING_ULPS units of roundoff relative to
//! |δ_ij| + |closed form|, plus λ_i b̄_j / (2 (c_i w_ij + λ_i q_j)): the
//! solver's δ moves by λ b_j / (2 (c w + λ q)) for the rounding b_j that
//! x = x(c) leaves in the gradient of U, and |b_j| ≤ b̄_j (see Lemma C.1's
//! module). At large n that term dominates: δ_ij is tiny next to x_j, and
//! the rounding of x_j is relative to x_j.
//!
//! A second check per type ("i = 1, stationarity") certifies that the
//! solver's (δ_i, λ_i) is a KKT point without using the lemma: the relative
//! residual `‖∇u_i(x+δ) + λ ∇U(x+δ)‖ / (‖∇u_i‖ + λ ‖∇U‖)`, both gradients
//! from the definitions of u and U, must be within rounding. Rounding is
//! measured on the terms from which the gradients are formed:
//! `2 c w (|x| + |δ| + |y|)` for ∇u_i and `2n (Q (|x| + |δ|) + Σ s c w |y|)`
//! for ∇U (z = x + δ is itself a rounded sum). The gradient of U at x + δ
//! is a difference of two numbers about |x|/|δ| times larger than itself, so
//! the plain ROUNDING_ULPS · u would misreport a correct solution as
//! non-stationary at large n (it does, at n = 1e6 on unequal weights). For a
//! slack agent (λ = 0) whose ideal point is x + δ up to rounding, ∇u_i is
//! itself rounding and the residual is 1 by construction: the tolerance then
//! says nothing, and the first check (δ_i = y_i − x) carries the claim.
//!
//! Certified: one equality per type and issue, with the same labels. The
//! left side encloses Program 1's exact optimum without stationarity: a
//! point δ̂ (the enclosure's shift, pulled toward 0 until U(x) − U(x + δ̂) ≤ γ
//! is certified from U's definition) and the dual bound g(λ̂) at the middle
//! of the multiplier's bracket give c_i Σ_j w_ij (δ*_j − δ̂_j)² ≤ g(λ̂) −
//! u_i(x + δ̂), by weak duality and the strong concavity of u_i. The right
//! side is the closed form at the enclosure's bracket of λ_i. Neither the
//! rounding b̄ nor the stationarity residual is needed: the enclosure's
//! x is the exact weighted mean, and the Lagrangian's Σ_k s c w (x − y) is
//! enclosed rather than dropped. The gap bound is about the square root of
//! the box's width (the duality gap is a square), near 1e-30 relative at
//! 256 bits. The stationarity step is a proof step and is not certified.
//!
//! # Differences from the paper
//!
//! None. (The Lagrangian's first line writes `x + δ_i − y_ij` for
//! `x_j + δ_ij − y_ij`; its next line uses the latter.)

use rug::Float;

use super::power_is_a_weighted_square::{abs, externality_rounding};
use crate::certify::{Certification, Enclosed, WelfareSums};
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::interval::Interval;
use crate::numeric::tol;
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Relation, Sensitivity};

pub const NUMBER: &str = "C.2";
pub const STATEMENT: &str =
    "δ_ij = c_i w_ij (y_ij − x_j) / (c_i w_ij + λ_i q_j) for every type i and issue j";
pub const HYPOTHESES: &[&str] = &[];
pub const METHOD: &str = "the solver's δ_ij (found from Program 1 with the linear term b kept) \
    against the closed form; bound: rounding on |δ| + |closed form| plus λ b̄_j / (2(c w + λ q)) \
    for the rounding left in b; and the solver's KKT stationarity residual within rounding of \
    the gradients' terms";

/// Evaluates Lemma C.2.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    let prec = s.ctx.prec();
    let b_bar = externality_rounding(s);
    let mut checks = Vec::new();
    for (i, (t, program)) in s.types.iter().zip(&s.programs).enumerate() {
        let c = &s.eq.c[i];
        let lambda = &program.lambda;
        for (j, b_bar_j) in b_bar.iter().enumerate() {
            let delta = program.delta[j].clone();

            let cw = Float::with_val(prec, c * &t.w[j]);
            let denom = Float::with_val(prec, lambda * &s.eq.q[j]) + &cw;
            let pull = Float::with_val(prec, &t.y[j] - &s.eq.x[j]) * &cw;
            let closed = Float::with_val(prec, &pull / &denom);

            let scale = abs(&delta) + abs(&closed);
            let (rounding, how) = error_bound(s, &scale, Sensitivity::Rounding);
            let drift = Float::with_val(prec, lambda * b_bar_j) / (denom * 2u32);
            let how = format!("{how}; plus λ b̄_j / (2(c w + λ q)) for the rounding left in b");
            let label = format!("i = {}, j = {}", i + 1, j + 1);
            checks.push(Check::new(label, delta, Relation::Eq, closed, (rounding + drift, how))?);
        }
        checks.push(stationarity_check(s, i)?);
    }
    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// Compares the solver's stationarity residual with the rounding of the gradients' terms.
fn stationarity_check(s: &Solved, i: usize) -> Result<Check> {
    let prec = s.ctx.prec();
    let t = &s.types[i];
    let program = &s.programs[i];
    let lambda = &program.lambda;

    // |∇u_i|, |∇U| and the magnitudes of the terms each is formed from.
    let mut grad_u = Float::new(prec);
    let mut grad_big_u = Float::new(prec);
    let mut terms_u = Float::new(prec);
    let mut terms_big_u = Float::new(prec);
    for j in 0..s.params.m {
        // z = x + δ is itself a rounded sum, so its terms are |x| + |δ|.
        let z = Float::with_val(prec, &s.eq.x[j] + &program.delta[j]);
        let z_terms = abs(&s.eq.x[j]) + abs(&program.delta[j]);
        let two_cw = Float::with_val(prec, &s.eq.c[i] * &t.w[j]) * 2u32;
        grad_u += (Float::with_val(prec, &z - &t.y[j]) * &two_cw).square();
        terms_u += ((abs(&t.y[j]) + &z_terms) * &two_cw).square();

        let two_n = s.params.n.clone() * 2u32;
        let qz = Float::with_val(prec, &s.eq.big_q[j] * &z);
        grad_big_u += (Float::with_val(prec, &qz - &s.ext.moment[j]) * &two_n).square();
        let moment_terms = &s.ext.moment_magnitude[j];
        let qz_terms = Float::with_val(prec, &s.eq.big_q[j] * &z_terms);
        terms_big_u += ((qz_terms + moment_terms) * &two_n).square();
    }
    let magnitude = grad_u.sqrt() + grad_big_u.sqrt() * lambda;
    let terms = terms_u.sqrt() + terms_big_u.sqrt() * lambda;

    // The residual is relative to `magnitude`, its rounding relative to `terms`.
    let rounding = s.ctx.unit_roundoff() * tol::ROUNDING_ULPS;
    let tolerance = if magnitude.is_zero() { rounding } else { rounding * terms / magnitude };
    let how = format!(
        "the right side is the tolerance: {} units of 2^-{} times the gradients' terms over \
         their magnitude",
        tol::ROUNDING_ULPS,
        prec - 1
    );
    let label = format!("i = {}, stationarity", i + 1);
    Check::new(label, program.stationarity.clone(), Relation::Le, tolerance, (s.ctx.zero(), how))
        .map(Check::proof_step)
}

/// Certifies the closed form: Program 1's optimum, enclosed by a duality gap, against it.
///
/// The left side never uses the closed form's derivation (stationarity):
/// it encloses the optimum δ*_i from a feasible point and the dual bound
/// alone (see the module doc). The right side is the closed form at the
/// enclosure's multiplier bracket.
pub fn certify(_: &Solved, e: &Enclosure) -> Certification {
    let sums = WelfareSums::of(e);
    let mut checks = Vec::new();
    for i in 0..e.types.len() {
        let Some(optimum) = optimum_enclosure(e, &sums, i) else {
            return Certification::Uncertified {
                reason: format!(
                    "type {}: no certified feasible point near the optimum, or λ_{} not bracketed",
                    i + 1,
                    i + 1
                ),
                precision_may_help: true,
            };
        };
        for (j, lhs) in optimum.into_iter().enumerate() {
            let rhs = closed_form(e, i, j, &e.lambda[i]);
            let label = format!("i = {}, j = {}", i + 1, j + 1);
            checks.push(Enclosed::new(label, lhs, Relation::Eq, rhs));
        }
    }
    Certification::Checks(checks)
}

/// c_i w_ij (y_ij − x_j) / (c_i w_ij + λ q_j) over the box, for a multiplier enclosure λ.
fn closed_form(e: &Enclosure, i: usize, j: usize, lambda: &Interval) -> Interval {
    let t = &e.types[i];
    let cw = &e.c[i] * &t.w[j];
    let pull = &cw * &(&t.y[j] - &e.x[j]);
    pull.div(&(&cw + &(lambda * &e.q[j])))
}

/// Encloses Program 1's optimum δ*_i from a feasible point and the dual bound.
///
/// For a feasible δ̂ and any λ̂ ≥ 0, weak duality gives u_i(x + δ*) ≤ g(λ̂),
/// the Lagrangian's supremum. u_i is a quadratic with Hessian −2 c_i diag(w_i)
/// and δ* maximises it over a convex set holding δ̂, so
/// `c_i Σ_j w_ij (δ*_j − δ̂_j)² ≤ u_i(x + δ*) − u_i(x + δ̂) ≤ g(λ̂) − u_i(x + δ̂)`,
/// which bounds every |δ*_j − δ̂_j|. None when no feasible δ̂ is certified
/// or the multiplier is not bracketed.
fn optimum_enclosure(e: &Enclosure, sums: &WelfareSums, i: usize) -> Option<Vec<Interval>> {
    let lambda = &e.lambda[i];
    if !lambda.is_bounded() {
        return None;
    }
    let lambda_hat = Interval::point(&lambda.mid());
    let candidate: Vec<Float> = e.delta[i].iter().map(Interval::mid).collect();
    let delta_hat = feasible_point(e, sums, &candidate)?;

    let utility = utility(e, i, &delta_hat);
    let gap = (&dual_bound(e, sums, i, &lambda_hat) - &utility).max(&e.params.small(0));
    let t = &e.types[i];
    Some(
        delta_hat
            .iter()
            .enumerate()
            .map(|(j, d)| {
                let reach = gap.div(&(&e.c[i] * &t.w[j])).sqrt();
                let ball = Interval::spanning(&-reach.hi().clone(), reach.hi());
                &Interval::point(d) + &ball
            })
            .collect(),
    )
}

/// Shrinks a candidate shift toward 0 until its power is certified to be at most γ.
///
/// The candidate from the bracket sits on the constraint's boundary, so it
/// is pulled in by a factor 1 − t with t growing from a few units of
/// roundoff; δ = 0 is strictly feasible (γ > 0), so some t ≤ 1/4 works
/// unless the box is wide.
fn feasible_point(e: &Enclosure, sums: &WelfareSums, candidate: &[Float]) -> Option<Vec<Float>> {
    let prec = e.ctx.prec();
    let mut t = e.ctx.zero();
    let quarter = e.ctx.ratio(1, 4);
    while t <= quarter {
        let shrunk: Vec<Float> =
            candidate.iter().map(|d| Float::with_val(prec, d * (1 - t.clone()))).collect();
        let points: Vec<Interval> = shrunk.iter().map(Interval::point).collect();
        if sums.power(e, &points).hi() <= e.params.gamma.lo() {
            return Some(shrunk);
        }
        t = if t.is_zero() { e.ctx.unit_roundoff() << 16u32 } else { t << 4u32 };
    }
    None
}

/// u_i(x + δ) = −c_i Σ_j w_ij (x_j + δ_j − y_ij)².
fn utility(e: &Enclosure, i: usize, delta: &[Float]) -> Interval {
    let t = &e.types[i];
    let mut loss = e.params.small(0);
    for (j, d) in delta.iter().enumerate() {
        let gap = &(&e.x[j] + &Interval::point(d)) - &t.y[j];
        loss = &loss + &(&t.w[j] * &gap.square());
    }
    -&(&e.c[i] * &loss)
}

/// g(λ) = sup_δ u_i(x + δ) − λ (U(x) − U(x + δ) − γ), for a point λ ≥ 0.
///
/// Per issue the Lagrangian is −A d² − 2 B d − c w a² with a = x_j − y_ij,
/// A = c w + λ q_j and B = c w a + λ n Σ_k s_k c_k w_kj (x_j − y_kj), from
/// U's definition; its supremum is B²/A − c w a². The sum Σ_k is
/// [`WelfareSums`]'s pull.
fn dual_bound(e: &Enclosure, sums: &WelfareSums, i: usize, lambda: &Interval) -> Interval {
    let t = &e.types[i];
    let mut total = lambda * &e.params.gamma;
    for j in 0..e.params.m {
        let pull = &sums.pull[j];
        let cw = &e.c[i] * &t.w[j];
        let a = &e.x[j] - &t.y[j];
        let curvature = &cw + &(lambda * &e.q[j]);
        let slope = &(&cw * &a) + &(lambda * &(&e.params.n * pull));
        let top = &slope.square().div(&curvature) - &(&cw * &a.square());
        total = &total + &top;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;
    use crate::solved::solve;
    use crate::verdict::Verdict;

    fn solved(json: &str) -> Solved {
        let instance = crate::instance_file::from_str(json).unwrap();
        solve(&Context::new(256).unwrap(), &instance).unwrap()
    }

    fn triangle(n: &str, lo: &str, hi: &str) -> String {
        format!(
            r#"{{"name": "triangle", "n": "{n}", "alpha": {{"power_of_n": "-7/8"}},
            "gamma": "1/100", "weight_box": {{"min": "1", "max": "1"}},
            "outcome_set": {{"box": {{"lo": ["{lo}", "{lo}"], "hi": ["{hi}", "{hi}"]}}}},
            "population": {{"types": [
              {{"y": ["{lo}", "{lo}"], "w": ["1", "1"], "mass": "1"}},
              {{"y": ["{hi}", "{lo}"], "w": ["1", "1"], "mass": "1"}},
              {{"y": ["{lo}", "{hi}"], "w": ["1", "1"], "mass": "1"}}]}}}}"#
        )
    }

    /// Unequal weights and masses: b does not vanish by symmetry here, and
    /// the third type is clamped (not in N̂).
    const LOPSIDED: &str = r#"{"name": "lopsided", "n": "1e6", "alpha": {"power_of_n": "-7/8"},
        "gamma": "1/100", "weight_box": {"min": "1", "max": "2"},
        "outcome_set": {"box": {"lo": ["0", "0"], "hi": ["1", "1"]}},
        "population": {"types": [
          {"y": ["0", "0.3"], "w": ["1", "2"], "mass": "1"},
          {"y": ["1", "0"], "w": ["2", "1"], "mass": "2"},
          {"y": ["0.1", "1"], "w": ["1", "1.5"], "mass": "3"}]}}"#;

    #[test]
    fn holds_on_the_triangle() {
        let e = evaluate(&solved(&triangle("1e6", "0", "1"))).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
        // Two issues and one stationarity check per type.
        assert_eq!(e.checks.len(), 9);
        // Every agent is tight here, so the stationarity tolerance must be
        // far below 1: otherwise the check could not fail.
        let tiny = Float::with_val(256, 1) >> 150u32;
        for check in e.checks.iter().filter(|c| c.relation == Relation::Le) {
            assert!(check.rhs < tiny, "{}: tolerance {}", check.label, check.rhs);
        }
    }

    #[test]
    fn holds_when_b_does_not_vanish() {
        let s = solved(LOPSIDED);
        assert!(!s.ext.b.iter().all(|b| b.is_zero()), "this instance should leave b ≠ 0");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
    }

    #[test]
    fn holds_far_from_the_origin_at_large_n() {
        let e = evaluate(&solved(&triangle("1e12", "1000000", "1000001"))).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
    }

    #[test]
    fn slack_agents_move_to_their_ideal_point() {
        // γ far above everyone's need: every λ is 0 and δ_i = y_i − x.
        let json = triangle("1e6", "0", "1").replace(r#""gamma": "1/100""#, r#""gamma": "1e20""#);
        let s = solved(&json);
        assert!(s.programs.iter().all(|p| p.lambda.is_zero()));
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
    }

    #[test]
    fn sharpened_closed_form_is_violated() {
        let s = solved(LOPSIDED);
        let e = evaluate(&s).unwrap();
        // δ is near 1e-8 here and its bound near 1e-60: a shift of 2^-100 shows.
        let t = s.ctx.int(1) >> 100u32;
        let closed_forms = e.checks.iter().filter(|c| c.relation == Relation::Eq);
        for check in closed_forms {
            assert_eq!(check.sharpened(&t).verdict, Verdict::Violated, "{}", check.label);
        }
    }

    #[test]
    fn closed_form_without_the_multiplier_is_caught() {
        // Dropping λ q from the denominator (the unconstrained shift) must fail.
        let s = solved(&triangle("1e6", "0", "1"));
        let e = evaluate(&s).unwrap();
        let check = &e.checks[0];
        let unconstrained = Float::with_val(256, &s.types[0].y[0] - &s.eq.x[0]);
        let bad = Check::new(
            "wrong",
            check.lhs.clone(),
            Relation::Eq,
            unconstrained,
            (check.error.clone(), String::new()),
        )
        .unwrap();
        assert_eq!(bad.verdict, Verdict::Violated);
    }

    /// The certified checks of a fixture, with their labels.
    fn certified(s: &Solved) -> Vec<Enclosed> {
        let e = crate::enclosure::enclose(s).expect("the fixture's box closes");
        match certify(s, &e) {
            Certification::Checks(checks) => checks,
            other => panic!("not certified: {other:?}"),
        }
    }

    /// Asserts an equality is not refuted and its certified gap is below 2^-80 of |rhs|.
    fn assert_close(check: &Enclosed) {
        use crate::certify::Proven;
        assert!(!matches!(check.proven(), Proven::Violated), "{}: refuted", check.label);
        let gap = (&check.lhs - &check.rhs).magnitude();
        let scale = check.rhs.magnitude() >> 80u32;
        assert!(gap <= scale, "{}: |lhs − rhs| ≤ {gap}", check.label);
    }

    #[test]
    fn certified_optimum_meets_the_closed_form_on_weighted_triangles() {
        for gamma in ["1/100", "1e20"] {
            let s = crate::fixtures::solve(&crate::fixtures::weighted_triangle("1e6", gamma));
            let checks = certified(&s);
            checks.iter().for_each(assert_close);
            let labels: Vec<String> = checks.iter().map(|c| c.label.clone()).collect();
            assert_eq!(labels, crate::fixtures::statement_labels(&evaluate(&s).unwrap()));
        }
    }

    #[test]
    fn certified_closed_form_holds_on_the_triangle() {
        let s = crate::fixtures::triangle("1e4", crate::fixtures::N_POWER, "0");
        certified(&s).iter().for_each(assert_close);
    }

    #[test]
    fn certified_optimum_refutes_a_moved_or_unconstrained_closed_form() {
        use crate::certify::Proven;
        let s = crate::fixtures::solve(&crate::fixtures::weighted_triangle("1e6", "1/100"));
        let e = crate::enclosure::enclose(&s).unwrap();
        for check in certified(&s) {
            // The closed form moved by 2^-60 of itself lies outside the optimum's enclosure.
            let nudge = check.rhs.mid() >> 60u32;
            let moved = &check.rhs + &Interval::point(&nudge);
            let k = Enclosed::new("moved", check.lhs.clone(), Relation::Eq, moved);
            assert_eq!(k.proven(), Proven::Violated, "{}", check.label);
        }
        // Dropping λ q from the denominator (the unconstrained shift) is refuted too.
        let zero = e.params.small(0);
        let checks = certified(&s);
        for i in 0..e.types.len() {
            let lhs = checks[i * e.params.m].lhs.clone();
            let k = Enclosed::new("free", lhs, Relation::Eq, closed_form(&e, i, 0, &zero));
            assert_eq!(k.proven(), Proven::Violated, "type {}", i + 1);
        }
    }
}
