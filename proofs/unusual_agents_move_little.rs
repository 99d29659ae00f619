//! The proof of Lemma D.4 (Appendix D), link by link.
//!
//! # The chains
//!
//! For every i ∉ N̂, the one-line steps and the first display:
//!
//! ```text
//! ‖δ_i‖₂ ≤ d_max
//! c_i w_ij q_j⁻¹ ≤ 1/(β n^(3/2) α)                                  (each j, Lemma B.4)
//! ‖δ''_i‖₂ = √γ c_i w_ij q_j⁻¹ ‖y_i − x‖₂ ≤ √γ d_max/(β n^(3/2) α)
//! ```
//!
//! then the second display, over all of N \ N̂, with the O(1) the proof
//! substitutes for ‖δ''_i‖ kept as the bound just shown:
//!
//! ```text
//! ‖∫_{i∉N̂} p (δ_i − δ''_i)‖ ≤ ∫_{i∉N̂} p ‖δ_i‖ + ∫_{i∉N̂} p ‖δ''_i‖
//!                            ≤ (d_max + √γ d_max/(β n^(3/2) α)) ∫_{i∉N̂} p
//! ```
//!
//! The steps "‖δ''_i‖ = O(1)" and "= O(α^(m/2) n^(m/4))" are asymptotic and
//! not encoded (Lemma B.2's bound on ∫_{i∉N̂} p is Lemma B.2's own check).
//!
//! The vector ∫_{i∉N̂} p (δ_i − δ''_i) is summed exactly, with x from its
//! definition ([`super::approximate_shifts_cancel::ExactSums`]); the norms
//! ‖δ''_i‖ use the stored x, so the link between them is charged the
//! rounding of x, √γ Σ_{i∉N̂} s_i c_i ‖w_i (x − x(c)) q⁻¹‖. The stored δ_i
//! enters ‖δ_i‖ ≤ d_max, which holds for Lemma C.2's shift (|δ_ij| ≤
//! |y_ij − x_j|); those links are charged the rounding left in b. The
//! chains that use Lemma B.4 have fixed-point sensitivity.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the first display writes ‖δ''_i‖₂ = √γ c_i w_ij q_j⁻¹ ‖y_i −
//! x‖₂ with j free. Read per issue ("‖δ''_i‖, as written (per issue)"), the
//! "=" fails when c_i w_ij / q_j differs across the issues where y_i differs
//! from x. The proof needs ‖δ''_i‖ ≤ √γ ‖y_i − x‖ max_j c_i w_ij q_j⁻¹ ("‖δ''_i‖,
//! as the proof uses (max over j)"). Both are encoded.

use rug::Float;

