//! One block of the search: its random phase (each instance screened,
//! then confirmed when the screening cannot settle it), the confirmation
//! of the candidates only screened, the targeted climb from them, and the
//! shrinking of violations.
//!
//! A block depends on nothing but its seed and its range of cases, which
//! is what lets [`super::search_blocks`] run blocks in parallel and split
//! them across shards.

use std::collections::BTreeMap;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::lemmas::Lemma;
use crate::numeric::Context;
use crate::population::{Alpha, Instance, Population};
use crate::runner::{self, InstanceRun};
use crate::verdict::Verdict;

use super::space::{q, ten_to, MAX_N_DECADES};
use super::{
    needs_confirmation, random_instance, screening_context, screens, Bucket, Outcome, Progress,
    CLIMB_BELOW, CLIMB_STEPS, CLIMB_WORK, KEPT_CANDIDATES, SCREENING_PRECISION, SHRINK_STEPS,
    SHRINK_TIME,
};

/// The seed of block `b`: the user's seed for the first block (so a
/// search of up to BLOCK_CASES cases is the plain seeded search), then a
/// fixed odd-multiplier mix of the seed and the block's index.
fn block_seed(seed: u64, b: usize) -> u64 {
    if b == 0 {
        seed
    } else {
        seed ^ (b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn search_block(
    ctx: &Context,
    lemmas: &[Lemma],
    range: std::ops::Range<usize>,
    cases: usize,
    seed: u64,
    b: usize,
    screening: bool,
    progress: &Progress,
) -> Outcome {
    let mut rng = ChaCha8Rng::seed_from_u64(block_seed(seed, b));
    let screening = screening.then_some(SCREENING_PRECISION);
    let out = Outcome { seed, screening, ..Outcome::default() };
    let mut searcher = Searcher { ctx, lemmas, out, candidates: BTreeMap::new() };
    for case in range {
        let instance = random_instance(&mut rng, case);
        progress(&format!("random {}/{cases}", case + 1));
        searcher.record(&instance);
    }
    searcher.confirm_candidates();
    searcher.climb(&mut rng, progress);

    // Shrink every violation to a smaller instance that still violates.
    let mut out = searcher.out;
    for lemma in lemmas {
        let Some(found) = out.lemmas.get(lemma.number).map(|l| l.violations.clone()) else {
            continue;
        };
        let shrunk: Vec<Instance> =
            found.into_iter().map(|v| shrink(ctx, lemma, v, progress)).collect();
        out.lemmas.entry(lemma.number).or_default().violations = shrunk;
    }
    out
}

/// A candidate of the targeted phase: its margin, its instance, and
/// whether that margin was measured at full precision.
#[derive(Clone)]
struct Candidate {
    margin: f64,
    instance: Instance,
    full: bool,
    work: usize,
}

impl Candidate {
    fn of(run: &InstanceRun, margin: f64, full: bool) -> Candidate {
        let work = run.solved.types.len() * run.solved.iterations;
        Candidate { margin, instance: run.solved.instance.clone(), full, work }
    }
}

struct Searcher<'a> {
    ctx: &'a Context,
    lemmas: &'a [Lemma],
    out: Outcome,
    candidates: BTreeMap<&'static str, Vec<Candidate>>,
}

impl Searcher<'_> {
    /// Evaluates an instance, screening first; Some((run, at full precision)).
    fn assess(&mut self, instance: &Instance) -> Option<(InstanceRun, bool)> {
        if self.out.screening.is_some() && screens(instance) {
            self.out.screened += 1;
            let screen = screening_context(instance);
            match runner::run_one(&screen, "screening", instance, self.lemmas) {
                Ok(run) if !needs_confirmation(&run) => return Some((run, false)),
                Ok(_) => self.out.confirmed_unsettled += 1,
                Err(_) => self.out.confirmed_failed_screen += 1,
            }
        }
        let run = self.full(instance)?;
        Some((run, true))
    }

    /// Evaluates at full precision and notes violations and tightest margins.
    fn full(&mut self, instance: &Instance) -> Option<InstanceRun> {
        let Ok(run) = runner::run_one(self.ctx, "search", instance, self.lemmas) else {
            self.out.failed_solves += 1;
            return None;
        };
        for lemma in self.lemmas {
            let entry = self.out.lemmas.entry(lemma.number).or_default();
            let violated = run
                .evaluations
                .iter()
                .any(|(n, e)| *n == lemma.number && e.verdict() == Verdict::Violated);
            if violated && entry.violations.len() < 5 {
                entry.violations.push(run.solved.instance.clone());
            }
            if let Some(margin) = margin_of(&run, lemma.number) {
                if entry.tightest.as_ref().is_none_or(|(m, _)| margin < *m) {
                    entry.tightest = Some((margin, run.solved.instance.clone()));
                }
            }
        }
        Some(run)
    }

    /// Evaluates one instance of the random phase and records its coverage.
    fn record(&mut self, instance: &Instance) {
        self.out.cases += 1;
        let Some((run, full)) = self.assess(instance) else { return };
        let buckets = Bucket::of(&run);
        for b in &buckets {
            *self.out.coverage.entry(*b).or_default() += 1;
        }
        for lemma in self.lemmas {
            let entry = self.out.lemmas.entry(lemma.number).or_default();
            entry.cases += 1;
            let Some((_, eval)) = run.evaluations.iter().find(|(n, _)| *n == lemma.number) else {
                continue;
            };
            for reason in &eval.unmet {
                *entry.unmet.entry(reason.clone()).or_default() += 1;
            }
            if eval.unmet.is_empty() {
                entry.evaluated += 1;
                for b in &buckets {
                    *entry.buckets.entry(*b).or_default() += 1;
                }
            }
            if let Some(margin) = margin_of(&run, lemma.number) {
                let list = self.candidates.entry(lemma.number).or_default();
                list.push(Candidate::of(&run, margin, full));
                list.sort_by(|a, b| a.margin.total_cmp(&b.margin));
                list.truncate(KEPT_CANDIDATES);
            }
        }
    }

    /// Evaluates at full precision the candidates only screened so far, so
    /// that the tightest margins and the climb start from full-precision values.
    fn confirm_candidates(&mut self) {
        let mut runs: BTreeMap<String, Option<InstanceRun>> = BTreeMap::new();
        let numbers: Vec<&'static str> = self.candidates.keys().copied().collect();
        for number in numbers {
            let list = self.candidates.remove(number).unwrap_or_default();
            let mut kept = Vec::new();
            for mut c in list {
                if !c.full {
                    if !runs.contains_key(&c.instance.name) {
                        self.out.confirmed_candidates += 1;
                        let run = self.full(&c.instance);
                        runs.insert(c.instance.name.clone(), run);
                    }
                    let run = runs[&c.instance.name].as_ref();
                    let Some(margin) = run.and_then(|r| margin_of(r, number)) else { continue };
                    c.margin = margin;
                    c.full = true;
                }
                kept.push(c);
            }
            kept.sort_by(|a, b| a.margin.total_cmp(&b.margin));
            self.candidates.insert(number, kept);
        }
    }

    /// Climbs from the best candidates toward a smaller margin, for the
    /// lemmas whose bound came within CLIMB_BELOW of its left side (a
    /// relative margin near 1, as for τ > 0, has nothing to climb). A
    /// mutant is screened like any instance; the best one reached is
    /// confirmed at full precision.
    fn climb(&mut self, rng: &mut ChaCha8Rng, progress: &Progress) {
        for lemma in self.lemmas {
            let start = self.candidates.get(lemma.number).cloned().unwrap_or_default();
            let climbable = |c: &Candidate| c.margin < CLIMB_BELOW && c.work <= CLIMB_WORK;
            for mut best in start.into_iter().filter(climbable) {
                let origin = best.instance.name.clone();
                for step in 0..CLIMB_STEPS {
                    progress(&format!("targeted {} step {step}", lemma.number));
                    let mut mutant = mutate(rng, &best.instance);
                    mutant.name = format!("{origin} climb {}", step + 1);
                    let Some((run, full)) = self.assess(&mutant) else { continue };
                    if let Some(margin) = margin_of(&run, lemma.number) {
                        if margin < best.margin {
                            best = Candidate::of(&run, margin, full);
                        }
                    }
                }
                if !best.full {
                    self.out.confirmed_candidates += 1;
                    self.full(&best.instance);
                }
            }
        }
    }
}

/// The smallest relative margin of a lemma's statement inequalities on a run.
fn margin_of(run: &InstanceRun, number: &str) -> Option<f64> {
    let (_, eval) = run.evaluations.iter().find(|(n, _)| *n == number)?;
    if !eval.unmet.is_empty() {
        return None;
    }
    Some(eval.tightest_inequality()?.relative_margin().to_f64())
}

/// Moves one parameter of an instance a step on its grid.
fn mutate(rng: &mut ChaCha8Rng, instance: &Instance) -> Instance {
    let mut next = instance.clone();
    match rng.gen_range(0..4) {
        0 => next.n = next.n.clone() * ten_to(if rng.gen_bool(0.5) { 1 } else { -1 }),
        1 => next.gamma = (next.gamma.clone() * q(rng.gen_range(1..=3), 2)).min(q(1, 1)),
        2 => {
            let factor = q(rng.gen_range(1..=3), 2);
            next.alpha = match &next.alpha {
                Alpha::Exact(a) => Alpha::Exact(a.clone() * factor),
                Alpha::PowerOfN { coefficient, exponent } => Alpha::PowerOfN {
                    coefficient: coefficient.clone() * factor,
                    exponent: exponent.clone(),
                },
            };
        }
        _ => {
            // Move one ideal point halfway toward another: χ is convex.
            if let Population::Finite(types) = &mut next.population {
                if types.len() > 1 {
                    let (a, b) = (rng.gen_range(0..types.len()), rng.gen_range(0..types.len()));
                    let target = types[b].y.clone();
                    for (v, t) in types[a].y.iter_mut().zip(target) {
                        *v = (v.clone() + t) / 2u32;
                    }
                }
            }
        }
    }
    if next.n < 1 {
        next.n = q(1, 1);
    }
    next
}

/// Simplifies a violating instance while it still violates the lemma.
fn shrink(ctx: &Context, lemma: &Lemma, mut instance: Instance, progress: &Progress) -> Instance {
    let started = Instant::now();
    let lemmas = std::slice::from_ref(lemma);
    let violates = |inst: &Instance| {
        runner::run_one(ctx, "shrink", inst, lemmas)
            .map(|r| r.evaluations[0].1.verdict() == Verdict::Violated)
            .unwrap_or(false)
    };
    let mut steps = 0;
    let mut progressed = true;
    while progressed && steps < SHRINK_STEPS && started.elapsed() < SHRINK_TIME {
        progressed = false;
        for candidate in simpler(&instance) {
            steps += 1;
            progress(&format!("shrinking {} step {steps}", lemma.number));
            if candidate.clone().validated().is_ok() && violates(&candidate) {
                instance = candidate;
                progressed = true;
                break;
            }
            if steps >= SHRINK_STEPS || started.elapsed() >= SHRINK_TIME {
                break;
            }
        }
    }
    instance
}

/// Returns simpler variants: one type fewer, n and γ rounded to powers of ten.
fn simpler(instance: &Instance) -> Vec<Instance> {
    let mut out = Vec::new();
    if let Population::Finite(types) = &instance.population {
        for k in 0..types.len() {
            if types.len() > 1 {
                let mut next = instance.clone();
                if let Population::Finite(t) = &mut next.population {
                    t.remove(k);
                }
                out.push(next);
            }
        }
    }
    for e in (0..=MAX_N_DECADES as i32).rev() {
        let n = ten_to(e);
        if n < instance.n {
            let mut next = instance.clone();
            next.n = n;
            out.push(next);
            break;
        }
    }
    if instance.gamma != q(1, 100) {
        let mut next = instance.clone();
        next.gamma = q(1, 100);
        out.push(next);
    }
    out
}
