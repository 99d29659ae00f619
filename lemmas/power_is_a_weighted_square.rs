//! The power a shift costs is a weighted square of the shift (Lemma C.1).
//!
//! # Statement
//!
//! ```text
//! U(x) − U(x + δ) = Σ_j q_j δ_j²,   q_j = n Q_j = n ∫ p(k) c_k w_kj dk
//! ```
//!
//! so Program 1's constraint `U(x) − U(x + δ) ≤ γ` reads `Σ_j q_j δ_j² ≤ γ`.
//! Here x = x(c), U is the welfare of Section 2 and δ is any shift.
//!
//! # Hypotheses
//!
//! None beyond x = x(c), which holds by construction: the proof uses
//! ∇U(x) = 0 (Lemma B.1), which follows from the definition of x(c) alone.
//!
//! # Numerical check
//!
//! The identity is claimed for every δ, so it is checked at every type's
//! optimal shift δ_i ("i = 1", ...; for more than [`MAX_CHECKED_TYPES`]
//! types, an evenly spaced sample of them, since each check sums U over all
//! types) and at a few shifts that are not optimal:
//! (y_i − x)/2 for the first three types and d_max·2⁻¹⁰ e_1.
//!
//! - Left side: `U(x) − U(x + δ)`, each welfare summed from the utilities at
//!   the working precision plus 64 bits plus the bits by which |U(x)|
//!   exceeds Σ q δ² (the two welfare values share those leading bits), plus
//!   the exponent gap between x and δ, so that x + δ is formed exactly.
//! - Right side: `Σ_j q_j δ_j²` at the working precision.
//!
//! The error bound adds three terms:
//! - the rounding of the widened welfare sums, ROUNDING_ULPS units of the
//!   widened roundoff times |U(x)| + |U(x + δ)|;
//! - the rounding of both sides at the working precision (ROUNDING_ULPS
//!   units relative to |lhs| + |rhs|);
//! - the residual gradient. Expanding U exactly gives
//!   `U(x) − U(x + δ) = Σ_j (q_j δ_j² + b_j δ_j)`, with
//!   `b_j = 2n (Q_j x_j − Σ_k s_k c_k w_kj y_kj)`. In exact arithmetic b = 0
//!   at x = x(c); at the working precision x_j = T_j / Q_j is rounded, which
//!   leaves |b_j| up to ROUNDING_ULPS units of roundoff times
//!   b̄_j = 2n (Q_j |x_j| + Σ_k s_k c_k w_kj |y_kj|). The bound charges
//!   Σ_j b̄_j |δ_j|; it is a bound on rounding, not a fudge for a gradient
//!   that the fixed point would leave behind.
//!
//! The rounding of b is charged on |x_j| + |y_kj| rather than on
//! |x_j − y_kj|: the rounding of x_j is relative to x_j itself, so on a box
//! far from the origin the smaller charge would not cover it.
//!
//! Certified: the same shifts over the enclosure of the exact fixed point,
//! δ_i being the enclosure of Program 1's optimum. The left side is U's
//! definition with the two squares subtracted term by term,
//! −(x_j + δ_j − y_kj)² + (x_j − y_kj)² = −δ_j (2 (x_j − y_kj) + δ_j), so no
//! widened precision is needed; b_j = 0 holds exactly at the exact x(c*),
//! so no b̄ charge enters either. An equality, so the check is refuted or
//! bounded, never proven.
//!
//! # Differences from the paper
//!
//! None. (The proof's Hessian entry is −2n Q_j, and half of it, n Q_j = q_j,
//! is what the statement uses; the check compares the final form only.)

use rug::Float;

use crate::certify::{Certification, Enclosed, WelfareSums};
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::interval::{sum, Interval};
use crate::numeric::tol;
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Relation, Sensitivity};

pub const NUMBER: &str = "C.1";
pub const STATEMENT: &str =
    "U(x) − U(x + δ) = Σ_j q_j δ_j², so Program 1's constraint is Σ_j q_j δ_j² ≤ γ";
pub const HYPOTHESES: &[&str] = &[];
pub const METHOD: &str = "U(x) − U(x + δ) summed from the utilities at a precision widened by \
    64 bits plus the cancelled bits, against Σ q δ², at every δ_i and at non-optimal shifts \
    (y_i − x)/2 and d_max·2^-10 e_1; bound: widened rounding on |U|, working rounding, and \
    Σ b̄_j |δ_j| for the rounding left in the gradient b of U at x";

