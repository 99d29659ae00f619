//! `merge`: the record files of the shards of one suite, search or rates run
//! combined into the files of one unsharded run.

use std::path::PathBuf;

use equal_power::{rates, records, search, Error, Result};

use super::check::finish_suite;
use super::rates::render_rates;
use super::search::finish_search;
use super::{metadata, selected};
use crate::Settings;

pub(crate) fn merge(
    set: &Settings,
    files: &[PathBuf],
    save: Option<PathBuf>,
    out: Option<PathBuf>,
) -> Result<bool> {
    let kind = records::kind_of(&files[0])?;
    if kind == records::SEARCH_KIND {
        let shards = files.iter().map(|f| records::load_search(f)).collect::<Result<Vec<_>>>()?;
        let merged = records::merge_search(shards)?;
        let Some(out) = out else {
            return Err(Error::invalid("merge: search shards need --out DIR to write SEARCH.md"));
        };
        let lemmas = selected(&merged.lemmas)?;
        let found = search::merged(merged.seed, merged.blocks.into_iter().map(|(_, b)| b));
        let (any, _, _) = finish_search(set, &lemmas, &found, &out, Vec::new())?;
        return Ok(any);
    }
    if kind == records::RATES_KIND {
        let shards = files.iter().map(|f| records::load_rates(f)).collect::<Result<Vec<_>>>()?;
        let merged = records::merge_rates(shards)?;
        let Some(out) = out else {
            return Err(Error::invalid("merge: rates shards need --out DIR to write RATES.md"));
        };
        let rows: Vec<rates::Row> = merged.rows.into_iter().flat_map(|(_, r)| r).collect();
        render_rates(set, &out, &rows, Vec::new())?;
        return Ok(false);
    }
    let shards = files.iter().map(|f| records::load(f)).collect::<Result<Vec<_>>>()?;
    let merged = records::merge(shards)?;
    let lemmas = selected(&merged.lemmas)?;
    let meta = metadata(set, Vec::new());
    finish_suite(set, &merged, &lemmas, save, out, meta)
}
