//! The proof of Lemma C.3 (Appendix C.2), link by link.
//!
//! # The chains
//!
//! For every normal type i ∈ N̂ (at most 48, sampled evenly), with
//! lo = w_min / (w_max² d_max²), Lemma 5.1's lower end of c:
//!
//! ```text
//! α ≤ √(Σ_j w_ij² (y_ij − x_j)² (∫ p c w_j)⁻¹)
//!   ≤ √(Σ_j w_max² (y_ij − x_j)² (∫ p lo w_min)⁻¹)
//!   ≤ (w_max² d_max / w_min) √(Σ_j (y_ij − x_j)² (∫ p)⁻¹)
//!   ≤ (w_max² d_max / w_min) ‖y_i − x‖₂
//! ```
//!
//! The line after it, ‖y_i − x‖₂ ≥ α w_min / (w_max² d_max), is a [step]
//! check of the lemma module and is not repeated. The rest of the proof
//! (no agent of N̂ comes arbitrarily close to x, so a small γ binds them
//! all) is an argument without a display; the lemma module computes the
//! threshold γ* it implies.
//!
//! The first link is the definition of N̂ at the fixed point, the second
//! uses c_k ≥ lo for every k: fixed-point bound. ∫ p is the sum of the
//! masses, 1.
//!
//! # Differences from the paper
//!
//! None. The second and third links are equalities when written out
//! (√(w_max² / (lo w_min)) = w_max² d_max / w_min), and the last one is an
//! equality since ∫ p = 1; the builder reads each as a tie.

use rug::Float;

use crate::audit::{ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::lemmas::hypotheses::{self, norm};
use crate::solved::Solved;
use crate::verdict::{Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "C.3",
    location: "Appendix C.2, proof of Lemma C.3",
    used_by: &["C.4", "C.5", "C.6"],
    audit,
};

/// Audits the proof of Lemma C.3.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    if let Some(unmet) = Hypotheses::default()
        .require(hypotheses::some_normal_agent(s), hypotheses::SOME_NORMAL_AGENT)
        .require(hypotheses::ideal_points_in_chi(s), hypotheses::IDEAL_POINTS_IN_CHI)
        .require(hypotheses::alpha_in_range(s), hypotheses::ALPHA_IN_RANGE)
        .unmet()
    {
        return Ok(ProofAudit::unmet(unmet));
    }
    let ctx = &s.ctx;
    let prec = ctx.prec();
    let p = &s.params;
    let w_max2 = p.w_max.clone().square();
    let lo = p.w_min.clone() / (w_max2.clone() * &p.d_max_squared);
    let mass = s.types.iter().fold(ctx.zero(), |acc, t| acc + &t.mass);
    let floor = Float::with_val(prec, &mass * &lo) * &p.w_min;
    let front = w_max2.clone() * &p.d_max / &p.w_min;

    let normal: Vec<usize> = (0..s.types.len()).filter(|&i| s.is_normal(i)).collect();
    let mut chains = Vec::new();
    for i in super::sampled(normal) {
        let t = &s.types[i];
        let mut over_q = ctx.zero();
        let mut over_floor = ctx.zero();
        let mut gap = Vec::with_capacity(p.m);
        for j in 0..p.m {
            let d = Float::with_val(prec, &t.y[j] - &s.eq.x[j]);
            let wd2 = Float::with_val(prec, &t.w[j] * &d).square();
            over_q += Float::with_val(prec, &wd2 / &s.eq.big_q[j]);
            over_floor += Float::with_val(prec, d.square_ref()) * &w_max2 / &floor;
            gap.push(d);
        }
        let distance = norm(&gap);
        let spread = (distance.clone().square() / &mass).sqrt();
        let chain = ChainBuilder::new(
            s,
            "first display",
            format!("i = {}", i + 1),
            Sensitivity::FixedPoint,
            ("α", p.alpha.clone()),
        )
        .then(Relation::Le, "√(Σ_j w_ij² (y_ij − x_j)² (∫ p c w_j)⁻¹)", over_q.sqrt())
        .then(
            Relation::Le,
            "√(Σ_j w_max² (y_ij − x_j)² (∫ p (w_min/(w_max² d_max²)) w_min)⁻¹)",
            over_floor.sqrt(),
        )
        .then(
            Relation::Le,
            "(w_max² d_max/w_min) √(Σ_j (y_ij − x_j)² (∫ p)⁻¹)",
            front.clone() * spread,
        )
        .then(Relation::Le, "(w_max² d_max/w_min) ‖y_i − x‖₂", front.clone() * distance);
        chains.push(chain.build()?);
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;
    use crate::verdict::Verdict;

    fn triangle(alpha: &str, hi: &str) -> Solved {
        let text = format!(
            r#"{{"n": "1e6", "alpha": {alpha}, "gamma": "1/100",
            "weight_box": {{"min": "1", "max": "2"}},
            "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["{hi}", "{hi}"]}}}},
            "population": {{"types": [{{"y": ["0", "0"], "w": ["2", "1"], "mass": "1"}},
                {{"y": ["1", "0"], "w": ["1", "1"], "mass": "1"}},
                {{"y": ["0", "1"], "w": ["1", "2"], "mass": "2"}}]}}}}"#
        );
        let instance = crate::instance_file::from_str(&text).unwrap();
        crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap()
    }

    const ALPHA: &str = r#"{"power_of_n": "-7/8"}"#;

    // Appendix C.2, the display of Lemma C.3's proof.
    #[test]
    fn the_proof_holds_for_every_normal_type() {
        let s = triangle(ALPHA, "1");
        // The heavy type at (0, 1) holds half the mass: x sits on it, and it is clamped.
        assert!(!s.is_normal(2));
        let audit = audit(&s).unwrap();
        assert_eq!(audit.chains.len(), 2);
        for chain in &audit.chains {
            assert!(chain.links.iter().all(|l| l.verdict == Verdict::Holds), "{chain:?}");
        }
    }

    #[test]
    fn unmet_when_every_type_is_clamped() {
        // α = 1 is in range (√n w_max² d_max²/w_min = 8000), far above every √r_i.
        let audit = audit(&triangle(r#""1""#, "1")).unwrap();
        assert_eq!(audit.unmet, vec![hypotheses::SOME_NORMAL_AGENT.to_string()]);
    }

    #[test]
    fn unmet_when_ideal_points_leave_chi() {
        let audit = audit(&triangle(ALPHA, "1/2")).unwrap();
        assert_eq!(audit.unmet, vec![hypotheses::IDEAL_POINTS_IN_CHI.to_string()]);
    }
}
