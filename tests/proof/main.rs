//! The proof sanity check: one integration binary, one module per part of the paper.

mod audit;
mod bad_input;
mod certified;
mod cli;
mod common;
mod densities;
mod hardened_input;
mod inputs;
mod metamorphic;
mod rates;
mod reproducible;
mod search;
mod sensitivity;
mod strategies;
mod users;
mod warm_up;
