//! Counterexample search (issue 4): random instances over each lemma's whole
//! hypothesis space, a targeted climb toward the smallest margin, shrinking
//! of violations, and tightness and coverage statistics.
//!
//! Every instance comes from a [`Draw`]: one small integer per parameter,
//! mapped onto exact grids (integers, sixteenths, powers of two and ten), so a
//! finding is an exact instance file that `replay` re-evaluates bit for bit.
//! The search draws from a ChaCha generator seeded by `--seed`; the property
//! tests draw the same fields through proptest, from the same [`Space`].
//!
//! n is not drawn blindly: it is the instance's own threshold, the smallest
//! readable n with η ≥ 1 ([`smallest_n_with_eta_at_least_one`]), times a
//! power of ten, so the draws cover both sides of the regime the appendix
//! lemmas need without filtering.
//!
//! Every finite population is first evaluated at [`screening_context`]'s
//! precision; only one on which some lemma is violated or undecided, or
//! whose solve fails, is evaluated again at the working precision, as are
//! the candidates of the targeted phase. The screening may set an instance
//! aside, but it never declares a verdict: violations and the tightest
//! margins come from full-precision evaluations only.
//!
//! The files under `search/` follow the search's parts: `space` holds the
//! hypothesis space and the draws, `block` one block of the search (its
//! random phase, climb and shrinking), `outcome` what a search finds and
//! its coverage buckets, and `render` SEARCH.md. This file holds the
//! search's limits, its entry points and the screening.

use std::time::Duration;

use rayon::prelude::*;

use crate::error::Result;
use crate::lemmas::Lemma;
use crate::numeric::Context;
use crate::population::{Instance, Population};
use crate::runner::{self, InstanceRun};
use crate::shard::Shard;
use crate::verdict::Verdict;

mod block;
mod outcome;
mod render;
mod space;

use block::search_block;
pub use outcome::{merged, Bucket, LemmaSearch, Outcome};
pub use render::markdown;
use space::q;
pub use space::{
    random_draw, random_instance, smallest_n_with_eta_at_least_one, AlphaDraw, CellDraw, Draw,
    GammaDraw, PopulationDraw, Populations, Regime, Space, TypeDraw, GRID, MAX_DENSITY_ISSUES,
    MAX_ISSUES, MAX_TYPES, N_DECADES,
};

/// Limits of the shrinking phase: a violation is simplified at most this
/// many times, and for at most this long, before it is saved.
pub const SHRINK_STEPS: usize = 200;
pub const SHRINK_TIME: Duration = Duration::from_secs(60);

/// Candidates kept per lemma for the targeted phase.
pub const KEPT_CANDIDATES: usize = 2;

/// Only candidates with a relative margin below this are climbed.
pub const CLIMB_BELOW: f64 = 0.5;

/// Mutation steps of the targeted climb per candidate.
pub const CLIMB_STEPS: usize = 4;

/// Candidates whose solve took more than this many node-steps (types or
/// quadrature nodes times fixed-point iterations) are not climbed: each
/// mutant would cost seconds to minutes. A count, not a time, so that the
/// search stays the same on every machine.
pub const CLIMB_WORK: usize = 100_000;

/// The base precision of the screening stage; see [`screening_context`].
pub const SCREENING_PRECISION: u32 = 64;

/// Runs the random phase, the targeted phase and the shrinking, screening
/// every instance first (unless the working precision is no higher than the
/// screening's base).
///
/// # Errors
///
/// None from instances (a solve that fails is counted, not fatal); only
/// from writing files.
pub fn search(
    ctx: &Context,
    lemmas: &[Lemma],
    cases: usize,
    seed: u64,
    progress: &Progress,
) -> Result<Outcome> {
    search_with(ctx, lemmas, cases, seed, ctx.prec() > SCREENING_PRECISION, progress)
}

/// A progress callback that parallel blocks can share.
pub type Progress = dyn Fn(&str) + Sync;