/// How many types get the extra, non-optimal shift (y_i − x)/2.
const HALFWAY_TYPES: usize = 3;

/// Evaluates Lemma C.1.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    let mut checks = Vec::new();
    for i in sampled_types(s.types.len()) {
        let delta = &s.programs[i].delta;
        checks.push(identity_check(s, format!("i = {}", i + 1), delta)?);
    }

    // The lemma holds for every δ, not only for the optimal ones.
    let prec = s.ctx.prec();
    for (i, t) in s.types.iter().take(HALFWAY_TYPES).enumerate() {
        let halfway: Vec<Float> =
            t.y.iter().zip(&s.eq.x).map(|(y, x)| Float::with_val(prec, y - x) / 2u32).collect();
        checks.push(identity_check(s, format!("δ = (y_{} − x)/2", i + 1), &halfway)?);
    }
    let mut step = vec![s.ctx.zero(); s.params.m];
    step[0] = s.params.d_max.clone() >> 10u32;
    checks.push(identity_check(s, "δ = d_max·2^-10 e_1", &step)?);

    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// The most types whose δ_i is checked. Each check sums U over every type,
/// so checking all K types costs K² terms; a density's quadrature rule has
/// thousands of nodes, and an evenly spaced sample of them keeps the cost
/// linear while still covering every cell.
pub const MAX_CHECKED_TYPES: usize = 48;

/// Returns every type index when there are few, else an evenly spaced sample.
fn sampled_types(n_types: usize) -> Vec<usize> {
    if n_types <= MAX_CHECKED_TYPES {
        return (0..n_types).collect();
    }
    (0..MAX_CHECKED_TYPES).map(|k| k * n_types / MAX_CHECKED_TYPES).collect()
}

/// Returns b̄_j = 2n (Q_j |x_j| + Σ_k s_k c_k w_kj |y_kj|) · ROUNDING_ULPS · u.
///
/// It bounds |b_j|, the gradient of U at x = x(c) that rounding leaves:
/// zero in exact arithmetic, at most units of roundoff times the magnitude
/// of the terms of Q_j x_j − Σ_k s_k c_k w_kj y_kj at the working precision.
pub fn externality_rounding(s: &Solved) -> Vec<Float> {
    let prec = s.ctx.prec();
    let rounding = s.ctx.unit_roundoff() * tol::ROUNDING_ULPS;
    (0..s.params.m)
        .map(|j| {
            let terms = Float::with_val(prec, &s.eq.big_q[j] * &abs(&s.eq.x[j]))
                + &s.ext.moment_magnitude[j];
            terms * &s.params.n * 2u32 * &rounding
        })
        .collect()
}

/// Returns Σ_j b̄_j |δ_j|: how far the rounding of b can move the power
/// U(x) − U(x + δ) away from Σ_j q_j δ_j².
pub fn power_drift(s: &Solved, delta: &[Float]) -> Float {
    let prec = s.ctx.prec();
    let b_bar = externality_rounding(s);
    let mut drift = Float::new(prec);
    for (bj, dj) in b_bar.iter().zip(delta) {
        drift += Float::with_val(prec, bj * &abs(dj));
    }
    drift
}

/// Returns Σ_j q_j δ_j² at the working precision.
pub fn weighted_square(s: &Solved, delta: &[Float]) -> Float {
    let prec = s.ctx.prec();
    let mut sum = Float::new(prec);
    for (qj, dj) in s.eq.q.iter().zip(delta) {
        sum += Float::with_val(prec, qj * dj) * dj;
    }
    sum
}

/// Returns how many leading bits `big` has over `small` (0 when either is 0).
pub fn excess_bits(big: &Float, small: &Float) -> u32 {
    match (big.get_exp(), small.get_exp()) {
        (Some(b), Some(s)) if b > s => (b - s) as u32,
        _ => 0,
    }
}

/// Returns |v| at v's precision.
pub fn abs(v: &Float) -> Float {
    Float::with_val(v.prec(), v.abs_ref())
}

