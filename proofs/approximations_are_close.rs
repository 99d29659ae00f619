//! The proof of Lemma D.3 (Appendix D), link by link.
//!
//! # The chains
//!
//! For every i ∈ N̂, the first display (its third line repeats its second,
//! and so does the chain):
//!
//! ```text
//! 1/λ_i − √γ ≤ √γ (√((η+1)/η) − 1) = √γ (√((η+1)/η) − √(η/η)) = √γ (√((η+1)/η) − √(η/η))
//!            = √γ (√(η+1) − √η)/√η = √γ (η + 1 − η)/(√η (√(η+1) + √η)) ≤ √γ/η
//! ```
//!
//! and the second, with δ'_ij = c w (y − x)/(λ q) and δ''_ij = c w (y − x) q⁻¹ √γ:
//!
//! ```text
//! ‖δ'_i − δ''_i‖ ≤ ‖c w (y − x)/(λ q) − c √γ q⁻¹ w (y − x)‖ ≤ ‖(√γ/η) c q⁻¹ w (y − x)‖
//!                ≤ (√γ/η) ‖c q⁻¹ w (y − x)‖ = (√γ/η) √(Σ_j (y − x)² (c w q⁻¹)²)
//!                = (√γ/η) ‖y_i − x‖ c w_ij q_j⁻¹ ≤ √γ d_max/(β η n^(3/2) α)
//! ```
//!
//! The differences (1/λ_i − √γ, √((η+1)/η) − 1, √(η+1) − √η, δ' − δ'') are
//! taken at a widened precision from the stored λ, η and shifts. The links
//! that use Lemma C.6 (the first display's first, the second's second)
//! compare a difference about 1/η of 1/λ_i, while the fixed-point residual
//! moves 1/λ_i itself:
//! they are charged the residual on 1/λ_i (and the move of λ_i from the
//! rounding left in b), as Lemma D.3's module does. The rest is algebra,
//! except the last link (Lemma B.4), which has fixed-point sensitivity.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the second display's fifth line takes c_i w_ij q_j⁻¹ out of
//! the norm with j free. Read per issue ("second display, as written (per
//! issue)"), the "=" fails whenever c_i w_ij / q_j differs across the issues
//! where y_i differs from x. The bound the proof needs is
//! (√γ/η) ‖y_i − x‖ max_j c_i w_ij q_j⁻¹, which Lemma B.4 bounds ("second
//! display, as the proof uses (max over j)"). Both are encoded.

use rug::Float;

