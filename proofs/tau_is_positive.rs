//! The proof of Lemma C.4 (Appendix C.3), and the lines before it that
//! define τ_i (end of Appendix C.2), link by link.
//!
//! # The chains
//!
//! Before the lemma, for every i ∈ N̂ (c = f(c) unclamped, then Lemma C.3):
//!
//! ```text
//! c_i = √n / √(Σ_j w_ij² (y_ij − x_j)² (∫ p c w_j)⁻¹)
//!     = 1 / √(Σ_j w_ij² (y_ij − x_j)² (n ∫ p c w_j)⁻¹)
//!     = 1 / √(Σ_j w_ij² (y_ij − x_j)² q_j⁻¹)
//! 1/λ_i² = (c_i²/λ_i²) Σ_j w_ij² (y_ij − x_j)² q_j⁻¹ = τ_i + γ
//! λ_i = 1/√(τ_i + γ)
//! ```
//!
//! The first link of each rests on c = f(c) (fixed-point sensitivity); the
//! step to τ_i + γ uses Lemma C.3's Σ_j q_j δ_ij² = γ, which the stored δ
//! meets up to the rounding left in b, Σ_j b̄_j |δ_ij| (Lemma C.1's
//! module): those links are charged it.
//!
//! The proof's first display, for every i ∈ N̂ (δ_i, λ_i from Program 1):
//!
//! ```text
//! Σ_j q_j δ_ij² = Σ_j q_j c_i² w_ij² (y_ij − x_j)² / (c_i w_ij + λ_i q_j)²
//!               < Σ_j q_j c_i² w_ij² (y_ij − x_j)² / (λ_i q_j)²
//!               = (c_i² / λ_i²) Σ_j w_ij² (y_ij − x_j)² q_j⁻¹
//! ```
//!
//! then the second display, with τ_i from its definition (the last term
//! minus the first):
//!
//! ```text
//! τ_i > (c_i²/λ_i²) Σ_j w_ij² (y_ij − x_j)² q_j⁻¹ − (c_i²/λ_i²) Σ_j w_ij² (y_ij − x_j)² q_j⁻¹ = 0
//! ```
//!
//! The proof's displays are pure algebra of c, x, q, δ and λ (rounding
//! sensitivity). The
//! first link substitutes Lemma C.2's expression for the stored δ_ij, and
//! so does the second display's first link (τ_i is defined with the stored
//! δ_ij): both are charged the rounding left in the gradient of U
//! ([`charges::power_rounding`]).
//!
//! # Differences from the paper
//!
//! None.

use rug::Float;

