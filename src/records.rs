//! Record files: the exact results of a suite run, or of one shard of it,
//! and the run metadata printed beside every report.
//!
//! A record file holds every check with its Floats in rug's exact serde
//! form, so `merge` rebuilds, from N shards, the very records one machine
//! would have produced, and renders them through the same code.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::report::RunMetadata;
use crate::runner::RunRecord;
use crate::shard::Shard;

/// The `kind` of a record file, checked on load.
pub const KIND: &str = "equal-power suite records";

/// The records of a suite run or of one of its shards.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordFile {
    pub kind: String,
    pub version: String,
    /// The requested precision (each instance records its working one).
    pub precision: u32,
    pub seed: u64,
    /// The lemmas evaluated, by number.
    pub lemmas: Vec<String>,
    /// The families the suite was restricted to (empty: all).
    pub families: Vec<String>,
    /// The number of instances of the whole run, across shards.
    pub units: usize,
    pub shard: Shard,
    pub records: Vec<RunRecord>,
}

/// Writes a record file with the run metadata under its own key.
///
/// # Errors
///
/// Fails when the file cannot be written.
pub fn save(path: &Path, file: &RecordFile, metadata: &RunMetadata) -> Result<()> {
    let mut value = serde_json::to_value(file).expect("records always serialise");
    value["run_metadata"] = metadata.json();
    let text = serde_json::to_string(&value).expect("JSON values always serialise");
    crate::report::write_atomically(path, &(text + "\n"))
}

/// Reads a record file.
///
/// # Errors
///
/// Names the file when it cannot be read, is not JSON, or is not a record file.
pub fn load(path: &Path) -> Result<RecordFile> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let file: RecordFile = serde_json::from_str(&text).map_err(|e| {
        Error::parse(format!("{}: not an equal-power record file ({e})", path.display()))
    })?;
    if file.kind != KIND {
        return Err(Error::parse(format!(
            "{}: kind \"{}\", expected \"{KIND}\"",
            path.display(),
            file.kind
        )));
    }
    Ok(file)
}

/// Merges the shards of one run into the records of the whole run.
///
/// # Errors
///
/// Refuses shards of different runs (version, precision, seed, lemmas,
/// families, size or shard count), a missing or repeated shard, and a
/// record that does not belong to its shard.
pub fn merge(mut shards: Vec<RecordFile>) -> Result<RecordFile> {
    let Some(first) = shards.first().cloned() else {
        return Err(Error::invalid("merge: no record file given"));
    };
    let count = first.shard.count;
    for s in &shards {
        let same = s.version == first.version
            && s.precision == first.precision
            && s.seed == first.seed
            && s.lemmas == first.lemmas
            && s.families == first.families
            && s.units == first.units
            && s.shard.count == count;
        if !same {
            return Err(Error::invalid(format!(
                "merge: shard {} is not of the same run as shard {} \
                 (version, precision, seed, lemmas, families, size or shard count differ)",
                s.shard, first.shard
            )));
        }
        if let Some(r) = s.records.iter().find(|r| !s.shard.owns(r.index)) {
            return Err(Error::invalid(format!(
                "merge: record {} (\"{}\") does not belong to shard {}",
                r.index, r.name, s.shard
            )));
        }
    }
    shards.sort_by_key(|s| s.shard.index);
    complete(&shards.iter().map(|s| s.shard).collect::<Vec<_>>())?;
    let mut records: Vec<RunRecord> = shards.into_iter().flat_map(|s| s.records).collect();
    records.sort_by_key(|r| r.index);
    Ok(RecordFile { shard: Shard::WHOLE, records, ..first })
}

/// Checks that sorted shards are 1/N … N/N, each once.
fn complete(shards: &[Shard]) -> Result<()> {
    let count = shards.first().map_or(1, |s| s.count);
    for (k, s) in shards.iter().enumerate() {
        if s.index != k + 1 {
            let what = if s.index <= k { "repeated" } else { "missing" };
            let which = if s.index <= k { s.index } else { k + 1 };
            return Err(Error::invalid(format!("merge: shard {which}/{count} is {what}")));
        }
    }
    if shards.len() != count {
        return Err(Error::invalid(format!(
            "merge: shard {}/{count} is missing",
            shards.len() + 1
        )));
    }
    Ok(())
}

/// The `kind` of a rates file, checked on load.
pub const RATES_KIND: &str = "equal-power rates rows";

/// The rows of a rates run or of one of its shards, by unit.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RatesFile {
    pub kind: String,
    pub version: String,
    pub precision: u32,
    pub decades: Vec<u32>,
    /// The families the run was restricted to (empty: all).
    pub families: Vec<String>,
    /// The number of units (sweeps) of the whole run.
    pub units: usize,
    pub shard: Shard,
    pub rows: Vec<(usize, Vec<crate::rates::Row>)>,
}

