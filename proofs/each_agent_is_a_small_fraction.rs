//! The proof of Lemma B.4 (Appendix B.3), link by link.
//!
//! # The chains
//!
//! The proof is one sentence: c_i ≤ √n/α and w_ij ≤ w_max bound the right
//! side by Lemma B.3's bound, and Lemma B.3 completes it. For every type i
//! (at most 48, sampled evenly) and every issue j, with
//! β = w_min² / (4 w_max³ d_max²):
//!
//! ```text
//! β √n α c_i w_ij ≤ β √n α (√n/α) w_max = w_min² n / (4 w_max² d_max²) ≤ ∫ p(k) c_k w_kj dk
//! ```
//!
//! The last link is Lemma B.3's statement, an earlier result; its left
//! side is Q_j from the definition. Error bound: the fixed-point bound
//! (c_i ≤ √n/α is a property of c = f(c), and Q_j a density's integral).
//!
//! # Differences from the paper
//!
//! None.

use rug::Float;

use crate::audit::{ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::lemmas::hypotheses::{self, IDEAL_POINTS_IN_CHI, NORMAL_MASS_HALF};
use crate::solved::Solved;
use crate::verdict::{Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "B.4",
    location: "Appendix B.3, proof of Lemma B.4",
    used_by: &["C.5", "D.2", "D.3", "D.4"],
    audit,
};

/// Audits the proof of Lemma B.4.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    let mut required = Hypotheses::default();
    required
        .require(hypotheses::ideal_points_in_chi(s), IDEAL_POINTS_IN_CHI)
        .require(hypotheses::normal_mass_half(s), NORMAL_MASS_HALF);
    if let Some(unmet) = required.unmet() {
        return Ok(ProofAudit::unmet(unmet));
    }
    let prec = s.ctx.prec();
    let p = &s.params;
    let factor = p.beta() * p.n.clone().sqrt() * &p.alpha;
    let capped = factor.clone() * (p.n.clone().sqrt() / &p.alpha) * &p.w_max;
    let four_w2_d2 = p.w_max.clone().square() * &p.d_max_squared * 4u32;
    let b3 = p.w_min.clone().square() * &p.n / four_w2_d2;

    let mut chains = Vec::new();
    for i in super::sampled((0..s.types.len()).collect()) {
        let t = &s.types[i];
        for j in 0..p.m {
            let share = Float::with_val(prec, &factor * &s.eq.c[i]) * &t.w[j];
            let chain = ChainBuilder::new(
                s,
                "the proof's sentence",
                format!("i = {}, j = {}", i + 1, j + 1),
                Sensitivity::FixedPoint,
                ("β √n α c_i w_ij", share),
            )
            .then(Relation::Le, "β √n α (√n/α) w_max", capped.clone())
            .then(Relation::Eq, "w_min² n / (4 w_max² d_max²)", b3.clone())
            .then(Relation::Le, "∫ p(k) c_k w_kj dk", s.eq.big_q[j].clone());
            chains.push(chain.build()?);
        }
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;
    use crate::verdict::Verdict;

    fn triangle(y0: &str) -> Solved {
        let text = format!(
            r#"{{"n": "1e6", "alpha": {{"power_of_n": "-7/8"}}, "gamma": "1/100",
            "weight_box": {{"min": "1", "max": "2"}},
            "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["1", "1"]}}}},
            "population": {{"types": [
                {{"y": ["{y0}", "0"], "w": ["2", "1"], "mass": "1"}},
                {{"y": ["1", "0"], "w": ["1", "1"], "mass": "1"}},
                {{"y": ["0", "1"], "w": ["1", "1"], "mass": "1"}}]}}}}"#
        );
        let instance = crate::instance_file::from_str(&text).unwrap();
        crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap()
    }

    // Appendix B.3, the proof of Lemma B.4 on the triangle with weights (2, 1).
    #[test]
    fn the_proof_holds_for_every_type_and_issue() {
        let audit = audit(&triangle("0")).unwrap();
        assert_eq!(audit.chains.len(), 6);
        for chain in &audit.chains {
            assert!(chain.links.iter().all(|l| l.verdict == Verdict::Holds), "{chain:?}");
        }
    }

    #[test]
    fn unmet_when_an_ideal_point_leaves_chi() {
        let audit = audit(&triangle("2")).unwrap();
        assert_eq!(audit.unmet, vec![IDEAL_POINTS_IN_CHI.to_string()]);
    }
}
