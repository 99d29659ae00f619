//! The proof of Lemma B.3 (Appendix B.3), link by link.
//!
//! # The chains
//!
//! First display, for every issue j, with P = ∫ p c and r_k as in f:
//!
//! ```text
//! Q_j ≥ w_min P = w_min ∫_{N̂} √n p / max(α, √r_k) ≥ w_min √n ∫_N p / √r_k
//!     ≥ w_min √n ∫_{N̂} p / √(Σ_ℓ w_kℓ² (y_kℓ − x_ℓ)² / (w_min P))
//!     ≥ w_min^{3/2} √n √P ∫_{N̂} p / √(Σ_ℓ w_kℓ² (y_kℓ − x_ℓ)²)
//!     ≥ (w_min^{3/2} / w_max) √n √P ∫_{N̂} p / ‖y_k − x‖
//!     ≥ (w_min^{3/2} / (w_max d_max)) √n √P ∫_{N̂} p
//! ```
//!
//! then w_min P ≥ (that last term) ≥ (w_min^{3/2} / (2 w_max d_max)) √n √P
//! (by ∫_{N̂} p ≥ 1/2), √P ≥ √w_min √n / (2 w_max d_max),
//! P ≥ w_min n / (4 w_max² d_max²), and Q_j ≥ w_min² n / (4 w_max² d_max²).
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the first display's second and third expressions integrate
//! over N̂ and over N respectively; as written, the "=" fails whenever an
//! agent is clamped (the clamped agents' share of P is dropped), and the
//! "≥" after it compares a sum over N̂ with the larger sum over N. The
//! proof's argument needs them the other way round (∫_N in the equality,
//! ∫_{N̂} after dropping the clamped agents). Both readings are encoded:
//! the literal chain ("as written") and the swapped one ("as the proof
//! uses"). The literal chain is left out on instances where some r_k = 0
//! (an atom at x), where its third expression is infinite.

use rug::ops::Pow;
use rug::Float;