fn identity_check(s: &Solved, label: impl Into<String>, delta: &[Float]) -> Result<Check> {
    let rhs = weighted_square(s, delta);

    // U(x) and U(x + δ) agree in the bits by which |U(x)| exceeds the power;
    // 64 more bits resolve their difference. The exponent gap between x_j and
    // δ_j is added so that x + δ is formed without rounding.
    let at_x_working = s.welfare(&s.ctx, &s.eq.x);
    let mut extra = 64 + excess_bits(&at_x_working, &rhs);
    for (xj, dj) in s.eq.x.iter().zip(delta) {
        extra = extra.max(64 + excess_bits(xj, dj));
    }
    let wide = s.ctx.widened(extra);
    let x: Vec<Float> = s.eq.x.iter().map(|v| wide.lift(v)).collect();
    let moved: Vec<Float> =
        x.iter().zip(delta).map(|(xj, dj)| Float::with_val(wide.prec(), xj + dj)).collect();
    let at_x = s.welfare(&wide, &x);
    let at_moved = s.welfare(&wide, &moved);
    let lhs = s.ctx.lift(&Float::with_val(wide.prec(), &at_x - &at_moved));

    let welfare_terms = abs(&at_x) + abs(&at_moved);
    let widened_rounding = s.ctx.lift(&(wide.unit_roundoff() * tol::ROUNDING_ULPS * welfare_terms));
    let sides = abs(&lhs) + abs(&rhs);
    let (working_rounding, how) = error_bound(s, &sides, Sensitivity::Rounding);
    let drift = power_drift(s, delta);
    let bound = widened_rounding + working_rounding + drift;
    let how = format!(
        "{how}; plus the welfare sums' rounding at {} bits on |U(x)| + |U(x+δ)|; plus \
         Σ b̄_j |δ_j| for the rounding left in ∇U(x)",
        wide.prec()
    );

    Check::new(label, lhs, Relation::Eq, rhs, (bound, how))
}

/// Certifies the identity on the enclosure of the exact fixed point, at the shifts `evaluate` uses.
pub fn certify(_: &Solved, e: &Enclosure) -> Certification {
    let sums = WelfareSums::of(e);
    let mut checks = Vec::new();
    for i in sampled_types(e.types.len()) {
        checks.push(certified_identity(e, &sums, format!("i = {}", i + 1), &e.delta[i]));
    }

    let half = e.params.small(2);
    for (i, t) in e.types.iter().take(HALFWAY_TYPES).enumerate() {
        let halfway: Vec<Interval> =
            t.y.iter().zip(&e.x).map(|(y, x)| (y - x).div(&half)).collect();
        let label = format!("δ = (y_{} − x)/2", i + 1);
        checks.push(certified_identity(e, &sums, label, &halfway));
    }
    let mut step = vec![e.params.small(0); e.params.m];
    step[0] = &e.params.d_max * &Interval::point(&(e.ctx.int(1) >> 10u32));
    checks.push(certified_identity(e, &sums, "δ = d_max·2^-10 e_1", &step));
    Certification::Checks(checks)
}

