//! The proof of Lemma D.5 (Appendix D), link by link.
//!
//! # The chains
//!
//! ```text
//! first:  ‖∫ p δ‖ = ‖∫ p (δ'' − δ'' + δ)‖ = ‖∫ p δ''‖ + ‖∫ p (δ − δ'')‖
//! second: ‖∫ p δ‖ = ‖∫ p (δ − δ'')‖ = ‖∫_{N̂} p (δ − δ'') + ∫_{∉N̂} p (δ − δ'')‖
//!                 ≤ ‖∫_{N̂} p (δ − δ'')‖ + ‖∫_{∉N̂} p (δ − δ'')‖
//! then:   ‖∫ p δ‖ ≤ ‖∫_{N̂} p (δ − δ'')‖ + (d_max + √γ d_max/(β n^(3/2) α)) ∫_{∉N̂} p
//! third:  ‖∫_{N̂} p (δ − δ'')‖ = ‖∫_{N̂} p (δ'' − δ'' + δ' − δ)‖
//!                 ≤ ‖∫_{N̂} p (δ'' − δ')‖ + ‖∫_{N̂} p (δ' − δ)‖
//!                 ≤ ∫_{N̂} p ‖δ'' − δ'‖ + ∫_{N̂} p ‖δ' − δ‖
//!                 ≤ (2γ d_max/(β² n³ α²)) ∫_{N̂} p + (√γ/(β η n^(3/2) α)) d_max ∫_{N̂} p
//!                 = 2γ d_max/(β² n³ α²) + (√γ/(β η n^(3/2) α)) d_max
//! ```
//!
//! In the line after the second display the proof writes O(α^(m/2) n^(m/4))
//! for ‖∫_{∉N̂} p (δ − δ'')‖; the chain uses the explicit bound the proof of
//! D.4 gives for it. The lines with Ω(n³ α²) and the final multiplication
//! by n are asymptotic and not encoded (Lemma D.5's module checks the
//! statement with the explicit constants).
//!
//! The third display pairs D.2's bound with ‖δ'' − δ'‖ and D.3's with
//! ‖δ' − δ‖, the other way round from the lemmas; the link compares the
//! sums, which do not depend on the pairing.
//!
//! # Numerical check
//!
//! The vector integrals cancel (the net movement can be 0 up to rounding),
//! so they are summed exactly, with x from its definition
//! ([`super::approximate_shifts_cancel::ExactSums`]); the per-type norms
//! ‖δ'' − δ'‖, ‖δ' − δ‖ are taken at a widened precision with the stored x,
//! and the link between the two is charged the rounding of x. The link that
//! uses D.2 and D.3 is charged, per normal type, the rounding left in b
//! (through δ and λ) and the residual on 1/λ_i; the one that uses D.4's
//! bound, the rounding left in b through the unusual types' δ.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the third display's first "=" writes the integrand as
//! δ''_i − δ''_i + δ'_i − δ_i, which is δ'_i − δ_i; as written it equates
//! ‖∫_{N̂} p (δ − δ'')‖ with ‖∫_{N̂} p (δ' − δ)‖, which fails in general. The
//! proof's next line needs δ_i − δ'_i + δ'_i − δ''_i. Both are encoded
//! ("third display, as written" and "..., as the proof uses").
//!
//! DIFFERENCE: the third display's last "=" drops ∫_{N̂} p, which the text
//! bounds by ∫_N p = 1: it is a ≤, and the "=" fails whenever some type is
//! outside N̂. The literal "=" is in "third display, as written", the "≤"
//! in "..., as the proof uses".
//!
//! The first display's second "=" (‖a + b‖ = ‖a‖ + ‖b‖) holds here because
//! ∫ p δ'' = 0 by D.1; it is encoded as written.

use rug::{Float, Rational};

