//! Counterexample search (issue 4): random instances over each lemma's whole
//! hypothesis space, a targeted climb toward the smallest margin, shrinking
//! of violations, and tightness and coverage statistics.
//!
//! Every instance is drawn on exact grids (integers, sixteenths, powers of
//! ten) from a ChaCha generator seeded by the user's `--seed`, so a finding
//! is an exact instance file that `replay` re-evaluates bit for bit.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rug::ops::Pow;
use rug::{Integer, Rational};

use crate::error::Result;
use crate::lemmas::Lemma;
use crate::numeric::Context;
use crate::population::{AgentType, Alpha, Cell, Instance, OutcomeSet, Population, Start};
use crate::runner::{self, InstanceRun};
use crate::verdict::Verdict;

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

fn q(num: i64, den: i64) -> Rational {
    Rational::from((num, den))
}

fn ten_to(e: i32) -> Rational {
    let p = Rational::from(Integer::from(10).pow(e.unsigned_abs()));
    if e >= 0 {
        p
    } else {
        p.recip()
    }
}

/// Draws one instance, valid by construction, anywhere in the hypothesis space.
pub fn random_instance(rng: &mut ChaCha8Rng, case: usize) -> Instance {
    let density = rng.gen_bool(0.2);
    // Densities in two issues carry thousands of quadrature nodes: a quarter of them.
    let m = if density { 1 + usize::from(rng.gen_bool(0.25)) } else { rng.gen_range(1..=8) };
    let (w_min, w_max) = weight_box(rng);
    let ball = rng.gen_bool(0.3);
    let outcome_set = if ball {
        OutcomeSet::Ball { center: vec![q(0, 1); m], radius: q(1, 1) }
    } else {
        OutcomeSet::Box { lo: vec![q(0, 1); m], hi: vec![q(1, 1); m] }
    };
    let population = if density {
        let n_cells = rng.gen_range(1..=2);
        Population::Density(
            (0..n_cells)
                .map(|c| {
                    let mut lo = vec![q(0, 1); m];
                    let mut hi = vec![q(1, 1); m];
                    lo[0] = q(c, n_cells);
                    hi[0] = q(c + 1, n_cells);
                    if ball {
                        // Shrink the cell into the ball: [x/2 − 1/4, x/2 + 1/4]… keeps it inside.
                        for j in 0..m {
                            lo[j] = (lo[j].clone() - q(1, 2)) / 2u32;
                            hi[j] = (hi[j].clone() - q(1, 2)) / 2u32;
                        }
                    }
                    let w = (0..m).map(|_| on_grid(rng, &w_min, &w_max)).collect();
                    Cell { lo, hi, w, mass: q(rng.gen_range(1..=4), 1) }
                })
                .collect(),
        )
    } else {
        let n_types = rng.gen_range(1..=8);
        Population::Finite(
            (0..n_types)
                .map(|_| AgentType {
                    y: point(rng, m, ball),
                    w: (0..m).map(|_| on_grid(rng, &w_min, &w_max)).collect(),
                    mass: q(rng.gen_range(1..=8), 1),
                })
                .collect(),
        )
    };
    let n_exp = rng.gen_range(0..=40);
    let n = ten_to(n_exp) * rng.gen_range(1..=9);
    let alpha = match rng.gen_range(0..4) {
        0 => Alpha::PowerOfN { coefficient: q(1, 1), exponent: q(-7, 8) },
        1 => Alpha::PowerOfN { coefficient: q(1, 1), exponent: q(-rng.gen_range(9..=23), 16) },
        // Anywhere in Lemma 5.1's range: 10^-e, e from 0 to 30.
        _ => Alpha::Exact(ten_to(-rng.gen_range(0..=30)) * q(rng.gen_range(1..=9), 1)),
    };
    let gamma = if rng.gen_bool(0.5) {
        q(rng.gen_range(1..=16), 16)
    } else {
        ten_to(-rng.gen_range(1..=12))
    };
    Instance {
        name: format!("search case {case}"),
        n,
        alpha,
        gamma,
        w_min,
        w_max,
        outcome_set,
        population,
        epsilon: None,
        start: Start::LowerCorner,
    }
}

/// A weight box at a random scale (10^-3 … 10^3) and spread (1 … 17).
fn weight_box(rng: &mut ChaCha8Rng) -> (Rational, Rational) {
    let scale = ten_to(rng.gen_range(-3..=3));
    let spread = q(rng.gen_range(16..=272), 16);
    let w_min = scale * q(rng.gen_range(1..=9), 1);
    let w_max = w_min.clone() * spread;
    (w_min, w_max)
}

fn on_grid(rng: &mut ChaCha8Rng, lo: &Rational, hi: &Rational) -> Rational {
    let step = Rational::from(hi - lo) / 16u32;
    lo.clone() + step * rng.gen_range(0..=16u32)
}

