//! The proof of Lemma B.1 (Appendix B.1), link by link.
//!
//! # The chains
//!
//! First display, at x' = x:
//!
//! ```text
//! U(x') = n ∫ p(i) u_i(x') di = −n ∫ p(i) c_i Σ_j w_ij (x'_j − y_ij)² di
//! ```
//!
//! Second display, for every issue j:
//!
//! ```text
//! ∂U/∂x_j = −2n ∫ p c w_j (x_j − y_j) = ∫ p c w_j x_j − ∫ p c w_j y_j
//!         = x_j ∫ p c w_j − ∫ p c w_j y_j
//! ```
//!
//! Its lines are identities in x_j, true before the definition of x is
//! substituted; at x itself every line is 0. They are evaluated at
//! x' = x + (d_max/8)(1, …, 1), where the gradient is not zero.
//!
//! Third display, at x, for every issue j:
//!
//! ```text
//! ∂U/∂x_j = (∫ p c w_j)⁻¹ ∫ p c w_j y_j − ∫ p c w_j y_j = ∫ p c w_j y_j − ∫ p c w_j y_j = 0
//! ```
//!
//! U is the expanded definition and ∂U/∂x_j a difference of U, both in
//! exact rational arithmetic from the solved c, with x the exact quotient
//! of its definition (see [`super::exact_welfare`]): the display is an
//! identity, and its zeros are exact. The first display's first two
//! expressions are the working-precision sums over the types. Error bound:
//! rounding.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the second display drops the factor −2n between its first
//! and second lines. Both are encoded: "second display, as written" and
//! "…, as the proof uses (with −2n)"; the literal link fails wherever the
//! gradient is not zero, which is why it is evaluated at x' ≠ x.
//!
//! DIFFERENCE: the third display's first line substitutes
//! x_j = (∫ p c w_j)⁻¹ ∫ p c w_j y_j but drops the factor ∫ p c w_j it
//! multiplies (and the −2n). "third display, as written" keeps the line
//! as printed, which fails unless ∫ p c w_j y_j = 0 or ∫ p c w_j = 1;
//! "…, as the proof uses" multiplies the quotient back by ∫ p c w_j.

use rug::{Float, Rational};

