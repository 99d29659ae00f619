//! The suite runner: solves instances, evaluates lemmas, and summarises.
//!
//! It owns the loop and the progress line; lemma code stays silent.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use rug::Float;
use serde::{Deserialize, Serialize};

use crate::audit::{InstanceAudit, Proof};
use crate::certify::{Certification, LemmaCertificate};
use crate::enclosure::enclose;
use crate::error::{Error, Result};
use crate::families::Member;
use crate::lemmas::hypotheses::HAS_DENSITY;
use crate::lemmas::Lemma;
use crate::numeric::Context;
use crate::shard::{self, Shard};
use crate::solved::{self, Solved};
use crate::verdict::{Evaluation, Verdict};

/// One instance's outcome: how it was solved and every lemma's evaluation.
pub struct InstanceRun {
    pub family: String,
    pub solved: Solved,
    /// (lemma number, evaluation), in registry order.
    pub evaluations: Vec<(&'static str, Evaluation)>,
}

/// What the report needs of one run, without the solved instance.
///
/// Records serialise exactly (every Float with all its bits), so the
/// records of N shards, merged, render the same report as one run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunRecord {
    /// The unit's index in the suite, which decides its shard.
    pub index: usize,
    pub family: String,
    pub name: String,
    pub m: usize,
    /// A finite population's types, or a density's cells.
    pub types: usize,
    pub n: Float,
    pub alpha: Float,
    pub gamma: Float,
    /// The working precision the instance ran at.
    pub precision: u32,
    pub residual: Float,
    pub iterations: usize,
    pub start: Float,
    pub quadrature_error: Option<Float>,
    pub x: Vec<Float>,
    /// The exact instance, as its file would hold it.
    pub instance: serde_json::Value,
    pub evaluations: Vec<(String, Evaluation)>,
    /// Each lemma's certified verdict (empty for a run that was not certified).
    #[serde(default)]
    pub certificates: Vec<LemmaCertificate>,
}

impl InstanceRun {
    /// Returns the run's record, the `index`-th unit of its suite.
    pub fn record(&self, index: usize) -> RunRecord {
        let s = &self.solved;
        RunRecord {
            index,
            family: self.family.clone(),
            name: s.instance.name.clone(),
            m: s.params.m,
            types: s.instance.population.len(),
            n: s.params.n.clone(),
            alpha: s.params.alpha.clone(),
            gamma: s.params.gamma.clone(),
            precision: s.ctx.prec(),
            residual: s.residual.clone(),
            iterations: s.iterations,
            start: s.start.clone(),
            quadrature_error: s.quadrature_error.clone(),
            x: s.eq.x.clone(),
            instance: crate::instance_file::to_value(&s.instance),
            evaluations: self.evaluations.iter().map(|(n, e)| (n.to_string(), e.clone())).collect(),
            certificates: Vec::new(),
        }
    }
}

/// Solves the instances of `shard` and evaluates each lemma on them,
/// in parallel on rayon's pool; the records come back in suite order,
/// whatever the number of threads.
///
/// # Errors
///
/// A solver failure or a non-finite value is a harness error, returned at
/// once; so is an interruption, which says how many instances were done.
pub fn run_records(
    ctx: &Context,
    members: &[Member],
    lemmas: &[Lemma],
    shard: Shard,
) -> Result<Vec<RunRecord>> {
    let runs = run_audited(ctx, members, lemmas, &[], shard)?;
    Ok(runs.into_iter().map(|(record, _)| record).collect())
}

/// Like [`run_records`], and audits the proofs of `proofs` on each solved
/// instance in the same pass (an empty list audits nothing).
///
/// # Errors
///
/// As [`run_records`].
pub fn run_audited(
    ctx: &Context,
    members: &[Member],
    lemmas: &[Lemma],
    proofs: &[Proof],
    shard: Shard,
) -> Result<Vec<(RunRecord, Option<InstanceAudit>)>> {
    let owned: Vec<(usize, &Member)> =
        members.iter().enumerate().filter(|(k, _)| shard.owns(*k)).collect();
    let progress = std::io::stderr().is_terminal();
    let done = AtomicUsize::new(0);
    let runs = owned
        .par_iter()
        .map(|(k, member)| {
            if shard::interrupted() {
                let n = done.load(Ordering::SeqCst);
                let total = owned.len();
                return Err(Error::interrupted(format!(
                    "the suite, {n} of {total} instances done"
                )));
            }
            let run = run_one(ctx, member.family, &member.instance, lemmas)?;
            let mut record = run.record(*k);
            record.certificates = certify_instance(ctx, &run.solved, lemmas);
            let audit = if proofs.is_empty() {
                None
            } else {
                let name = &member.instance.name;
                Some(InstanceAudit::of(&run.solved, proofs).map_err(|e| in_instance(e, name))?)
            };
            let n = done.fetch_add(1, Ordering::SeqCst) + 1;
            if progress {
                eprint!("\r\x1b[2K[{n}/{}] {}", owned.len(), member.instance.name);
            }
            Ok((record, audit))
        })
        .collect::<Result<Vec<_>>>();
    if progress {
        eprint!("\r\x1b[2K");
    }
    runs
}

