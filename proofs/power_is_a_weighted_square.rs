//! The proof of Lemma C.1 (Appendix C.1), link by link.
//!
//! # The chains
//!
//! The lemma is claimed for every shift δ; the chains take δ = δ_i, the
//! optimum of Program 1, for every type i (at most 48, sampled evenly):
//!
//! ```text
//! U(x + δ_i) = U(x) + δ_iᵀ ∇U(x) + ½ δ_iᵀ ∇²U(x) δ_i                       (Taylor)
//! U(x) − U(x + δ_i) = U(x) − (U(x) + δ_iᵀ ∇U(x) + ½ δ_iᵀ ∇²U(x) δ_i)
//!                   = −½ δ_iᵀ ∇²U(x) δ_i                                   (∇U(x) = 0)
//! −½ δ_iᵀ ∇²U(x) δ_i = Σ_j δ_ij² (n ∫ p c w_j) = Σ_j q_j δ_ij²              (constraint)
//! ```
//!
//! and, for every issue j (and pair j ≠ ℓ), the derivatives the proof takes:
//! ∂U/∂x_j = −2n ∫ p c w_j (x_j − y_j), evaluated at x' = x + (d_max/8)(1, …, 1)
//! where it is not zero; ∂²U/∂x_j² = −2n ∫ p c w_j; ∂²U/∂x_j∂x_ℓ = 0; and
//! "∇²U(x) is a diagonal matrix with entry n ∫ p c w_j".
//!
//! U, its gradient and Hessian (differences of U, exact for a quadratic)
//! are taken in exact rational arithmetic from the solved c, with x the
//! exact quotient of its definition ([`super::exact_welfare`]): at the
//! working precision ∇U(x) is rounding noise that would swamp the power of
//! a small shift. q_j in the last expression is the solver's n Q_j. Error
//! bound: rounding.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: "∇²U(x) is a diagonal matrix with entry n ∫ p c w_j" must
//! read −2n ∫ p c w_j (the entry the proof has just computed); its half
//! with the sign changed, −½ ∇²U(x), has the entry n ∫ p c w_j, which is
//! what the constraint Σ_j q_j δ_j² uses. Both are encoded, "Hessian
//! entry, as written" (it fails on every instance) and "…, as the proof
//! uses (−½ ∇²U)".
//!
//! The lemma has no hypotheses: x = x(c) holds by construction, and
//! ∇U(x) = 0 follows from its definition alone (Lemma B.1).

use rug::Rational;

