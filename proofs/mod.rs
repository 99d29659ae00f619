//! One module per proof, in the paper's order, and the audit's registry.
//!
//! A proof module encodes the chains of (in)equalities of its proof as the
//! paper writes them ([`crate::audit::ChainBuilder`]), each expression
//! computed from the paper's definitions on a solved instance, never from
//! the lemma under test or a later one. Where the text has a typo, the
//! module encodes the literal chain and the reading the proof uses, and
//! says so in its `DIFFERENCE:` notes.

use crate::audit::Proof;

pub mod aggregate_weight_is_large;
pub mod approximate_shifts_cancel;
pub mod approximations_are_close;
pub mod charges;
pub mod definitions_agree;
pub mod each_agent_is_a_small_fraction;
pub mod exact_welfare;
pub mod f_has_approximate_fixed_points;
pub mod lemma_a1_connects;
pub mod multipliers_are_nearly_equal;
pub mod net_movement_is_small;
pub mod one_dimensional;
pub mod one_dimensional_multipliers;
pub mod one_dimensional_shift;
pub mod one_dimensional_welfare;
pub mod power_constraint_is_tight;
pub mod power_is_a_weighted_square;
pub mod scaling_map_has_a_fixed_point;
pub mod shift_in_terms_of_multiplier;
pub mod shift_is_near_first_approximation;
pub mod tau_is_positive;
pub mod tau_is_small;
pub mod unusual_agents_are_rare;
pub mod unusual_agents_move_little;
pub mod welfare_is_maximized;

/// The most types (or pieces) for which a "for all i" chain is evaluated.
pub const MAX_TYPES: usize = 48;

/// Every audited proof, in the paper's order.
pub fn registry() -> Vec<Proof> {
    vec![
        one_dimensional_welfare::PROOF,
        one_dimensional_shift::PROOF,
        one_dimensional_multipliers::PROOF,
        definitions_agree::PROOF,
        scaling_map_has_a_fixed_point::PROOF,
        f_has_approximate_fixed_points::PROOF,
        lemma_a1_connects::PROOF,
        welfare_is_maximized::PROOF,
        unusual_agents_are_rare::PROOF,
        aggregate_weight_is_large::PROOF,
        each_agent_is_a_small_fraction::PROOF,
        power_is_a_weighted_square::PROOF,
        shift_in_terms_of_multiplier::PROOF,
        power_constraint_is_tight::PROOF,
        tau_is_positive::PROOF,
        tau_is_small::PROOF,
        multipliers_are_nearly_equal::PROOF,
        approximate_shifts_cancel::PROOF,
        shift_is_near_first_approximation::PROOF,
        approximations_are_close::PROOF,
        unusual_agents_move_little::PROOF,
        net_movement_is_small::PROOF,
    ]
}

/// Finds a proof by the number of the result it proves.
pub fn find(number: &str) -> Option<Proof> {
    registry().into_iter().find(|p| p.number.eq_ignore_ascii_case(number))
}

/// Returns `indices` when there are at most [`MAX_TYPES`], else an evenly
/// spaced sample of them: a "for all i" chain often sums over every type,
/// and a density has thousands of quadrature nodes.
pub fn sampled(indices: Vec<usize>) -> Vec<usize> {
    if indices.len() <= MAX_TYPES {
        return indices;
    }
    (0..MAX_TYPES).map(|k| indices[k * indices.len() / MAX_TYPES]).collect()
}