/// Solves each instance and evaluates each lemma on it, in suite order.
///
/// # Errors
///
/// A solver failure or a non-finite value is a harness error, returned at once.
pub fn run(ctx: &Context, members: &[Member], lemmas: &[Lemma]) -> Result<Vec<InstanceRun>> {
    members.par_iter().map(|m| run_one(ctx, m.family, &m.instance, lemmas)).collect()
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
    let instance = &instance.clone().validated().map_err(|e| {
        log::info!("instance \"{name}\" rejected: {e}");
        in_instance(e, name)
    })?;
    let ctx = &working_context(ctx, instance);
    let solved = solved::solve(ctx, instance).map_err(|e| in_instance(e, name))?;
    log::debug!(
        "instance \"{name}\": fixed point in {} iterations, residual {}",
        solved.iterations,
        crate::numeric::sci(&solved.residual, 3)
    );
    let mut evaluations = Vec::with_capacity(lemmas.len());
    for lemma in lemmas {
        let evaluation = (lemma.evaluate)(&solved).map_err(|e| in_instance(e, name))?;
        evaluations.push((lemma.number, evaluation));
    }
    Ok(InstanceRun { family: family.to_string(), solved, evaluations })
}

/// The highest precision, before the bits added for n, at which an open
/// certified check is retried.
pub const MAX_CERTIFIED_PRECISION: u32 = 2048;

/// Certifies every lemma's statement on a solved instance.
///
/// The lemmas left open for a reason more bits could settle are retried
/// with the instance solved again at twice the requested precision, then
/// four times, up to [`MAX_CERTIFIED_PRECISION`]; each lemma keeps its
/// first decisive attempt (or the last one). A solve that fails at a
/// higher precision ends the retries, logged, with the open verdicts kept.
pub fn certify_instance(
    requested: &Context,
    solved: &Solved,
    lemmas: &[Lemma],
) -> Vec<LemmaCertificate> {
    let instance = &solved.instance;
    let is_finite = matches!(instance.population, crate::population::Population::Finite(_));
    let mut certificates: Vec<Option<LemmaCertificate>> = vec![None; lemmas.len()];
    let mut attempt = std::borrow::Cow::Borrowed(solved);
    let mut bits = requested.prec();
    loop {
        let prec = attempt.ctx.prec();
        let enclosure = enclose(&attempt);
        for (k, lemma) in lemmas.iter().enumerate() {
            if certificates[k].as_ref().is_some_and(|c| !c.worth_retrying()) {
                continue;
            }
            let certification = match &enclosure {
                Ok(e) => (lemma.certify)(&attempt, e),
                // Whether p has a density is a fact of the instance: a
                // finite population misses that hypothesis with or without a box.
                Err(_) if lemma.hypotheses.contains(&HAS_DENSITY) && is_finite => {
                    Certification::Unmet(vec![HAS_DENSITY.to_string()])
                }
                Err(why) => Certification::Uncertified {
                    reason: format!("no certified box: {}", why.reason),
                    precision_may_help: why.precision_may_help,
                },
            };
            certificates[k] = Some(LemmaCertificate::of(lemma.number, prec, certification));
        }

        let open = certificates.iter().flatten().filter(|c| c.worth_retrying()).count();
        bits = bits.saturating_mul(2);
        if open == 0 || bits > MAX_CERTIFIED_PRECISION {
            break;
        }
        let Ok(ctx) = Context::new(bits) else { break };
        let ctx = working_context(&ctx, instance);
        log::info!(
            "instance \"{}\": {open} lemma(s) left open by the enclosures at {prec} bits; \
             certified retry with the precision doubled, at {} bits",
            instance.name,
            ctx.prec()
        );
        match solved::solve(&ctx, instance) {
            Ok(next) => attempt = std::borrow::Cow::Owned(next),
            Err(e) => {
                log::info!(
                    "instance \"{}\": certified retry at {} bits not solved: {}",
                    instance.name,
                    ctx.prec(),
                    e.message
                );
                break;
            }
        }
    }
    certificates.into_iter().flatten().collect()
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
    let extra = bits.div_ceil(32) * 32;
    if extra > 0 {
        log::info!(
            "instance \"{}\": precision raised by {extra} to {} bits for n",
            instance.name,
            ctx.prec() + extra
        );
    }
    ctx.widened(extra)
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
pub fn tally(number: &'static str, runs: &[RunRecord], keep: impl Fn(&str) -> bool) -> Tally {
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
        let Some((_, eval)) = run.evaluations.iter().find(|(n, _)| n == number) else {
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
                    instance: run.name.clone(),
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

/// Returns true when some lemma's statement is violated on some run,
/// by its float verdict or by a certified one.
pub fn any_violation(runs: &[RunRecord]) -> bool {
    runs.iter().any(|r| {
        r.evaluations.iter().any(|(_, e)| e.verdict() == Verdict::Violated)
            || r.certificates.iter().any(|c| c.summary() == crate::certify::Summary::Violated)
    })
}
