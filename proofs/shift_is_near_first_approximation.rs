//! The proof of Lemma D.2 (Appendix D), link by link.
//!
//! # The chains
//!
//! For every i ∈ N̂, with δ'_ij = c_i w_ij (y_ij − x_j) / (λ_i q_j), first per
//! issue j:
//!
//! ```text
//! δ'_ij − δ_ij = c w (y − x)/(λ q) − c w (y − x)/(c w + λ q)
//!              = c w (y − x) (c w + λ q − λ q) / (λ q (c w + λ q))
//!              = c² w² (y − x) / (λ q (c w + λ q))
//! ```
//!
//! then, summed over the issues (see the differences below):
//!
//! ```text
//! ‖δ'_i − δ_i‖² = Σ_j c⁴ w⁴ (y − x)² / (λ² q² (c w + λ q)²)
//!               ≤ Σ_j c⁴ w⁴ (y − x)² / (λ⁴ q⁴)
//!               ≤ (d_max² / λ⁴) max_j (c w_ij / q_j)⁴
//!               ≤ d_max² / (λ⁴ β⁴ n⁶ α⁴)
//!               ≤ γ² / (β⁴ n⁶ α⁴) · ((η + 1)/η)² d_max²
//! ‖δ'_i − δ_i‖² ≤ γ² / (β⁴ n⁶ α⁴) · ((η + 1)/η)² d_max² ≤ 4 γ² d_max² / (β⁴ n⁶ α⁴)   (η ≥ 1)
//! ‖δ'_i − δ_i‖₂ ≤ 2 γ d_max / (β² n³ α²)
//! ```
//!
//! Every difference is taken at a precision widened by twice the bits that
//! δ' and δ share ([`super::charges::widened_for`]), from the stored values.
//! The stored δ_i enters each chain at its first term; those links are
//! charged the rounding left in b ([`super::charges::shift_rounding`]).
//! The links that use Lemma C.6 (a bound on 1/λ_i) are charged the move of
//! λ_i that the same rounding can cause (Lemma C.4's `multiplier_drift`).
//! The chains after the first use B.4 and C.6, so they have fixed-point
//! sensitivity; the first is algebra.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the second display writes ‖δ'_i − δ_i‖₂² as one fraction
//! with j free. Read per issue ("second display, as written (per issue)"),
//! its first link equates the whole squared norm with one issue's term,
//! which fails whenever δ' − δ has two nonzero components. The proof needs
//! the sum over j, bounded through max_j (c_i w_ij / q_j)⁴ ("second display,
//! as the proof uses (summed over j)"). Both are encoded.

use rug::Float;

