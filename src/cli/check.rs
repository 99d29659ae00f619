//! `check` and `replay`: one instance file with every check, or the default suite
//! (or a shard of it) summarised per lemma, saved and written on request.

use std::path::PathBuf;
use std::time::Instant;

use equal_power::lemmas::Lemma;
use equal_power::records;
use equal_power::report::{self, Provenance, RunMetadata};
use equal_power::runner;
use equal_power::shard::Shard;
use equal_power::table::Format;
use equal_power::{instance_file, Result};

use super::{metadata, selected, suite, write_results};
use crate::Settings;

pub(crate) fn check_file(set: &Settings, path: &std::path::Path, keys: &[String]) -> Result<bool> {
    let lemmas = selected(keys)?;
    let inst = instance_file::load(path)?;
    let run = runner::run_one(&set.ctx, "file", &inst, &lemmas)?;
    let s = &run.solved;
    let mut record = run.record(0);
    record.certificates = runner::certify_instance(&set.ctx, s, &lemmas);
    if set.format == Format::Markdown {
        say!(
            "{}: m = {}, {} types, residual ρ = {}, {} iterations",
            inst.name,
            s.params.m,
            s.types.len(),
            equal_power::numeric::sci_up(&s.residual, 3),
            s.iterations
        );
        say_raw!("{}", report::instance_table(&lemmas, &record));
    } else {
        say!("{}", report::instance_checks(&lemmas, &record).render(set.format));
    }
    Ok(runner::any_violation(std::slice::from_ref(&record)))
}

pub(crate) fn check_suite(
    set: &Settings,
    keys: &[String],
    seed: u64,
    families: &[String],
    shard: Shard,
    save: Option<PathBuf>,
    out: Option<PathBuf>,
) -> Result<bool> {
    let lemmas = selected(keys)?;
    let members = suite(seed, families)?;
    let started = Instant::now();
    let runs = runner::run_records(&set.ctx, &members, &lemmas, shard)?;
    let meta = metadata(set, vec![("suite".into(), started.elapsed().as_secs_f64())]);
    let file = records::RecordFile {
        kind: records::KIND.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        precision: set.ctx.prec(),
        seed,
        lemmas: lemmas.iter().map(|l| l.number.to_string()).collect(),
        families: families.to_vec(),
        units: members.len(),
        shard,
        records: runs,
    };
    finish_suite(set, &file, &lemmas, save, out, meta)
}

/// Prints the summary of a (possibly merged) suite run and writes what was asked.
pub(crate) fn finish_suite(
    set: &Settings,
    file: &records::RecordFile,
    lemmas: &[Lemma],
    save: Option<PathBuf>,
    out: Option<PathBuf>,
    meta: RunMetadata,
) -> Result<bool> {
    let runs = &file.records;
    let provenance = Provenance {
        version: env!("CARGO_PKG_VERSION"),
        precision: file.precision,
        seed: file.seed,
        metadata: meta,
    };
    if let Some(path) = &save {
        records::save(path, file, &provenance.metadata)?;
    }
    if let Some(dir) = &out {
        let md = report::report_markdown(&provenance, lemmas, runs, "");
        write_results(dir, &provenance, lemmas, runs)?;
        report::write_atomically(&dir.join("REPORT.md"), &md)?;
    }
    if !file.shard.is_whole() {
        say!("shard {} of the suite: {} of {} instances", file.shard, runs.len(), file.units);
    }
    say!("{}", report::summary(lemmas, runs).render(set.format));
    if let Some(path) = &save {
        say!("saved {}", path.display());
    }
    if let Some(dir) = &out {
        say!(
            "wrote {} and {}",
            dir.join("REPORT.md").display(),
            dir.join("results.json").display()
        );
    }
    Ok(runner::any_violation(runs))
}