use super::charges::{self, c2_shift, charge, power_rounding};
use crate::audit::{Chain, ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::lemmas::hypotheses::{self as h, NORMAL_AGENTS_TIGHT, SOME_NORMAL_AGENT};
use crate::lemmas::power_is_a_weighted_square::{power_drift, weighted_square};
use crate::lemmas::tau_is_positive::tau;
use crate::solved::Solved;
use crate::verdict::{Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "C.4",
    location: "Appendix C.2–C.3, the lines defining τ_i and the proof of Lemma C.4",
    used_by: &["C.6", "D.3"],
    audit,
};

const TIGHT: &str = "the rounding left in b, by which Σ q δ² misses γ (Σ b̄ |δ|)";
const WHY: &str = "the rounding left in b, through the stored δ (Σ q (2|δ̃| e + e²))";

/// Audits the proof of Lemma C.4.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    if let Some(unmet) = Hypotheses::default()
        .require(h::some_normal_agent(s), SOME_NORMAL_AGENT)
        .require(h::normal_agents_tight(s), NORMAL_AGENTS_TIGHT)
        .unmet()
    {
        return Ok(ProofAudit::unmet(unmet));
    }
    let prec = s.ctx.prec();
    let mut chains = Vec::new();
    for i in charges::normal_types(s) {
        let label = format!("i = {}", i + 1);
        let t = &s.types[i];
        let c = &s.eq.c[i];
        let lambda = &s.programs[i].lambda;
        let shift = c2_shift(s, &s.ctx, i);

        let mut with_sum = s.ctx.zero();
        let mut without_sum = s.ctx.zero();
        let mut spread = s.ctx.zero();
        for j in 0..s.params.m {
            let q = &s.eq.q[j];
            let pull = Float::with_val(prec, &t.y[j] - &s.eq.x[j]) * c * &t.w[j];
            let pull_squared = pull.square();
            // Σ q (c w (y − x))² / (c w + λ q)² is Σ q δ̃², δ̃ Lemma C.2's shift.
            with_sum += Float::with_val(prec, q * &shift[j]) * &shift[j];
            let lq = Float::with_val(prec, lambda * q);
            without_sum += Float::with_val(prec, q * &pull_squared) / lq.square();
            let wd = Float::with_val(prec, &t.y[j] - &s.eq.x[j]) * &t.w[j];
            spread += wd.square() / q;
        }
        let lead = Float::with_val(prec, c / lambda).square() * spread;
        let rounding = power_rounding(s, i);

        let first = ChainBuilder::new(
            s,
            "first display",
            &label,
            Sensitivity::Rounding,
            ("Σ_j q_j δ_ij²", weighted_square(s, &s.programs[i].delta)),
        )
        .then(Relation::Eq, "Σ_j q_j c_i² w_ij² (y_ij − x_j)² / (c_i w_ij + λ_i q_j)²", with_sum)
        .then(Relation::Lt, "Σ_j q_j c_i² w_ij² (y_ij − x_j)² / (λ_i q_j)²", without_sum)
        .then(Relation::Eq, "(c_i²/λ_i²) Σ_j w_ij² (y_ij − x_j)² q_j⁻¹", lead.clone());
        let mut first = first.build()?;
        charge(&mut first, 0, &rounding, WHY)?;
        chains.push(first);

        // The display subtracts the expression from itself: exactly 0.
        #[allow(clippy::eq_op)]
        let cancelled = Float::with_val(prec, &lead - &lead);
        let second = ChainBuilder::new(
            s,
            "second display",
            &label,
            Sensitivity::Rounding,
            ("τ_i", tau(s, i)),
        )
        .then(
            Relation::Gt,
            "(c_i²/λ_i²) Σ_j w_ij² (y_ij − x_j)² q_j⁻¹ − (c_i²/λ_i²) Σ_j w_ij² (y_ij − x_j)² q_j⁻¹",
            cancelled,
        )
        .then(Relation::Eq, "0", s.ctx.zero());
        let mut second = second.build()?;
        charge(&mut second, 0, &rounding, WHY)?;
        chains.push(second);
        chains.extend(before_the_lemma(s, i, &lead)?);
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

/// The lines between Lemmas C.3 and C.4: c_i on N̂, then τ_i's identities.
fn before_the_lemma(s: &Solved, i: usize, lead: &Float) -> Result<Vec<Chain>> {
    let prec = s.ctx.prec();
    let label = format!("i = {}", i + 1);
    let t = &s.types[i];
    let p = &s.params;
    let mut over_big_q = s.ctx.zero();
    let mut over_n_big_q = s.ctx.zero();
    let mut over_q = s.ctx.zero();
    for j in 0..p.m {
        let wd = Float::with_val(prec, &t.y[j] - &s.eq.x[j]) * &t.w[j];
        let wd2 = wd.square();
        over_big_q += Float::with_val(prec, &wd2 / &s.eq.big_q[j]);
        let n_big_q = Float::with_val(prec, &p.n * &s.eq.big_q[j]);
        over_n_big_q += Float::with_val(prec, &wd2 / &n_big_q);
        over_q += wd2 / &s.eq.q[j];
    }
    let root_n = Float::with_val(prec, p.n.sqrt_ref());
    let scaling = ChainBuilder::new(
        s,
        "before Lemma C.4: c_i on N̂",
        &label,
        Sensitivity::FixedPoint,
        ("c_i", s.eq.c[i].clone()),
    )
    .then(Relation::Eq, "√n / √(Σ_j w² (y − x)² (∫ p c w_j)⁻¹)", root_n / over_big_q.sqrt())
    .then(Relation::Eq, "1 / √(Σ_j w² (y − x)² (n ∫ p c w_j)⁻¹)", over_n_big_q.sqrt().recip())
    .then(Relation::Eq, "1 / √(Σ_j w² (y − x)² q_j⁻¹)", over_q.sqrt().recip());

    let lambda = &s.programs[i].lambda;
    let tau_plus_gamma = tau(s, i) + &p.gamma;
    let drift = power_drift(s, &s.programs[i].delta);
    let mut identity = ChainBuilder::new(
        s,
        "before Lemma C.4: 1/λ_i² = τ_i + γ",
        &label,
        Sensitivity::FixedPoint,
        ("1/λ_i²", Float::with_val(prec, lambda.square_ref()).recip()),
    )
    .then(Relation::Eq, "(c_i²/λ_i²) Σ_j w_ij² (y_ij − x_j)² q_j⁻¹", lead.clone())
    .then(Relation::Eq, "τ_i + γ", tau_plus_gamma.clone())
    .build()?;
    charge(&mut identity, 1, &drift, TIGHT)?;

    let multiplier_drift = Float::with_val(prec, &drift / &tau_plus_gamma) * lambda;
    let mut multiplier = ChainBuilder::new(
        s,
        "before Lemma C.4: λ_i = 1/√(τ_i + γ)",
        &label,
        Sensitivity::FixedPoint,
        ("λ_i", lambda.clone()),
    )
    .then(Relation::Eq, "1/√(τ_i + γ)", tau_plus_gamma.sqrt().recip())
    .build()?;
    charge(&mut multiplier, 0, &multiplier_drift, TIGHT)?;
    Ok(vec![scaling.build()?, identity, multiplier])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::solve;
    use crate::verdict::Verdict;

    fn triangle(alpha: &str, gamma: &str) -> String {
        format!(
            r#"{{"name": "triangle", "n": "1e6", "alpha": {alpha}, "gamma": "{gamma}",
            "weight_box": {{"min": "1", "max": "2"}},
            "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["1", "1"]}}}},
            "population": {{"types": [
              {{"y": ["0", "0"], "w": ["1", "2"], "mass": "1"}},
              {{"y": ["1", "0"], "w": ["2", "1"], "mass": "1"}},
              {{"y": ["0", "1"], "w": ["1", "1"], "mass": "1"}}]}}}}"#
        )
    }

    const ALPHA: &str = r#"{"power_of_n": "-7/8"}"#;

    /// Types at −1, 0, 1: the middle one sits at x = 0, clamped and slack.
    const LINE: &str = r#"{"name": "line", "n": "1e6", "alpha": {"power_of_n": "-7/8"},
        "gamma": "1/100", "weight_box": {"min": "1", "max": "1"},
        "outcome_set": {"box": {"lo": ["-1"], "hi": ["1"]}},
        "population": {"types": [{"y": ["-1"], "w": ["1"], "mass": "1/4"},
          {"y": ["0"], "w": ["1"], "mass": "1/2"}, {"y": ["1"], "w": ["1"], "mass": "1/4"}]}}"#;

    fn all_hold(audit: &ProofAudit) -> bool {
        audit.chains.iter().flat_map(|c| &c.links).all(|l| l.verdict == Verdict::Holds)
    }

    #[test]
    fn both_displays_hold_link_by_link() {
        let audit = audit(&solve(&triangle(ALPHA, "1/100"))).unwrap();
        assert_eq!(audit.chains.len(), 15);
        assert!(all_hold(&audit), "{:?}", audit.chains);
    }

    #[test]
    fn the_slack_middle_type_is_left_out() {
        let audit = audit(&solve(LINE)).unwrap();
        let labels: Vec<&str> = audit.chains.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, [vec!["i = 1"; 5], vec!["i = 3"; 5]].concat());
        assert!(all_hold(&audit));
    }

    #[test]
    fn the_strict_step_has_a_margin_above_its_bound() {
        // (c w + λ q)² > (λ q)² by about 2 c w / (λ q) of itself: small, but
        // far above the rounding, so the < is decided, not a tie.
        let audit = audit(&solve(&triangle(ALPHA, "1/100"))).unwrap();
        for chain in audit.chains.iter().filter(|c| c.display == "first display") {
            let strict = &chain.links[1];
            assert!(!chain.ties[1] && strict.margin() > strict.error.clone() * 1000u32);
            assert!(strict.relative_margin() < 1u32);
        }
    }

    #[test]
    fn unmet_when_a_normal_agent_is_slack() {
        let audit = audit(&solve(&triangle(ALPHA, "1e20"))).unwrap();
        assert_eq!(audit.unmet, vec![NORMAL_AGENTS_TIGHT.to_string()]);
    }

    #[test]
    fn unmet_when_every_type_is_clamped() {
        let audit = audit(&solve(&triangle(r#""1""#, "1/100"))).unwrap();
        assert_eq!(audit.unmet, vec![SOME_NORMAL_AGENT.to_string()]);
    }
}
