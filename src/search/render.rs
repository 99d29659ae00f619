//! SEARCH.md: per lemma the cases, the acceptance, the violations and the
//! tightest margin, the hypotheses met and unmet, and the coverage tables
//! with the buckets never visited.
//!
//! Apart from the search proper because it only reads an [`Outcome`]: the
//! same text comes from one run or from merged shards.

use std::collections::BTreeMap;

use crate::lemmas::{hypotheses as h, Lemma};

use super::{Bucket, Outcome, CLIMB_STEPS, KEPT_CANDIDATES};

/// Returns "k (p%)" for a count out of a total.
fn share(count: usize, total: usize) -> String {
    if total == 0 {
        return format!("{count}");
    }
    format!("{count} ({:.0}%)", 100.0 * count as f64 / total as f64)
}

/// Returns SEARCH.md: per lemma the cases, acceptance, findings, tightest
/// margin, hypotheses met and unmet, and the coverage of the hypothesis space.
pub fn markdown(out: &Outcome, lemmas: &[Lemma]) -> String {
    let mut md = format!(
        "Random search of {} instances (seed {}), a targeted climb of {} steps from the {} \
         tightest candidates per lemma, and shrinking of violations ({} failed solves at full \
         precision).\n\n",
        out.cases, out.seed, CLIMB_STEPS, KEPT_CANDIDATES, out.failed_solves
    );
    md.push_str(&screening_paragraph(out));
    md.push_str(&summary_table(out, lemmas));
    md.push_str("\n\nHypotheses per lemma, met / unmet, over the instances solved:\n\n");
    md.push_str(&hypothesis_table(out, lemmas));
    md.push_str(&coverage_tables(out, lemmas));
    md.push('\n');
    md
}

fn screening_paragraph(out: &Outcome) -> String {
    let Some(bits) = out.screening else {
        return "Every instance was evaluated at full precision (no screening).\n\n".into();
    };
    format!(
        "Screening: {} evaluations at {bits} bits plus ⌈log2 n⌉/2 (and the runner's ⌈log2 n⌉); \
         evaluated again at full precision: {} on which some lemma was violated or undecided \
         when screened, {} whose screening solve failed, and {} candidates of the targeted \
         phase. Violations and tightest margins come from full-precision evaluations only; \
         hypothesis counts and coverage of an instance the screening settled come from its \
         screening evaluation.\n\n",
        out.screened,
        out.confirmed_unsettled,
        out.confirmed_failed_screen,
        out.confirmed_candidates
    )
}

fn summary_table(out: &Outcome, lemmas: &[Lemma]) -> String {
    let rows = lemmas
        .iter()
        .map(|l| {
            let e = out.lemmas.get(l.number);
            let cases = e.map_or(0, |e| e.cases);
            let evaluated = e.map_or(0, |e| e.evaluated);
            let clamped: usize = e.map_or(0, |e| {
                (1..4).map(|k| e.buckets.get(&Bucket::Exceptional(k)).copied().unwrap_or(0)).sum()
            });
            vec![
                l.number.to_string(),
                cases.to_string(),
                share(evaluated, cases),
                share(clamped, evaluated),
                e.map_or(0, |e| e.violations.len()).to_string(),
                e.and_then(|e| e.tightest.as_ref())
                    .map_or("—".into(), |(m, i)| format!("{m:.3e} ({})", i.name)),
            ]
        })
        .collect();
    crate::report::markdown(
        &[
            "lemma",
            "cases",
            "hypotheses met (acceptance)",
            "of those, α clamp active",
            "violations",
            "tightest relative margin",
        ],
        rows,
    )
}

/// The hypotheses, shortened for the column heads, with their full names.
const HYPOTHESIS_COLUMNS: [(&str, &str); 9] = [
    ("y ∈ χ", h::IDEAL_POINTS_IN_CHI),
    ("α range", h::ALPHA_IN_RANGE),
    ("density", h::HAS_DENSITY),
    ("N̂ ≠ ∅", h::SOME_NORMAL_AGENT),
    ("∫_N̂ p ≥ 1/2", h::NORMAL_MASS_HALF),
    ("tight", h::NORMAL_AGENTS_TIGHT),
    ("η > 0", h::ETA_POSITIVE),
    ("η ≥ 1", h::ETA_AT_LEAST_ONE),
    ("γ ≤ 1", h::GAMMA_AT_MOST_ONE),
];

