//! The proof of Lemma 3.2 (Section 3, the one-dimensional warm-up), link by link.
//!
//! # The chains
//!
//! With Section 3's median x, c_i = 1/(w_i |x − y_i|) and q (see
//! [`super::one_dimensional`]), for every type i (at most 48): the first
//! two displays differentiate the Lagrangian
//! L(δ, λ_i) = u_i(x + δ) − λ_i (U(x) − U(x + δ) − γ) and are identities in
//! δ, so they are evaluated at δ = (y_i − x)/2 with the solved λ_i, where
//! the derivative is not zero:
//!
//! ```text
//! dL/dδ = du_i(x + δ)/dδ + λ_i dU(x + δ)/dδ
//!       = −2 (x + δ − y_i)/|x − y_i| − λ_i n ∫ p(k) 2 (x + δ − y_k)/|x − y_k| dk
//!       = −2δ/|x − y_i| − 2 (x − y_i)/|x − y_i| − n ∫ p(k) 2λ_i δ/|x − y_k| dk
//!         − 2nλ_i ∫ p(k) (x − y_k)/|x − y_k| dk
//! dL/dδ = −2δ/|x − y_i| − 2 (x − y_i)/|x − y_i| − n ∫ p(k) 2λ_i δ/|x − y_k| dk   (the median)
//!       = −2δ (|x − y_i|⁻¹ + λ_i n ∫ p(k) |x − y_k|⁻¹ dk) − 2 (x − y_i)/|x − y_i|
//! ```
//!
//! and the third, at the optimum δ_i of Program 1:
//!
//! ```text
//! δ_i = (y_i − x) / (|x − y_i| (|x − y_i|⁻¹ + λ_i n ∫ p(k) |x − y_k|⁻¹ dk))
//!     = (y_i − x) / (|x − y_i| (|x − y_i|⁻¹ + λ_i q))
//! ```
//!
//! The derivatives are differences of L, u_i and U in δ, exact for
//! quadratics, all in exact rational arithmetic; δ_i and λ_i come from a
//! widened solve of Program 1. Error bound: rounding.
//!
//! # Differences from the paper
//!
//! None.

use rug::Rational;

