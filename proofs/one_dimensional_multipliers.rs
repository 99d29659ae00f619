//! The proof of Lemma 3.3 (Section 3, the one-dimensional warm-up), link by link.
//!
//! # The chains
//!
//! With Section 3's median x, c_i = 1/(w_i |x − y_i|) and q (see
//! [`super::one_dimensional`]), and N̂ = {i : |x − y_i| ≥ n^{-1/4}} (Section
//! 3's, not Appendix B's), for every i ∈ N̂ (at most 48):
//!
//! ```text
//! U(x) − U(x + δ_i) = δ_i² q = γ                                  (arithmetic; tight)
//! (y_i − x)² / ((y_i − x)² (|x − y_i|⁻¹ + λ_i q)²) = γ/q
//! |x − y_i|⁻¹ + λ_i q = √(q/γ)
//! λ_i = 1/√(qγ) − 1/(q |x − y_i|)
//! λ_i ≤ 1/√(qγ)
//! λ_i = 1/√(qγ) − 1/(q |x − y_i|) ≥ (1/√q) (1/√γ − n^{1/4}/√q)
//! ```
//!
//! The three lines of the first display are equations solved one from the
//! other; each is evaluated at Program 1's optimum. The last expression of
//! the proof, (1/√q)(1/√γ − 1/Ω(n^{1/4})), is asymptotic and not
//! evaluated. U is exact (see [`super::exact_welfare`]), δ_i and λ_i come
//! from a widened solve of Program 1. Error bound: rounding.
//!
//! # Hypotheses
//!
//! Those of the warm-up ([`super::one_dimensional`]), N̂ non-empty, and the
//! proof's "we can always choose γ small enough that every agent in N̂
//! exhausts her power": the instance's γ must make every i ∈ N̂ tight.
//!
//! # Differences from the paper
//!
//! None.

use rug::{Float, Rational};

