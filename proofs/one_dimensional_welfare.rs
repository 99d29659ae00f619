//! The proof of Lemma 3.1 (Section 3, the one-dimensional warm-up), link by link.
//!
//! # The chains
//!
//! With Section 3's median x and c_i = 1/(w_i |x − y_i|) (see
//! [`super::one_dimensional`]), the first display, evaluated at
//! x' = x + d_max/8 where the derivative is not zero (its lines are
//! identities in the point; at x every one of them is 0):
//!
//! ```text
//! dU/dx (x') = −2 ∫ p(i) c_i w_i (x' − y_i) di = −2 ∫ p(i) w_i (x' − y_i) / (w_i |x − y_i|) di
//! ```
//!
//! then, at x, ∫ p(i) sgn(x − y_i) di = ∫ p(i) (x − y_i)/|x − y_i| di = 0, and
//! the conclusion dU/dx (x) = 0. U and dU/dx (a difference of U, exact for a
//! quadratic) are exact rationals; error bound: rounding.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the first display drops the factor n of U = n ∫ p u: its
//! second and third expressions read −2 ∫ … for −2n ∫ …. Both are encoded,
//! "first display, as written" and "…, as the proof uses (with n)"; the
//! literal link fails unless n = 1. (The display also writes u_i(x_i) for
//! u_i(x), and its last integral has no di; neither changes a value.)

use rug::Rational;

