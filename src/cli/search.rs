//! `search`: random instances, a targeted climb and shrinking in search of
//! counterexamples, saved as instance files with SEARCH.md, or saved as one shard.

use std::time::Instant;

use equal_power::certified_report;
use equal_power::lemmas::{self, Lemma};
use equal_power::report;
use equal_power::runner;
use equal_power::search;
use equal_power::shard::{self, Shard};
use equal_power::{instance_file, records, Error, Result};

use super::{metadata, provenance_block, selected};
use crate::Settings;

/// Runs a search, saves its findings and SEARCH.md; returns whether it
/// found a violation, SEARCH.md's body, and the tightest instance per lemma.
pub(crate) fn run_search(
    set: &Settings,
    lemmas: &[Lemma],
    cases: usize,
    seed: u64,
    out: &std::path::Path,
) -> Result<(bool, String, Vec<equal_power::population::Instance>)> {
    let ctx = &set.ctx;
    let started = Instant::now();
    say!("search seed {seed}, {cases} cases, precision {} bits", ctx.prec());
    let blocks = search_blocks(set, lemmas, cases, seed, Shard::WHOLE)?;
    let found = search::merged(seed, blocks.into_iter().map(|(_, b)| b));
    let elapsed = started.elapsed().as_secs_f64();
    finish_search(set, lemmas, &found, out, vec![("search".into(), elapsed)])
}

/// Runs the search blocks of `shard`, with a progress line.
fn search_blocks(
    set: &Settings,
    lemmas: &[Lemma],
    cases: usize,
    seed: u64,
    shard: Shard,
) -> Result<Vec<(usize, search::Outcome)>> {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = move |name: &str| {
        if terminal {
            eprint!("\r\x1b[2Ksearch: {name}");
        }
    };
    let screening = set.ctx.prec() > search::SCREENING_PRECISION;
    let blocks = search::search_blocks(&set.ctx, lemmas, cases, seed, screening, shard, &progress)?;
    if terminal {
        eprint!("\r\x1b[2K");
    }
    // The search counts failed solves and goes on, so an interruption
    // surfaces here, before any file is written.
    if shard::interrupted() {
        return Err(Error::interrupted("the search"));
    }
    Ok(blocks)
}

/// Runs the search blocks of one shard and saves their exact outcomes.
pub(crate) fn save_search_shard(
    set: &Settings,
    keys: &[String],
    cases: usize,
    seed: u64,
    shard: Shard,
    path: &std::path::Path,
) -> Result<()> {
    let lemmas = selected(keys)?;
    let started = Instant::now();
    let blocks = search_blocks(set, &lemmas, cases, seed, shard)?;
    let file = records::SearchFile {
        kind: records::SEARCH_KIND.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        precision: set.ctx.prec(),
        seed,
        cases,
        lemmas: lemmas.iter().map(|l| l.number.to_string()).collect(),
        units: search::block_count(cases),
        shard,
        blocks,
    };
    let meta = metadata(set, vec![("search".into(), started.elapsed().as_secs_f64())]);
    records::save_search(path, &file, &meta)?;
    say!(
        "search shard {shard}: {} of {} blocks, saved {}",
        file.blocks.len(),
        file.units,
        path.display()
    );
    Ok(())
}

/// Saves a search's findings, its tightest instances and SEARCH.md;
/// returns whether it found a violation, SEARCH.md's body, and the
/// tightest instance per lemma.
pub(crate) fn finish_search(
    set: &Settings,
    lemmas: &[Lemma],
    found: &search::Outcome,
    out: &std::path::Path,
    durations: Vec<(String, f64)>,
) -> Result<(bool, String, Vec<equal_power::population::Instance>)> {
    let ctx = &set.ctx;
    let seed = found.seed;
    let mut any = false;
    let mut tightest = Vec::new();
    for (number, entry) in &found.lemmas {
        for (k, instance) in entry.violations.iter().enumerate() {
            any = true;
            let path = out.join("counterexamples").join(format!("{number}-{}.json", k + 1));
            let lemma = lemmas::find(number).expect("a searched lemma");
            let run = runner::run_one(ctx, "search", instance, std::slice::from_ref(&lemma))?;
            // A float violation is a candidate; the certified verdict says
            // whether it survives every rounding.
            let certified =
                runner::certify_instance(ctx, &run.solved, std::slice::from_ref(&lemma));
            let certified = certified_report::summary_name(&certified[0].summary());
            let provenance = provenance_of(&run, seed, ctx.prec(), &certified);
            instance_file::save(&path, instance, Some(provenance))?;
            say!(
                "seed {seed}: {number} violated (certified: {certified}), saved {}",
                path.display()
            );
        }
        if let Some((_, instance)) = &entry.tightest {
            let path = out.join("search").join(format!("tightest-{number}.json"));
            instance_file::save(&path, instance, None)?;
            if !tightest.contains(instance) {
                tightest.push(instance.clone());
            }
        }
    }
    let body = search::markdown(found, lemmas);
    let block = provenance_block(set, Some(seed), durations);
    let md = format!("# equal-power search\n\n{block}{body}");
    report::write_atomically(&out.join("SEARCH.md"), &md)?;
    say!("wrote {}", out.join("SEARCH.md").display());
    Ok((any, body, tightest))
}

/// The provenance block of a saved counterexample: seed, precision, start, sides.
fn provenance_of(
    run: &runner::InstanceRun,
    seed: u64,
    precision: u32,
    certified: &str,
) -> serde_json::Value {
    let sci = |v: &rug::Float| equal_power::numeric::sci(v, 20);
    let checks: Vec<serde_json::Value> = run
        .evaluations
        .iter()
        .flat_map(|(n, e)| e.checks.iter().map(move |c| (n, c)))
        .filter(|(_, c)| c.verdict == equal_power::verdict::Verdict::Violated)
        .take(5)
        .map(|(n, c)| {
            serde_json::json!({
                "lemma": n, "check": c.label, "lhs": sci(&c.lhs), "relation": c.relation.symbol(),
                "rhs": sci(&c.rhs), "margin": sci(&c.margin()),
                "error_bound": equal_power::numeric::sci_up(&c.error, 20),
            })
        })
        .collect();
    serde_json::json!({
        "seed": seed,
        "precision": precision,
        "solver_start": sci(&run.solved.start),
        "version": env!("CARGO_PKG_VERSION"),
        "git_commit": equal_power::records::git_commit(),
        "violated_checks": checks,
        "certified_verdict": certified,
    })
}