use super::one_dimensional::WarmUp;
use crate::audit::{ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::solved::Solved;
use crate::verdict::{Relation, Sensitivity};

pub const PROOF: Proof =
    Proof { number: "3.2", location: "Section 3, proof of Lemma 3.2", used_by: &["3.3"], audit };

/// Audits the proof of Lemma 3.2.
///
/// # Errors
///
/// Fails on a non-finite value, or when a program cannot be solved.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    let warm_up = match WarmUp::of(s) {
        Ok(w) => w,
        Err(unmet) => return Ok(ProofAudit::unmet(unmet)),
    };
    let ctx = &s.ctx;
    let float = |r: &Rational| ctx.rational(r);
    let x = &warm_up.x;
    let n = &warm_up.n;
    let gamma = s.instance.gamma.clone();
    let which = super::sampled((0..warm_up.types.len()).collect());
    let optima = warm_up.programs(s, &which)?;

    // The integrals over k that do not depend on i or δ.
    let mut inverse_distance = Rational::new();
    let mut sign = Rational::new();
    for (k, (y, _, mass)) in warm_up.types.iter().enumerate() {
        let distance = warm_up.distance(k);
        inverse_distance += Rational::from(mass / &distance);
        sign += Rational::from(mass * &Rational::from(x - y)) / &distance;
    }
    let at_x = warm_up.welfare(x);

    let mut chains = Vec::new();
    for (&i, (delta_i, lambda, _)) in which.iter().zip(&optima) {
        let label = format!("i = {}, δ = (y_i − x)/2", i + 1);
        let (y_i, _, _) = &warm_up.types[i];
        let distance = warm_up.distance(i);
        let probe = Rational::from(y_i - x) / 2u32;
        let lagrangian = |d: &Rational| -> Rational {
            let z = Rational::from(x + d);
            let power = Rational::from(&at_x - &warm_up.welfare(&z)) - &gamma;
            warm_up.utility(i, &z) - power * lambda
        };
        let slope = |f: &dyn Fn(&Rational) -> Rational, d: &Rational| -> Rational {
            (f(&Rational::from(d + 1u32)) - f(&Rational::from(d - 1u32))) / 2u32
        };
        let dl = slope(&lagrangian, &probe);
        let du = slope(&|d: &Rational| warm_up.utility(i, &Rational::from(x + d)), &probe);
        let d_big_u = slope(&|d: &Rational| warm_up.welfare(&Rational::from(x + d)), &probe);
        let split = Rational::from(&d_big_u * lambda) + &du;

        let z = Rational::from(x + &probe);
        let own_pull = Rational::from(&z - y_i) / &distance * -2i32;
        let mut society = Rational::new();
        for (k, (y_k, _, mass)) in warm_up.types.iter().enumerate() {
            society += Rational::from(&z - y_k) * mass / warm_up.distance(k) * 2u32;
        }
        let expanded = Rational::from(&own_pull - &(society * lambda * n));
        let own_shift = Rational::from(&probe * -2i32) / &distance;
        let own_offset = Rational::from(x - y_i) * -2i32 / &distance;
        let spread = Rational::from(&inverse_distance * &probe) * lambda * n * 2u32;
        let median_term = Rational::from(&sign * lambda) * n * 2u32;
        let separated = Rational::from(&own_shift + &own_offset) - &spread - &median_term;
        let dropped = Rational::from(&own_shift + &own_offset) - &spread;
        let factor = Rational::from(&inverse_distance * lambda) * n + distance.clone().recip();
        let collected = Rational::from(&probe * &factor) * -2i32 + &own_offset;

        let chain = ChainBuilder::new(
            s,
            "first display",
            &label,
            Sensitivity::Rounding,
            ("dL/dδ", float(&dl)),
        )
        .then(Relation::Eq, "du_i(x + δ)/dδ + λ_i dU(x + δ)/dδ", float(&split))
        .then(
            Relation::Eq,
            "−2 (x + δ − y_i)/|x − y_i| − λ_i n ∫ p(k) 2 (x + δ − y_k)/|x − y_k| dk",
            float(&expanded),
        )
        .then(
            Relation::Eq,
            "−2δ/|x − y_i| − 2 (x − y_i)/|x − y_i| − n ∫ p(k) 2λ_i δ/|x − y_k| dk \
             − 2nλ_i ∫ p(k) (x − y_k)/|x − y_k| dk",
            float(&separated),
        );
        chains.push(chain.build()?);
        let chain = ChainBuilder::new(
            s,
            "second display (the median)",
            &label,
            Sensitivity::Rounding,
            ("dL/dδ", float(&dl)),
        )
        .then(
            Relation::Eq,
            "−2δ/|x − y_i| − 2 (x − y_i)/|x − y_i| − n ∫ p(k) 2λ_i δ/|x − y_k| dk",
            float(&dropped),
        )
        .then(
            Relation::Eq,
            "−2δ (|x − y_i|⁻¹ + λ_i n ∫ p(k) |x − y_k|⁻¹ dk) − 2 (x − y_i)/|x − y_i|",
            float(&collected),
        );
        chains.push(chain.build()?);

        // The third display, at the optimum.
        let offset = Rational::from(y_i - x);
        let by_integral = Rational::from(&offset / &(Rational::from(&distance * &factor)));
        let with_q = Rational::from(&warm_up.q * lambda) + distance.clone().recip();
        let by_q = Rational::from(&offset / &(Rational::from(&distance * &with_q)));
        let chain = ChainBuilder::new(
            s,
            "third display",
            format!("i = {}", i + 1),
            Sensitivity::Rounding,
            ("δ_i", float(delta_i)),
        )
        .then(
            Relation::Eq,
            "(y_i − x) / (|x − y_i| (|x − y_i|⁻¹ + λ_i n ∫ p(k) |x − y_k|⁻¹ dk))",
            float(&by_integral),
        )
        .then(Relation::Eq, "(y_i − x) / (|x − y_i| (|x − y_i|⁻¹ + λ_i q))", float(&by_q));
        chains.push(chain.build()?);
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;
    use crate::proofs::one_dimensional::MEDIAN_WITHOUT_ATOM;
    use crate::verdict::Verdict;

    fn solve(gamma: &str, types: &str) -> Solved {
        let text = format!(
            r#"{{"n": "1e6", "alpha": {{"power_of_n": "-7/8"}}, "gamma": "{gamma}",
            "weight_box": {{"min": "1/2", "max": "3"}},
            "outcome_set": {{"box": {{"lo": ["-1"], "hi": ["1"]}}}},
            "population": {{"types": [{types}]}}}}"#
        );
        let instance = crate::instance_file::from_str(&text).unwrap();
        crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap()
    }

    const FOUR: &str = r#"{"y": ["-1"], "w": ["2"], "mass": "3"},
        {"y": ["-1/2"], "w": ["1/2"], "mass": "2"}, {"y": ["1/2"], "w": ["3"], "mass": "2"},
        {"y": ["1"], "w": ["1"], "mass": "3"}"#;

    fn all_hold(audit: &ProofAudit) -> bool {
        !audit.chains.is_empty()
            && audit.chains.iter().all(|c| c.links.iter().all(|l| l.verdict == Verdict::Holds))
    }

    // Section 3, Lemma 3.2's proof for tight agents (γ = 1/1000).
    #[test]
    fn the_proof_holds_for_tight_agents() {
        let audit = audit(&solve("1/1000", FOUR)).unwrap();
        assert_eq!(audit.chains.len(), 12);
        assert!(all_hold(&audit));
    }

    // At γ = 10⁹ every agent reaches her ideal point: λ_i = 0, δ_i = y_i − x.
    #[test]
    fn the_proof_holds_for_slack_agents() {
        assert!(all_hold(&audit(&solve("1e9", FOUR)).unwrap()));
    }

    #[test]
    fn unmet_with_an_atom_at_the_median() {
        let types = r#"{"y": ["-1"], "w": ["1"], "mass": "1"},
            {"y": ["0"], "w": ["1"], "mass": "2"}, {"y": ["1"], "w": ["1"], "mass": "1"}"#;
        let audit = audit(&solve("1/1000", types)).unwrap();
        assert_eq!(audit.unmet, vec![MEDIAN_WITHOUT_ATOM.to_string()]);
    }
}
