//! The suite runner: solves instances, evaluates lemmas, and summarises.
//!
//! It owns the loop and the progress line; lemma code stays silent.

use std::io::IsTerminal;

use rug::Float;

use crate::error::Result;
use crate::families::Member;
use crate::lemmas::Lemma;
use crate::numeric::Context;
use crate::solved::{self, Solved};
use crate::verdict::{Evaluation, Verdict};

/// One instance's outcome: how it was solved and every lemma's evaluation.
pub struct InstanceRun {
    pub family: String,
    pub solved: Solved,
    /// (lemma number, evaluation), in registry order.
    pub evaluations: Vec<(&'static str, Evaluation)>,
}

/// Solves each instance and evaluates each lemma on it.
///
/// # Errors
///
/// A solver failure or a non-finite value is a harness error, returned at once.
pub fn run(ctx: &Context, members: &[Member], lemmas: &[Lemma]) -> Result<Vec<InstanceRun>> {
    let progress = std::io::stderr().is_terminal();
    let mut runs = Vec::with_capacity(members.len());
    for (k, member) in members.iter().enumerate() {
        if progress {
            eprint!("\r\x1b[2K[{}/{}] {}", k + 1, members.len(), member.instance.name);
        }
        runs.push(run_one(ctx, member.family, &member.instance, lemmas)?);
    }
    if progress {
        eprint!("\r\x1b[2K");
    }
    Ok(runs)
}

/// Solves one instance and evaluates the lemmas on it.
///
/// # Errors
///
/// Fails on a solver failure or a non-finite value, naming the instance.
pub fn run_one(
    ctx: &Context,
    family: &str,
    instance: &crate::population::Instance,
    lemmas: &[Lemma],
) -> Result<InstanceRun> {
    let name = &instance.name;
    // Every instance passes validation, whatever built it: that normalises
    // the masses exactly, so the recorded instance reproduces the run.
    let instance = &instance.clone().validated().map_err(|e| in_instance(e, name))?;
    let ctx = &working_context(ctx, instance);
    let solved = solved::solve(ctx, instance).map_err(|e| in_instance(e, name))?;
    let mut evaluations = Vec::with_capacity(lemmas.len());
    for lemma in lemmas {
        let evaluation = (lemma.evaluate)(&solved).map_err(|e| in_instance(e, name))?;
        evaluations.push((lemma.number, evaluation));
    }
    Ok(InstanceRun { family: family.to_string(), solved, evaluations })
}

/// Returns the context an instance is evaluated in: the requested
/// precision plus ⌈log2 n⌉ bits, rounded up to a multiple of 32.
///
/// Precision follows n: the gradient b of U at x vanishes only up to
/// rounding of terms of size q |x|, and that noise, relative to the power γ,
/// grows like n times the unit roundoff; the extra bits cancel it, so the
/// quantities that are tiny differences (τ_i, 1/λ_i − √γ) stay resolved.
pub fn working_context(ctx: &Context, instance: &crate::population::Instance) -> Context {
    let n = ctx.rational(&instance.n);
    let bits = n.log2().ceil().to_u32_saturating().unwrap_or(0);
    ctx.widened(bits.div_ceil(32) * 32)
}

fn in_instance(e: crate::Error, name: &str) -> crate::Error {
    crate::Error { kind: e.kind, message: format!("instance \"{name}\": {}", e.message) }
}

/// One lemma's counts over a set of runs.
#[derive(Clone, Debug)]
pub struct Tally {
    pub number: &'static str,
    pub instances: usize,
    pub holds: usize,
    pub violated: usize,
    pub undecided: usize,
    pub unmet: usize,
    /// Instances on which some step of the proof (not the statement) is violated.
    pub steps_violated: usize,
    /// The smallest relative margin among evaluated checks, with where it arose.
    pub tightest: Option<Tightest>,
}

/// The tightest check of a lemma: its relative margin and provenance.
#[derive(Clone, Debug)]
pub struct Tightest {
    pub margin: Float,
    pub instance: String,
    pub family: String,
    pub label: String,
    pub lhs: Float,
    pub rhs: Float,
    pub relation: &'static str,
    pub error: Float,
    pub error_source: String,
}

/// Counts each lemma's verdicts over the runs whose family passes `keep`.
pub fn tally(number: &'static str, runs: &[InstanceRun], keep: impl Fn(&str) -> bool) -> Tally {
    let mut t = Tally {
        number,
        instances: 0,
        holds: 0,
        violated: 0,
        undecided: 0,
        unmet: 0,
        steps_violated: 0,
        tightest: None,
    };
    for run in runs.iter().filter(|r| keep(&r.family)) {
        let Some((_, eval)) = run.evaluations.iter().find(|(n, _)| *n == number) else {
            continue;
        };
        t.instances += 1;
        match eval.verdict() {
            Verdict::Holds => t.holds += 1,
            Verdict::Violated => t.violated += 1,
            Verdict::Undecided => t.undecided += 1,
            Verdict::Unmet => t.unmet += 1,
        }
        if eval.step_verdict() == Some(Verdict::Violated) {
            t.steps_violated += 1;
        }
        if eval.verdict() == Verdict::Unmet {
            continue;
        }
        if let Some(check) = eval.tightest_inequality() {
            let margin = check.relative_margin();
            let better = t.tightest.as_ref().is_none_or(|b| margin < b.margin);
            if better {
                t.tightest = Some(Tightest {
                    margin,
                    instance: run.solved.instance.name.clone(),
                    family: run.family.clone(),
                    label: check.label.clone(),
                    lhs: check.lhs.clone(),
                    rhs: check.rhs.clone(),
                    relation: check.relation.symbol(),
                    error: check.error.clone(),
                    error_source: check.error_source.clone(),
                });
            }
        }
    }
    t
}

/// Returns true when some lemma's statement is violated on some run.
pub fn any_violation(runs: &[InstanceRun]) -> bool {
    runs.iter().any(|r| r.evaluations.iter().any(|(_, e)| e.verdict() == Verdict::Violated))
}