use super::charges::{self, charge, widened_for};
use super::tau_is_small::Constants;
use crate::audit::{Chain, ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::lemmas::approximate_shifts_cancel::{delta_double_prime_at, delta_prime_at};
use crate::lemmas::hypotheses::{self as h, norm};
use crate::lemmas::tau_is_positive::multiplier_drift;
use crate::solved::Solved;
use crate::verdict::{error_bound, Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof =
    Proof { number: "D.3", location: "Appendix D, proof of Lemma D.3", used_by: &["D.5"], audit };

const AS_WRITTEN: &str = "second display, as written (per issue)";
const AS_USED: &str = "second display, as the proof uses (max over j)";
const WHY: &str = "the fixed-point residual and the rounding left in b, on 1/λ_i (C.6)";

/// Audits the proof of Lemma D.3.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    if let Some(unmet) = Hypotheses::default()
        .require(h::some_normal_agent(s), h::SOME_NORMAL_AGENT)
        .require(h::normal_agents_tight(s), h::NORMAL_AGENTS_TIGHT)
        .require(h::eta_positive(s), h::ETA_POSITIVE)
        .require(h::gamma_at_most_one(s), h::GAMMA_AT_MOST_ONE)
        .require(h::normal_mass_half(s), h::NORMAL_MASS_HALF)
        .require(h::ideal_points_in_chi(s), h::IDEAL_POINTS_IN_CHI)
        .unmet()
    {
        return Ok(ProofAudit::unmet(unmet));
    }
    let eta_terms = EtaTerms::of(s);
    let mut chains = Vec::new();
    for i in charges::normal_types(s) {
        chains.extend(type_chains(s, i, &eta_terms)?);
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

/// Returns the error of 1/λ_i that a link comparing a small difference
/// of it cannot see: the fixed-point bound on 1/λ_i plus 1/λ_i times the
/// move of λ_i from the rounding left in b.
pub fn inverse_multiplier_error(s: &Solved, i: usize) -> Float {
    let inverse = s.programs[i].lambda.clone().recip();
    let (bound, _) = error_bound(s, &inverse, Sensitivity::FixedPoint);
    bound + multiplier_drift(s, i) * &inverse
}

/// Returns Lemma D.3's right side, √γ d_max / (β η n^(3/2) α).
pub fn statement_bound(s: &Solved) -> Float {
    EtaTerms::of(s).statement
}

/// The right sides of the first display after its first term, and √γ.
struct EtaTerms {
    values: Vec<Float>,
    sqrt_gamma: Float,
    /// √γ d_max / (β η n^(3/2) α).
    statement: Float,
    eta: Float,
}

impl EtaTerms {
    fn of(s: &Solved) -> EtaTerms {
        let k = Constants::of(s);
        let wide = s.ctx.widened(64 + k.eta.get_exp().map_or(0, |e| e.unsigned_abs()));
        let prec = wide.prec();
        let eta = wide.lift(&k.eta);
        let sqrt_gamma = Float::with_val(prec, s.params.gamma.sqrt_ref());
        let eta1 = Float::with_val(prec, &eta + 1u32);
        let root_ratio = Float::with_val(prec, &eta1 / &eta).sqrt();
        // The display writes 1 as √(η/η).
        #[allow(clippy::eq_op)]
        let root_one = Float::with_val(prec, &eta / &eta).sqrt();
        let root_eta = Float::with_val(prec, eta.sqrt_ref());
        let root_eta1 = Float::with_val(prec, eta1.sqrt_ref());
        let roots_gap = Float::with_val(prec, &root_eta1 - &root_eta);
        let unit = Float::with_val(prec, &eta1 - &eta);
        let roots_sum = Float::with_val(prec, &root_eta1 + &root_eta);
        let values = vec![
            Float::with_val(prec, &root_ratio - 1u32),
            Float::with_val(prec, &root_ratio - &root_one),
            Float::with_val(prec, &root_ratio - &root_one),
            roots_gap / &root_eta,
            unit / (root_eta * roots_sum),
            eta.clone().recip(),
        ];
        let values = values.into_iter().map(|v| s.ctx.lift(&(v * &sqrt_gamma))).collect();
        let n32 = Float::with_val(prec, s.params.n.sqrt_ref()) * &s.params.n;
        let denominator = n32 * &s.params.alpha * s.params.beta() * &eta;
        let statement = Float::with_val(prec, &sqrt_gamma * &s.params.d_max) / denominator;
        EtaTerms {
            values,
            sqrt_gamma: s.ctx.lift(&sqrt_gamma),
            statement: s.ctx.lift(&statement),
            eta: s.ctx.lift(&eta),
        }
    }
}

/// The chains of one normal type.
fn type_chains(s: &Solved, i: usize, eta_terms: &EtaTerms) -> Result<Vec<Chain>> {
    let label = format!("i = {}", i + 1);
    let lambda = &s.programs[i].lambda;
    let inverse_error = inverse_multiplier_error(s, i);

    let wide = widened_for(s, i);
    let prec = wide.prec();
    let sqrt_gamma = Float::with_val(prec, s.params.gamma.sqrt_ref());
    let excess = Float::with_val(prec, lambda.clone().recip() - &sqrt_gamma);
    let names = [
        "√γ (√((η+1)/η) − 1)",
        "√γ (√((η+1)/η) − √(η/η))",
        "√γ (√((η+1)/η) − √(η/η))",
        "√γ (√(η+1) − √η)/√η",
        "√γ (η + 1 − η)/(√η (√(η+1) + √η))",
        "√γ/η",
    ];
    let relations =
        [Relation::Le, Relation::Eq, Relation::Eq, Relation::Eq, Relation::Eq, Relation::Le];
    let mut b = ChainBuilder::new(
        s,
        "first display",
        &label,
        Sensitivity::Rounding,
        ("1/λ_i − √γ", s.ctx.lift(&excess)),
    );
    for ((name, relation), value) in names.iter().zip(relations).zip(&eta_terms.values) {
        b = b.then(relation, name, value.clone());
    }
    let mut first = b.build()?;
    charge(&mut first, 0, &inverse_error, WHY)?;
    let mut chains = vec![first];

    // δ' − δ'' component by component at the widened precision; the
    // common direction c w (y − x) q⁻¹ = δ''/√γ; and its parts.
    let delta_prime = delta_prime_at(s, &wide, i);
    let delta_double_prime = delta_double_prime_at(s, &wide, i);
    let gap: Vec<Float> = (0..s.params.m)
        .map(|j| Float::with_val(prec, &delta_prime[j] - &delta_double_prime[j]))
        .collect();
    let direction: Vec<Float> = delta_double_prime
        .iter()
        .map(|v| s.ctx.lift(&Float::with_val(prec, v / &sqrt_gamma)))
        .collect();
    let t = &s.types[i];
    let gaps: Vec<Float> =
        (0..s.params.m).map(|j| Float::with_val(s.ctx.prec(), &t.y[j] - &s.eq.x[j])).collect();
    let shares: Vec<Float> = (0..s.params.m)
        .map(|j| Float::with_val(s.ctx.prec(), &s.eq.c[i] * &t.w[j]) / &s.eq.q[j])
        .collect();
    let front = Float::with_val(s.ctx.prec(), &eta_terms.sqrt_gamma / &eta_terms.eta);
    let scaled: Vec<Float> =
        direction.iter().map(|v| Float::with_val(s.ctx.prec(), v * &front)).collect();
    let direction_norm = norm(&direction);
    let weighted: Vec<Float> =
        gaps.iter().zip(&shares).map(|(g, w)| Float::with_val(s.ctx.prec(), g * w)).collect();
    let distance = norm(&gaps);
    let largest = shares.iter().fold(s.ctx.zero(), |acc, v| acc.max(v));
    let gap_norm = s.ctx.lift(&norm(&gap));

    let start = |display: &'static str, label: &str| {
        ChainBuilder::new(
            s,
            display,
            label,
            Sensitivity::FixedPoint,
            ("‖δ'_i − δ''_i‖", gap_norm.clone()),
        )
        .then(Relation::Le, "‖c w (y − x)/(λ q) − c √γ q⁻¹ w (y − x)‖", gap_norm.clone())
        .then(Relation::Le, "‖(√γ/η) c q⁻¹ w (y − x)‖", norm(&scaled))
        .then(Relation::Le, "(√γ/η) ‖c q⁻¹ w (y − x)‖", front.clone() * &direction_norm)
        .then(
            Relation::Eq,
            "(√γ/η) √(Σ_j (y − x)² (c w q⁻¹)²)",
            front.clone() * norm(&weighted),
        )
    };
    let direction_charge = Float::with_val(s.ctx.prec(), &inverse_error * &direction_norm);
    let mut used = start(AS_USED, &label)
        .then(
            Relation::Le,
            "(√γ/η) ‖y_i − x‖ max_j c w_ij q_j⁻¹",
            front.clone() * &distance * &largest,
        )
        .then(Relation::Le, "√γ d_max/(β η n^(3/2) α)", eta_terms.statement.clone())
        .build()?;
    charge(&mut used, 1, &direction_charge, WHY)?;
    chains.push(used);
    for j in 0..s.params.m {
        let label = format!("i = {}, j = {}", i + 1, j + 1);
        let mut written = start(AS_WRITTEN, &label)
            .then(
                Relation::Eq,
                "(√γ/η) ‖y_i − x‖ c w_ij q_j⁻¹",
                front.clone() * &distance * &shares[j],
            )
            .then(Relation::Le, "√γ d_max/(β η n^(3/2) α)", eta_terms.statement.clone())
            .build()?;
        charge(&mut written, 1, &direction_charge, WHY)?;
        chains.push(written);
    }
    Ok(chains)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lemmas::approximate_shifts_cancel::tests as fixtures;
    use crate::verdict::Verdict;

    #[test]
    fn the_chains_the_proof_uses_hold_link_by_link() {
        for s in [fixtures::triangle("1e6", "1/100"), fixtures::weighted_triangle()] {
            let audit = audit(&s).unwrap();
            for chain in audit.chains.iter().filter(|c| c.display != AS_WRITTEN) {
                for link in &chain.links {
                    assert_eq!(link.verdict, Verdict::Holds, "{}, {}", chain.display, link.label);
                }
            }
        }
    }

    #[test]
    fn the_per_issue_reading_fails_when_the_shares_differ() {
        // Weights differ across issues, so c_i w_ij / q_j does too.
        let audit = audit(&fixtures::weighted_triangle()).unwrap();
        let literal: Vec<&Chain> =
            audit.chains.iter().filter(|c| c.display == AS_WRITTEN).collect();
        assert_eq!(literal.len(), 6);
        assert!(literal.iter().all(|c| c.links[4].verdict == Verdict::Violated));
        // On the symmetric triangle the shares agree and the "=" holds.
        let audit = super::audit(&fixtures::triangle("1e6", "1/100")).unwrap();
        let literal = audit.chains.iter().filter(|c| c.display == AS_WRITTEN);
        assert!(literal.flat_map(|c| &c.links).all(|l| l.verdict == Verdict::Holds));
    }

    #[test]
    fn the_first_step_has_room_beyond_its_charge() {
        // 1/λ − √γ ≤ √γ (√((η+1)/η) − 1) must be decided, not a tie: the
        // charge on 1/λ_i is far below the margin.
        let audit = audit(&fixtures::triangle("1e6", "1/100")).unwrap();
        for chain in audit.chains.iter().filter(|c| c.display == "first display") {
            assert!(!chain.ties[0], "{}", chain.label);
        }
    }

    #[test]
    fn unmet_outside_the_hypotheses() {
        let ours = [
            h::IDEAL_POINTS_IN_CHI,
            h::NORMAL_MASS_HALF,
            h::SOME_NORMAL_AGENT,
            h::NORMAL_AGENTS_TIGHT,
            h::ETA_POSITIVE,
            h::GAMMA_AT_MOST_ONE,
        ];
        for (name, s) in fixtures::hypothesis_breakers() {
            let audit = audit(&s).unwrap();
            assert_eq!(ours.contains(&name), audit.unmet.iter().any(|u| u == name), "{name}");
        }
    }
}
