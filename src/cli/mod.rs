//! The commands of the `equal-power` binary, one module each, and what they share:
//! choosing lemmas, proofs and suite members, and the provenance of written files.

pub(crate) mod audit;
pub(crate) mod check;
pub(crate) mod describe;
pub(crate) mod merge;
pub(crate) mod new_instance;
pub(crate) mod rates;
pub(crate) mod report;
pub(crate) mod search;

use equal_power::audit::Proof;
use equal_power::families::{self, Member};
use equal_power::lemmas::{self, Lemma};
use equal_power::proofs;
// The library's `report` is named in full below: `report` here is the command's module.
use equal_power::report::{Provenance, RunMetadata};
use equal_power::runner::RunRecord;
use equal_power::{Error, ErrorKind, Result};

use crate::{Settings, STARTED};

fn selected_proofs(keys: &[String]) -> Result<Vec<Proof>> {
    if keys.is_empty() {
        return Ok(proofs::registry());
    }
    keys.iter()
        .map(|k| {
            proofs::find(k).ok_or_else(|| Error::invalid(format!("no audited proof of \"{k}\"")))
        })
        .collect()
}

pub(crate) fn selected(keys: &[String]) -> Result<Vec<Lemma>> {
    if keys.is_empty() {
        return Ok(lemmas::registry());
    }
    keys.iter()
        .map(|k| lemmas::find(k).ok_or_else(|| Error::invalid(format!("unknown lemma \"{k}\""))))
        .collect()
}

/// Returns the default suite, or the members of the named families.
fn suite(seed: u64, families: &[String]) -> Result<Vec<Member>> {
    let all = families::default_suite(seed);
    let mut known: Vec<&str> = all.iter().map(|m| m.family).collect();
    known.dedup();
    if let Some(bad) = families.iter().find(|f| !known.contains(&f.as_str())) {
        return Err(Error::invalid(format!(
            "--family \"{bad}\": expected one of {}",
            known.join(", ")
        )));
    }
    if families.is_empty() {
        return Ok(all);
    }
    Ok(all.into_iter().filter(|m| families.iter().any(|f| f == m.family)).collect())
}

fn write_results(
    dir: &std::path::Path,
    p: &Provenance,
    lemmas: &[Lemma],
    runs: &[RunRecord],
) -> Result<()> {
    let json = equal_power::report::results_json(p, lemmas, runs);
    let json = serde_json::to_string_pretty(&json).expect("JSON values always serialise");
    equal_power::report::write_atomically(&dir.join("results.json"), &(json + "\n"))
}

/// The provenance of a RATES.md or SEARCH.md: what decides the results,
/// then the run-metadata block.
fn provenance_block(set: &Settings, seed: Option<u64>, durations: Vec<(String, f64)>) -> String {
    let mut rows = vec![
        vec!["crate version".to_string(), env!("CARGO_PKG_VERSION").to_string()],
        vec!["precision".to_string(), format!("{} bits", set.ctx.prec())],
    ];
    if let Some(seed) = seed {
        rows.push(vec!["seed".to_string(), seed.to_string()]);
    }
    let table = equal_power::report::markdown(&["", ""], rows);
    format!("{table}\n\n{}\n", metadata(set, durations).markdown())
}

/// The run metadata of this process: command line, commit, time, host.
fn metadata(set: &Settings, durations: Vec<(String, f64)>) -> RunMetadata {
    RunMetadata {
        command: std::iter::once("equal-power".to_string())
            .chain(std::env::args().skip(1).map(|a| {
                // Quoted as a shell would need it, so the line can be rerun.
                if a.contains([' ', '"', '\'', '$']) {
                    format!("'{}'", a.replace('\'', "'\\''"))
                } else {
                    a
                }
            }))
            .collect::<Vec<_>>()
            .join(" "),
        commit: equal_power::records::git_commit(),
        started: STARTED.get_or_init(equal_power::records::utc_now).clone(),
        host: equal_power::records::host_name(),
        jobs: set.jobs,
        durations,
    }
}

/// Says which stage an interruption stopped.
fn interrupted_in(e: Error, stage: &str) -> Error {
    if e.kind == ErrorKind::Interrupted {
        Error::interrupted(stage)
    } else {
        e
    }
}
