//! The quantities the paper defines in two places, each pair as a one-link
//! "=" chain: Theorem 4.1's x against Section 5's x(c) and Section 5.1's
//! discrete x(c), β against Lemma B.4's constant, and η against Lemma C.5's
//! bound.
//!
//! # The chains
//!
//! ```text
//! Section 5:           x_j = (∫ p c w_j)⁻¹ ∫ p c w_j y_j
//! Section 5.1 (as written):        x_j = (Σ_i s_i w_ij)⁻¹ Σ_i s_i w_ij y_ij
//! Section 5.1 (as its words say):  x_j = (Σ_i s_i c_i w_ij)⁻¹ Σ_i s_i c_i w_ij y_ij
//! after Lemma B.4:     β = w_min² / (4 w_max³ d_max²)   (B.4's constant)
//! after Lemma C.5:     2γ^(3/2) m w_max / (n^(3/2) α β w_min − 2√γ m w_max) = γ^(3/2)/η
//! ```
//!
//! each x_j against Theorem 4.1's (the solved x).
//!
//! The solved x is the one every other chain uses; Section 5's x(c) is
//! summed here from the stored c at a widened precision. Section 5.1's
//! finite x(c) is compared on finite populations only (on a density its A
//! is Lemma 5.3's set of representatives, not the population). β is the
//! crate's `Params::beta`, against the constant Lemma B.4 states; η is
//! `Params::eta`, the one the lemma modules use, against the bound Lemma
//! C.5 states (for η > 0, where C.5 applies). All are rounding only.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: Section 5.1 writes the discrete average as
//! x_j(c) = (Σ_i s_i w_ij)⁻¹ Σ_i s_i w_ij y_ij, without c(i), though the
//! sentence before it says "weighted by c(i), w_ij, and s_i", and Lemma
//! 5.3's proof and Theorem 4.1 use the weights c. As written it differs
//! from Theorem 4.1's x whenever the scaling c differs across types; both
//! readings are encoded.

use rug::Float;

