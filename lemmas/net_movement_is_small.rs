//! The net movement of the outcome under everyone's shift is small (Lemma D.5).
//!
//! # Statement
//!
//! ```text
//! ‖n ∫ p(i) δ_i(x) di‖₂ ≤ (γ + √γ)/Ω(n² α²) + O(α^(m/2) n^(m/4+1))
//! ```
//!
//! The explicit form the proof's chain gives, encoded here:
//!
//! ```text
//! ‖n ∫ p δ‖₂ ≤ n · [ 2γ d_max/(β² n³ α²) + √γ d_max/(β η n^(3/2) α) + C_D4 · M ]
//! ```
//!
//! the bounds of Lemmas D.2 and D.3 (each times ∫_{N̂} p ≤ 1, as the proof
//! does) and of D.4, with `C_D4 = d_max + √γ d_max/(β n^(3/2) α)` and M the
//! unusual mass: measured, or Lemma B.2's bound for a density.
//!
//! # Hypotheses
//!
//! The union of those of D.2, D.3 and D.4:
//! 1. N̂ is non-empty (`SOME_NORMAL_AGENT`).
//! 2. Every i ∈ N̂ is tight (`NORMAL_AGENTS_TIGHT`).
//! 3. η > 0 and η ≥ 1 (`ETA_POSITIVE`, `ETA_AT_LEAST_ONE`, from D.2).
//! 4. γ ≤ 1 (`GAMMA_AT_MOST_ONE`).
//! 5. ∫_{N̂} p ≥ 1/2 and every ideal point in χ (`NORMAL_MASS_HALF`,
//!    `IDEAL_POINTS_IN_CHI`).
//!
//! # Numerical check
//!
//! - "with the measured unusual mass": M = Σ_{i∉N̂} s_i.
//! - "with Lemma B.2's bound" (densities only): M = B2.
//! - "literal reading: ‖∫pδ‖ = ‖∫pδ''‖ + ‖∫p(δ − δ'')‖": the proof's first
//!   display as written (see the differences below).
//!
//! The left side `n ‖Σ_i s_i δ_i‖₂` cancels: the net movement is far smaller
//! than any single shift. The sum is taken at the working precision plus
//! `64 + ⌈log₂ n_types⌉` bits: each of its n_types products and additions is
//! then rounded 2⁶⁴ times more finely than the stored shifts, so the sum adds
//! nothing measurable to their own error. The bound is [`split_bound`]:
//! fixed-point sensitivity (C.6 and B.4 rely on c = f(c)) on
//! `n Σ_i s_i ‖δ_i‖` and on the measured-mass part of the right side;
//! rounding on the parameter-only parts and on `n Σ_i s_i` times the
//! [`externality_terms`] of δ_i (its b-terms, ≈ 0 only by cancellation).
//!
//! The net movement can be exactly 0 up to rounding: when every type's
//! weights are equal across issues and every type is normal and tight, all
//! q_j are equal, each δ_i is parallel to y_i − x with ‖δ_i‖ = √(γ/q), and
//! x(c) is then the weighted geometric median, Σ s (y − x)/‖y − x‖ = 0 (the
//! triangle, the four corners of a square). This is not special-cased: the
//! check holds with the left side at rounding level.
//!
//! Certified: `n ‖Σ_i s_i δ_i‖₂` over Program 1's enclosed optima against
//! `n (2γ d_max/(β² n³ α²) + √γ d_max/(β η n^(3/2) α) + C_D4 M)` over the
//! enclosed parameters, M the mass of the types certainly outside N̂. The
//! sum needs no widening and no error bound: the enclosure contains the
//! exact net movement (0 on the triangle, where the check still holds).
//! Lemma B.2's form (densities) and the literal reading (a proof step) are
//! not certified.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the proof's first display writes `‖∫ p δ‖ = ‖∫ p δ''‖ +
//! ‖∫ p (δ − δ'')‖`; the triangle inequality gives ≤, which is the reading
//! the chain needs. The literal equality is also checked (it happens to hold
//! because ∫ p δ'' = 0 by D.1, which makes both sides ‖∫ p δ‖).
//!
//! DIFFERENCE: in the final lines, the √γ term's `Ω(n³ α²)` is
//! `β η n^(3/2) α` with η = Θ(n^(3/2) α); the explicit form keeps η.

use rug::Float;

use crate::certify::{self, hypotheses as ch, Certification, Enclosed};
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Evaluation, Hypotheses, Relation, Sensitivity};

