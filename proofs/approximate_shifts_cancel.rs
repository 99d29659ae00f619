//! The proof of Lemma D.1 (Appendix D), link by link, and the exact sums
//! that the proofs of Appendix D share.
//!
//! # The chains
//!
//! With δ''_ij = c_i w_ij (y_ij − x_j) q_j⁻¹ √γ, norms over the issues j:
//!
//! ```text
//! first:  ‖∫ p δ''_i‖ = ‖∫ p c w (y − x) q⁻¹ √γ‖
//!                     = ‖√γ q_j⁻¹ ∫ p c w y − √γ q_j⁻¹ ∫ p c w x_j‖
//!                     = ‖√γ q_j⁻¹ ∫ p c w y − √γ q_j⁻¹ (∫ p c w) x_j‖
//! second: ‖∫ p δ''_i‖ = ‖√γ q_j⁻¹ ∫ p c w y − √γ q_j⁻¹ ∫ p c w y‖ = 0
//! ```
//!
//! # Exact sums
//!
//! Every term of these displays is a sum that cancels completely: at the
//! working precision each would be rounding noise of size u·|∫ p c w y|/q_j,
//! and two noise values cannot be compared within a bound relative to
//! themselves. So the sums are exact ([`ExactSums`]): the stored c, w, y,
//! masses and shifts are binary rationals, and x_j is taken from its
//! definition, (∫ p c w)⁻¹ ∫ p c w y, as an exact rational (the stored x is
//! that quotient rounded). √γ is a common factor of δ'', so a sum of
//! shifts is kept as a + √γ b with a and b exact, and only its norm is
//! rounded ([`norm_of`]). The chains then have rounding sensitivity.
//!
//! # Differences from the paper
//!
//! None. (The proof writes q_j⁻¹ and x_j inside a norm with j free: the
//! vector over the issues j, as encoded.)

use rug::{Float, Rational};