fn hypothesis_table(out: &Outcome, lemmas: &[Lemma]) -> String {
    let rows = lemmas
        .iter()
        .map(|l| {
            let e = out.lemmas.get(l.number);
            let cases = e.map_or(0, |e| e.cases);
            let mut row = vec![l.number.to_string()];
            for (_, name) in HYPOTHESIS_COLUMNS {
                let unmet = e.and_then(|e| e.unmet.get(name)).copied().unwrap_or(0);
                let cell = if l.hypotheses.contains(&name) {
                    format!("{} / {unmet}", cases - unmet)
                } else {
                    "—".into()
                };
                row.push(cell);
            }
            row
        })
        .collect();
    let mut header = vec!["lemma"];
    header.extend(HYPOTHESIS_COLUMNS.iter().map(|(short, _)| *short));
    let mut md = crate::report::markdown(&header, rows);
    md.push_str("\n\n");
    for (short, name) in HYPOTHESIS_COLUMNS {
        md.push_str(&format!("- {short}: {name}\n"));
    }
    md
}

/// Picks the buckets of one coverage table.
type BucketFilter = fn(&Bucket) -> bool;

/// The coverage tables: one row for every instance of the random phase and
/// one per lemma (instances with its hypotheses met), one column per bucket.
fn coverage_tables(out: &Outcome, lemmas: &[Lemma]) -> String {
    let all = Bucket::all();
    let groups: [(&str, BucketFilter); 3] = [
        ("m", |b| matches!(b, Bucket::Issues(_))),
        ("log10 n", |b| matches!(b, Bucket::Decades(_))),
        ("weight spread, population, χ, exceptional mass", |b| {
            !matches!(b, Bucket::Issues(_) | Bucket::Decades(_))
        }),
    ];
    let mut md = String::from(
        "\n\nCoverage of the random phase: the first row counts every instance solved, the \
         others the instances on which the lemma's hypotheses were met. An agent is \
         exceptional (i ∉ N̂) exactly when the α clamp is active on it.\n",
    );
    for (title, keep) in groups {
        // Buckets beyond the expected decades show up only when visited.
        let mut columns: Vec<Bucket> = all.iter().copied().filter(&keep).collect();
        let extra: Vec<Bucket> =
            out.coverage.keys().filter(|b| keep(b) && !all.contains(b)).copied().collect();
        columns.extend(extra);
        let count = |map: &BTreeMap<Bucket, usize>, b: &Bucket| map.get(b).copied().unwrap_or(0);
        let mut rows = vec![std::iter::once("all instances".to_string())
            .chain(columns.iter().map(|b| count(&out.coverage, b).to_string()))
            .collect::<Vec<_>>()];
        for l in lemmas {
            let empty = BTreeMap::new();
            let map = out.lemmas.get(l.number).map_or(&empty, |e| &e.buckets);
            rows.push(
                std::iter::once(l.number.to_string())
                    .chain(columns.iter().map(|b| count(map, b).to_string()))
                    .collect(),
            );
        }
        let names: Vec<String> = columns.iter().map(Bucket::name).collect();
        let mut header = vec!["instances"];
        header.extend(names.iter().map(String::as_str));
        md.push_str(&format!("\nBy {title}:\n\n"));
        md.push_str(&crate::report::markdown(&header, rows));
        md.push('\n');
    }
    md.push_str(&unvisited(out, lemmas, &all));
    md
}

/// Says which buckets no instance visited, and per lemma which buckets no
/// instance with its hypotheses met visited.
fn unvisited(out: &Outcome, lemmas: &[Lemma], all: &[Bucket]) -> String {
    let missing = |map: &BTreeMap<Bucket, usize>| -> Vec<String> {
        all.iter().filter(|b| !map.contains_key(b)).map(Bucket::name).collect()
    };
    let mut md = String::from("\nNever visited:\n\n");
    let none = missing(&out.coverage);
    md.push_str(&format!(
        "- by any instance: {}\n",
        if none.is_empty() { "none".into() } else { none.join(", ") }
    ));
    for l in lemmas {
        let empty = BTreeMap::new();
        let map = out.lemmas.get(l.number).map_or(&empty, |e| &e.buckets);
        let gaps = missing(map);
        if !gaps.is_empty() {
            md.push_str(&format!("- with {}'s hypotheses met: {}\n", l.number, gaps.join(", ")));
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_names_the_buckets_never_visited() {
        let lemmas = crate::lemmas::registry();
        let mut out = Outcome { cases: 3, ..Outcome::default() };
        out.coverage.insert(Bucket::Issues(1), 3);
        let md = markdown(&out, &lemmas);
        assert!(md.contains("- by any instance: m = 2, m = 3"), "{md}");
        assert!(!md.contains("by any instance: m = 1"), "{md}");
    }
}