use crate::audit::{ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::lemmas::hypotheses::norm;
use crate::lemmas::hypotheses::{self, IDEAL_POINTS_IN_CHI, NORMAL_MASS_HALF};
use crate::solved::Solved;
use crate::verdict::{Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "B.3",
    location: "Appendix B.3, proof of Lemma B.3",
    used_by: &["B.4", "C.5", "C.6", "D.2", "D.3", "D.5"],
    audit,
};

const AS_WRITTEN: &str = "first display, as written";
const AS_USED: &str = "first display, as the proof uses (N̂ and N swapped)";

/// Audits the proof of Lemma B.3.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit<'a>(s: &'a Solved) -> Result<ProofAudit> {
    let mut required = Hypotheses::default();
    required
        .require(hypotheses::ideal_points_in_chi(s), IDEAL_POINTS_IN_CHI)
        .require(hypotheses::normal_mass_half(s), NORMAL_MASS_HALF);
    if let Some(unmet) = required.unmet() {
        return Ok(ProofAudit::unmet(unmet));
    }
    let ctx = &s.ctx;
    let p = &s.params;
    let sqrt_n = p.n.clone().sqrt();
    let w_min = &p.w_min;

    // The sums of the first display, each term from the definitions.
    let mut big_p = ctx.zero();
    let mut clamped_over_normal = ctx.zero();
    let mut clamped_over_all = ctx.zero();
    let mut inverse_root_over_all = Some(ctx.zero());
    let mut inverse_root_over_normal = ctx.zero();
    let mut weighted_distance = Vec::new();
    let mut normal_mass = ctx.zero();
    for (k, t) in s.types.iter().enumerate() {
        big_p += Float::with_val(ctx.prec(), &t.mass * &s.eq.c[k]);
        let root_r = s.eq.r[k].clone().sqrt();
        let clamp = Float::with_val(ctx.prec(), p.alpha.max_ref(&root_r));
        let term = Float::with_val(ctx.prec(), &t.mass * &sqrt_n) / clamp;
        clamped_over_all += &term;
        if root_r.is_zero() {
            inverse_root_over_all = None;
        } else if let Some(sum) = &mut inverse_root_over_all {
            *sum += Float::with_val(ctx.prec(), &t.mass / &root_r);
        }
        if s.is_normal(k) {
            clamped_over_normal += &term;
            inverse_root_over_normal += Float::with_val(ctx.prec(), &t.mass / &root_r);
            normal_mass += &t.mass;
            let mut sum = ctx.zero();
            let mut distance = Vec::with_capacity(p.m);
            for j in 0..p.m {
                let gap = Float::with_val(ctx.prec(), &t.y[j] - &s.eq.x[j]);
                sum += Float::with_val(ctx.prec(), &t.w[j] * &gap).square();
                distance.push(gap);
            }
            weighted_distance.push((t.mass.clone(), sum, norm(&distance)));
        }
    }

    // E4 … E7 over N̂.
    let w_min_p = Float::with_val(ctx.prec(), w_min * &big_p);
    let mut e4 = ctx.zero();
    let mut e5_sum = ctx.zero();
    let mut e6_sum = ctx.zero();
    for (mass, sum, distance) in &weighted_distance {
        e4 += Float::with_val(ctx.prec(), mass / (sum.clone() / &w_min_p).sqrt());
        e5_sum += Float::with_val(ctx.prec(), mass / sum.clone().sqrt());
        e6_sum += Float::with_val(ctx.prec(), mass / distance);
    }
    let front = w_min.clone() * &sqrt_n;
    let e4 = front.clone() * e4;
    let root_p = big_p.clone().sqrt();
    let w_min_3_2 = w_min.clone().pow(3u32).sqrt();
    let e5 = w_min_3_2.clone() * &sqrt_n * &root_p * e5_sum;
    let e6 = w_min_3_2.clone() / &p.w_max * &sqrt_n * &root_p * e6_sum;
    let e7_front = w_min_3_2.clone() / (p.w_max.clone() * &p.d_max) * &sqrt_n * &root_p;
    let e7 = e7_front.clone() * &normal_mass;

    let tail_terms = [
        ("w_min √n ∫_{N̂} p / √(Σ w² (y−x)² / (w_min P))", e4),
        ("w_min^{3/2} √n √P ∫_{N̂} p / √(Σ w² (y−x)²)", e5),
        ("(w_min^{3/2}/w_max) √n √P ∫_{N̂} p / ‖y − x‖", e6),
        ("(w_min^{3/2}/(w_max d_max)) √n √P ∫_{N̂} p", e7.clone()),
    ];
    let mut chains = Vec::new();
    for (j, big_q) in s.eq.big_q.iter().enumerate() {
        let label = format!("j = {}", j + 1);
        let start = ("Q_j = ∫ p c w_j", big_q.clone());
        let tail = |mut b: ChainBuilder<'a>| {
            for (term, value) in &tail_terms {
                b = b.then(Relation::Ge, term, value.clone());
            }
            b
        };
        if let Some(over_all) = &inverse_root_over_all {
            let b =
                ChainBuilder::new(s, AS_WRITTEN, &label, Sensitivity::FixedPoint, start.clone())
                    .then(Relation::Ge, "w_min P", w_min_p.clone())
                    .then(
                        Relation::Eq,
                        "w_min ∫_{N̂} √n p / max(α, √r)",
                        w_min.clone() * &clamped_over_normal,
                    )
                    .then(Relation::Ge, "w_min √n ∫_N p / √r", front.clone() * over_all);
            chains.push(tail(b).build()?);
        }
        let b = ChainBuilder::new(s, AS_USED, &label, Sensitivity::FixedPoint, start)
            .then(Relation::Ge, "w_min P", w_min_p.clone())
            .then(Relation::Eq, "w_min ∫_N √n p / max(α, √r)", w_min.clone() * &clamped_over_all)
            .then(Relation::Ge, "w_min √n ∫_{N̂} p / √r", front.clone() * &inverse_root_over_normal);
        chains.push(tail(b).build()?);
    }

    // The displays after it, which reach the statement.
    let half_bound = e7_front / 2u32;
    let second =
        ChainBuilder::new(s, "second display", "", Sensitivity::FixedPoint, ("w_min P", w_min_p))
            .then(Relation::Ge, "(w_min^{3/2}/(w_max d_max)) √n √P ∫_{N̂} p", e7)
            .then(Relation::Ge, "(w_min^{3/2}/(2 w_max d_max)) √n √P", half_bound);
    chains.push(second.build()?);
    let two_w_d = p.w_max.clone() * &p.d_max * 2u32;
    let root_bound = w_min.clone().sqrt() * &sqrt_n / &two_w_d;
    let third = ChainBuilder::new(s, "third display", "", Sensitivity::FixedPoint, ("√P", root_p))
        .then(Relation::Ge, "√w_min √n / (2 w_max d_max)", root_bound);
    chains.push(third.build()?);
    let four_w2_d2 = p.w_max.clone().square() * &p.d_max_squared * 4u32;
    let p_bound = w_min.clone() * &p.n / &four_w2_d2;
    let fourth =
        ChainBuilder::new(s, "fourth display", "", Sensitivity::FixedPoint, ("P = ∫ p c", big_p))
            .then(Relation::Ge, "w_min n / (4 w_max² d_max²)", p_bound);
    chains.push(fourth.build()?);
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::solve;
    use crate::verdict::Verdict;

    /// Types on a segment, two of them a thousandth from the median (so
    /// clamped, with r > 0).
    const SEGMENT: &str = r#"{"n": "1e6", "alpha": {"power_of_n": "-7/8"}, "gamma": "1/100",
        "weight_box": {"min": "1", "max": "1"},
        "outcome_set": {"box": {"lo": ["0"], "hi": ["1"]}},
        "population": {"types": [{"y": ["0"], "w": ["1"], "mass": "1"},
            {"y": ["499/1000"], "w": ["1"], "mass": "1"}, {"y": ["501/1000"], "w": ["1"], "mass": "1"},
            {"y": ["1"], "w": ["1"], "mass": "1"}]}}"#;

    fn links(audit: &ProofAudit, display: &str) -> Vec<Verdict> {
        let chain = audit.chains.iter().find(|c| c.display == display).unwrap();
        chain.links.iter().map(|l| l.verdict.clone()).collect()
    }

    #[test]
    fn the_swapped_reading_holds_link_by_link() {
        let audit = audit(&solve(SEGMENT)).unwrap();
        assert!(links(&audit, AS_USED).iter().all(|v| *v == Verdict::Holds));
        for display in ["second display", "third display", "fourth display"] {
            assert!(links(&audit, display).iter().all(|v| *v == Verdict::Holds), "{display}");
        }
    }

    #[test]
    fn the_literal_equality_fails_when_an_agent_is_clamped() {
        let s = solve(SEGMENT);
        assert!(!s.is_normal(1), "the median type is clamped");
        let audit = audit(&s).unwrap();
        assert_eq!(links(&audit, AS_WRITTEN)[1], Verdict::Violated);
    }
}
