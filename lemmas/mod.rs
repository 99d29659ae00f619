//! One module per lemma of the main proof, in the paper's order, and the registry.
//!
//! A lemma module reads a [`Solved`] instance and returns an [`Evaluation`]:
//! its unmet hypotheses, or its checks. It never prints and never solves.
//! The registry below is the one list the CLI, the report and the README
//! table are generated from.

use crate::certify::Certification;
use crate::enclosure::Enclosure;
use crate::error::Result;
use crate::solved::Solved;
use crate::verdict::Evaluation;

pub mod hypotheses;

pub mod aggregate_weight_is_large;
pub mod approximate_shifts_cancel;
pub mod approximations_are_close;
pub mod each_agent_is_a_small_fraction;
pub mod f_has_approximate_fixed_points;
pub mod multipliers_are_nearly_equal;
pub mod net_movement_is_small;
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

/// A lemma: its number in the paper, its statement, and its evaluation.
pub struct Lemma {
    /// The paper's number, e.g. "B.2".
    pub number: &'static str,
    /// The module's name: what the lemma states.
    pub name: &'static str,
    /// The statement in Unicode, one line.
    pub statement: &'static str,
    /// The hypotheses checked, including those the proof uses silently.
    pub hypotheses: &'static [&'static str],
    /// What the two sides compute and how the error bound is obtained.
    pub method: &'static str,
    /// Evaluates the lemma on a solved instance.
    pub evaluate: fn(&Solved) -> Result<Evaluation>,
    /// Evaluates the statement over the enclosure of the exact fixed point.
    pub certify: fn(&Solved, &Enclosure) -> Certification,
}

macro_rules! lemma {
    ($module:ident) => {
        Lemma {
            number: $module::NUMBER,
            name: stringify!($module),
            statement: $module::STATEMENT,
            hypotheses: $module::HYPOTHESES,
            method: $module::METHOD,
            evaluate: $module::evaluate,
            certify: $module::certify,
        }
    };
}

/// Returns every lemma, in the paper's order.
pub fn registry() -> Vec<Lemma> {
    vec![
        lemma!(scaling_map_has_a_fixed_point),
        lemma!(f_has_approximate_fixed_points),
        lemma!(welfare_is_maximized),
        lemma!(unusual_agents_are_rare),
        lemma!(aggregate_weight_is_large),
        lemma!(each_agent_is_a_small_fraction),
        lemma!(power_is_a_weighted_square),
        lemma!(shift_in_terms_of_multiplier),
        lemma!(power_constraint_is_tight),
        lemma!(tau_is_positive),
        lemma!(tau_is_small),
        lemma!(multipliers_are_nearly_equal),
        lemma!(approximate_shifts_cancel),
        lemma!(shift_is_near_first_approximation),
        lemma!(approximations_are_close),
        lemma!(unusual_agents_move_little),
        lemma!(net_movement_is_small),
    ]
}

/// Finds a lemma by its number ("B.2") or its module name.
pub fn find(key: &str) -> Option<Lemma> {
    registry().into_iter().find(|l| l.number.eq_ignore_ascii_case(key) || l.name == key)
}