use crate::audit::{Chain, ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::population::Population;
use crate::solved::Solved;
use crate::verdict::{Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "4.1",
    location: "Theorem 4.1's x, β and η against their other definitions",
    used_by: &["5.1", "5.3", "B.4", "C.5", "C.6"],
    audit,
};

const AS_WRITTEN: &str = "x_j: Theorem 4.1 vs Section 5.1's finite x_j(c), as written (no c)";
const AS_WORDS: &str = "x_j: Theorem 4.1 vs Section 5.1's finite x_j(c), as its words say";

/// Audits the definitions given twice.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    let mut chains = outcome_chains(s)?;
    chains.push(beta_chain(s)?);
    if s.params.eta() > 0 {
        chains.push(eta_chain(s)?);
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

/// The three comparisons of x, per issue.
fn outcome_chains(s: &Solved) -> Result<Vec<Chain>> {
    let wide = s.ctx.widened(64);
    let prec = wide.prec();
    let finite = matches!(s.instance.population, Population::Finite(_));
    let mut chains = Vec::new();
    for j in 0..s.params.m {
        let label = format!("j = {}", j + 1);
        let (mut weight, mut moment) = (wide.zero(), wide.zero());
        let (mut plain_weight, mut plain_moment) = (wide.zero(), wide.zero());
        for (k, t) in s.types.iter().enumerate() {
            let sw = Float::with_val(prec, &t.mass * &t.w[j]);
            let scw = Float::with_val(prec, &sw * &s.eq.c[k]);
            moment += Float::with_val(prec, &scw * &t.y[j]);
            weight += scw;
            plain_moment += Float::with_val(prec, &sw * &t.y[j]);
            plain_weight += sw;
        }
        let with_c = s.ctx.lift(&Float::with_val(prec, &moment / &weight));
        let without_c = s.ctx.lift(&Float::with_val(prec, &plain_moment / &plain_weight));
        let x = ("x_j (Theorem 4.1)", s.eq.x[j].clone());

        let section5 = ChainBuilder::new(
            s,
            "x_j: Theorem 4.1 vs Section 5's x_j(c)",
            &label,
            Sensitivity::Rounding,
            x.clone(),
        )
        .then(Relation::Eq, "(∫ p c w_j)⁻¹ ∫ p c w_j y_j", with_c.clone());
        chains.push(section5.build()?);
        if finite {
            let written =
                ChainBuilder::new(s, AS_WRITTEN, &label, Sensitivity::Rounding, x.clone()).then(
                    Relation::Eq,
                    "(Σ_i s_i w_ij)⁻¹ Σ_i s_i w_ij y_ij",
                    without_c,
                );
            chains.push(written.build()?);
            let words = ChainBuilder::new(s, AS_WORDS, &label, Sensitivity::Rounding, x).then(
                Relation::Eq,
                "(Σ_i s_i c_i w_ij)⁻¹ Σ_i s_i c_i w_ij y_ij",
                with_c,
            );
            chains.push(words.build()?);
        }
    }
    Ok(chains)
}

/// β as the crate defines it against the constant of Lemma B.4's statement.
fn beta_chain(s: &Solved) -> Result<Chain> {
    let p = &s.params;
    let prec = s.ctx.prec();
    let w_max3 = Float::with_val(prec, p.w_max.square_ref()) * &p.w_max;
    let constant = Float::with_val(prec, p.w_min.square_ref()) / (w_max3 * &p.d_max_squared * 4u32);
    let b = ChainBuilder::new(
        s,
        "β: after Lemma B.4 vs Lemma B.4's constant",
        "",
        Sensitivity::Rounding,
        ("β", p.beta()),
    )
    .then(Relation::Eq, "w_min² / (4 w_max³ d_max²)", constant);
    b.build()
}

/// Lemma C.5's bound against γ^(3/2)/η with η as the crate defines it.
fn eta_chain(s: &Solved) -> Result<Chain> {
    let p = &s.params;
    let wide = s.ctx.widened(128);
    let prec = wide.prec();
    let sqrt_gamma = Float::with_val(prec, p.gamma.sqrt_ref());
    let gamma_32 = Float::with_val(prec, &sqrt_gamma * &p.gamma);
    let two_m_w = Float::with_val(prec, &p.w_max * (2 * p.m as u32));
    let n32 = Float::with_val(prec, p.n.sqrt_ref()) * &p.n;
    let lead = n32 * &p.alpha * p.beta() * &p.w_min;
    let denominator = lead - Float::with_val(prec, &sqrt_gamma * &two_m_w);
    let bound = Float::with_val(prec, &gamma_32 * &two_m_w) / denominator;
    let via_eta = Float::with_val(prec, &gamma_32 / &p.eta());
    let b = ChainBuilder::new(
        s,
        "η: after Lemma C.5 vs Lemma C.5's bound",
        "",
        Sensitivity::Rounding,
        ("2γ^(3/2) m w_max / (n^(3/2) α β w_min − 2√γ m w_max)", s.ctx.lift(&bound)),
    )
    .then(Relation::Eq, "γ^(3/2)/η", s.ctx.lift(&via_eta));
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lemmas::approximate_shifts_cancel::tests as fixtures;
    use crate::verdict::Verdict;

    fn verdicts(audit: &ProofAudit, display: &str) -> Vec<Verdict> {
        let chains = audit.chains.iter().filter(|c| c.display == display);
        chains.map(|c| c.links[0].verdict.clone()).collect()
    }

    #[test]
    fn the_definitions_the_proofs_use_agree() {
        for s in [fixtures::weighted_triangle(), fixtures::unit_interval_density()] {
            let audit = audit(&s).unwrap();
            for chain in audit.chains.iter().filter(|c| c.display != AS_WRITTEN) {
                assert_eq!(chain.links[0].verdict, Verdict::Holds, "{}", chain.display);
            }
        }
    }

    #[test]
    fn section_5_1_as_written_differs_when_the_scaling_varies() {
        let s = fixtures::weighted_triangle();
        assert!(s.eq.c[0] != s.eq.c[1]);
        let audit = audit(&s).unwrap();
        assert_eq!(verdicts(&audit, AS_WRITTEN), [Verdict::Violated, Verdict::Violated]);
        assert_eq!(verdicts(&audit, AS_WORDS), [Verdict::Holds, Verdict::Holds]);
        // One type: the weights c cancel, and the literal average agrees.
        let lone = fixtures::solve_json(&fixtures::finite_json(
            "1e6",
            "1/100",
            "1",
            &[(&["1/2", "1/4"], "1")],
        ));
        assert_eq!(
            verdicts(&super::audit(&lone).unwrap(), AS_WRITTEN),
            [Verdict::Holds, Verdict::Holds]
        );
    }

    #[test]
    fn the_literal_average_is_left_out_on_a_density() {
        let audit = audit(&fixtures::unit_interval_density()).unwrap();
        assert!(verdicts(&audit, AS_WRITTEN).is_empty());
    }
}