use super::one_dimensional::WarmUp;
use crate::audit::{ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::solved::Solved;
use crate::verdict::{Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "3.3",
    location: "Section 3, proof of Lemma 3.3",
    used_by: &["Theorem 3.1"],
    audit,
};

/// N̂ (Section 3) is non-empty.
pub const SOME_FAR_AGENT: &str = "some type has |x − y_i| ≥ n^(-1/4) (N̂ of Section 3)";

/// Every agent of Section 3's N̂ exhausts her power at the instance's γ.
pub const FAR_AGENTS_TIGHT: &str = "every i with |x − y_i| ≥ n^(-1/4) is tight at this γ";

/// Audits the proof of Lemma 3.3.
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
    let prec = ctx.prec();
    let float = |r: &Rational| ctx.rational(r);

    // N̂ = {|x − y_i| ≥ n^(-1/4)}, decided exactly: |x − y_i|⁴ n ≥ 1.
    let far: Vec<usize> = (0..warm_up.types.len())
        .filter(|&i| {
            let d = warm_up.distance(i);
            Rational::from(&d * &d).square() * &warm_up.n >= 1u32
        })
        .collect();
    if far.is_empty() {
        return Ok(ProofAudit::unmet(vec![SOME_FAR_AGENT.to_string()]));
    }
    let which = super::sampled(far);
    let optima = warm_up.programs(s, &which)?;
    if optima.iter().any(|(_, _, tight)| !tight) {
        return Ok(ProofAudit::unmet(vec![FAR_AGENTS_TIGHT.to_string()]));
    }

    let gamma = ctx.rational(&s.instance.gamma);
    let q = float(&warm_up.q);
    let root_q_gamma = Float::with_val(prec, &q * &gamma).sqrt();
    let upper = root_q_gamma.clone().recip();
    let root_q = q.clone().sqrt();
    let n_quarter = ctx.rational(&warm_up.n).sqrt().sqrt();
    let lower = (gamma.clone().sqrt().recip() - n_quarter / &root_q) / &root_q;
    let at_x = warm_up.welfare(&warm_up.x);

    let mut chains = Vec::new();
    for (&i, (delta, lambda, _)) in which.iter().zip(&optima) {
        let label = format!("i = {}", i + 1);
        let point = Rational::from(&warm_up.x + delta);
        let power = Rational::from(&at_x - &warm_up.welfare(&point));
        let weighted = Rational::from(delta * delta) * &warm_up.q;
        let chain = ChainBuilder::new(
            s,
            "power",
            &label,
            Sensitivity::Rounding,
            ("U(x) − U(x + δ_i)", float(&power)),
        )
        .then(Relation::Eq, "δ_i² q", float(&weighted))
        .then(Relation::Eq, "γ", gamma.clone());
        chains.push(chain.build()?);

        let distance = warm_up.distance(i);
        let offset = Rational::from(&warm_up.types[i].0 - &warm_up.x);
        let factor = Rational::from(&warm_up.q * lambda) + distance.clone().recip();
        let offset2 = Rational::from(&offset * &offset);
        let ratio =
            Rational::from(&offset2 / &(offset2.clone() * Rational::from(&factor * &factor)));
        let lines = [
            (
                "first display, first line",
                "(y_i − x)² / ((y_i − x)² (|x − y_i|⁻¹ + λ_i q)²)",
                float(&ratio),
                "γ/q",
                Float::with_val(prec, &gamma / &q),
            ),
            (
                "first display, second line",
                "|x − y_i|⁻¹ + λ_i q",
                float(&factor),
                "√(q/γ)",
                Float::with_val(prec, &q / &gamma).sqrt(),
            ),
        ];
        for (display, left, left_value, right, right_value) in lines {
            let chain =
                ChainBuilder::new(s, display, &label, Sensitivity::Rounding, (left, left_value))
                    .then(Relation::Eq, right, right_value);
            chains.push(chain.build()?);
        }
        let solved =
            Float::with_val(prec, &upper - &float(&Rational::from(&warm_up.q * &distance).recip()));
        let chain = ChainBuilder::new(
            s,
            "first display, third line",
            &label,
            Sensitivity::Rounding,
            ("λ_i", float(lambda)),
        )
        .then(Relation::Eq, "1/√(qγ) − 1/(q |x − y_i|)", solved.clone());
        chains.push(chain.build()?);
        let chain = ChainBuilder::new(
            s,
            "upper bound",
            &label,
            Sensitivity::Rounding,
            ("λ_i", float(lambda)),
        )
        .then(Relation::Le, "1/√(qγ)", upper.clone());
        chains.push(chain.build()?);
        let chain = ChainBuilder::new(
            s,
            "lower bound",
            &label,
            Sensitivity::Rounding,
            ("λ_i", float(lambda)),
        )
        .then(Relation::Eq, "1/√(qγ) − 1/(q |x − y_i|)", solved)
        .then(Relation::Ge, "(1/√q) (1/√γ − n^{1/4}/√q)", lower.clone());
        chains.push(chain.build()?);
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;
    use crate::verdict::Verdict;

    fn solve(gamma: &str) -> Solved {
        let text = format!(
            r#"{{"n": "1e6", "alpha": {{"power_of_n": "-7/8"}}, "gamma": "{gamma}",
            "weight_box": {{"min": "1/2", "max": "3"}},
            "outcome_set": {{"box": {{"lo": ["-1"], "hi": ["1"]}}}},
            "population": {{"types": [{{"y": ["-1"], "w": ["2"], "mass": "3"}},
                {{"y": ["-1/2"], "w": ["1/2"], "mass": "2"}},
                {{"y": ["1/2"], "w": ["3"], "mass": "2"}},
                {{"y": ["1"], "w": ["1"], "mass": "3"}}]}}}}"#
        );
        let instance = crate::instance_file::from_str(&text).unwrap();
        crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap()
    }

    // Section 3, Lemma 3.3's proof: the closed form of λ_i and its two bounds.
    #[test]
    fn the_proof_holds_for_every_far_agent() {
        let audit = audit(&solve("1/1000")).unwrap();
        assert_eq!(audit.chains.len(), 4 * 6);
        for chain in &audit.chains {
            assert!(chain.links.iter().all(|l| l.verdict == Verdict::Holds), "{chain:?}");
        }
    }

    #[test]
    fn unmet_when_gamma_leaves_a_far_agent_slack() {
        let audit = audit(&solve("1e9")).unwrap();
        assert_eq!(audit.unmet, vec![FAR_AGENTS_TIGHT.to_string()]);
    }
}