/// U(x) − U(x + δ) against Σ_j q_j δ_j², both enclosed.
///
/// The welfare difference is the definition's n Σ_k s_k c_k Σ_j w_kj δ_j
/// (2 (x_j − y_kj) + δ_j), the difference of the two squares in U, summed
/// per issue first ([`WelfareSums::power`]): U(x) and U(x + δ) agree in
/// their leading digits, and enclosing them apart would leave a width of
/// order |U|. The sum P_j = Σ s c w (x − y), which this lemma says drops
/// out, is enclosed, not dropped.
fn certified_identity(
    e: &Enclosure,
    sums: &WelfareSums,
    label: impl Into<String>,
    delta: &[Interval],
) -> Enclosed {
    let lhs = sums.power(e, delta);

    let powers: Vec<Interval> = e.q.iter().zip(delta).map(|(q, d)| q * &d.square()).collect();
    let rhs = sum(&e.ctx, &powers);
    Enclosed::new(label, lhs, Relation::Eq, rhs)
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

    /// The triangle of the brief: x = ((3 − √3)/6, (3 − √3)/6), nobody clamped.
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

    #[test]
    fn holds_on_the_triangle() {
        let s = solved(&triangle("1e6", "0", "1"));
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
        // Three optimal shifts, three halfway shifts, one axis step.
        assert_eq!(e.checks.len(), 7);
        // At the optimum every agent spends exactly γ: the sides are γ, not 0.
        let gamma = s.params.gamma.clone();
        let gap = Float::with_val(256, &e.checks[0].rhs - &gamma).abs();
        assert!(gap < (s.ctx.int(1) >> 200u32), "power {}", e.checks[0].rhs);
    }

    #[test]
    fn holds_far_from_the_origin_and_at_large_n() {
        // The welfare is ~1e30 times the power here, and x carries rounding
        // relative to |x| ≈ 1e6: the widening and the b̄ charge must cope.
        let s = solved(&triangle("1e12", "1000000", "1000001"));
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds, "{:?}", e.tightest());
    }

    #[test]
    fn holds_for_a_type_sitting_at_x() {
        // The middle type has y = x = 0 exactly, so δ = 0 and both sides are 0.
        let json = r#"{"name": "line", "n": "4", "alpha": {"power_of_n": "-7/8"},
            "gamma": "1/100", "weight_box": {"min": "1", "max": "1"},
            "outcome_set": {"box": {"lo": ["-1"], "hi": ["1"]}},
            "population": {"types": [
              {"y": ["-1"], "w": ["1"], "mass": "1/4"},
              {"y": ["0"], "w": ["1"], "mass": "1/2"},
              {"y": ["1"], "w": ["1"], "mass": "1/4"}]}}"#;
        let e = evaluate(&solved(json)).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        assert!(e.checks[1].lhs.is_zero() && e.checks[1].rhs.is_zero());
    }

    #[test]
    fn sharpened_identity_is_violated() {
        let s = solved(&triangle("1e6", "0", "1"));
        let e = evaluate(&s).unwrap();
        // Moving the right side by 2^-100 of the larger side is far beyond
        // the error bound, which is near 2^-200 here.
        let t = s.ctx.int(1) >> 100u32;
        for check in &e.checks {
            assert_eq!(check.sharpened(&t).verdict, Verdict::Violated, "{}", check.label);
        }
    }

    #[test]
    fn dropping_the_square_is_caught() {
        // Σ q |δ| in place of Σ q δ²: the check must see the difference.
        let s = solved(&triangle("1e6", "0", "1"));
        let e = evaluate(&s).unwrap();
        let check = &e.checks[0];
        let delta = &s.programs[0].delta;
        let mut wrong = s.ctx.zero();
        for (qj, dj) in s.eq.q.iter().zip(delta) {
            wrong += Float::with_val(256, qj * &abs(dj));
        }
        let bad = Check::new(
            "wrong",
            check.lhs.clone(),
            Relation::Eq,
            wrong,
            (check.error.clone(), String::new()),
        )
        .unwrap();
        assert_eq!(bad.verdict, Verdict::Violated);
    }

    fn certified(s: &Solved) -> Vec<Enclosed> {
        match certify(s, &crate::enclosure::enclose(s).unwrap()) {
            Certification::Checks(checks) => checks,
            other => panic!("{other:?}"),
        }
    }

    // Appendix C.1 at the exact fixed point: every identity is bounded, none refuted.
    #[test]
    fn certified_on_the_triangle() {
        for s in
            [solved(&triangle("1e6", "0", "1")), solved(&triangle("1e12", "1000000", "1000001"))]
        {
            let checks = certified(&s);
            let e = evaluate(&s).unwrap();
            let statement = e.checks.iter().filter(|c| c.role == crate::verdict::Role::Statement);
            let labels: Vec<&String> = statement.map(|c| &c.label).collect();
            assert_eq!(checks.iter().map(|k| &k.label).collect::<Vec<_>>(), labels);
            // The certified gap is below 2^-160 of the power itself (γ at an optimum).
            for k in &checks {
                assert_ne!(k.proven(), crate::certify::Proven::Violated, "{}", k.label);
                let gap = (&k.lhs - &k.rhs).magnitude();
                let tiny = k.rhs.magnitude() >> 160u32;
                assert!(gap < tiny, "{}: |lhs − rhs| ≤ {gap}", k.label);
            }
        }
    }

    #[test]
    fn certified_identity_refutes_a_wrong_power() {
        // Σ q |δ| in place of Σ q δ², and Σ q δ² moved by 2^-100 γ: both refuted.
        let s = solved(&triangle("1e6", "0", "1"));
        let e = crate::enclosure::enclose(&s).unwrap();
        let k = certified_identity(&e, &WelfareSums::of(&e), "i = 1", &e.delta[0]);
        let unsquared: Vec<Interval> =
            e.q.iter().zip(&e.delta[0]).map(|(q, d)| q * &d.abs()).collect();
        let wrong = Enclosed::new("wrong", k.lhs.clone(), Relation::Eq, sum(&e.ctx, &unsquared));
        assert_eq!(wrong.proven(), crate::certify::Proven::Violated);
        let nudge = &e.params.gamma * &Interval::point(&(s.ctx.int(1) >> 100u32));
        let moved = Enclosed::new("moved", k.lhs.clone(), Relation::Eq, &k.rhs + &nudge);
        assert_eq!(moved.proven(), crate::certify::Proven::Violated);
    }
}