use super::exact_welfare::exact;
use super::one_dimensional::WarmUp;
use crate::audit::{ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::solved::Solved;
use crate::verdict::{Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "3.1",
    location: "Section 3, proof of Lemma 3.1",
    used_by: &["Theorem 3.1"],
    audit,
};

const AS_WRITTEN: &str = "first display, as written";
const AS_USED: &str = "first display, as the proof uses (with n)";

/// Audits the proof of Lemma 3.1.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    let warm_up = match WarmUp::of(s) {
        Ok(w) => w,
        Err(unmet) => return Ok(ProofAudit::unmet(unmet)),
    };
    let ctx = &s.ctx;
    let float = |r: &Rational| ctx.rational(r);
    let x = &warm_up.x;
    let shifted = Rational::from(x + &(exact(&s.params.d_max) / 8u32));

    // The two integrals of the display at x'.
    let mut with_c = Rational::new();
    let mut with_distance = Rational::new();
    let mut sign = Rational::new();
    let mut ratio = Rational::new();
    for (k, (y, w, mass)) in warm_up.types.iter().enumerate() {
        let pull = Rational::from(&shifted - y);
        with_c += Rational::from(mass * &warm_up.c[k]) * w * &pull;
        let distance = warm_up.distance(k);
        with_distance += Rational::from(mass * w) * &pull / (Rational::from(w * &distance));
        let gap = Rational::from(x - y);
        sign += Rational::from(mass * gap.cmp0() as i32);
        ratio += Rational::from(mass * &gap) / &distance;
    }
    let minus_two = Rational::from(-2);
    let minus_two_n = Rational::from(&warm_up.n * -2i32);
    let slope = float(&warm_up.slope(&shifted));

    let mut chains = Vec::new();
    for (display, factor, first, second) in [
        (
            AS_WRITTEN,
            &minus_two,
            "−2 ∫ p(i) c_i w_i (x' − y_i) di",
            "−2 ∫ p(i) w_i (x' − y_i) / (w_i |x − y_i|) di",
        ),
        (
            AS_USED,
            &minus_two_n,
            "−2n ∫ p(i) c_i w_i (x' − y_i) di",
            "−2n ∫ p(i) w_i (x' − y_i) / (w_i |x − y_i|) di",
        ),
    ] {
        let chain = ChainBuilder::new(
            s,
            display,
            "x' = x + d_max/8",
            Sensitivity::Rounding,
            ("dU/dx (x')", slope.clone()),
        )
        .then(Relation::Eq, first, float(&Rational::from(&with_c * factor)))
        .then(Relation::Eq, second, float(&Rational::from(&with_distance * factor)));
        chains.push(chain.build()?);
    }
    let median = ChainBuilder::new(
        s,
        "median",
        "",
        Sensitivity::Rounding,
        ("∫ p(i) sgn(x − y_i) di", float(&sign)),
    )
    .then(Relation::Eq, "∫ p(i) (x − y_i)/|x − y_i| di", float(&ratio))
    .then(Relation::Eq, "0", ctx.zero());
    chains.push(median.build()?);
    let conclusion = ChainBuilder::new(
        s,
        "conclusion",
        "",
        Sensitivity::Rounding,
        ("dU/dx (x)", float(&warm_up.slope(x))),
    )
    .then(Relation::Eq, "0", ctx.zero());
    chains.push(conclusion.build()?);
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;
    use crate::proofs::one_dimensional::{MEDIAN_WITHOUT_ATOM, ONE_DIMENSIONAL};
    use crate::verdict::Verdict;

    fn solve(m: usize, types: &str) -> Solved {
        let box_ =
            if m == 1 { r#"["-1"], "hi": ["1"]"# } else { r#"["-1", "-1"], "hi": ["1", "1"]"# };
        let text = format!(
            r#"{{"n": "1e6", "alpha": {{"power_of_n": "-7/8"}}, "gamma": "1/1000",
            "weight_box": {{"min": "1/2", "max": "3"}},
            "outcome_set": {{"box": {{"lo": {box_}}}}},
            "population": {{"types": [{types}]}}}}"#
        );
        let instance = crate::instance_file::from_str(&text).unwrap();
        crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap()
    }

    const FOUR: &str = r#"{"y": ["-1"], "w": ["2"], "mass": "3"},
        {"y": ["-1/2"], "w": ["1/2"], "mass": "2"}, {"y": ["1/2"], "w": ["3"], "mass": "2"},
        {"y": ["1"], "w": ["1"], "mass": "3"}"#;

    fn all_hold(audit: &ProofAudit, display: &str) -> bool {
        let chains: Vec<_> = audit.chains.iter().filter(|c| c.display == display).collect();
        !chains.is_empty()
            && chains.iter().all(|c| c.links.iter().all(|l| l.verdict == Verdict::Holds))
    }

    // Section 3, the proof of Lemma 3.1 on four types with the median gap (−1/2, 1/2).
    #[test]
    fn the_proof_holds_with_the_factor_n() {
        let audit = audit(&solve(1, FOUR)).unwrap();
        for display in [AS_USED, "median", "conclusion"] {
            assert!(all_hold(&audit, display), "{display}");
        }
        let written = audit.chains.iter().find(|c| c.display == AS_WRITTEN).unwrap();
        assert_eq!(written.links[0].verdict, Verdict::Violated);
        assert_eq!(written.links[1].verdict, Verdict::Holds);
    }

    #[test]
    fn unmet_with_an_atom_at_the_median() {
        let types = r#"{"y": ["-1"], "w": ["1"], "mass": "1"},
            {"y": ["0"], "w": ["1"], "mass": "2"}, {"y": ["1"], "w": ["1"], "mass": "1"}"#;
        assert_eq!(audit(&solve(1, types)).unwrap().unmet, vec![MEDIAN_WITHOUT_ATOM.to_string()]);
    }

    #[test]
    fn unmet_in_two_dimensions() {
        let types = r#"{"y": ["-1", "0"], "w": ["1", "1"], "mass": "1"},
            {"y": ["1", "0"], "w": ["1", "1"], "mass": "1"}"#;
        let unmet = audit(&solve(2, types)).unwrap().unmet;
        assert_eq!(unmet, vec![ONE_DIMENSIONAL.to_string(), MEDIAN_WITHOUT_ATOM.to_string()]);
    }
}
