//! The proof of Lemma A.1 (Appendix A), and the substitution that turns
//! Theorem 4.1's items into A.1's (and Theorem 4.2's), link by link.
//!
//! # The chains
//!
//! With α = n^(−7/8) and m ≥ 6, the proof's exponent arithmetic, without
//! the O(·) around each term (each is a function of n alone):
//!
//! ```text
//! points 1 and 3:  α^(m/2) n^(m/4+1) = n^(−3m/16+1) ≤ n^(−18/16+1) = n^(−1/8)
//! 3 implies 1:     α^(m/2) n^(m/4) ≤ α^(m/2) n^(m/4+1)
//! point 2:         n^(3/2) α = n^(3/2−7/8) = n^(5/8)
//! point 4:         α² n² = n^(2/8) = n^(1/4)
//! ```
//!
//! and Theorem 4.1's items with α substituted, against A.1's:
//!
//! ```text
//! item 1:           (γ + √γ)/(n² α²) = (γ + √γ) n^(−1/4)
//! item 2:           √(n^(3/2) α / (n^(3/2) α + 1)) = √(n^(5/8) / (n^(5/8) + 1))
//! item 2's fraction: α^(m/2) n^(m/4) = n^(−3m/16) ≤ n^(−3/4)
//! ```
//!
//! α is the instance's n^(−7/8), rounded once; every power of n is rounded
//! once from its exact exponent. All links are algebra (rounding).
//!
//! The proof writes O(n^(−3m/16+1)) = O(n^(−18/16+1)): between O-classes
//! "=" reads as an inclusion, which for m > 6 is strict; the chain writes the
//! ≤ the inclusion stands for (a tie at m = 6). Likewise A.1's exceptional
//! fraction O(n^(−3/4)) is the m = 4 value of α^(m/2) n^(m/4); for m ≥ 6 it
//! is a valid, looser bound (n^(−3m/16) ≤ n^(−9/8)).
//!
//! The limits the proof then takes (n → ∞) are not a display on one
//! instance, and Theorem 4.2's proof (continuity in c) has none.
//!
//! # Differences from the paper
//!
//! None.

use rug::{Float, Rational};

use crate::audit::{Chain, ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::population::Alpha;
use crate::solved::Solved;
use crate::verdict::{Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "A.1",
    location: "Appendix A, proof of Lemma A.1, and Theorem 4.1's items at α = n^(−7/8)",
    used_by: &["4.2"],
    audit,
};

/// α = n^(−7/8) exactly, the lemma's schedule.
pub const ALPHA_SCHEDULE: &str = "α = n^(−7/8) (Lemma A.1)";

/// m ≥ 6 (Lemma A.1).
pub const AT_LEAST_SIX_ISSUES: &str = "m ≥ 6 (Lemma A.1)";

/// Returns true when the instance's α is exactly n^(−7/8).
fn has_the_schedule(s: &Solved) -> bool {
    match &s.instance.alpha {
        Alpha::PowerOfN { coefficient, exponent } => {
            *coefficient == 1 && *exponent == Rational::from((-7, 8))
        }
        Alpha::Exact(_) => false,
    }
}

/// Audits the proof of Lemma A.1.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    if let Some(unmet) = Hypotheses::default()
        .require(has_the_schedule(s), ALPHA_SCHEDULE)
        .require(s.params.m >= 6, AT_LEAST_SIX_ISSUES)
        .unmet()
    {
        return Ok(ProofAudit::unmet(unmet));
    }
    Ok(ProofAudit { unmet: Vec::new(), chains: chains(s)? })
}