use super::approximate_shifts_cancel::{
    delta_double_prime, externality_terms, instead_of_checks, split_bound,
};
use super::hypotheses::{self as h, norm};
use super::unusual_agents_move_little::{
    c_d4, certified_c_d4, certified_unusual_mass, unusual_mass, unusual_mass_bound,
};
use super::{approximations_are_close as d3, shift_is_near_first_approximation as d2};

pub const NUMBER: &str = "D.5";
pub const STATEMENT: &str = "‖n ∫ p(i) δ_i(x) di‖₂ ≤ (γ + √γ)/Ω(n² α²) + O(α^(m/2) n^(m/4+1))";
pub const HYPOTHESES: &[&str] = &[
    h::SOME_NORMAL_AGENT,
    h::NORMAL_AGENTS_TIGHT,
    h::ETA_POSITIVE,
    h::ETA_AT_LEAST_ONE,
    h::GAMMA_AT_MOST_ONE,
    h::NORMAL_MASS_HALF,
    h::IDEAL_POINTS_IN_CHI,
];
pub const METHOD: &str = "n ‖Σ_i s_i δ_i‖₂ summed at the working precision + 64 + log₂(n_types) \
    bits, against n (2γ d_max/(β² n³ α²) + √γ d_max/(β η n^(3/2) α) + C_D4 M) with M the \
    measured unusual mass and (densities) Lemma B.2's bound; fixed-point bound on \
    n Σ s ‖δ_i‖ and the measured-mass part, rounding on the parameter-only parts; plus the \
    proof's first display read literally";

/// Evaluates Lemma D.5.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    if let Some(unmet) = Hypotheses::default()
        .require(h::some_normal_agent(s), h::SOME_NORMAL_AGENT)
        .require(h::normal_agents_tight(s), h::NORMAL_AGENTS_TIGHT)
        .require(h::eta_positive(s), h::ETA_POSITIVE)
        .require(h::eta_at_least_one(s), h::ETA_AT_LEAST_ONE)
        .require(h::gamma_at_most_one(s), h::GAMMA_AT_MOST_ONE)
        .require(h::normal_mass_half(s), h::NORMAL_MASS_HALF)
        .require(h::ideal_points_in_chi(s), h::IDEAL_POINTS_IN_CHI)
        .unmet()
    {
        return Ok(Evaluation::unmet(unmet));
    }

    let prec = s.ctx.prec();
    let n = &s.params.n;
    let sums = NetSums::of(s);

    // Left side: n ‖Σ s δ‖, and the terms' magnitudes it is charged on.
    let lhs = s.ctx.lift(&norm(&sums.delta)) * n;
    let shifts = Float::with_val(prec, &sums.shifts * n);
    let externality = Float::with_val(prec, &sums.externality * n);

    // Right side: n times the bounds of D.2, D.3 and D.4 along the proof's chain.
    let normal_part = (d2::bound(s) + d3::bound(s)) * n;
    let unusual_part = |mass: &Float| -> Float { c_d4(s) * mass * n };

    // The measured mass is a sum over the types (a quadrature for a density),
    // so its part of the right side is charged like the shifts.
    let mut checks = Vec::new();
    let measured = unusual_part(&unusual_mass(s));
    let rhs = Float::with_val(prec, &normal_part + &measured);
    let model = Float::with_val(prec, &shifts + &measured);
    let bound = split_bound(s, &model, &(externality.clone() + &normal_part));
    checks.push(Check::new(MEASURED, lhs.clone(), Relation::Le, rhs, bound)?);

    if let Some(b2) = unusual_mass_bound(s) {
        let rhs = normal_part + unusual_part(&b2);
        let bound = split_bound(s, &shifts, &(externality + &rhs));
        checks.push(Check::new("with Lemma B.2's bound", lhs, Relation::Le, rhs, bound)?);
    }

    // The proof's first display read literally, as an equality of norms:
    // pure algebra of the same sums, so rounding only.
    let literal_lhs = s.ctx.lift(&norm(&sums.delta));
    let literal_rhs =
        s.ctx.lift(&norm(&sums.delta_double_prime)) + s.ctx.lift(&norm(&sums.difference));
    let scale = Float::with_val(prec, &sums.shifts + &sums.externality) + &sums.double_primes;
    let bound = error_bound(s, &scale, Sensitivity::Rounding);
    let label = "literal reading: ‖∫pδ‖ = ‖∫pδ''‖ + ‖∫p(δ − δ'')‖";
    checks.push(Check::new(label, literal_lhs, Relation::Eq, literal_rhs, bound)?.proof_step());
    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// The population sums of δ, δ'' and δ − δ'', at a widened precision,