/// Reads the kind of a shard file without parsing the rest.
///
/// # Errors
///
/// Names the file when it cannot be read or has no kind.
pub fn kind_of(path: &Path) -> Result<String> {
    #[derive(Deserialize)]
    struct Kind {
        kind: String,
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let kind: Kind = serde_json::from_str(&text).map_err(|e| {
        Error::parse(format!("{}: not an equal-power shard file ({e})", path.display()))
    })?;
    Ok(kind.kind)
}

/// Reads a rates shard file.
///
/// # Errors
///
/// Names the file when it cannot be read or is not a rates file.
pub fn load_rates(path: &Path) -> Result<RatesFile> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let file: RatesFile = serde_json::from_str(&text).map_err(|e| {
        Error::parse(format!("{}: not an equal-power rates file ({e})", path.display()))
    })?;
    if file.kind != RATES_KIND {
        return Err(Error::parse(format!(
            "{}: kind \"{}\", expected \"{RATES_KIND}\"",
            path.display(),
            file.kind
        )));
    }
    Ok(file)
}

/// Writes a rates shard file with the run metadata under its own key.
///
/// # Errors
///
/// Fails when the file cannot be written.
pub fn save_rates(path: &Path, file: &RatesFile, metadata: &RunMetadata) -> Result<()> {
    let mut value = serde_json::to_value(file).expect("rows always serialise");
    value["run_metadata"] = metadata.json();
    let text = serde_json::to_string(&value).expect("JSON values always serialise");
    crate::report::write_atomically(path, &(text + "\n"))
}

/// Merges the shards of one rates run into the rows of the whole run.
///
/// # Errors
///
/// Refuses shards of different runs, a missing or repeated shard, and a
/// unit that does not belong to its shard.
pub fn merge_rates(mut shards: Vec<RatesFile>) -> Result<RatesFile> {
    let Some(first) = shards.first().cloned() else {
        return Err(Error::invalid("merge: no rates file given"));
    };
    for s in &shards {
        let same = s.version == first.version
            && s.precision == first.precision
            && s.decades == first.decades
            && s.families == first.families
            && s.units == first.units
            && s.shard.count == first.shard.count;
        if !same {
            return Err(Error::invalid(format!(
                "merge: rates shard {} is not of the same run as shard {}",
                s.shard, first.shard
            )));
        }
        if let Some((k, _)) = s.rows.iter().find(|(k, _)| !s.shard.owns(*k)) {
            return Err(Error::invalid(format!(
                "merge: unit {k} does not belong to shard {}",
                s.shard
            )));
        }
    }
    shards.sort_by_key(|s| s.shard.index);
    complete(&shards.iter().map(|s| s.shard).collect::<Vec<_>>())?;
    let mut rows: Vec<(usize, Vec<crate::rates::Row>)> =
        shards.into_iter().flat_map(|s| s.rows).collect();
    rows.sort_by_key(|(k, _)| *k);
    Ok(RatesFile { shard: Shard::WHOLE, rows, ..first })
}

/// The `kind` of a search file, checked on load.
pub const SEARCH_KIND: &str = "equal-power search blocks";

/// The blocks of a search or of one of its shards.
#[derive(Clone, Serialize, Deserialize)]
pub struct SearchFile {
    pub kind: String,
    pub version: String,
    pub precision: u32,
    pub seed: u64,
    pub cases: usize,
    /// The lemmas searched, by number.
    pub lemmas: Vec<String>,
    /// The number of blocks of the whole search.
    pub units: usize,
    pub shard: Shard,
    pub blocks: Vec<(usize, crate::search::Outcome)>,
}

/// Reads a search shard file.
///
/// # Errors
///
/// Names the file when it cannot be read or is not a search file.
pub fn load_search(path: &Path) -> Result<SearchFile> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let file: SearchFile = serde_json::from_str(&text).map_err(|e| {
        Error::parse(format!("{}: not an equal-power search file ({e})", path.display()))
    })?;
    if file.kind != SEARCH_KIND {
        return Err(Error::parse(format!(
            "{}: kind \"{}\", expected \"{SEARCH_KIND}\"",
            path.display(),
            file.kind
        )));
    }
    Ok(file)
}

/// Writes a search shard file with the run metadata under its own key.
///
/// # Errors
///
/// Fails when the file cannot be written.
pub fn save_search(path: &Path, file: &SearchFile, metadata: &RunMetadata) -> Result<()> {
    let mut value = serde_json::to_value(file).expect("outcomes always serialise");
    value["run_metadata"] = metadata.json();
    let text = serde_json::to_string(&value).expect("JSON values always serialise");
    crate::report::write_atomically(path, &(text + "\n"))
}