fn chains(s: &Solved) -> Result<Vec<Chain>> {
    let ctx = &s.ctx;
    let prec = ctx.prec();
    let p = &s.params;
    let m = p.m as i64;
    let n = &p.n;
    let alpha = &p.alpha;
    let power = |num: i64, den: i64| ctx.power(n, &Rational::from((num, den)));
    let alpha_m2 = ctx.power(alpha, &Rational::from((m, 2)));
    let with_n = |num: i64, den: i64| Float::with_val(prec, &alpha_m2 * &power(num, den));
    let build = |display: &'static str,
                 first: (&'static str, Float),
                 rest: Vec<(Relation, &'static str, Float)>| {
        let mut b = ChainBuilder::new(s, display, "", Sensitivity::Rounding, first);
        for (relation, term, value) in rest {
            b = b.then(relation, term, value);
        }
        b.build()
    };

    let mut out = vec![
        build(
            "points 1 and 3",
            ("α^(m/2) n^(m/4+1)", with_n(m + 4, 4)),
            vec![
                (Relation::Eq, "n^(−3m/16+1)", power(16 - 3 * m, 16)),
                (Relation::Le, "n^(−18/16+1)", power(-2, 16)),
                (Relation::Eq, "n^(−1/8)", power(-1, 8)),
            ],
        )?,
        build(
            "the third point implies the first",
            ("α^(m/2) n^(m/4)", with_n(m, 4)),
            vec![(Relation::Le, "α^(m/2) n^(m/4+1)", with_n(m + 4, 4))],
        )?,
        build(
            "point 2",
            ("n^(3/2) α", Float::with_val(prec, &power(3, 2) * alpha)),
            vec![
                (Relation::Eq, "n^(3/2−7/8)", power(12 - 7, 8)),
                (Relation::Eq, "n^(5/8)", power(5, 8)),
            ],
        )?,
        build(
            "point 4",
            ("α² n²", Float::with_val(prec, alpha.square_ref()) * n.clone().square()),
            vec![(Relation::Eq, "n^(2/8)", power(2, 8)), (Relation::Eq, "n^(1/4)", power(1, 4))],
        )?,
    ];

    let sqrt_gamma = Float::with_val(prec, p.gamma.sqrt_ref());
    let both = Float::with_val(prec, &p.gamma + &sqrt_gamma);
    let n2_a2 = Float::with_val(prec, alpha.square_ref()) * n.clone().square();
    let n32_a = Float::with_val(prec, &power(3, 2) * alpha);
    let n58 = power(5, 8);
    let share = |v: &Float| Float::with_val(prec, v / &Float::with_val(prec, v + 1u32)).sqrt();
    out.push(build(
        "item 1: Theorem 4.1 at α = n^(−7/8)",
        ("(γ + √γ)/(n² α²)", Float::with_val(prec, &both / &n2_a2)),
        vec![(Relation::Eq, "(γ + √γ) n^(−1/4)", both.clone() * power(-1, 4))],
    )?);
    out.push(build(
        "item 2: Theorem 4.1 at α = n^(−7/8)",
        ("√(n^(3/2) α / (n^(3/2) α + 1))", share(&n32_a)),
        vec![(Relation::Eq, "√(n^(5/8) / (n^(5/8) + 1))", share(&n58))],
    )?);
    out.push(build(
        "item 2's fraction: Theorem 4.1 at α = n^(−7/8)",
        ("α^(m/2) n^(m/4)", with_n(m, 4)),
        vec![
            (Relation::Eq, "n^(−3m/16)", power(-3 * m, 16)),
            (Relation::Le, "n^(−3/4)", power(-3, 4)),
        ],
    )?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;
    use crate::verdict::Verdict;

    /// Two types in m issues on the unit box, α as given.
    fn solve(m: usize, alpha: &str) -> Solved {
        let ones = vec!["\"1\""; m].join(",");
        let zeros = vec!["\"0\""; m].join(",");
        let text = format!(
            r#"{{"name":"a1","n":"1e8","alpha":{alpha},"gamma":"1/100",
            "weight_box":{{"min":"1","max":"1"}},
            "outcome_set":{{"box":{{"lo":[{zeros}],"hi":[{ones}]}}}},
            "population":{{"types":[{{"y":[{zeros}],"w":[{ones}],"mass":"1"}},
              {{"y":[{ones}],"w":[{ones}],"mass":"2"}}]}}}}"#
        );
        let instance = crate::instance_file::from_str(&text).unwrap();
        crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap()
    }

    const SCHEDULE: &str = r#"{"power_of_n": "-7/8"}"#;

    #[test]
    fn every_link_holds_and_m_six_makes_the_inclusion_a_tie() {
        for (m, tie) in [(6, true), (8, false)] {
            let audit = audit(&solve(m, SCHEDULE)).unwrap();
            assert_eq!(audit.chains.len(), 7);
            for chain in &audit.chains {
                assert!(
                    chain.links.iter().all(|l| l.verdict == Verdict::Holds),
                    "{}",
                    chain.display
                );
            }
            assert_eq!(audit.chains[0].ties[1], tie, "m = {m}");
        }
    }

    #[test]
    fn a_wrong_exponent_is_caught() {
        // n^(3/2) α against n^(3/8) instead of n^(5/8) must fail.
        let s = solve(6, SCHEDULE);
        let chain = ChainBuilder::new(
            &s,
            "wrong",
            "",
            Sensitivity::Rounding,
            ("n^(3/2) α", s.ctx.power(&s.params.n, &Rational::from((3, 2))) * &s.params.alpha),
        )
        .then(Relation::Eq, "n^(3/8)", s.ctx.power(&s.params.n, &Rational::from((3, 8))))
        .build()
        .unwrap();
        assert_eq!(chain.links[0].verdict, Verdict::Violated);
    }

    #[test]
    fn unmet_off_the_schedule_or_below_six_issues() {
        assert_eq!(audit(&solve(4, SCHEDULE)).unwrap().unmet, [AT_LEAST_SIX_ISSUES]);
        assert_eq!(audit(&solve(6, r#""1/1000""#)).unwrap().unmet, [ALPHA_SCHEDULE]);
    }
}