use super::approximate_shifts_cancel::{norm_of, Aggregates, ExactSums};
use super::charges::{self, charge, shift_rounding};
use super::tau_is_small::Constants;
use crate::audit::{Chain, ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::lemmas::approximate_shifts_cancel::delta_double_prime;
use crate::lemmas::hypotheses::{self as h, norm};
use crate::solved::Solved;
use crate::verdict::{Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof =
    Proof { number: "D.4", location: "Appendix D, proof of Lemma D.4", used_by: &["D.5"], audit };

const AS_WRITTEN: &str = "‖δ''_i‖, as written (per issue)";
const AS_USED: &str = "‖δ''_i‖, as the proof uses (max over j)";
const WHY: &str = "the rounding left in b, through the stored δ";

/// Audits the proof of Lemma D.4.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    if let Some(unmet) = Hypotheses::default()
        .require(h::ideal_points_in_chi(s), h::IDEAL_POINTS_IN_CHI)
        .require(h::normal_mass_half(s), h::NORMAL_MASS_HALF)
        .unmet()
    {
        return Ok(ProofAudit::unmet(unmet));
    }
    let prec = s.ctx.prec();
    let k = Constants::of(s);
    let share_bound = k.n32_alpha_beta.clone().recip();
    let sqrt_gamma = Float::with_val(prec, s.params.gamma.sqrt_ref());
    let dpp_bound = Float::with_val(prec, &sqrt_gamma * &s.params.d_max) * &share_bound;
    let mut chains = Vec::new();
    for i in charges::unusual_types(s) {
        chains.extend(type_chains(s, i, &share_bound, &dpp_bound)?);
    }
    chains.push(second_display(s, &dpp_bound)?);
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

/// The one-line steps and the first display for one type outside N̂.
fn type_chains(s: &Solved, i: usize, share_bound: &Float, dpp_bound: &Float) -> Result<Vec<Chain>> {
    let prec = s.ctx.prec();
    let label = format!("i = {}", i + 1);
    let t = &s.types[i];
    let delta = &s.programs[i].delta;
    let mut chains = Vec::new();

    let mut step = ChainBuilder::new(
        s,
        "‖δ_i‖₂ ≤ d_max",
        &label,
        Sensitivity::Rounding,
        ("‖δ_i‖₂", norm(delta)),
    )
    .then(Relation::Le, "d_max", s.params.d_max.clone())
    .build()?;
    charge(&mut step, 0, &norm(&shift_rounding(s, i)), WHY)?;
    chains.push(step);

    let shares: Vec<Float> =
        (0..s.params.m).map(|j| Float::with_val(prec, &s.eq.c[i] * &t.w[j]) / &s.eq.q[j]).collect();
    let gaps: Vec<Float> =
        (0..s.params.m).map(|j| Float::with_val(prec, &t.y[j] - &s.eq.x[j])).collect();
    let distance = norm(&gaps);
    let dpp_norm = norm(&delta_double_prime(s, i));
    let sqrt_gamma = Float::with_val(prec, s.params.gamma.sqrt_ref());
    let front = Float::with_val(prec, &sqrt_gamma * &distance);
    for (j, share) in shares.iter().enumerate() {
        let label = format!("i = {}, j = {}", i + 1, j + 1);
        let b4 = ChainBuilder::new(
            s,
            "Lemma B.4 per issue",
            &label,
            Sensitivity::FixedPoint,
            ("c_i w_ij q_j⁻¹", share.clone()),
        )
        .then(Relation::Le, "1/(β n^(3/2) α)", share_bound.clone());
        chains.push(b4.build()?);
        let written = ChainBuilder::new(
            s,
            AS_WRITTEN,
            &label,
            Sensitivity::FixedPoint,
            ("‖δ''_i‖₂", dpp_norm.clone()),
        )
        .then(Relation::Eq, "√γ c_i w_ij q_j⁻¹ ‖y_i − x‖₂", Float::with_val(prec, &front * share))
        .then(Relation::Le, "√γ d_max/(β n^(3/2) α)", dpp_bound.clone());
        chains.push(written.build()?);
    }
    let largest = shares.iter().fold(s.ctx.zero(), |acc, v| acc.max(v));
    let used =
        ChainBuilder::new(s, AS_USED, &label, Sensitivity::FixedPoint, ("‖δ''_i‖₂", dpp_norm))
            .then(Relation::Le, "√γ max_j (c_i w_ij q_j⁻¹) ‖y_i − x‖₂", front * largest)
            .then(Relation::Le, "√γ d_max/(β n^(3/2) α)", dpp_bound.clone());
    chains.push(used.build()?);
    Ok(chains)
}

/// The second display, over every type outside N̂.
fn second_display(s: &Solved, dpp_bound: &Float) -> Result<Chain> {
    let prec = s.ctx.prec();
    let agg = Aggregates::of(s);
    let unusual: Vec<usize> = (0..s.types.len()).filter(|&i| !s.is_normal(i)).collect();
    let sums = ExactSums::over(s, &agg, &unusual, false);
    let negated: Vec<_> = sums.second.iter().map(|v| -v.clone()).collect();
    let lhs = norm_of(s, &sums.shift, &negated);

    let mut shift_norms = s.ctx.zero();
    let mut dpp_norms = s.ctx.zero();
    let mut mass = s.ctx.zero();
    let mut b_charge = s.ctx.zero();
    for &i in &unusual {
        let m_i = &s.types[i].mass;
        shift_norms += Float::with_val(prec, m_i * &norm(&s.programs[i].delta));
        dpp_norms += Float::with_val(prec, m_i * &norm(&delta_double_prime(s, i)));
        b_charge += Float::with_val(prec, m_i * &norm(&shift_rounding(s, i)));
        mass += m_i;
    }
    let x_charge = outcome_rounding(s, &agg, &unusual);
    let total = Float::with_val(prec, &s.params.d_max + dpp_bound) * &mass;
    let mut chain = ChainBuilder::new(
        s,
        "second display",
        "",
        Sensitivity::FixedPoint,
        ("‖∫_{i∉N̂} p (δ_i − δ''_i)‖", lhs),
    )
    .then(Relation::Le, "∫_{i∉N̂} p ‖δ_i‖ + ∫_{i∉N̂} p ‖δ''_i‖", shift_norms + dpp_norms)
    .then(Relation::Le, "(d_max + √γ d_max/(β n^(3/2) α)) ∫_{i∉N̂} p", total)
    .build()?;
    charge(
        &mut chain,
        0,
        &x_charge,
        "the rounding of x between the exact sum and the norms ‖δ''_i‖",
    )?;
    charge(&mut chain, 1, &b_charge, WHY)?;
    Ok(chain)
}

/// Returns √γ Σ_{i ∈ set} s_i c_i ‖(w_ij (x_j − x_j(c)) q_j⁻¹)_j‖: how far
/// the δ''_i computed with the stored x may sit from those with x from its
/// definition, summed over the set.
pub fn outcome_rounding(s: &Solved, agg: &Aggregates, set: &[usize]) -> Float {
    let wide = s.ctx.widened(64);
    let prec = wide.prec();
    let offsets: Vec<Float> = (0..s.params.m)
        .map(|j| Float::with_val(prec, &s.eq.x[j] - Float::with_val(prec, &agg.x[j])))
        .collect();
    let mut total = s.ctx.zero();
    for &i in set {
        let t = &s.types[i];
        let parts: Vec<Float> = (0..s.params.m)
            .map(|j| Float::with_val(prec, &offsets[j] * &t.w[j]) / &s.eq.q[j])
            .collect();
        let size = Float::with_val(s.ctx.prec(), &t.mass * &s.eq.c[i]) * s.ctx.lift(&norm(&parts));
        total += size;
    }
    total * s.params.gamma.clone().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lemmas::approximate_shifts_cancel::tests as fixtures;
    use crate::verdict::Verdict;

    #[test]
    fn the_chains_the_proof_uses_hold_with_a_moving_unusual_type() {
        let s = fixtures::corners_and_centre();
        assert!(!s.is_normal(4));
        let audit = audit(&s).unwrap();
        let used: Vec<&Chain> = audit.chains.iter().filter(|c| c.display != AS_WRITTEN).collect();
        // ‖δ‖ ≤ d_max, B.4 on two issues, the max reading, the second display.
        assert_eq!(used.len(), 5);
        for chain in used {
            for link in &chain.links {
                assert_eq!(link.verdict, Verdict::Holds, "{}, {}", chain.display, link.label);
            }
        }
        // The unusual type moves: the left side is not 0.
        let second = audit.chains.last().unwrap();
        assert!(second.links[0].lhs > second.links[0].error);
    }

    #[test]
    fn with_every_type_normal_the_second_display_is_zero() {
        let audit = audit(&fixtures::triangle("1e6", "1/100")).unwrap();
        assert_eq!(audit.chains.len(), 1);
        let second = &audit.chains[0];
        assert!(second.links.iter().all(|l| l.lhs.is_zero() && l.verdict == Verdict::Holds));
    }

    /// The four corners of [0,1]² and a heavier-weighted type near the
    /// centre, which pulls x to about 10⁻⁵ from itself and is clamped.
    const WEIGHTED_CENTRE: &str = r#"{"name":"d4","n":"1e6","alpha":{"power_of_n":"-7/8"},
        "gamma":"1/100","weight_box":{"min":"1","max":"2"},
        "outcome_set":{"box":{"lo":["0","0"],"hi":["1","1"]}},
        "population":{"types":[{"y":["0","0"],"w":["1","1"],"mass":"1"},
          {"y":["1","0"],"w":["1","1"],"mass":"1"},{"y":["0","1"],"w":["1","1"],"mass":"1"},
          {"y":["1","1"],"w":["1","1"],"mass":"1"},
          {"y":["499/1000","501/1000"],"w":["2","1"],"mass":"1"}]}}"#;

    #[test]
    fn the_per_issue_reading_fails_when_the_shares_differ() {
        // The centre type's weights differ across the issues, so do its
        // shares c w_ij / q_j; its y differs from x on both.
        let s = fixtures::solve_json(WEIGHTED_CENTRE);
        assert!(!s.is_normal(4));
        let audit = audit(&s).unwrap();
        let literal: Vec<&Chain> =
            audit.chains.iter().filter(|c| c.display == AS_WRITTEN).collect();
        assert_eq!(literal.len(), 2);
        assert!(literal.iter().all(|c| c.links[0].verdict == Verdict::Violated));
        let used = audit.chains.iter().filter(|c| c.display != AS_WRITTEN);
        assert!(used.flat_map(|c| &c.links).all(|l| l.verdict == Verdict::Holds));
    }

    #[test]
    fn unmet_outside_the_hypotheses() {
        for (name, s) in fixtures::hypothesis_breakers() {
            let ours = [h::IDEAL_POINTS_IN_CHI, h::NORMAL_MASS_HALF].contains(&name);
            let audit = audit(&s).unwrap();
            assert_eq!(ours, audit.unmet.iter().any(|u| u == name), "{name}");
        }
    }
}