use super::charges::{self, c2_shift, charge, shift_rounding, widened_for};
use super::tau_is_small::Constants;
use crate::audit::{Chain, ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::lemmas::approximate_shifts_cancel::delta_prime_at;
use crate::lemmas::hypotheses::{self as h, norm};
use crate::lemmas::tau_is_positive::multiplier_drift;
use crate::solved::Solved;
use crate::verdict::{Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof =
    Proof { number: "D.2", location: "Appendix D, proof of Lemma D.2", used_by: &["D.5"], audit };

const AS_WRITTEN: &str = "second display, as written (per issue)";
const AS_USED: &str = "second display, as the proof uses (summed over j)";
const WHY: &str = "the rounding left in b, through the stored δ";
const DRIFT: &str = "the move of λ_i the rounding left in b can cause (C.6's bound on 1/λ_i)";

/// Audits the proof of Lemma D.2.
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
    let mut chains = Vec::new();
    for i in charges::normal_types(s) {
        chains.extend(type_chains(s, i)?);
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

/// The right sides that do not depend on the type.
struct Bounds {
    /// 1/(β n^(3/2) α): Lemma B.4's bound on c_i w_ij / q_j.
    share: Float,
    /// γ² / (β⁴ n⁶ α⁴) · ((η + 1)/η)² d_max².
    with_eta: Float,
    /// 4 γ² d_max² / (β⁴ n⁶ α⁴).
    with_four: Float,
    /// 2 γ d_max / (β² n³ α²).
    statement: Float,
}

impl Bounds {
    fn of(s: &Solved) -> Bounds {
        let prec = s.ctx.prec();
        let p = &s.params;
        let k = Constants::of(s);
        let share = k.n32_alpha_beta.clone().recip();
        let share4 = Float::with_val(prec, share.square_ref()).square();
        let gamma2 = Float::with_val(prec, p.gamma.square_ref());
        let base = gamma2 * share4 * &p.d_max_squared;
        let ratio = Float::with_val(prec, &k.eta + 1u32) / &k.eta;
        let with_eta = Float::with_val(prec, &base * &ratio.square());
        let with_four = Float::with_val(prec, &base * 4u32);
        let share2 = Float::with_val(prec, share.square_ref());
        let statement = share2 * &p.gamma * &p.d_max * 2u32;
        Bounds { share, with_eta, with_four, statement }
    }
}

/// Returns Lemma D.2's right side, 2γ d_max / (β² n³ α²).
pub fn statement_bound(s: &Solved) -> Float {
    Bounds::of(s).statement
}

/// The chains of one normal type.
fn type_chains(s: &Solved, i: usize) -> Result<Vec<Chain>> {
    let wide = widened_for(s, i);
    let prec = wide.prec();
    let m = s.params.m;
    let t = &s.types[i];
    let c = wide.lift(&s.eq.c[i]);
    let lambda = &s.programs[i].lambda;
    let delta = &s.programs[i].delta;
    let delta_prime = delta_prime_at(s, &wide, i);
    let shift = c2_shift(s, &wide, i);
    let e = shift_rounding(s, i);
    let bounds = Bounds::of(s);
    let lift = |v: &Float| s.ctx.lift(v);
    let mut chains = Vec::new();

    // Per issue: the first display, and the terms of the second.
    let mut closed = Vec::with_capacity(m);
    let mut dropped = Vec::with_capacity(m);
    let mut ratio4 = Vec::with_capacity(m);
    for j in 0..m {
        let q = wide.lift(&s.eq.q[j]);
        let cw = Float::with_val(prec, &c * &t.w[j]);
        let lq = Float::with_val(prec, lambda * &q);
        let d = Float::with_val(prec, &cw + &lq);
        let pull = Float::with_val(prec, &t.y[j] - &s.eq.x[j]) * &cw;
        let stored_gap = Float::with_val(prec, &delta_prime[j] - &delta[j]);
        let c2_gap = Float::with_val(prec, &delta_prime[j] - &shift[j]);
        let kept = Float::with_val(prec, &d - &lq);
        let denominator = Float::with_val(prec, &lq * &d);
        let unreduced = Float::with_val(prec, &pull * &kept) / &denominator;
        let reduced = Float::with_val(prec, &pull * &cw) / &denominator;
        let label = format!("i = {}, j = {}", i + 1, j + 1);
        let mut first = ChainBuilder::new(
            s,
            "first display",
            &label,
            Sensitivity::Rounding,
            ("δ'_ij − δ_ij", lift(&stored_gap)),
        )
        .then(Relation::Eq, "c w (y − x)/(λ q) − c w (y − x)/(c w + λ q)", lift(&c2_gap))
        .then(Relation::Eq, "c w (y − x)(c w + λ q − λ q)/(λ q (c w + λ q))", lift(&unreduced))
        .then(Relation::Eq, "c² w² (y − x)/(λ q (c w + λ q))", lift(&reduced))
        .build()?;
        charge(&mut first, 0, &e[j], WHY)?;
        chains.push(first);

        let share = Float::with_val(prec, &cw / &q);
        let pull_over = Float::with_val(prec, &pull * &cw) / Float::with_val(prec, lq.square_ref());
        dropped.push(lift(&pull_over.square()));
        closed.push(lift(&reduced.square()));
        ratio4.push(lift(&Float::with_val(prec, share.square_ref()).square()));
    }

    // ‖δ' − δ‖² from the stored δ, and the charges on its links.
    let stored: Vec<Float> =
        (0..m).map(|j| Float::with_val(prec, &delta_prime[j] - &delta[j])).collect();
    let squared = lift(&Float::with_val(prec, norm(&stored).square_ref()));
    let mut b_charge = s.ctx.zero();
    for j in 0..m {
        let size = Float::with_val(s.ctx.prec(), closed[j].sqrt_ref()) * 2u32 + &e[j];
        b_charge += size * &e[j];
    }
    let lambda4 = Float::with_val(s.ctx.prec(), lambda.square_ref()).square();
    let at_share = Float::with_val(s.ctx.prec(), bounds.share.square_ref()).square()
        * &s.params.d_max_squared
        / &lambda4;
    let drift = multiplier_drift(s, i) * 4u32;
    let inverse4_charge = Float::with_val(s.ctx.prec(), &at_share * &drift);
    let d2_over_l4 = Float::with_val(s.ctx.prec(), &s.params.d_max_squared / &lambda4);

    let sum = |v: &[Float]| v.iter().fold(s.ctx.zero(), |acc, x| acc + x);
    let max = |v: &[Float]| v.iter().fold(s.ctx.zero(), |acc, x| acc.max(x));
    let label = format!("i = {}", i + 1);
    let mut used = ChainBuilder::new(
        s,
        AS_USED,
        &label,
        Sensitivity::FixedPoint,
        ("‖δ'_i − δ_i‖²", squared.clone()),
    )
    .then(Relation::Eq, "Σ_j c⁴ w⁴ (y − x)² / (λ² q² (c w + λ q)²)", sum(&closed))
    .then(Relation::Le, "Σ_j c⁴ w⁴ (y − x)² / (λ⁴ q⁴)", sum(&dropped))
    .then(Relation::Le, "(d_max²/λ⁴) max_j (c w_ij/q_j)⁴", d2_over_l4.clone() * max(&ratio4))
    .then(Relation::Le, "d_max²/(λ⁴ β⁴ n⁶ α⁴)", at_share.clone())
    .then(Relation::Le, "γ²/(β⁴ n⁶ α⁴) ((η+1)/η)² d_max²", bounds.with_eta.clone())
    .build()?;
    charge(&mut used, 0, &b_charge, WHY)?;
    charge(&mut used, 4, &inverse4_charge, DRIFT)?;
    chains.push(used);

    for j in 0..m {
        let label = format!("i = {}, j = {}", i + 1, j + 1);
        let mut written = ChainBuilder::new(
            s,
            AS_WRITTEN,
            &label,
            Sensitivity::FixedPoint,
            ("‖δ'_i − δ_i‖²", squared.clone()),
        )
        .then(Relation::Eq, "c⁴ w_ij⁴ (y − x)² / (λ² q_j² (c w_ij + λ q_j)²)", closed[j].clone())
        .then(Relation::Le, "c⁴ w_ij⁴ (y − x)² / (λ⁴ q_j⁴)", dropped[j].clone())
        .then(Relation::Le, "(d_max²/λ⁴) (c w_ij/q_j)⁴", d2_over_l4.clone() * &ratio4[j])
        .then(Relation::Le, "d_max²/(λ⁴ β⁴ n⁶ α⁴)", at_share.clone())
        .then(Relation::Le, "γ²/(β⁴ n⁶ α⁴) ((η+1)/η)² d_max²", bounds.with_eta.clone())
        .build()?;
        charge(&mut written, 0, &b_charge, WHY)?;
        charge(&mut written, 4, &inverse4_charge, DRIFT)?;
        chains.push(written);
    }

    // The last two displays compare the stored δ with C.6-based bounds.
    let squared_charge = b_charge + Float::with_val(s.ctx.prec(), &squared * &drift);
    let mut eta_step = ChainBuilder::new(
        s,
        "as long as η ≥ 1",
        &label,
        Sensitivity::FixedPoint,
        ("‖δ'_i − δ_i‖²", squared.clone()),
    )
    .then(Relation::Le, "γ²/(β⁴ n⁶ α⁴) ((η+1)/η)² d_max²", bounds.with_eta)
    .then(Relation::Le, "4 γ² d_max²/(β⁴ n⁶ α⁴)", bounds.with_four)
    .build()?;
    charge(&mut eta_step, 0, &squared_charge, DRIFT)?;
    chains.push(eta_step);

    let gap_norm = Float::with_val(s.ctx.prec(), squared.sqrt_ref());
    let norm_charge = norm(&e) + Float::with_val(s.ctx.prec(), &gap_norm * &drift);
    let mut altogether = ChainBuilder::new(
        s,
        "altogether",
        &label,
        Sensitivity::FixedPoint,
        ("‖δ'_i − δ_i‖₂", gap_norm),
    )
    .then(Relation::Le, "2γ d_max/(β² n³ α²)", bounds.statement)
    .build()?;
    charge(&mut altogether, 0, &norm_charge, DRIFT)?;
    chains.push(altogether);
    Ok(chains)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lemmas::approximate_shifts_cancel::tests as fixtures;
    use crate::verdict::Verdict;

    fn holds_except_the_literal(audit: &ProofAudit) {
        for chain in audit.chains.iter().filter(|c| c.display != AS_WRITTEN) {
            for link in &chain.links {
                assert_eq!(link.verdict, Verdict::Holds, "{}, {}", chain.display, link.label);
            }
        }
    }

    #[test]
    fn the_chains_the_proof_uses_hold_link_by_link() {
        for s in [fixtures::triangle("1e6", "1/100"), fixtures::weighted_triangle()] {
            holds_except_the_literal(&audit(&s).unwrap());
        }
    }

    #[test]
    fn the_per_issue_reading_fails_with_two_issues_and_holds_with_one() {
        let audit = audit(&fixtures::weighted_triangle()).unwrap();
        let literal = audit.chains.iter().filter(|c| c.display == AS_WRITTEN);
        assert!(literal.clone().count() == 6);
        assert!(literal.clone().all(|c| c.links[0].verdict == Verdict::Violated));
        assert!(literal.flat_map(|c| &c.links[1..]).all(|l| l.verdict == Verdict::Holds));

        let s = fixtures::solve_json(&fixtures::finite_json(
            "1e6",
            "1/100",
            "1",
            &[(&["0"], "1"), (&["1"], "1"), (&["1/4"], "1")],
        ));
        let audit = super::audit(&s).unwrap();
        assert!(audit.chains.iter().flat_map(|c| &c.links).all(|l| l.verdict == Verdict::Holds));
    }

    #[test]
    fn unmet_outside_the_hypotheses() {
        for (name, s) in fixtures::hypothesis_breakers() {
            let audit = audit(&s).unwrap();
            assert!(audit.unmet.iter().any(|u| u == name), "{name}: {:?}", audit.unmet);
        }
    }
}