use crate::audit::{Chain, ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::solved::Solved;
use crate::verdict::{Relation, Sensitivity};

pub const PROOF: Proof =
    Proof { number: "D.1", location: "Appendix D, proof of Lemma D.1", used_by: &["D.5"], audit };

/// Returns a stored (finite) value as the exact rational it is.
pub fn exact(v: &Float) -> Rational {
    v.to_rational().expect("stored values are finite")
}

/// The aggregates of the discretised population, exactly: Q_j = ∫ p c w_j,
/// T_j = ∫ p c w_j y_j, x_j = T_j / Q_j and q_j = n Q_j.
pub struct Aggregates {
    pub big_q: Vec<Rational>,
    pub moment: Vec<Rational>,
    pub x: Vec<Rational>,
    pub q: Vec<Rational>,
}

impl Aggregates {
    /// Sums the aggregates from the stored c, w, y and masses.
    pub fn of(s: &Solved) -> Aggregates {
        let m = s.params.m;
        let mut big_q = vec![Rational::new(); m];
        let mut moment = vec![Rational::new(); m];
        for (k, t) in s.types.iter().enumerate() {
            let sc = exact(&t.mass) * exact(&s.eq.c[k]);
            for j in 0..m {
                let scw = Rational::from(&sc * &exact(&t.w[j]));
                moment[j] += Rational::from(&scw * &exact(&t.y[j]));
                big_q[j] += scw;
            }
        }
        let x = (0..m).map(|j| Rational::from(&moment[j] / &big_q[j])).collect();
        let n = exact(&s.params.n);
        let q = big_q.iter().map(|v| Rational::from(v * &n)).collect();
        Aggregates { big_q, moment, x, q }
    }
}

/// Sums over a set of types S, per issue, exact: Σ_S s_i δ_ij (the stored
/// shifts), Σ_S s_i δ'_ij (each δ'_i rounded once, at a precision wide
/// enough for δ'_i − δ_i), and Σ_S s_i c_i w_ij (y_ij − x_j) q_j⁻¹, which is
/// ∫_S p δ'' / √γ with x from its definition.
pub struct ExactSums {
    pub shift: Vec<Rational>,
    pub first: Vec<Rational>,
    pub second: Vec<Rational>,
}

impl ExactSums {
    /// Sums over the types in `set`; δ' needs λ_i > 0, so the first
    /// approximation is summed only when `with_first` is set.
    pub fn over(s: &Solved, agg: &Aggregates, set: &[usize], with_first: bool) -> ExactSums {
        let m = s.params.m;
        let mut shift = vec![Rational::new(); m];
        let mut first = vec![Rational::new(); m];
        let mut pull = vec![Rational::new(); m];
        for &i in set {
            let t = &s.types[i];
            let mass = exact(&t.mass);
            let sc = Rational::from(&mass * &exact(&s.eq.c[i]));
            let delta_prime = with_first.then(|| {
                let wide = super::charges::widened_for(s, i);
                crate::lemmas::approximate_shifts_cancel::delta_prime_at(s, &wide, i)
            });
            for j in 0..m {
                shift[j] += Rational::from(&mass * &exact(&s.programs[i].delta[j]));
                if let Some(dp) = &delta_prime {
                    first[j] += Rational::from(&mass * &exact(&dp[j]));
                }
                let gap = Rational::from(&exact(&t.y[j]) - &agg.x[j]);
                pull[j] += Rational::from(&sc * &exact(&t.w[j])) * gap;
            }
        }
        let second = pull.into_iter().zip(&agg.q).map(|(p, q)| p / q).collect();
        ExactSums { shift, first, second }
    }
}

/// Returns ‖a + √γ b‖₂ at the working precision, from exact a and b.
///
/// A component is rounded only after its two parts are combined at a
/// precision that grows until the combination keeps 64 bits beyond the
/// working precision; when √γ is itself rational the combination is exact.
pub fn norm_of(s: &Solved, a: &[Rational], b: &[Rational]) -> Float {
    let prec = s.ctx.prec();
    let gamma = exact(&s.params.gamma);
    let rational_root = (gamma.numer().is_perfect_square() && gamma.denom().is_perfect_square())
        .then(|| Rational::from((gamma.numer().clone().sqrt(), gamma.denom().clone().sqrt())));
    let mut total = s.ctx.zero();
    for (aj, bj) in a.iter().zip(b) {
        let value = match &rational_root {
            Some(root) => Float::with_val(prec, &(Rational::from(root * bj) + aj)),
            None if bj.is_zero() => Float::with_val(prec, aj),
            None => combined(prec, aj, bj, &gamma),
        };
        total += value.square();
    }
    total.sqrt()
}

/// Returns a + √γ b rounded to `prec`, for b ≠ 0 and √γ irrational (so the
/// sum is not 0 and the widening ends).
fn combined(prec: u32, a: &Rational, b: &Rational, gamma: &Rational) -> Float {
    let mut wide = prec + 64;
    loop {
        let root = Float::with_val(wide, gamma).sqrt();
        let part_b = Float::with_val(wide, b) * &root;
        let part_a = Float::with_val(wide, a);
        let size = Float::with_val(wide, part_a.abs_ref()).max(&part_b.clone().abs());
        let value = Float::with_val(wide, &part_a + &part_b);
        let kept = match (value.get_exp(), size.get_exp()) {
            (Some(v), Some(z)) => i64::from(wide) - i64::from(z - v),
            _ => 0,
        };
        if kept >= i64::from(prec) + 64 || wide >= crate::numeric::MAX_PRECISION {
            return Float::with_val(prec, &value);
        }
        wide = (wide * 2).min(crate::numeric::MAX_PRECISION);
    }
}

/// Audits the proof of Lemma D.1.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    let agg = Aggregates::of(s);
    Ok(ProofAudit { unmet: Vec::new(), chains: displays(s, &agg.x)? })
}

