//! The proof of Lemma 5.1 (Section 5.1), link by link.
//!
//! # The chains
//!
//! The proof shows g_A(S) ⊂ S for S = [lo, hi]^|A|, lo = w_min / (w_max² d_max²),
//! hi = √n / α. It is a claim for every c ∈ S; the chains are evaluated at
//! three points of S (c ≡ lo, c ≡ hi and the computed fixed point) and, at
//! each, for every type of A (at most 48, sampled evenly). With
//! Q_j(c) = Σ_k s_k c(k) w_kj and x(c) as in Part 2 of Lemma 5.3's proof:
//!
//! ```text
//! lo ≤ √n/α                                            (S is non-empty)
//!
//! √(Σ_j w_ij² (y_ij − x_j(c))² / Σ_k s_k c(k) w_kj)
//!     ≤ √(Σ_j w_ij² (y_ij − x_j(c))² / Σ_k s_k lo w_kj)
//!     = (w_max d_max / √w_min) √(Σ_j w_ij² (y_ij − x_j(c))² / Σ_k s_k w_kj)
//!     = (w_max d_max / √w_min) √(Σ_j w_max² (y_ij − x_j(c))² / Σ_k s_k w_min)
//!     ≤ (w_max² d_max / w_min) √(Σ_j (y_ij − x_j(c))²)
//!     ≤ w_max² d_max² / w_min
//! ```
//!
//! then "the denominator is at most w_max² d_max² / w_min":
//! max(α, √r_i) ≤ w_max² d_max² / w_min; so
//! g_A(c)_i ≥ √n w_min / (w_max² d_max²) ≥ w_min / (w_max² d_max²) (n ≥ 1);
//! and, since the denominator is at least α, g_A(c)_i ≤ √n/α.
//!
//! The proof uses x(c) with c inside it (Lemma 5.3's Part 2 does); Section
//! 5.1 defines it without c. The two are compared at the fixed point as a
//! one-link chain per issue, "definition of x_j(c) (Section 5.1 vs Part 2
//! of Lemma 5.3)".
//!
//! Every term is algebra of the sample point c, so the error bound is
//! rounding only (the fixed point enters as a point of S, not through
//! c = g_A(c)).
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the third "=" of the display replaces w_ij by w_max and
//! Σ_k s_k w_kj by Σ_k s_k w_min; that is "≤", an equality only when every
//! weight is w_min = w_max. Both are encoded: "…, as written" (=) and
//! "…, as the proof uses" (≤); the literal link fails on any instance with
//! unequal weights.
//!
//! DIFFERENCE: Section 5.1's x_j(c) = (Σ_i s_i w_ij)⁻¹ Σ_i s_i w_ij y_ij has
//! no c; the chains use the version with c. The definitional chain fails
//! wherever the fixed point is not constant.
//!
//! Not a typo but a gap: "the denominator is at most w_max² d_max² / w_min"
//! forgets the α in max(α, ·). When α > w_max² d_max² / w_min, which the
//! lemma's range allows, a clamped type has denominator α and the
//! "denominator" chain and the first link of the "lower bound" chain fail
//! (the lemma module reports the same step); the lemma's conclusion
//! g_A(c)_i ≥ lo still holds there because α ≤ √n w_max² d_max² / w_min.

use rug::Float;

use crate::audit::{ChainBuilder, Proof, ProofAudit};
use crate::equilibrium::{aggregates, disagreement, scaling_of};
use crate::error::Result;
use crate::lemmas::hypotheses::{self, norm, ALPHA_IN_RANGE, IDEAL_POINTS_IN_CHI};
use crate::solved::Solved;
use crate::verdict::{Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "5.1",
    location: "Section 5.1, proof of Lemma 5.1",
    used_by: &["5.3", "C.3"],
    audit,
};

const AS_WRITTEN: &str = "self-map display, as written";
const AS_USED: &str = "self-map display, as the proof uses (≤ for the third =)";

