//! equal-power: the lemmas of "Equality of Power and Fair Public
//! Decision-making" as executable high-precision arithmetic.
//!
//! # The model
//!
//! Issues `j = 1..m`; an outcome `x ∈ χ ⊂ R^m`; agent types `i` with ideal
//! points `y_i`, weights `w_i ∈ [w_min, w_max]^m` and masses `s_i` (or a
//! piecewise-uniform density). Scaled utilities
//! `u_i(x) = −c_i Σ_j w_ij (x_j − y_ij)²`, welfare `U(x) = n Σ_i s_i u_i(x)`,
//! and the scaling `c` is a fixed point of
//! `c_i = √n / max(α, √(Σ_j w_ij² (y_ij − x_j(c))² / Q_j(c)))`.
//!
//! # Module map
//!
//! Data flows one way: instance → equilibrium → agent programs → lemma
//! sides → verdicts → report.
//!
//! - [`numeric`]: the precision context, exact parsing, tolerances.
//! - [`population`], [`instance_file`]: types, densities, instances, files.
//! - [`equilibrium`]: x(c), Q, q, and the fixed point of g_A / f.
//! - [`agent`]: Program 1, δ_i and λ_i.
//! - [`solved`]: an instance with everything solved; lemmas read only this.
//! - [`verdict`]: relations, margins, error bounds, verdicts.
//! - [`lemmas`]: one module per lemma, in the paper's order, and the registry.
//! - [`families`]: the default suite's instance families.
//! - [`runner`], [`report`]: the suite, the tables, the files.

// Loops over issue indices j mirror the paper's Σ_j and keep several
// parallel vectors (y_ij, w_ij, x_j, q_j) in step; iterators would hide that.
#![allow(clippy::needless_range_loop)]

pub mod agent;
pub mod audit;
pub mod audit_report;
pub mod certified_report;
pub mod certify;
pub mod enclosure;
pub mod equilibrium;
pub mod error;
pub mod families;
pub mod fit;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod instance_file;
pub mod interval;
#[path = "../lemmas/mod.rs"]
pub mod lemmas;
pub mod numeric;
pub mod population;
#[path = "../proofs/mod.rs"]
pub mod proofs;
pub mod quadrature;
pub mod rates;
pub mod records;
pub mod report;
pub mod runner;
pub mod search;
pub mod shard;
pub mod solved;
pub mod table;
pub mod verdict;

pub use error::{Error, ErrorKind, Result};