fn point(rng: &mut ChaCha8Rng, m: usize, ball: bool) -> Vec<Rational> {
    let reach = Integer::from(256 / m as u32).sqrt().to_i64().expect("small");
    (0..m)
        .map(
            |_| {
                if ball {
                    q(rng.gen_range(-reach..=reach), 16)
                } else {
                    q(rng.gen_range(0..=16), 16)
                }
            },
        )
        .collect()
}

/// The smallest relative margin of a lemma's statement inequalities on a run.
fn margin_of(run: &InstanceRun, number: &str) -> Option<(f64, Verdict)> {
    let (_, eval) = run.evaluations.iter().find(|(n, _)| *n == number)?;
    if !eval.unmet.is_empty() {
        return None;
    }
    let worst = eval.tightest_inequality()?.relative_margin();
    Some((worst.to_f64(), eval.verdict()))
}

/// What the search found for one lemma.
#[derive(Default)]
pub struct LemmaSearch {
    pub cases: usize,
    pub evaluated: usize,
    pub violations: Vec<Instance>,
    /// The smallest relative margin of the statement, with its instance.
    pub tightest: Option<(f64, Instance)>,
    /// How often each hypothesis was unmet.
    pub unmet: BTreeMap<String, usize>,
}

/// The whole search's results and coverage.
#[derive(Default)]
pub struct Outcome {
    pub seed: u64,
    pub cases: usize,
    pub failed_solves: usize,
    pub lemmas: BTreeMap<&'static str, LemmaSearch>,
    /// Coverage buckets: name → count.
    pub coverage: BTreeMap<String, usize>,
}

/// Runs the random phase, the targeted phase and the shrinking.
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
    progress: &dyn Fn(&str),
) -> Result<Outcome> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Outcome { seed, ..Outcome::default() };
    let mut candidates: BTreeMap<&'static str, Vec<(f64, Instance)>> = BTreeMap::new();
    for case in 0..cases {
        let instance = random_instance(&mut rng, case);
        progress(&format!("random {}/{cases}", case + 1));
        record(ctx, lemmas, &instance, &mut out, &mut candidates);
    }

    // Targeted phase: climb from the best candidates toward a smaller margin,
    // for the lemmas whose bound came within CLIMB_BELOW of its left side
    // (a relative margin near 1, as for τ > 0, has nothing to climb).
    for lemma in lemmas {
        let start: Vec<(f64, Instance)> = candidates.get(lemma.number).cloned().unwrap_or_default();
        for (mut best, mut instance) in start.into_iter().filter(|(m, _)| *m < CLIMB_BELOW) {
            for step in 0..CLIMB_STEPS {
                progress(&format!("targeted {} step {step}", lemma.number));
                let mutant = mutate(&mut rng, &instance);
                let Some(run) = evaluate(ctx, lemmas, &mutant, &mut out) else { continue };
                for other in lemmas {
                    note_violation(&run, other.number, &mut out);
                }
                if let Some((margin, _)) = margin_of(&run, lemma.number) {
                    if margin < best {
                        best = margin;
                        instance = mutant.clone();
                        note(&run, lemma.number, margin, &mut out);
                    }
                }
            }
        }
    }

    // Shrink every violation to a smaller instance that still violates.
    for lemma in lemmas {
        let Some(found) = out.lemmas.get(lemma.number).map(|l| l.violations.clone()) else {
            continue;
        };
        let shrunk: Vec<Instance> =
            found.into_iter().map(|v| shrink(ctx, lemma, v, progress)).collect();
        out.lemmas.entry(lemma.number).or_default().violations = shrunk;
    }
    Ok(out)
}

fn evaluate(
    ctx: &Context,
    lemmas: &[Lemma],
    instance: &Instance,
    out: &mut Outcome,
) -> Option<InstanceRun> {
    match runner::run_one(ctx, "search", instance, lemmas) {
        Ok(run) => Some(run),
        Err(_) => {
            out.failed_solves += 1;
            None
        }
    }
}

fn record(
    ctx: &Context,
    lemmas: &[Lemma],
    instance: &Instance,
    out: &mut Outcome,
    candidates: &mut BTreeMap<&'static str, Vec<(f64, Instance)>>,
) {
    out.cases += 1;
    let Some(run) = evaluate(ctx, lemmas, instance, out) else { return };
    cover(&run, &mut out.coverage);
    for lemma in lemmas {
        let entry = out.lemmas.entry(lemma.number).or_default();
        entry.cases += 1;
        let Some((_, eval)) = run.evaluations.iter().find(|(n, _)| *n == lemma.number) else {
            continue;
        };
        for reason in &eval.unmet {
            *entry.unmet.entry(reason.clone()).or_default() += 1;
        }
        if eval.unmet.is_empty() {
            entry.evaluated += 1;
        }
        note_violation(&run, lemma.number, out);
        if let Some((margin, _)) = margin_of(&run, lemma.number) {
            note(&run, lemma.number, margin, out);
            let list = candidates.entry(lemma.number).or_default();
            list.push((margin, run.solved.instance.clone()));
            list.sort_by(|a, b| a.0.total_cmp(&b.0));
            list.truncate(KEPT_CANDIDATES);
        }
    }
}