/// Audits the proof of Lemma 5.1.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    let mut required = Hypotheses::default();
    required
        .require(hypotheses::alpha_in_range(s), ALPHA_IN_RANGE)
        .require(hypotheses::ideal_points_in_chi(s), IDEAL_POINTS_IN_CHI);
    if let Some(unmet) = required.unmet() {
        return Ok(ProofAudit::unmet(unmet));
    }
    let ctx = &s.ctx;
    let p = &s.params;
    let sqrt_n = p.n.clone().sqrt();
    let w2d2 = p.w_max.clone().square() * &p.d_max_squared;
    let lo = p.w_min.clone() / &w2d2;
    let hi = sqrt_n.clone() / &p.alpha;

    let mut chains = Vec::new();
    let nonempty = ChainBuilder::new(
        s,
        "S is non-empty",
        "",
        Sensitivity::Rounding,
        ("w_min/(w_max² d_max²)", lo.clone()),
    )
    .then(Relation::Le, "√n/α", hi.clone());
    chains.push(nonempty.build()?);

    let samples =
        [("c ≡ lo", vec![lo.clone(); s.types.len()]), ("c ≡ hi", vec![hi; s.types.len()])];
    for (name, c) in &samples {
        chains.extend(self_map_chains(s, name, c)?);
    }
    chains.extend(self_map_chains(s, "c = fixed point", &s.eq.c)?);

    // Section 5.1's x(c) without c, against the one the proof uses.
    let ones = vec![ctx.int(1); s.types.len()];
    let (_, x_without_c) = aggregates(&s.types, &ones);
    let (_, x_with_c) = aggregates(&s.types, &s.eq.c);
    for j in 0..p.m {
        let chain = ChainBuilder::new(
            s,
            "definition of x_j(c) (Section 5.1 vs Part 2 of Lemma 5.3)",
            format!("c = fixed point, j = {}", j + 1),
            Sensitivity::Rounding,
            ("(Σ_i s_i w_ij)⁻¹ Σ_i s_i w_ij y_ij", x_without_c[j].clone()),
        )
        .then(
            Relation::Eq,
            "(Σ_i s_i c(i) w_ij)⁻¹ Σ_i s_i c(i) w_ij y_ij",
            x_with_c[j].clone(),
        );
        chains.push(chain.build()?);
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

/// The chains of the self-map argument at one point c of S.
fn self_map_chains(s: &Solved, name: &str, c: &[Float]) -> Result<Vec<crate::audit::Chain>> {
    let ctx = &s.ctx;
    let prec = ctx.prec();
    let p = &s.params;
    let sqrt_n = p.n.clone().sqrt();
    let w2d2 = p.w_max.clone().square() * &p.d_max_squared;
    let lo = p.w_min.clone() / &w2d2;
    let hi = sqrt_n.clone() / &p.alpha;
    let (big_q, x) = aggregates(&s.types, c);

    // The sums over A that do not depend on i: Σ s lo w_j, Σ s w_j, Σ s w_min.
    let m = p.m;
    let mut lo_weight = vec![ctx.zero(); m];
    let mut weight = vec![ctx.zero(); m];
    let mut mass = ctx.zero();
    for t in &s.types {
        mass += &t.mass;
        for j in 0..m {
            let sw = Float::with_val(prec, &t.mass * &t.w[j]);
            lo_weight[j] += Float::with_val(prec, &sw * &lo);
            weight[j] += sw;
        }
    }
    let min_weight = Float::with_val(prec, &mass * &p.w_min);
    let front = p.w_max.clone() * &p.d_max / p.w_min.clone().sqrt();
    let front_squared = p.w_max.clone().square() * &p.d_max / &p.w_min;
    let top = w2d2.clone() / &p.w_min;

    let mut chains = Vec::new();
    for i in super::sampled((0..s.types.len()).collect()) {
        let t = &s.types[i];
        let label = format!("{name}, i = {}", i + 1);
        let mut over_q = ctx.zero();
        let mut over_lo = ctx.zero();
        let mut over_weight = ctx.zero();
        let mut over_min = ctx.zero();
        let mut gap = Vec::with_capacity(m);
        for j in 0..m {
            let d = Float::with_val(prec, &t.y[j] - &x[j]);
            let wd2 = Float::with_val(prec, &t.w[j] * &d).square();
            over_q += Float::with_val(prec, &wd2 / &big_q[j]);
            over_lo += Float::with_val(prec, &wd2 / &lo_weight[j]);
            over_weight += Float::with_val(prec, &wd2 / &weight[j]);
            let max_d2 = Float::with_val(prec, &p.w_max * &d).square();
            over_min += max_d2 / &min_weight;
            gap.push(d);
        }
        let root_r = over_q.sqrt();
        let e1 = over_lo.sqrt();
        let e2 = front.clone() * over_weight.sqrt();
        let e3 = front.clone() * over_min.sqrt();
        let e4 = front_squared.clone() * norm(&gap);

        for (display, third) in [(AS_WRITTEN, Relation::Eq), (AS_USED, Relation::Le)] {
            let chain = ChainBuilder::new(
                s,
                display,
                &label,
                Sensitivity::Rounding,
                ("√(Σ_j w_ij² (y_ij − x_j(c))² / Σ_k s_k c(k) w_kj)", root_r.clone()),
            )
            .then(Relation::Le, "√(Σ_j w_ij² (y_ij − x_j(c))² / Σ_k s_k lo w_kj)", e1.clone())
            .then(
                Relation::Eq,
                "(w_max d_max/√w_min) √(Σ_j w_ij² (y_ij − x_j(c))² / Σ_k s_k w_kj)",
                e2.clone(),
            )
            .then(
                third,
                "(w_max d_max/√w_min) √(Σ_j w_max² (y_ij − x_j(c))² / Σ_k s_k w_min)",
                e3.clone(),
            )
            .then(Relation::Le, "(w_max² d_max/w_min) √(Σ_j (y_ij − x_j(c))²)", e4.clone())
            .then(Relation::Le, "w_max² d_max²/w_min", top.clone());
            chains.push(chain.build()?);
        }

        // The denominator of g_A, and the two bounds drawn from it.
        let denominator = Float::with_val(prec, p.alpha.max_ref(&root_r));
        let chain = ChainBuilder::new(
            s,
            "denominator",
            &label,
            Sensitivity::Rounding,
            ("max(α, √r_i)", denominator),
        )
        .then(Relation::Le, "w_max² d_max²/w_min", top.clone());
        chains.push(chain.build()?);
        let g = scaling_of(p, &disagreement(t, &big_q, &x));
        let chain = ChainBuilder::new(
            s,
            "lower bound",
            &label,
            Sensitivity::Rounding,
            ("g_A(c)_i", g.clone()),
        )
        .then(Relation::Ge, "√n w_min/(w_max² d_max²)", sqrt_n.clone() * &lo)
        .then(Relation::Ge, "w_min/(w_max² d_max²)", lo.clone());
        chains.push(chain.build()?);
        let chain =
            ChainBuilder::new(s, "upper bound", &label, Sensitivity::Rounding, ("g_A(c)_i", g))
                .then(Relation::Le, "√n/α", hi.clone());
        chains.push(chain.build()?);
    }
    Ok(chains)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Chain;
    use crate::fixtures::solve;
    use crate::verdict::Verdict;

    /// Three types at (0,0), (1,0), (0,1), the first with weights (w0, 1),
    /// in the weight box [1, w0].
    fn triangle(alpha: &str, w0: &str, y0: &str) -> Solved {
        solve(&format!(
            r#"{{"n": "100", "alpha": {alpha}, "gamma": "1/100",
            "weight_box": {{"min": "1", "max": "{w0}"}},
            "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["1", "1"]}}}},
            "population": {{"types": [
                {{"y": ["{y0}", "0"], "w": ["{w0}", "1"], "mass": "1"}},
                {{"y": ["1", "0"], "w": ["1", "1"], "mass": "1"}},
                {{"y": ["0", "1"], "w": ["1", "1"], "mass": "1"}}]}}}}"#
        ))
    }

    fn chains<'a>(audit: &'a ProofAudit, display: &str) -> Vec<&'a Chain> {
        audit.chains.iter().filter(|c| c.display == display).collect()
    }

    fn verdicts(audit: &ProofAudit, display: &str, link: usize) -> Vec<Verdict> {
        chains(audit, display).iter().map(|c| c.links[link].verdict.clone()).collect()
    }

    fn all_hold(audit: &ProofAudit, display: &str) -> bool {
        let found = chains(audit, display);
        !found.is_empty()
            && found.iter().all(|c| c.links.iter().all(|l| l.verdict == Verdict::Holds))
    }

    // Section 5.1, the self-map display at α = n^(-7/8).
    #[test]
    fn the_proof_holds_link_by_link_with_equal_weights() {
        let audit = audit(&triangle(r#"{"power_of_n": "-7/8"}"#, "1", "0")).unwrap();
        for display in
            [AS_WRITTEN, AS_USED, "denominator", "lower bound", "upper bound", "S is non-empty"]
        {
            assert!(all_hold(&audit, display), "{display}");
        }
        // Three sample points of S, three types.
        assert_eq!(chains(&audit, AS_USED).len(), 9);
    }

    #[test]
    fn the_literal_third_equality_fails_with_unequal_weights() {
        let audit = audit(&triangle(r#"{"power_of_n": "-7/8"}"#, "2", "0")).unwrap();
        assert!(all_hold(&audit, AS_USED));
        let literal = verdicts(&audit, AS_WRITTEN, 2);
        assert!(literal.iter().all(|v| *v == Verdict::Violated), "{literal:?}");
    }

    #[test]
    fn the_definitions_of_x_differ_where_c_is_not_constant() {
        let audit = audit(&triangle(r#"{"power_of_n": "-7/8"}"#, "2", "0")).unwrap();
        let display = "definition of x_j(c) (Section 5.1 vs Part 2 of Lemma 5.3)";
        assert!(verdicts(&audit, display, 0).contains(&Verdict::Violated));
    }

    // Section 5.1: α = 10 lies in (w_max² d_max²/w_min, √n w_max² d_max²/w_min] = (2, 20].
    #[test]
    fn the_denominator_bound_forgets_alpha() {
        let audit = audit(&triangle(r#""10""#, "1", "0")).unwrap();
        assert!(verdicts(&audit, "denominator", 0).iter().all(|v| *v == Verdict::Violated));
        assert!(verdicts(&audit, "lower bound", 0).iter().all(|v| *v == Verdict::Violated));
        // The conclusion g_A(c)_i ≥ lo survives.
        assert!(verdicts(&audit, "lower bound", 1).iter().all(|v| *v == Verdict::Holds));
        assert!(all_hold(&audit, AS_USED));
    }

    #[test]
    fn unmet_when_alpha_is_above_the_range() {
        let audit = audit(&triangle(r#""21""#, "1", "0")).unwrap();
        assert_eq!(audit.unmet, vec![ALPHA_IN_RANGE.to_string()]);
    }

    #[test]
    fn unmet_when_an_ideal_point_leaves_chi() {
        let audit = audit(&triangle(r#"{"power_of_n": "-7/8"}"#, "1", "2")).unwrap();
        assert_eq!(audit.unmet, vec![IDEAL_POINTS_IN_CHI.to_string()]);
    }
}
