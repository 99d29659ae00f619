//! `report`: the suite with its audit, the rate sweeps and a search, written into
//! REPORT.md and results.json (with RATES.md, SEARCH.md and AUDIT.md beside them).

use std::time::Instant;

use equal_power::audit::InstanceAudit;
use equal_power::audit_report::{self, Audited};
use equal_power::lemmas;
use equal_power::proofs;
use equal_power::report::{self, Provenance};
use equal_power::runner::{self, RunRecord};
use equal_power::shard::Shard;
use equal_power::{rates, Error, Result};

use super::audit::write_audit;
use super::rates::write_rates;
use super::search::run_search;
use super::{interrupted_in, metadata, suite, write_results};
use crate::Settings;

/// What `report` runs besides the suite.
pub(crate) struct Parts {
    pub(crate) families: Vec<String>,
    pub(crate) search_cases: usize,
    pub(crate) rates: bool,
}

pub(crate) fn write_report(
    set: &Settings,
    out: &std::path::Path,
    seed: u64,
    parts: &Parts,
) -> Result<bool> {
    let ctx = &set.ctx;
    let lemmas = lemmas::registry();
    let members = suite(seed, &parts.families)?;
    let mut durations = Vec::new();

    let started = Instant::now();
    let proofs = proofs::registry();
    let runs = runner::run_audited(ctx, &members, &lemmas, &proofs, Shard::WHOLE)
        .map_err(|e| interrupted_in(e, "the suite"))?;
    let (runs, audits): (Vec<RunRecord>, Vec<_>) = runs.into_iter().unzip();
    let mut audits: Vec<InstanceAudit> = audits.into_iter().flatten().collect();
    durations.push(("suite".to_string(), started.elapsed().as_secs_f64()));

    let started = Instant::now();
    let mut rates = Vec::new();
    if parts.rates {
        rates = write_rates(set, out, &[]).map_err(|e| interrupted_in(e, "the rate sweeps"))?;
        durations.push(("rates".to_string(), started.elapsed().as_secs_f64()));
    }

    let started = Instant::now();
    let mut search_md = None;
    if parts.search_cases > 0 {
        let (_, md, tightest) = run_search(set, &lemmas, parts.search_cases, seed, out)
            .map_err(|e| interrupted_in(e, "the search"))?;
        search_md = Some(md);
        durations.push(("search".to_string(), started.elapsed().as_secs_f64()));

        // The search's tightest instances are audited too: they sit where
        // the bounds are sharpest.
        let started = Instant::now();
        for instance in tightest {
            let name = instance.name.clone();
            let run = runner::run_one(ctx, "search", &instance, &[])?;
            let audit = InstanceAudit::of(&run.solved, &proofs).map_err(|e| Error {
                kind: e.kind,
                message: format!("instance \"{name}\": {e}"),
            })?;
            audits.push(audit);
        }
        durations
            .push(("audit of the search's instances".to_string(), started.elapsed().as_secs_f64()));
    }
    let audited = Audited { proofs: &proofs, lemmas: &lemmas, records: &runs, audits };
    let errata = audited.errata(None)?;
    write_audit(set, &audited, Some(out), seed, Vec::new())?;

    let provenance = Provenance {
        version: env!("CARGO_PKG_VERSION"),
        precision: ctx.prec(),
        seed,
        metadata: metadata(set, durations),
    };
    let errata = audit_report::errata_section(&errata);
    let mut md = report::report_markdown(&provenance, &lemmas, &runs, &errata);
    if parts.rates {
        md.push_str(&rates_section(&rates));
    }
    if let Some(search_md) = search_md {
        md.push_str("\n\n## Search\n\n");
        md.push_str(&search_md);
        md.push('\n');
    }
    write_results(out, &provenance, &lemmas, &runs)?;
    report::write_atomically(&out.join("REPORT.md"), &md)?;
    say!("{}", report::summary(&lemmas, &runs).render(set.format));
    say!("wrote {} and {}", out.join("REPORT.md").display(), out.join("results.json").display());
    Ok(runner::any_violation(&runs))
}

fn rates_section(rates: &[rates::Row]) -> String {
    let mut md = String::from(
        "\n## Rates\n\nThe asymptotic claims, measured (details, local slopes and plots in \
        [RATES.md](RATES.md)). A rate is evidence, not a verdict on a lemma.\n\n",
    );
    let inconsistent: Vec<String> = rates
        .iter()
        .filter(|r| {
            matches!(&r.outcome, rates::Outcome::Fitted { verdict, .. }
                if *verdict == equal_power::fit::RateVerdict::Inconsistent)
        })
        .map(|r| format!("{} on {} ({})", r.source, r.family, r.schedule))
        .collect();
    if !inconsistent.is_empty() {
        md.push_str(&format!(
            "Rates measurably slower than claimed: {}.\n\n",
            inconsistent.join("; ")
        ));
    }
    md.push_str(&rates::markdown(rates));
    md
}