/// and the magnitudes of their terms.
struct NetSums {
    delta: Vec<Float>,
    delta_double_prime: Vec<Float>,
    difference: Vec<Float>,
    /// Σ_i s_i ‖δ_i‖, at the working precision.
    shifts: Float,
    /// Σ_i s_i · externality_terms(i), at the working precision.
    externality: Float,
    /// Σ_i s_i ‖δ''_i‖, at the working precision.
    double_primes: Float,
}

impl NetSums {
    fn of(s: &Solved) -> NetSums {
        let prec = s.ctx.prec();
        let m = s.params.m;
        let extra = 64 + usize::BITS - s.types.len().leading_zeros();
        let wide = s.ctx.widened(extra);
        let mut sums = NetSums {
            delta: vec![wide.zero(); m],
            delta_double_prime: vec![wide.zero(); m],
            difference: vec![wide.zero(); m],
            shifts: s.ctx.zero(),
            externality: s.ctx.zero(),
            double_primes: s.ctx.zero(),
        };
        for (i, t) in s.types.iter().enumerate() {
            let delta = &s.programs[i].delta;
            let dpp = delta_double_prime(s, i);
            for j in 0..m {
                sums.delta[j] += Float::with_val(wide.prec(), &t.mass * &delta[j]);
                sums.delta_double_prime[j] += Float::with_val(wide.prec(), &t.mass * &dpp[j]);
                let gap = Float::with_val(wide.prec(), &delta[j] - &dpp[j]);
                sums.difference[j] += gap * &t.mass;
            }
            sums.shifts += Float::with_val(prec, &t.mass * norm(delta));
            sums.externality += Float::with_val(prec, &t.mass * externality_terms(s, i));
            sums.double_primes += Float::with_val(prec, &t.mass * norm(&dpp));
        }
        sums
    }
}

/// Certifies Lemma D.5 on an enclosure: n ‖Σ_i s_i δ_i‖₂ against the
/// chain's explicit bound with the measured unusual mass.
pub fn certify(s: &Solved, e: &Enclosure) -> Certification {
    let mut hypotheses = certify::Hypotheses::default();
    hypotheses
        .require(ch::some_normal_agent(e), h::SOME_NORMAL_AGENT)
        .require(ch::normal_agents_tight(e), h::NORMAL_AGENTS_TIGHT)
        .require(ch::eta_positive(e), h::ETA_POSITIVE)
        .require(ch::eta_at_least_one(e), h::ETA_AT_LEAST_ONE)
        .require(ch::gamma_at_most_one(e), h::GAMMA_AT_MOST_ONE)
        .require(ch::normal_mass_half(e), h::NORMAL_MASS_HALF)
        .require(Some(h::ideal_points_in_chi(s)), h::IDEAL_POINTS_IN_CHI);
    if let Some(instead) = instead_of_checks(&mut hypotheses, e) {
        return instead;
    }

    // Left side: the net movement n Σ_i s_i δ_i of Program 1's optima.
    let n = &e.params.n;
    let m = e.params.m;
    let mut net = vec![e.params.small(0); m];
    for (t, delta) in e.types.iter().zip(&e.delta) {
        for j in 0..m {
            net[j] = &net[j] + &(&t.mass * &delta[j]);
        }
    }
    let lhs = n * &certify::norm(e, &net);

    // Right side: n times the bounds of D.2, D.3 and D.4 (C_D4 M, M measured).
    let normal_part = &d2::certified_bound(e) + &d3::certified_bound(e);
    let unusual_part = &certified_c_d4(e) * &certified_unusual_mass(e);
    let rhs = n * &(&normal_part + &unusual_part);
    Certification::Checks(vec![Enclosed::new(MEASURED, lhs, Relation::Le, rhs)])
}