use super::approximate_shifts_cancel::{norm_of, Aggregates, ExactSums};
use super::approximations_are_close::inverse_multiplier_error;
use super::charges::{charge, shift_rounding, widened_for};
use super::tau_is_small::Constants;
use super::unusual_agents_move_little::outcome_rounding;
use super::{approximations_are_close as d3, shift_is_near_first_approximation as d2};
use crate::audit::{Chain, ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::lemmas::approximate_shifts_cancel::{delta_double_prime_at, delta_prime_at};
use crate::lemmas::hypotheses::{self as h, norm};
use crate::lemmas::tau_is_positive::multiplier_drift;
use crate::solved::Solved;
use crate::verdict::{Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof =
    Proof { number: "D.5", location: "Appendix D, proof of Lemma D.5", used_by: &["4.1"], audit };

const AS_WRITTEN: &str = "third display, as written";
const AS_USED: &str = "third display, as the proof uses";

/// Audits the proof of Lemma D.5.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    if let Some(unmet) = Hypotheses::default()
        .require(h::some_normal_agent(s), h::SOME_NORMAL_AGENT)
        .require(h::normal_agents_tight(s), h::NORMAL_AGENTS_TIGHT)
        .require(h::eta_positive(s), h::ETA_POSITIVE)
        .require(h::eta_at_least_one(s), h::ETA_AT_LEAST_ONE)
        .require(h::gamma_at_most_one(s), h::GAMMA_AT_MOST_ONE)
        .require(h::normal_mass_half(s), h::NORMAL_MASS_HALF)
        .require(h::ideal_points_in_chi(s), h::IDEAL_POINTS_IN_CHI)
        .unmet()
    {
        return Ok(ProofAudit::unmet(unmet));
    }
    let agg = Aggregates::of(s);
    let all: Vec<usize> = (0..s.types.len()).collect();
    let normal: Vec<usize> = all.iter().copied().filter(|&i| s.is_normal(i)).collect();
    let unusual: Vec<usize> = all.iter().copied().filter(|&i| !s.is_normal(i)).collect();
    let whole = ExactSums::over(s, &agg, &all, false);
    let inner = ExactSums::over(s, &agg, &normal, true);
    let outer = ExactSums::over(s, &agg, &unusual, false);

    let mut chains = first_and_second(s, &whole, &inner, &outer)?;
    chains.push(with_d4(s, &inner, &outer, &unusual)?);
    chains.extend(third(s, &agg, &inner, &normal)?);
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

fn plus(a: &[Rational], b: &[Rational]) -> Vec<Rational> {
    a.iter().zip(b).map(|(x, y)| Rational::from(x + y)).collect()
}

fn minus(a: &[Rational], b: &[Rational]) -> Vec<Rational> {
    a.iter().zip(b).map(|(x, y)| Rational::from(x - y)).collect()
}

fn negated(a: &[Rational]) -> Vec<Rational> {
    a.iter().map(|x| Rational::from(-x)).collect()
}

/// The first two displays: the whole population split by D.1, then by N̂.
fn first_and_second(
    s: &Solved,
    whole: &ExactSums,
    inner: &ExactSums,
    outer: &ExactSums,
) -> Result<Vec<Chain>> {
    let zero = vec![Rational::new(); s.params.m];
    let net = norm_of(s, &whole.shift, &zero);
    let net_term = ("‖∫ p δ_i‖", net);
    // ∫ p (δ − δ''): the shifts' sum, and −∫ p δ''/√γ.
    let whole_gap = norm_of(s, &whole.shift, &negated(&whole.second));
    let first = ChainBuilder::new(s, "first display", "", Sensitivity::Rounding, net_term.clone())
        .then(
            Relation::Eq,
            "‖∫ p (δ''_i − δ''_i + δ_i)‖",
            norm_of(s, &whole.shift, &minus(&whole.second, &whole.second)),
        )
        .then(
            Relation::Eq,
            "‖∫ p δ''_i‖ + ‖∫ p (δ_i − δ''_i)‖",
            norm_of(s, &zero, &whole.second) + &whole_gap,
        );

    let inner_gap = norm_of(s, &inner.shift, &negated(&inner.second));
    let outer_gap = norm_of(s, &outer.shift, &negated(&outer.second));
    let joined = norm_of(
        s,
        &plus(&inner.shift, &outer.shift),
        &negated(&plus(&inner.second, &outer.second)),
    );
    let second = ChainBuilder::new(s, "second display", "", Sensitivity::Rounding, net_term)
        .then(Relation::Eq, "‖∫ p (δ_i − δ''_i)‖", whole_gap)
        .then(Relation::Eq, "‖∫_{N̂} p (δ_i − δ''_i) + ∫_{i∉N̂} p (δ_i − δ''_i)‖", joined)
        .then(
            Relation::Le,
            "‖∫_{N̂} p (δ_i − δ''_i)‖ + ‖∫_{i∉N̂} p (δ_i − δ''_i)‖",
            inner_gap + outer_gap,
        );
    Ok(vec![first.build()?, second.build()?])
}

/// The line after the second display, with D.4's explicit bound for its O(·).
fn with_d4(s: &Solved, inner: &ExactSums, outer: &ExactSums, unusual: &[usize]) -> Result<Chain> {
    let prec = s.ctx.prec();
    let p = &s.params;
    let zero = vec![Rational::new(); p.m];
    let net = norm_of(s, &plus(&inner.shift, &outer.shift), &zero);
    let inner_gap = norm_of(s, &inner.shift, &negated(&inner.second));

    let k = Constants::of(s);
    let sqrt_gamma = Float::with_val(prec, p.gamma.sqrt_ref());
    let dpp_bound = Float::with_val(prec, &sqrt_gamma * &p.d_max) / &k.n32_alpha_beta;
    let mut mass = s.ctx.zero();
    let mut b_charge = s.ctx.zero();
    for &i in unusual {
        mass += &s.types[i].mass;
        b_charge += Float::with_val(prec, &s.types[i].mass * &norm(&shift_rounding(s, i)));
    }
    let d4 = (dpp_bound + &p.d_max) * mass;
    let mut chain = ChainBuilder::new(
        s,
        "the line after, with D.4's bound for its O(α^(m/2) n^(m/4))",
        "",
        Sensitivity::FixedPoint,
        ("‖∫ p δ_i‖", net),
    )
    .then(
        Relation::Le,
        "‖∫_{N̂} p (δ_i − δ''_i)‖ + (d_max + √γ d_max/(β n^(3/2) α)) ∫_{i∉N̂} p",
        inner_gap + d4,
    )
    .build()?;
    charge(&mut chain, 0, &b_charge, "the rounding left in b, through the unusual types' δ")?;
    Ok(chain)
}

/// The third display, as written and as the proof uses it.
fn third(s: &Solved, agg: &Aggregates, inner: &ExactSums, normal: &[usize]) -> Result<Vec<Chain>> {
    let prec = s.ctx.prec();
    let zero = vec![Rational::new(); s.params.m];
    let start = norm_of(s, &inner.shift, &negated(&inner.second));
    let literal =
        norm_of(s, &minus(&inner.first, &inner.shift), &minus(&inner.second, &inner.second));
    let regrouped = plus(&minus(&inner.shift, &inner.first), &inner.first);
    let used = norm_of(s, &regrouped, &negated(&inner.second));
    let split = norm_of(s, &negated(&inner.first), &inner.second)
        + norm_of(s, &minus(&inner.first, &inner.shift), &zero);

    // Per normal type: ‖δ'' − δ'‖ and ‖δ' − δ‖ at a widened precision, and
    // the charges of the link that bounds them by D.3 and D.2.
    let mut integrals = s.ctx.zero();
    let mut mass = s.ctx.zero();
    let mut lemma_charge = s.ctx.zero();
    for &i in normal {
        let wide = widened_for(s, i);
        let dp = delta_prime_at(s, &wide, i);
        let dpp = delta_double_prime_at(s, &wide, i);
        let delta = &s.programs[i].delta;
        let m = s.params.m;
        let far: Vec<Float> =
            (0..m).map(|j| Float::with_val(wide.prec(), &dpp[j] - &dp[j])).collect();
        let near: Vec<Float> =
            (0..m).map(|j| Float::with_val(wide.prec(), &dp[j] - &delta[j])).collect();
        let (far, near) = (s.ctx.lift(&norm(&far)), s.ctx.lift(&norm(&near)));
        let direction = s.ctx.lift(&norm(&dpp)) / Float::with_val(prec, s.params.gamma.sqrt_ref());
        let own = norm(&shift_rounding(s, i))
            + Float::with_val(prec, &near * &multiplier_drift(s, i))
            + direction * inverse_multiplier_error(s, i);
        let s_i = &s.types[i].mass;
        integrals += Float::with_val(prec, s_i * &(far + near));
        lemma_charge += Float::with_val(prec, s_i * &own);
        mass += s_i;
    }
    let bounds = Float::with_val(prec, &d2::statement_bound(s) + &d3::statement_bound(s));
    let times_mass = Float::with_val(prec, &bounds * &mass);
    let x_charge = outcome_rounding(s, agg, normal);

    let names = [
        "‖∫_{N̂} p (δ''_i − δ'_i)‖ + ‖∫_{N̂} p (δ'_i − δ_i)‖",
        "∫_{N̂} p ‖δ''_i − δ'_i‖ + ∫_{N̂} p ‖δ'_i − δ_i‖",
        "(2γ d_max/(β² n³ α²)) ∫_{N̂} p + (√γ/(β η n^(3/2) α)) d_max ∫_{N̂} p",
        "2γ d_max/(β² n³ α²) + (√γ/(β η n^(3/2) α)) d_max",
    ];
    let chain = |display: &'static str, (term, value): (&'static str, Float), last: Relation| {
        let start_term = ("‖∫_{N̂} p (δ_i − δ''_i)‖", start.clone());
        let b = ChainBuilder::new(s, display, "", Sensitivity::FixedPoint, start_term)
            .then(Relation::Eq, term, value)
            .then(Relation::Le, names[0], split.clone())
            .then(Relation::Le, names[1], integrals.clone())
            .then(Relation::Le, names[2], times_mass.clone())
            .then(last, names[3], bounds.clone());
        let mut chain = b.build()?;
        charge(&mut chain, 2, &x_charge, "the rounding of x between the exact sums and ‖δ''_i‖")?;
        charge(&mut chain, 3, &lemma_charge, "the rounding left in b and the residual on 1/λ_i")?;
        Ok::<Chain, crate::Error>(chain)
    };
    Ok(vec![
        chain(AS_WRITTEN, ("‖∫_{N̂} p (δ''_i − δ''_i + δ'_i − δ_i)‖", literal), Relation::Eq)?,
        chain(AS_USED, ("‖∫_{N̂} p (δ_i − δ'_i + δ'_i − δ''_i)‖", used), Relation::Le)?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lemmas::approximate_shifts_cancel::tests as fixtures;
    use crate::verdict::Verdict;

    fn verdicts(audit: &ProofAudit, display: &str) -> Vec<Verdict> {
        let chain = audit.chains.iter().find(|c| c.display == display).unwrap();
        chain.links.iter().map(|l| l.verdict.clone()).collect()
    }

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
    fn the_net_movement_of_the_symmetric_triangle_is_exactly_compared() {
        // Equal weights: ∫ p δ vanishes up to the shifts' rounding, and the
        // first two displays still compare the same exact sums.
        let s = fixtures::triangle("1e6", "1/100");
        let audit = audit(&s).unwrap();
        let first = &audit.chains[0];
        let spread = s.types.iter().zip(&s.programs).fold(s.ctx.zero(), |acc, (t, p)| {
            acc + Float::with_val(s.ctx.prec(), &t.mass * &norm(&p.delta))
        });
        assert!(first.links[0].lhs < (spread >> 100u32));
        assert!(first.links.iter().all(|l| l.lhs == l.rhs));
    }

    #[test]
    fn the_literal_integrand_fails() {
        let audit = audit(&fixtures::weighted_triangle()).unwrap();
        let literal = verdicts(&audit, AS_WRITTEN);
        assert_eq!(literal[0], Verdict::Violated);
        // Every type is normal: ∫_{N̂} p = 1, and the last "=" holds.
        assert_eq!(literal[4], Verdict::Holds);
    }

    #[test]
    fn the_dropped_mass_fails_when_a_type_is_unusual() {
        // A fifth type, clamped at the centre, carries 1/5 of the mass.
        let s = fixtures::corners_and_centre();
        let audit = audit(&s).unwrap();
        assert!(audit.unmet.is_empty(), "{:?}", audit.unmet);
        assert_eq!(verdicts(&audit, AS_WRITTEN)[4], Verdict::Violated);
        assert!(verdicts(&audit, AS_USED).iter().all(|v| *v == Verdict::Holds));
    }

    #[test]
    fn unmet_outside_the_hypotheses() {
        for (name, s) in fixtures::hypothesis_breakers() {
            let audit = audit(&s).unwrap();
            assert!(audit.unmet.iter().any(|u| u == name), "{name}: {:?}", audit.unmet);
        }
    }
}