use super::exact_welfare::{dot, exact, quadratic_form, ExactWelfare};
use crate::audit::{ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::solved::Solved;
use crate::verdict::{Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "C.1",
    location: "Appendix C.1, proof of Lemma C.1",
    used_by: &["C.2", "C.3", "C.4"],
    audit,
};

const ENTRY_AS_WRITTEN: &str = "Hessian entry, as written";
const ENTRY_AS_USED: &str = "Hessian entry, as the proof uses (−½ ∇²U)";

/// Audits the proof of Lemma C.1.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    let ctx = &s.ctx;
    let float = |r: &Rational| ctx.rational(r);
    let u = ExactWelfare::of(s);
    let x = &u.x;
    let at_x = u.at(x);
    let gradient = u.gradient(x);
    let hessian = u.hessian(x);
    let mut chains = Vec::new();

    for i in super::sampled((0..s.types.len()).collect()) {
        let label = format!("i = {}", i + 1);
        let delta: Vec<Rational> = s.programs[i].delta.iter().map(exact).collect();
        let moved: Vec<Rational> =
            x.iter().zip(&delta).map(|(a, b)| Rational::from(a + b)).collect();
        let at_moved = u.at(&moved);
        let half_form = quadratic_form(&hessian, &delta) / 2u32;
        let expansion = Rational::from(&at_x + &dot(&delta, &gradient)) + &half_form;
        let taylor = ChainBuilder::new(
            s,
            "Taylor expansion",
            &label,
            Sensitivity::Rounding,
            ("U(x + δ_i)", float(&at_moved)),
        )
        .then(Relation::Eq, "U(x) + δ_iᵀ ∇U(x) + ½ δ_iᵀ ∇²U(x) δ_i", float(&expansion));
        chains.push(taylor.build()?);

        let power = Rational::from(&at_x - &at_moved);
        let weighted: Rational = (0..s.params.m)
            .map(|j| Rational::from(&delta[j] * &delta[j]) * &u.big_q[j] * &u.n)
            .sum();
        let solver_q: Rational = (0..s.params.m)
            .map(|j| Rational::from(&delta[j] * &delta[j]) * exact(&s.eq.q[j]))
            .sum();
        let chain = ChainBuilder::new(
            s,
            "power",
            &label,
            Sensitivity::Rounding,
            ("U(x) − U(x + δ_i)", float(&power)),
        )
        .then(
            Relation::Eq,
            "U(x) − (U(x) + δ_iᵀ ∇U(x) + ½ δ_iᵀ ∇²U(x) δ_i)",
            float(&Rational::from(&at_x - &expansion)),
        )
        .then(Relation::Eq, "−½ δ_iᵀ ∇²U(x) δ_i", float(&Rational::from(-&half_form)));
        chains.push(chain.build()?);
        let chain = ChainBuilder::new(
            s,
            "constraint",
            &label,
            Sensitivity::Rounding,
            ("−½ δ_iᵀ ∇²U(x) δ_i", float(&Rational::from(-&half_form))),
        )
        .then(Relation::Eq, "Σ_j δ_ij² (n ∫ p c w_j)", float(&weighted))
        .then(Relation::Eq, "Σ_j q_j δ_ij²", float(&solver_q));
        chains.push(chain.build()?);
    }

    // The derivatives, issue by issue.
    let step = exact(&s.params.d_max) / 8u32;
    let shifted: Vec<Rational> = x.iter().map(|xj| Rational::from(xj + &step)).collect();
    let minus_two_n = Rational::from(&u.n * -2i32);
    for j in 0..s.params.m {
        let label = format!("j = {}", j + 1);
        let gap = Rational::from(&u.big_q[j] * &shifted[j]) - &u.moment[j];
        let chain = ChainBuilder::new(
            s,
            "gradient",
            format!("x' = x + (d_max/8) 1, j = {}", j + 1),
            Sensitivity::Rounding,
            ("∂U/∂x_j (x')", float(&u.slope(&shifted, j))),
        )
        .then(Relation::Eq, "−2n ∫ p c w_j (x'_j − y_j)", float(&(gap * &minus_two_n)));
        chains.push(chain.build()?);

        let entry = &hessian[j][j];
        let chain = ChainBuilder::new(
            s,
            "curvature",
            &label,
            Sensitivity::Rounding,
            ("∂²U/∂x_j²", float(entry)),
        )
        .then(
            Relation::Eq,
            "−2n ∫ p c w_j",
            float(&Rational::from(&u.big_q[j] * &minus_two_n)),
        );
        chains.push(chain.build()?);
        for l in (j + 1)..s.params.m {
            let chain = ChainBuilder::new(
                s,
                "mixed curvature",
                format!("j = {}, ℓ = {}", j + 1, l + 1),
                Sensitivity::Rounding,
                ("∂²U/∂x_j∂x_ℓ", float(&hessian[j][l])),
            )
            .then(Relation::Eq, "0", ctx.zero());
            chains.push(chain.build()?);
        }

        let n_q = float(&Rational::from(&u.big_q[j] * &u.n));
        let written = ChainBuilder::new(
            s,
            ENTRY_AS_WRITTEN,
            &label,
            Sensitivity::Rounding,
            ("(∇²U(x))_jj", float(entry)),
        )
        .then(Relation::Eq, "n ∫ p c w_j", n_q.clone());
        chains.push(written.build()?);
        let half = float(&Rational::from(entry / -2i32));
        let used = ChainBuilder::new(
            s,
            ENTRY_AS_USED,
            &label,
            Sensitivity::Rounding,
            ("−½ (∇²U(x))_jj", half),
        )
        .then(Relation::Eq, "n ∫ p c w_j", n_q);
        chains.push(used.build()?);
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;
    use crate::verdict::Verdict;

    /// Three types with unequal weights at n = 10²⁰, where δ_i is about 10⁻¹⁰
    /// and x_j about 1/3: at the working precision ∇U(x) alone would move the
    /// power by far more than its rounding.
    fn triangle() -> Solved {
        let text = r#"{"n": "1e20", "alpha": {"power_of_n": "-7/8"}, "gamma": "1/100",
            "weight_box": {"min": "1", "max": "2"},
            "outcome_set": {"box": {"lo": ["0", "0"], "hi": ["1", "1"]}},
            "population": {"types": [{"y": ["0", "0"], "w": ["2", "1"], "mass": "1"},
                {"y": ["1", "0"], "w": ["1", "1"], "mass": "1"},
                {"y": ["0", "1"], "w": ["1", "2"], "mass": "2"}]}}"#;
        let instance = crate::instance_file::from_str(text).unwrap();
        crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap()
    }

    fn all_hold(audit: &ProofAudit, display: &str) -> bool {
        let chains: Vec<_> = audit.chains.iter().filter(|c| c.display == display).collect();
        !chains.is_empty()
            && chains.iter().all(|c| c.links.iter().all(|l| l.verdict == Verdict::Holds))
    }

    // Appendix C.1, every display.
    #[test]
    fn the_proof_holds_link_by_link() {
        let audit = audit(&triangle()).unwrap();
        for display in [
            "Taylor expansion",
            "power",
            "constraint",
            "gradient",
            "curvature",
            "mixed curvature",
            ENTRY_AS_USED,
        ] {
            assert!(all_hold(&audit, display), "{display}");
        }
    }

    #[test]
    fn the_literal_hessian_entry_fails() {
        let audit = audit(&triangle()).unwrap();
        let written: Vec<_> =
            audit.chains.iter().filter(|c| c.display == ENTRY_AS_WRITTEN).collect();
        assert_eq!(written.len(), 2);
        assert!(written.iter().all(|c| c.links[0].verdict == Verdict::Violated));
    }
}