/// The measured-mass check's label, shared by the evaluation and the certification.
const MEASURED: &str = "with the measured unusual mass";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certify::Proven;
    use crate::lemmas::approximate_shifts_cancel::tests as fixtures;
    use crate::verdict::Verdict;

    fn labelled<'a>(e: &'a Evaluation, label: &str) -> &'a Check {
        e.checks.iter().find(|c| c.label.starts_with(label)).unwrap()
    }

    // Lemma D.5's chain: D.1, the triangle inequality, D.2, D.3, D.4.
    #[test]
    fn holds_with_weights_that_differ_across_issues() {
        let e = evaluate(&fixtures::weighted_triangle()).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        let main = labelled(&e, "with the measured unusual mass");
        assert!(main.lhs > main.error);
        fixtures::assert_sharpening_caught(main);
        fixtures::assert_equality_sharpening_caught(labelled(&e, "literal reading"));
    }

    // Equal weights and nobody clamped: x is the geometric median and every
    // δ_i = √(γ/q) (y_i − x)/‖y_i − x‖, so the net movement is 0 to rounding.
    #[test]
    fn vanishes_on_the_triangle() {
        let s = fixtures::triangle("1e6", "1/100");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        let main = labelled(&e, "with the measured unusual mass");
        assert!(main.lhs < main.error);
        fixtures::assert_sharpening_caught(main);
    }

    #[test]
    fn holds_at_the_edge_of_eta_at_least_one() {
        let s = fixtures::triangle("300", "1/100");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        fixtures::assert_sharpening_caught(labelled(&e, "with the measured unusual mass"));
    }

    #[test]
    fn holds_with_a_clamped_type() {
        let e = evaluate(&fixtures::corners_and_centre()).unwrap();
        assert_eq!(e.verdict(), Verdict::Holds);
        let main = labelled(&e, "with the measured unusual mass");
        assert!(main.lhs > main.error);
        fixtures::assert_sharpening_caught(main);
    }

    // m = 1 with one weight: the exact-zero case again. With the graded
    // quadrature (error ≈ 1e-9) the measured-mass form holds as well as
    // Lemma B.2's form, which is exact in its parameters.
    #[test]
    fn holds_on_a_density_with_lemma_b2() {
        let e = evaluate(&fixtures::unit_interval_density()).unwrap();
        assert_eq!(e.checks.len(), 3);
        assert_eq!(labelled(&e, "with the measured unusual mass").verdict, Verdict::Holds);
        assert_eq!(labelled(&e, "literal reading").verdict, Verdict::Holds);
        fixtures::assert_sharpening_caught(labelled(&e, "with Lemma B.2's bound"));
    }

    #[test]
    fn unmet_when_eta_is_below_one() {
        let s = fixtures::triangle("100", "1/100");
        let e = evaluate(&s).unwrap();
        assert_eq!(e.verdict(), Verdict::Unmet);
        assert_eq!(e.unmet, vec![h::ETA_AT_LEAST_ONE.to_string()]);
    }

    #[test]
    fn unmet_outside_each_hypothesis() {
        fixtures::assert_unmet_outside(HYPOTHESES, evaluate);
    }

    /// Returns the one certified check after asserting it holds under evaluate's label.
    fn certified(s: &Solved) -> Enclosed {
        let e = fixtures::enclosed(s);
        let mut checks = fixtures::certified_checks(certify(s, &e));
        let labels: Vec<String> = checks.iter().map(|k| k.label.clone()).collect();
        assert_eq!(labels, fixtures::statement_labels(&evaluate(s).unwrap()));
        assert_eq!(checks[0].proven(), Proven::Holds);
        checks.remove(0)
    }

    #[test]
    fn certified_with_unequal_weights_and_with_a_clamped_type() {
        for s in [fixtures::weighted_triangle(), fixtures::corners_and_centre()] {
            fixtures::assert_certified_sharpening_caught(&certified(&s));
        }
    }

    // The geometric median: the exact net movement is 0, and its enclosure
    // is far below the bound.
    #[test]
    fn certified_on_the_triangle_where_it_vanishes() {
        let k = certified(&fixtures::triangle("1e6", "1/100"));
        assert!(k.lhs.contains(&Float::new(k.lhs.lo().prec())));
        let ratio = Float::with_val(k.rhs.lo().prec(), k.lhs.hi() / k.rhs.lo());
        assert!(ratio < Float::with_val(ratio.prec(), 1u32) >> 100u32, "{ratio}");
    }

    #[test]
    fn certified_unmet_when_eta_is_below_one() {
        let s = fixtures::triangle("100", "1/100");
        match certify(&s, &fixtures::enclosed(&s)) {
            Certification::Unmet(names) => assert_eq!(names, vec![h::ETA_AT_LEAST_ONE]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn certified_unmet_outside_each_hypothesis() {
        fixtures::assert_certified_unmet_outside(HYPOTHESES, certify);
    }
}