/// Random cases per block. A search of N cases runs ⌈N / BLOCK_CASES⌉
/// blocks, each a random phase, a climb from its own best candidates and
/// the shrinking of its own violations, from its own seed: blocks are
/// independent, so they run in parallel and split across shards, and
/// their merged outcome does not depend on either.
pub const BLOCK_CASES: usize = 24;

/// Runs the search with or without the screening stage.
///
/// # Errors
///
/// As [`search`].
pub fn search_with(
    ctx: &Context,
    lemmas: &[Lemma],
    cases: usize,
    seed: u64,
    screening: bool,
    progress: &Progress,
) -> Result<Outcome> {
    let blocks = search_blocks(ctx, lemmas, cases, seed, screening, Shard::WHOLE, progress)?;
    Ok(merged(seed, blocks.into_iter().map(|(_, b)| b)))
}

/// The number of blocks of a search of `cases` random cases.
pub fn block_count(cases: usize) -> usize {
    cases.div_ceil(BLOCK_CASES)
}

/// Runs the blocks of `shard`, in parallel, and returns each one's index
/// and outcome, in order.
///
/// # Errors
///
/// As [`search`].
pub fn search_blocks(
    ctx: &Context,
    lemmas: &[Lemma],
    cases: usize,
    seed: u64,
    screening: bool,
    shard: Shard,
    progress: &Progress,
) -> Result<Vec<(usize, Outcome)>> {
    let owned: Vec<usize> = (0..block_count(cases)).filter(|b| shard.owns(*b)).collect();
    owned
        .into_par_iter()
        .map(|b| {
            let range = b * BLOCK_CASES..cases.min((b + 1) * BLOCK_CASES);
            Ok((b, search_block(ctx, lemmas, range, cases, seed, b, screening, progress)))
        })
        .collect()
}

/// Returns the screening context of an instance: [`SCREENING_PRECISION`]
/// bits plus half of ⌈log2 n⌉, rounded up to a multiple of 32 (the runner
/// then adds ⌈log2 n⌉ itself).
///
/// The extra half is what τ_i > 0 (C.4) and the λ band (C.6) need: their
/// sides differ by about γ/η relative, and η grows like n^(3/2) α, so at a
/// flat 64 bits they come out undecided on most instances with n above
/// 10^15 and would all go to confirmation.
pub fn screening_context(instance: &Instance) -> Context {
    let bits = (instance.n.clone().max(q(1, 1))).to_f64().log2().ceil().min(1e6) as u32;
    Context::new(SCREENING_PRECISION + (bits / 2).div_ceil(32) * 32)
        .expect("the screening precision lies in the accepted range")
}

/// Returns true when a screening run cannot settle an instance: some
/// lemma is violated or undecided at the screening precision.
pub fn needs_confirmation(screened: &InstanceRun) -> bool {
    let unsettled = |v: Verdict| matches!(v, Verdict::Violated | Verdict::Undecided);
    screened.evaluations.iter().any(|(_, e)| unsettled(e.verdict()))
}

/// The way the search evaluates an instance: screened, then confirmed at
/// `ctx`'s precision when the screening cannot settle it (or its solve
/// fails). Returns the run, and whether it is at full precision.
///
/// # Errors
///
/// When the full-precision solve fails.
pub fn screen_then_confirm(
    ctx: &Context,
    lemmas: &[Lemma],
    instance: &Instance,
) -> Result<(InstanceRun, bool)> {
    if screens(instance) {
        let screened = runner::run_one(&screening_context(instance), "screening", instance, lemmas);
        if let Some(run) = screened.ok().filter(|run| !needs_confirmation(run)) {
            return Ok((run, false));
        }
    }
    runner::run_one(ctx, "search", instance, lemmas).map(|run| (run, true))
}

/// Returns true when the search screens an instance: a finite population.
///
/// A density is evaluated at full precision at once: its error bounds
/// carry the quadrature error, which no precision shrinks, so C.5 and C.6
/// come out undecided at the screening precision and would be confirmed
/// anyway, and its cost (the graded rule) falls by less than half when screened.
pub fn screens(instance: &Instance) -> bool {
    matches!(instance.population, Population::Finite(_))
}
