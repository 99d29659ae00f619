//! The proof of Lemma C.6 (Appendix C.3), and the lines before it, link by link.
//!
//! # The chains
//!
//! For every i ∈ N̂, the text between Lemmas C.5 and C.6 (η's definition,
//! then γ ≤ 1):
//!
//! ```text
//! τ_i ≤ 2γ^(3/2) m w_max / (n^(3/2) α β w_min − 2√γ m w_max) = γ^(3/2)/η ≤ γ/η
//! ```
//!
//! the proof's display (the first inequality), and the second inequality
//! "from the fact that τ_i ≥ 0":
//!
//! ```text
//! λ_i = 1/√(τ_i + γ) ≥ 1/√(γ/η + γ) ≥ √η / √(γ + γη) = √(η/(η+1)) · 1/√γ
//! λ_i = 1/√(τ_i + γ) ≤ 1/√γ
//! ```
//!
//! τ_i is taken with Lemma C.2's δ, as in the proof of C.5 after its first
//! step ([`super::tau_is_small::tau_with_c2_shift`]); λ_i is the solver's
//! root of its power equation. The link λ_i = 1/√(τ_i + γ) rests on c = f(c)
//! (c_i = 1/√(Σ_j w_ij² (y_ij − x_j)² q_j⁻¹)) and on Lemma C.3's tightness,
//! which holds up to the rounding left in b: it has fixed-point sensitivity
//! and is charged that rounding. The rest is algebra of τ_i, γ and η, with η
//! from its definition at a widened precision (it cancels when η is small).
//!
//! # Differences from the paper
//!
//! None. (The display's "≥" between 1/√(γ/η + γ) and √η/√(γ + γη) is an
//! equality; it holds as a tie.)

use rug::Float;