/// The two displays with x given: from its definition in [`audit`], or a
/// wrong x in the tests, which the second display must catch.
fn displays(s: &Solved, x: &[Rational]) -> Result<Vec<Chain>> {
    let m = s.params.m;
    let agg = Aggregates::of(s);
    let zero = vec![Rational::new(); m];
    let n = exact(&s.params.n);
    let q: Vec<Rational> = agg.big_q.iter().map(|v| Rational::from(v * &n)).collect();

    // Per type: Σ_i s_i c_i w_ij (y_ij − x_j) (the integrand of δ'' / √γ),
    // and Σ_i s_i c_i w_ij x_j (the second integral of the second term).
    let mut pull = vec![Rational::new(); m];
    let mut at_x = vec![Rational::new(); m];
    for (i, t) in s.types.iter().enumerate() {
        let sc = exact(&t.mass) * exact(&s.eq.c[i]);
        for j in 0..m {
            let scw = Rational::from(&sc * &exact(&t.w[j]));
            pull[j] += Rational::from(&scw * &Rational::from(&exact(&t.y[j]) - &x[j]));
            at_x[j] += scw * &x[j];
        }
    }
    let over_q = |v: Vec<Rational>| -> Vec<Rational> {
        v.into_iter().zip(&q).map(|(a, qj)| a / qj).collect()
    };
    let split = over_q((0..m).map(|j| Rational::from(&agg.moment[j] - &at_x[j])).collect());
    let factored =
        over_q((0..m).map(|j| &agg.moment[j] - Rational::from(&agg.big_q[j] * &x[j])).collect());
    // x_j replaced by its definition (∫ p c w)⁻¹ ∫ p c w y: T_j − Q_j (T_j / Q_j).
    let substituted = over_q(
        (0..m)
            .map(|j| {
                let definition = Rational::from(&agg.moment[j] / &agg.big_q[j]);
                &agg.moment[j] - Rational::from(&agg.big_q[j] * &definition)
            })
            .collect(),
    );
    let integrand = over_q(pull);
    let norm = |b: &[Rational]| norm_of(s, &zero, b);

    let lhs = ("‖∫ p δ''_i‖", norm(&integrand));
    let first = ChainBuilder::new(s, "first display", "", Sensitivity::Rounding, lhs.clone())
        .then(Relation::Eq, "‖∫ p c w (y − x) q⁻¹ √γ‖", norm(&integrand))
        .then(Relation::Eq, "‖√γ q_j⁻¹ ∫ p c w y − √γ q_j⁻¹ ∫ p c w x_j‖", norm(&split))
        .then(Relation::Eq, "‖√γ q_j⁻¹ ∫ p c w y − √γ q_j⁻¹ (∫ p c w) x_j‖", norm(&factored));
    let second = ChainBuilder::new(s, "second display", "", Sensitivity::Rounding, lhs)
        .then(Relation::Eq, "‖√γ q_j⁻¹ ∫ p c w y − √γ q_j⁻¹ ∫ p c w y‖", norm(&substituted))
        .then(Relation::Eq, "0", s.ctx.zero());
    Ok(vec![first.build()?, second.build()?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lemmas::approximate_shifts_cancel::tests as fixtures;
    use crate::verdict::Verdict;

    fn all_hold(chains: &[Chain]) -> bool {
        chains.iter().flat_map(|c| &c.links).all(|l| l.verdict == Verdict::Holds)
    }

    #[test]
    fn both_displays_hold_and_cancel_exactly() {
        for s in [
            fixtures::triangle("1e6", "1/100"),
            fixtures::corners_and_centre(),
            fixtures::weighted_triangle(),
            fixtures::unit_interval_density(),
        ] {
            let audit = audit(&s).unwrap();
            assert!(all_hold(&audit.chains), "{}", s.instance.name);
            // With x from its definition every term is 0, not merely small.
            assert!(audit.chains.iter().flat_map(|c| &c.links).all(|l| l.lhs.is_zero()));
        }
    }

    #[test]
    fn a_wrong_outcome_is_caught_by_the_substitution() {
        // x = x(c) + 1/1000: the first display is algebra and still holds;
        // the second substitutes the definition of x, and must fail.
        let s = fixtures::weighted_triangle();
        let shifted: Vec<Rational> =
            Aggregates::of(&s).x.iter().map(|x| x + Rational::from((1, 1000))).collect();
        let chains = displays(&s, &shifted).unwrap();
        assert!(all_hold(&chains[..1]));
        assert_eq!(chains[1].links[0].verdict, Verdict::Violated);
    }

    #[test]
    fn a_sum_with_an_irrational_root_keeps_its_digits() {
        // a + √γ b with a = −√γ b to 300 bits: the widening must resolve it.
        let s = fixtures::triangle("1e6", "1/10");
        let gamma = exact(&s.params.gamma);
        let b = Rational::from(1);
        let root = Float::with_val(300, &gamma).sqrt();
        let a = -root.to_rational().unwrap();
        let value = norm_of(&s, std::slice::from_ref(&a), std::slice::from_ref(&b));
        let reference = Float::with_val(4000, &gamma).sqrt() + Float::with_val(4000, &a);
        let error = (Float::with_val(4000, &value) - reference.abs()).abs() / &value;
        assert!(value > 0u32 && error < s.ctx.unit_roundoff() * 4u32);
    }
}
