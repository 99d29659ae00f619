//! The hypotheses shared by several lemmas, each a named check on a solved instance.
//!
//! The names are what the report prints when a hypothesis is unmet.

use rug::Float;

use crate::solved::Solved;

/// Every ideal point (every density cell) lies in χ. The proofs bound
/// ‖y_i − x‖ by d_max, which needs y_i ∈ χ (and then x ∈ χ by convexity).
pub const IDEAL_POINTS_IN_CHI: &str = "ideal points lie in χ";

/// α ∈ (0, √n w_max² d_max² / w_min], Lemma 5.1's range.
pub const ALPHA_IN_RANGE: &str = "α ≤ √n w_max² d_max² / w_min (Lemma 5.1)";

/// ∫_{N̂} p ≥ 1/2: the "large enough n" of Lemma B.3's proof, checked directly.
pub const NORMAL_MASS_HALF: &str = "∫_{i∈N̂} p(i) di ≥ 1/2 (n large enough, proof of B.3)";

/// N̂ is not empty, so a "for all i ∈ N̂" statement is not vacuous.
pub const SOME_NORMAL_AGENT: &str = "N̂ is non-empty";

/// p has a density bounded by p_max (Section 2), needed by Lemma B.2.
pub const HAS_DENSITY: &str = "p has a density bounded by p_max";

/// Every agent in N̂ has a tight power constraint (Lemma C.3 with this γ).
pub const NORMAL_AGENTS_TIGHT: &str = "every i ∈ N̂ has a tight constraint (C.3 for this γ)";

/// η > 0: the division in the proof of Lemma C.5.
pub const ETA_POSITIVE: &str = "η > 0 (n^(3/2) α β w_min > 2 √γ m w_max)";

/// η ≥ 1, used in the proof of Lemma D.2.
pub const ETA_AT_LEAST_ONE: &str = "η ≥ 1 (proof of D.2)";

/// γ ≤ 1, used after Lemma C.5 to pass from γ^(3/2)/η to γ/η.
pub const GAMMA_AT_MOST_ONE: &str = "γ ≤ 1 (after C.5)";

/// Returns true when every ideal point lies in χ.
pub fn ideal_points_in_chi(s: &Solved) -> bool {
    s.instance.ideal_points_in_outcome_set()
}

/// Returns true when α lies in Lemma 5.1's range.
pub fn alpha_in_range(s: &Solved) -> bool {
    let p = &s.params;
    // d_max² is taken exactly, so that α at the very top of the range (as
    // in the alpha-range family) is not pushed out by the rounding of d_max.
    let top = p.n.clone().sqrt() * p.w_max.clone().square() * &p.d_max_squared / &p.w_min;
    p.alpha <= top
}

/// Returns true when the normal agents carry at least half the mass.
pub fn normal_mass_half(s: &Solved) -> bool {
    s.normal_mass() * 2u32 >= 1u32
}

/// Returns true when some type is normal.
pub fn some_normal_agent(s: &Solved) -> bool {
    (0..s.types.len()).any(|i| s.is_normal(i))
}

/// Returns true when every normal type's program is tight.
pub fn normal_agents_tight(s: &Solved) -> bool {
    (0..s.types.len()).all(|i| !s.is_normal(i) || s.programs[i].tight)
}

/// Returns true when η > 0.
pub fn eta_positive(s: &Solved) -> bool {
    s.params.eta() > 0
}

/// Returns true when η ≥ 1.
pub fn eta_at_least_one(s: &Solved) -> bool {
    s.params.eta() >= 1
}

/// Returns true when γ ≤ 1.
pub fn gamma_at_most_one(s: &Solved) -> bool {
    s.params.gamma <= 1
}

/// Returns ‖v‖₂.
pub fn norm(v: &[Float]) -> Float {
    let prec = v.first().map_or(64, |f| f.prec());
    v.iter().fold(Float::new(prec), |acc, e| acc + e.clone().square()).sqrt()
}