use super::charges::{self, charge, power_rounding};
use super::tau_is_small::{tau_with_c2_shift, Constants};
use crate::audit::{ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::lemmas::hypotheses::{self as h};
use crate::solved::Solved;
use crate::verdict::{Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "C.6",
    location: "Appendix C.3, proof of Lemma C.6 and the lines before it",
    used_by: &["D.2", "D.3", "D.5", "4.1"],
    audit,
};

const WHY: &str = "the rounding left in b, through 1/λ² = τ + γ (C.3), Σ q (2|δ̃| e + e²) / (τ + γ)";

/// Audits the proof of Lemma C.6.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    if let Some(unmet) = Hypotheses::default()
        .require(h::some_normal_agent(s), h::SOME_NORMAL_AGENT)
        .require(h::normal_agents_tight(s), h::NORMAL_AGENTS_TIGHT)
        .require(h::eta_positive(s), h::ETA_POSITIVE)
        .require(h::normal_mass_half(s), h::NORMAL_MASS_HALF)
        .require(h::ideal_points_in_chi(s), h::IDEAL_POINTS_IN_CHI)
        .require(h::gamma_at_most_one(s), h::GAMMA_AT_MOST_ONE)
        .unmet()
    {
        return Ok(ProofAudit::unmet(unmet));
    }
    let prec = s.ctx.prec();
    let p = &s.params;
    let k = Constants::of(s);
    let eta = &k.eta;
    let gamma = &p.gamma;
    let sqrt_gamma = Float::with_val(prec, gamma.sqrt_ref());
    let gamma_32 = Float::with_val(prec, gamma * &sqrt_gamma);
    let numerator = Float::with_val(prec, &gamma_32 * &p.w_max) * (2 * p.m as u32);
    let gamma_over_eta = Float::with_val(prec, gamma / eta);
    let eta_plus_one = Float::with_val(prec, eta + 1u32);

    // The ends of the band, each as the display writes it.
    let via_bound = (gamma_over_eta.clone() + gamma).sqrt().recip();
    let gamma_eta = Float::with_val(prec, gamma * eta);
    let split = Float::with_val(prec, eta.sqrt_ref()) / (gamma_eta + gamma).sqrt();
    let share = Float::with_val(prec, eta / &eta_plus_one).sqrt();
    let lower = Float::with_val(prec, &share / &sqrt_gamma);
    let upper = sqrt_gamma.clone().recip();

    let mut chains = Vec::new();
    for i in charges::normal_types(s) {
        let label = format!("i = {}", i + 1);
        let tau = tau_with_c2_shift(s, i);
        let lambda = s.programs[i].lambda.clone();
        let tau_plus_gamma = Float::with_val(prec, &tau + gamma);
        let inverse_root = tau_plus_gamma.clone().sqrt().recip();
        let tight = power_rounding(s, i) * &lambda / &tau_plus_gamma;

        let before = ChainBuilder::new(
            s,
            "after Lemma C.5 (η, then γ ≤ 1)",
            &label,
            Sensitivity::FixedPoint,
            ("τ_i", tau),
        )
        .then(
            Relation::Le,
            "2γ^(3/2) m w_max / (n^(3/2) α β w_min − 2√γ m w_max)",
            Float::with_val(prec, &numerator / &k.difference),
        )
        .then(Relation::Eq, "γ^(3/2)/η", Float::with_val(prec, &gamma_32 / eta))
        .then(Relation::Le, "γ/η", gamma_over_eta.clone());
        chains.push(before.build()?);

        let mut first = ChainBuilder::new(
            s,
            "first inequality",
            &label,
            Sensitivity::FixedPoint,
            ("λ_i", lambda.clone()),
        )
        .then(Relation::Eq, "1/√(τ_i + γ)", inverse_root.clone())
        .then(Relation::Ge, "1/√(γ/η + γ)", via_bound.clone())
        .then(Relation::Ge, "√η / √(γ + γη)", split.clone())
        .then(Relation::Eq, "√(η/(η+1)) · 1/√γ", lower.clone())
        .build()?;
        charge(&mut first, 0, &tight, WHY)?;
        chains.push(first);

        let mut second = ChainBuilder::new(
            s,
            "second inequality (τ_i ≥ 0)",
            &label,
            Sensitivity::FixedPoint,
            ("λ_i", lambda),
        )
        .then(Relation::Eq, "1/√(τ_i + γ)", inverse_root)
        .then(Relation::Le, "1/√γ", upper.clone())
        .build()?;
        charge(&mut second, 0, &tight, WHY)?;
        chains.push(second);
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{solve, weighted_triangle as triangle};
    use crate::verdict::Verdict;

    #[test]
    fn every_chain_holds_link_by_link() {
        let audit = audit(&solve(&triangle("1e6", "1/100"))).unwrap();
        assert_eq!(audit.chains.len(), 9);
        for chain in &audit.chains {
            for link in &chain.links {
                assert_eq!(link.verdict, Verdict::Holds, "{}, {}", chain.display, link.label);
            }
        }
    }

    #[test]
    fn the_split_of_the_root_is_a_tie_and_the_bound_is_not() {
        let audit = audit(&solve(&triangle("1e6", "1/100"))).unwrap();
        for chain in audit.chains.iter().filter(|c| c.display == "first inequality") {
            // 1/√(γ/η + γ) = √η/√(γ + γη): the "≥" is an identity.
            assert!(chain.ties[2]);
            // τ_i < γ/η strictly: the band's bound has room.
            assert!(!chain.ties[1] && chain.links[1].margin() > chain.links[1].error);
        }
    }

    #[test]
    fn unmet_when_gamma_exceeds_one() {
        let audit = audit(&solve(&triangle("1e6", "2"))).unwrap();
        assert_eq!(audit.unmet, vec![h::GAMMA_AT_MOST_ONE.to_string()]);
    }

    #[test]
    fn unmet_when_eta_is_negative() {
        let audit = audit(&solve(&triangle("4", "1/2"))).unwrap();
        assert!(audit.unmet.contains(&h::ETA_POSITIVE.to_string()), "{:?}", audit.unmet);
    }
}
