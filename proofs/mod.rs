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
pub mod lemma_a1_connects;
pub mod multipliers_are_nearly_equal;
pub mod net_movement_is_small;
pub mod shift_is_near_first_approximation;
pub mod tau_is_positive;
pub mod tau_is_small;
pub mod unusual_agents_move_little;

/// Every audited proof, in the paper's order.
pub fn registry() -> Vec<Proof> {
    vec![
        definitions_agree::PROOF,
        lemma_a1_connects::PROOF,
        aggregate_weight_is_large::PROOF,
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
