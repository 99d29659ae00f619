//! `audit`: each proof's chain of (in)equalities, link by link, and AUDIT.md
//! with the errata's witnesses.

use std::path::PathBuf;
use std::time::Instant;

use equal_power::audit::{InstanceAudit, Proof};
use equal_power::audit_report::Audited;
use equal_power::families::Member;
use equal_power::lemmas;
use equal_power::report;
use equal_power::runner::{self, RunRecord};
use equal_power::shard::Shard;
use equal_power::{instance_file, Error, Result};

use super::{provenance_block, selected_proofs, suite};
use crate::Settings;

/// Audits the proofs named by `keys` on the suite (or on one instance file)
/// and prints AUDIT.md; never reports a violation.
pub(crate) fn audit(
    set: &Settings,
    keys: &[String],
    seed: u64,
    families: &[String],
    instance: Option<PathBuf>,
    out: Option<PathBuf>,
) -> Result<bool> {
    let proofs = selected_proofs(keys)?;
    let lemmas = lemmas::registry();
    let members = match instance {
        Some(path) => {
            vec![Member { family: "file", instance: instance_file::load(&path)? }]
        }
        None => suite(seed, families)?,
    };
    let started = Instant::now();
    let runs = runner::run_audited(&set.ctx, &members, &lemmas, &proofs, Shard::WHOLE)?;
    let (records, audits): (Vec<RunRecord>, Vec<_>) = runs.into_iter().unzip();
    let audits: Vec<InstanceAudit> = audits.into_iter().flatten().collect();
    let durations = vec![("audit".to_string(), started.elapsed().as_secs_f64())];
    let audit = Audited { proofs: &proofs, lemmas: &lemmas, records: &records, audits };
    let md = write_audit(set, &audit, out.as_deref(), seed, durations)?;
    say!("{}", md.trim_end());
    Ok(false)
}

/// Writes AUDIT.md (with --out) and returns its text.
pub(crate) fn write_audit(
    set: &Settings,
    audited: &Audited<'_>,
    out: Option<&std::path::Path>,
    seed: u64,
    durations: Vec<(String, f64)>,
) -> Result<String> {
    let errata = audited.errata(out)?;
    if let Some(dir) = out {
        remove_stale_witnesses(dir, audited.proofs, &errata)?;
    }
    let header = format!("# equal-power audit\n\n{}", provenance_block(set, Some(seed), durations));
    let md = audited.markdown(&header, &errata);
    if let Some(dir) = out {
        report::write_atomically(&dir.join("AUDIT.md"), &md)?;
    }
    Ok(md)
}

/// Removes the witnesses under DIR/audit/ of the audited proofs that no
/// erratum names any more, so the directory holds exactly the current
/// errata (witnesses of proofs not audited in this run are kept).
fn remove_stale_witnesses(
    dir: &std::path::Path,
    proofs: &[Proof],
    errata: &[equal_power::audit::Erratum],
) -> Result<()> {
    let audit_dir = dir.join("audit");
    let Ok(entries) = std::fs::read_dir(&audit_dir) else { return Ok(()) };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let ours = proofs.iter().any(|p| name.starts_with(&format!("{}--", p.number)));
        let current = errata.iter().any(|e| e.witness_file == format!("audit/{name}"));
        if ours && !current && name.ends_with(".json") {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}