use super::exact_welfare::{exact, ExactWelfare};
use crate::audit::{ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::solved::Solved;
use crate::verdict::{Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "B.1",
    location: "Appendix B.1, proof of Lemma B.1",
    used_by: &["C.1", "C.2", "4.1"],
    audit,
};

const SECOND_AS_WRITTEN: &str = "second display, as written";
const SECOND_AS_USED: &str = "second display, as the proof uses (with −2n)";
const THIRD_AS_WRITTEN: &str = "third display, as written";
const THIRD_AS_USED: &str = "third display, as the proof uses (x_j times ∫ p c w_j)";

/// Audits the proof of Lemma B.1.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    let ctx = &s.ctx;
    let prec = ctx.prec();
    let u = ExactWelfare::of(s);
    let float = |r: &Rational| ctx.rational(r);
    let mut chains = Vec::new();

    // The first display, at the solved x.
    let mut expected = ctx.zero();
    for (i, t) in s.types.iter().enumerate() {
        expected += Float::with_val(prec, &t.mass * &s.utility(ctx, i, &s.eq.x));
    }
    let x_float: Vec<Rational> = s.eq.x.iter().map(exact).collect();
    let chain = ChainBuilder::new(
        s,
        "first display",
        "x' = x",
        Sensitivity::Rounding,
        ("U(x')", s.welfare(ctx, &s.eq.x)),
    )
    .then(Relation::Eq, "n ∫ p(i) u_i(x') di", expected * &s.params.n)
    .then(Relation::Eq, "−n ∫ p(i) c_i Σ_j w_ij (x'_j − y_ij)² di", float(&u.at(&x_float)));
    chains.push(chain.build()?);

    // The second display, away from x.
    let step = exact(&s.params.d_max) / 8u32;
    let shifted: Vec<Rational> = u.x.iter().map(|xj| Rational::from(xj + &step)).collect();
    let minus_two_n = Rational::from(&u.n * -2i32);
    for j in 0..s.params.m {
        let label = format!("x' = x + (d_max/8) 1, j = {}", j + 1);
        let slope = u.slope(&shifted, j);
        let weighted = Rational::from(&u.big_q[j] * &shifted[j]);
        let gap = Rational::from(&weighted - &u.moment[j]);
        let pulled = Rational::from(&weighted - &u.moment[j]);
        let scaled = |r: &Rational| float(&Rational::from(r * &minus_two_n));
        for (display, gap_value, pulled_value, front) in [
            (SECOND_AS_WRITTEN, float(&gap), float(&pulled), ""),
            (SECOND_AS_USED, scaled(&gap), scaled(&pulled), "−2n "),
        ] {
            let terms = second_terms(front);
            let chain = ChainBuilder::new(
                s,
                display,
                &label,
                Sensitivity::Rounding,
                ("∂U/∂x_j (x')", float(&slope)),
            )
            .then(Relation::Eq, "−2n ∫ p c w_j (x'_j − y_j)", scaled(&gap))
            .then(Relation::Eq, terms[0], gap_value)
            .then(Relation::Eq, terms[1], pulled_value);
            chains.push(chain.build()?);
        }
    }

    // The third display, at the exact x.
    for j in 0..s.params.m {
        let label = format!("j = {}", j + 1);
        let slope = u.slope(&u.x, j);
        let quotient = Rational::from(&u.moment[j] / &u.big_q[j]);
        let literal = Rational::from(&quotient - &u.moment[j]);
        // The second line writes (∫ p c w_j)⁻¹ ∫ p c w_j y_j · ∫ p c w_j as ∫ p c w_j y_j.
        let product = Rational::from(&quotient * &u.big_q[j]);
        let used = Rational::from(&product - &u.moment[j]) * &minus_two_n;
        let cancelled = Rational::from(&product - &u.moment[j]);
        for (display, first, first_term, cancelled_term) in [
            (
                THIRD_AS_WRITTEN,
                literal,
                "(∫ p c w_j)⁻¹ ∫ p c w_j y_j − ∫ p c w_j y_j",
                "∫ p c w_j y_j − ∫ p c w_j y_j",
            ),
            (
                THIRD_AS_USED,
                used,
                "−2n ((∫ p c w_j)⁻¹ ∫ p c w_j y_j · ∫ p c w_j − ∫ p c w_j y_j)",
                "−2n (∫ p c w_j y_j − ∫ p c w_j y_j)",
            ),
        ] {
            let chain = ChainBuilder::new(
                s,
                display,
                &label,
                Sensitivity::Rounding,
                ("∂U/∂x_j (x)", float(&slope)),
            )
            .then(Relation::Eq, first_term, float(&first))
            .then(Relation::Eq, cancelled_term, float(&Rational::from(&cancelled * &minus_two_n)))
            .then(Relation::Eq, "0", ctx.zero());
            chains.push(chain.build()?);
        }
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

/// The second display's last two expressions, with or without the factor −2n.
fn second_terms(front: &str) -> [&'static str; 2] {
    if front.is_empty() {
        ["∫ p c w_j x'_j − ∫ p c w_j y_j", "x'_j ∫ p c w_j − ∫ p c w_j y_j"]
    } else {
        ["−2n (∫ p c w_j x'_j − ∫ p c w_j y_j)", "−2n (x'_j ∫ p c w_j − ∫ p c w_j y_j)"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::solve;
    use crate::verdict::Verdict;

    /// Three types with unequal weights and masses in the unit square.
    const TRIANGLE: &str = r#"{"n": "1e6", "alpha": {"power_of_n": "-7/8"}, "gamma": "1/100",
        "weight_box": {"min": "1", "max": "2"},
        "outcome_set": {"box": {"lo": ["0", "0"], "hi": ["1", "1"]}},
        "population": {"types": [{"y": ["0", "0"], "w": ["2", "1"], "mass": "1"},
            {"y": ["1", "0"], "w": ["1", "1"], "mass": "1"},
            {"y": ["0", "1"], "w": ["1", "2"], "mass": "2"}]}}"#;

    fn links(audit: &ProofAudit, display: &str, link: usize) -> Vec<Verdict> {
        let chains = audit.chains.iter().filter(|c| c.display == display);
        chains.map(|c| c.links[link].verdict.clone()).collect()
    }

    fn all_hold(audit: &ProofAudit, display: &str) -> bool {
        let chains: Vec<_> = audit.chains.iter().filter(|c| c.display == display).collect();
        !chains.is_empty()
            && chains.iter().all(|c| c.links.iter().all(|l| l.verdict == Verdict::Holds))
    }

    // Appendix B.1, the three displays.
    #[test]
    fn the_proof_holds_with_its_factors_restored() {
        let audit = audit(&solve(TRIANGLE)).unwrap();
        for display in ["first display", SECOND_AS_USED, THIRD_AS_USED] {
            assert!(all_hold(&audit, display), "{display}");
        }
        // The gradient at x is exactly zero: every term of the third display is 0.
        let third = audit.chains.iter().find(|c| c.display == THIRD_AS_USED).unwrap();
        assert!(third.links.iter().all(|l| l.lhs.is_zero() && l.rhs.is_zero()));
    }

    #[test]
    fn the_literal_lines_drop_factors() {
        let audit = audit(&solve(TRIANGLE)).unwrap();
        assert!(links(&audit, SECOND_AS_WRITTEN, 1).iter().all(|v| *v == Verdict::Violated));
        assert!(links(&audit, THIRD_AS_WRITTEN, 0).iter().all(|v| *v == Verdict::Violated));
    }
}