/// Merges the shards of one search into the outcome of the whole search.
///
/// # Errors
///
/// Refuses shards of different searches, a missing or repeated shard, and
/// a block that does not belong to its shard.
pub fn merge_search(mut shards: Vec<SearchFile>) -> Result<SearchFile> {
    let Some(first) = shards.first().cloned() else {
        return Err(Error::invalid("merge: no search file given"));
    };
    for s in &shards {
        let same = s.version == first.version
            && s.precision == first.precision
            && s.seed == first.seed
            && s.cases == first.cases
            && s.lemmas == first.lemmas
            && s.units == first.units
            && s.shard.count == first.shard.count;
        if !same {
            return Err(Error::invalid(format!(
                "merge: search shard {} is not of the same search as shard {}",
                s.shard, first.shard
            )));
        }
        if let Some((k, _)) = s.blocks.iter().find(|(k, _)| !s.shard.owns(*k)) {
            return Err(Error::invalid(format!(
                "merge: block {k} does not belong to shard {}",
                s.shard
            )));
        }
    }
    shards.sort_by_key(|s| s.shard.index);
    complete(&shards.iter().map(|s| s.shard).collect::<Vec<_>>())?;
    let mut blocks: Vec<(usize, crate::search::Outcome)> =
        shards.into_iter().flat_map(|s| s.blocks).collect();
    blocks.sort_by_key(|(k, _)| *k);
    Ok(SearchFile { shard: Shard::WHOLE, blocks, ..first })
}

/// The commit of the source tree the binary was built from, with
/// "+dirty" when the tree has uncommitted changes; "unavailable" without git.
///
/// Read once per process, at the first call (the binary calls it at
/// start): the files a run writes into reports/ must not make its own
/// later files read "+dirty".
pub fn git_commit() -> String {
    static COMMIT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    COMMIT.get_or_init(read_git_commit).clone()
}

fn read_git_commit() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) if !commit.is_empty() => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{commit}+dirty")
            } else {
                commit
            }
        }
        _ => "unavailable".to_string(),
    }
}

/// The current time in UTC as YYYY-MM-DDThh:mm:ssZ.
pub fn utc_now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

/// The proleptic Gregorian date of a day count from 1970-01-01
/// (Howard Hinnant's civil-from-days algorithm, in 400-year eras).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The machine's host name, or "unknown".
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_791), (2026, 12, 4));
    }

    fn file(shard: Shard, indices: &[usize]) -> RecordFile {
        RecordFile {
            kind: KIND.into(),
            version: "0".into(),
            precision: 64,
            seed: 1,
            lemmas: vec![],
            families: vec![],
            units: 6,
            shard,
            records: indices.iter().map(|&k| record(k)).collect(),
        }
    }

    fn record(index: usize) -> RunRecord {
        let zero = rug::Float::new(64);
        RunRecord {
            index,
            family: "f".into(),
            name: format!("i{index}"),
            m: 1,
            types: 1,
            n: zero.clone(),
            alpha: zero.clone(),
            gamma: zero.clone(),
            precision: 64,
            residual: zero.clone(),
            iterations: 0,
            start: zero,
            quadrature_error: None,
            x: vec![],
            instance: serde_json::Value::Null,
            evaluations: vec![],
            certificates: vec![],
        }
    }

    #[test]
    fn shards_merge_in_suite_order() {
        let s = |k| Shard { index: k, count: 3 };
        let merged =
            merge(vec![file(s(2), &[1, 4]), file(s(1), &[0, 3]), file(s(3), &[2, 5])]).unwrap();
        let order: Vec<usize> = merged.records.iter().map(|r| r.index).collect();
        assert_eq!(order, vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(merged.shard, Shard::WHOLE);
    }

    #[test]
    fn a_missing_or_foreign_shard_is_refused() {
        let s = |k| Shard { index: k, count: 3 };
        let e = merge(vec![file(s(1), &[0, 3]), file(s(3), &[2, 5])]).unwrap_err();
        assert!(e.message.contains("shard 2/3 is missing"), "{}", e.message);
        let e =
            merge(vec![file(s(1), &[0, 3]), file(s(1), &[0, 3]), file(s(3), &[2])]).unwrap_err();
        assert!(e.message.contains("repeated"), "{}", e.message);
        let mut other = file(s(2), &[1, 4]);
        other.seed = 2;
        let e = merge(vec![file(s(1), &[0, 3]), other, file(s(3), &[2, 5])]).unwrap_err();
        assert!(e.message.contains("not of the same run"), "{}", e.message);
        let e = merge(vec![file(s(1), &[0, 1])]).unwrap_err();
        assert!(e.message.contains("does not belong"), "{}", e.message);
    }
}