/// Records a lemma's margin on a run when it is the smallest so far.
fn note(run: &InstanceRun, number: &'static str, margin: f64, out: &mut Outcome) {
    let entry = out.lemmas.entry(number).or_default();
    if entry.tightest.as_ref().is_none_or(|(m, _)| margin < *m) {
        entry.tightest = Some((margin, run.solved.instance.clone()));
    }
}

/// Records a run on which a lemma's statement is violated (at most 5 per lemma).
fn note_violation(run: &InstanceRun, number: &'static str, out: &mut Outcome) {
    let entry = out.lemmas.entry(number).or_default();
    let violated =
        run.evaluations.iter().any(|(n, e)| *n == number && e.verdict() == Verdict::Violated);
    if violated && entry.violations.len() < 5 {
        entry.violations.push(run.solved.instance.clone());
    }
}

fn cover(run: &InstanceRun, coverage: &mut BTreeMap<String, usize>) {
    let s = &run.solved;
    let clamped = (0..s.types.len()).any(|i| !s.is_normal(i));
    let decade = s.params.n.clone().log10().to_f64().floor() as i64;
    let spread = Rational::from(&s.instance.w_max / &s.instance.w_min).to_f64();
    let spread_bucket = match spread {
        x if x <= 1.0 => "1",
        x if x <= 2.0 => "(1, 2]",
        x if x <= 10.0 => "(2, 10]",
        _ => "> 10",
    };
    let kind = match s.instance.population {
        Population::Finite(_) => "finite",
        Population::Density(_) => "density",
    };
    for key in [
        format!("m = {}", s.params.m),
        format!("log10 n in [{}, {})", decade / 10 * 10, decade / 10 * 10 + 10),
        format!("weight spread {spread_bucket}"),
        format!("population {kind}"),
        format!("α clamp active: {clamped}"),
    ] {
        *coverage.entry(key).or_default() += 1;
    }
}

/// Moves one parameter of an instance a step on its grid.
fn mutate(rng: &mut ChaCha8Rng, instance: &Instance) -> Instance {
    let mut next = instance.clone();
    match rng.gen_range(0..4) {
        0 => next.n = next.n.clone() * ten_to(if rng.gen_bool(0.5) { 1 } else { -1 }).max(q(1, 1)),
        1 => next.gamma = (next.gamma.clone() * q(rng.gen_range(1..=3), 2)).min(q(1, 1)),
        2 => {
            if let Alpha::Exact(a) = &next.alpha {
                next.alpha = Alpha::Exact(a.clone() * q(rng.gen_range(1..=3), 2));
            }
        }
        _ => {
            // Move one ideal point halfway toward another.
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
fn shrink(
    ctx: &Context,
    lemma: &Lemma,
    mut instance: Instance,
    progress: &dyn Fn(&str),
) -> Instance {
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
    for e in (0..=40).rev() {
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

/// Returns SEARCH.md: per lemma the cases, findings, tightest margin, and coverage.
pub fn markdown(out: &Outcome, lemmas: &[Lemma]) -> String {
    let mut md = format!(
        "Random search of {} instances (seed {}), a targeted climb of {} steps from the {} \
         tightest candidates per lemma, and shrinking of violations ({} failed solves).\n\n",
        out.cases, out.seed, CLIMB_STEPS, KEPT_CANDIDATES, out.failed_solves
    );
    let rows = lemmas
        .iter()
        .map(|l| {
            let entry = out.lemmas.get(l.number);
            let unmet = entry
                .map(|e| {
                    e.unmet.iter().map(|(r, c)| format!("{r}: {c}")).collect::<Vec<_>>().join("; ")
                })
                .unwrap_or_default();
            vec![
                l.number.to_string(),
                entry.map_or(0, |e| e.cases).to_string(),
                entry.map_or(0, |e| e.evaluated).to_string(),
                entry.map_or(0, |e| e.violations.len()).to_string(),
                entry
                    .and_then(|e| e.tightest.as_ref())
                    .map_or("—".into(), |(m, i)| format!("{m:.3e} ({})", i.name)),
                if unmet.is_empty() { "—".into() } else { unmet },
            ]
        })
        .collect();
    md.push_str(&crate::report::markdown(
        &[
            "lemma",
            "cases",
            "hypotheses met",
            "violations",
            "tightest relative margin",
            "hypotheses unmet (count)",
        ],
        rows,
    ));
    md.push_str("\n\nCoverage of the random phase:\n\n");
    let rows = out.coverage.iter().map(|(k, v)| vec![k.clone(), v.to_string()]).collect();
    md.push_str(&crate::report::markdown(&["bucket", "instances"], rows));
    let unvisited: Vec<String> = (1..=8)
        .map(|m| format!("m = {m}"))
        .chain((0..4).map(|d| format!("log10 n in [{}, {})", d * 10, d * 10 + 10)))
        .filter(|k| !out.coverage.contains_key(k))
        .collect();
    if !unvisited.is_empty() {
        md.push_str(&format!("\n\nNot visited: {}.\n", unvisited.join(", ")));
    }
    md.push('\n');
    md
}
