//! The report: REPORT.md and results.json, and the terminal tables.
//!
//! Numbers are printed in MPFR with a fixed count of significant digits
//! ([`TABLE_DIGITS`] in tables, [`JSON_DIGITS`] in JSON), so values beyond
//! the f64 range print as they are.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::certified_report;
use crate::certify::LemmaCertificate;
use crate::error::{Error, Result};
use crate::lemmas::Lemma;
use crate::numeric::{sci, sci_up};
use crate::runner::{tally, RunRecord, Tally};
use crate::table::Table;
use crate::verdict::{Check, Role, Verdict};

/// Significant digits of numbers in tables.
pub const TABLE_DIGITS: usize = 4;

/// Significant digits of numbers in JSON.
pub const JSON_DIGITS: usize = 20;

/// What produced a report: recorded at its top and in results.json.
///
/// The version, precision and seed decide the results; the run metadata
/// (command, commit, time, host, durations) does not, and is printed in
/// one marked block so that two runs compare equal outside it.
pub struct Provenance {
    pub version: &'static str,
    pub precision: u32,
    pub seed: u64,
    pub metadata: RunMetadata,
}

/// The part of a report that differs between otherwise identical runs.
#[derive(Clone, Debug)]
pub struct RunMetadata {
    pub command: String,
    /// `git describe`-like: the commit and "+dirty" when the tree differs.
    pub commit: String,
    /// UTC, ISO 8601.
    pub started: String,
    pub host: String,
    pub jobs: usize,
    /// (stage, seconds), in the order they ran.
    pub durations: Vec<(String, f64)>,
}

/// The first line of the run-metadata block of a Markdown report.
pub const METADATA_BEGIN: &str = "<!-- run metadata: differs between runs of the same command -->";

/// The last line of the run-metadata block.
pub const METADATA_END: &str = "<!-- end of run metadata -->";

impl RunMetadata {
    /// Returns the block, between its markers, as Markdown.
    pub fn markdown(&self) -> String {
        let mut rows = vec![
            vec!["command".into(), format!("`{}`", self.command)],
            vec!["git commit".into(), self.commit.clone()],
            vec!["started (UTC)".into(), self.started.clone()],
            vec!["host".into(), self.host.clone()],
            vec!["threads".into(), self.jobs.to_string()],
        ];
        for (stage, seconds) in &self.durations {
            rows.push(vec![format!("duration: {stage}"), format!("{seconds:.2} s")]);
        }
        format!("{METADATA_BEGIN}\n{}\n{METADATA_END}\n", markdown(&["run", ""], rows))
    }

    /// Returns the block as a JSON object.
    pub fn json(&self) -> Value {
        let durations: serde_json::Map<String, Value> =
            self.durations.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        json!({
            "command": self.command,
            "git_commit": self.commit,
            "started_utc": self.started,
            "host": self.host,
            "threads": self.jobs,
            "duration_seconds": durations,
        })
    }
}

/// Returns `text` with its run-metadata blocks removed: what must agree
/// byte for byte between two runs of the same command.
pub fn without_run_metadata(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == METADATA_BEGIN {
            inside = true;
        } else if bare == METADATA_END {
            inside = false;
        } else if !inside {
            out.push_str(line);
        }
    }
    out
}

/// Writes `text` to `path` through a temporary file renamed into place,
/// so an interrupted run never leaves a truncated file.
///
/// # Errors
///
/// Fails when the directory or the file cannot be written.
pub fn write_atomically(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
    }
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Returns a Markdown table; a `|` inside a cell (as in |r − r(i_ℓ)|) is escaped.
pub fn markdown(header: &[&str], rows: Vec<Vec<String>>) -> String {
    Table::new(header, rows).markdown()
}

/// Returns the per-lemma summary table of `check`, in Markdown.
pub fn summary_table(lemmas: &[Lemma], runs: &[RunRecord]) -> String {
    summary(lemmas, runs).markdown()
}

/// Returns the per-lemma summary: counts of verdicts and the tightest check.
pub fn summary(lemmas: &[Lemma], runs: &[RunRecord]) -> Table {
    let rows = lemmas
        .iter()
        .map(|l| {
            let t = tally(l.number, runs, |_| true);
            let c = certified_report::tally(l.number, runs);
            let mut row = vec![l.number.to_string(), l.name.to_string()];
            row.extend(counts(&t));
            row.push(tightest_cell(&t));
            row.push(c.holds.to_string());
            row.push(c.violated.to_string());
            row
        })
        .collect();
    Table::new(
        &[
            "lemma",
            "name",
            "instances",
            "holds",
            "violated",
            "undecided",
            "unmet",
            "proof step violated",
            "smallest margin",
            "certified holds",
            "certified violated",
        ],
        rows,
    )
}

fn counts(t: &Tally) -> Vec<String> {
    [t.instances, t.holds, t.violated, t.undecided, t.unmet, t.steps_violated]
        .iter()
        .map(|c| c.to_string())
        .collect()
}

fn tightest_cell(t: &Tally) -> String {
    match &t.tightest {
        Some(b) => format!("{} ({})", sci(&b.margin, TABLE_DIGITS), b.instance),
        None => "—".to_string(),
    }
}

/// Returns every check of every lemma on one run, for `check --instance`.
pub fn instance_table(lemmas: &[Lemma], run: &RunRecord) -> String {
    let mut out = String::new();
    for (lemma, (_, eval)) in lemmas.iter().zip(&run.evaluations) {
        let cert = certified_report::certificate(run, lemma.number);
        out.push_str(&format!("\n{} {}: {}", lemma.number, lemma.name, eval.verdict().name()));
        if let Some(c) = cert {
            let name = certified_report::summary_text(&c.summary());
            out.push_str(&format!(" (certified: {name}, at {} bits)", c.precision));
        }
        out.push('\n');
        if !eval.unmet.is_empty() {
            out.push_str(&format!("  unmet: {}\n", eval.unmet.join("; ")));
            continue;
        }
        let rows = eval.checks.iter().map(|c| check_row(c, cert)).collect();
        out.push_str(&markdown(&CHECK_COLUMNS, rows));
        out.push('\n');
    }
    out
}

/// Returns every check of every lemma on one run as one flat table, for
/// the CSV, JSON and LaTeX formats of `check --instance`.
pub fn instance_checks(lemmas: &[Lemma], run: &RunRecord) -> Table {
    let mut rows = Vec::new();
    for (lemma, (_, eval)) in lemmas.iter().zip(&run.evaluations) {
        let cert = certified_report::certificate(run, lemma.number);
        if !eval.unmet.is_empty() {
            let mut row =
                vec![lemma.number.to_string(), format!("unmet: {}", eval.unmet.join("; "))];
            row.extend(std::iter::repeat_n(String::new(), 5));
            row.push(Verdict::Unmet.name().to_string());
            row.push(cert.map_or("—".into(), |c| certified_report::summary_name(&c.summary())));
            rows.push(row);
            continue;
        }
        for c in &eval.checks {
            let mut row = vec![lemma.number.to_string()];
            row.extend(check_row(c, cert));
            rows.push(row);
        }
    }
    let mut header = vec!["lemma"];
    header.extend(CHECK_COLUMNS);
    Table::new(&header, rows)
}

/// The columns of [`check_row`].
const CHECK_COLUMNS: [&str; 8] = [
    "check",
    "left side",
    "relation",
    "right side",
    "margin",
    "error bound",
    "verdict",
    "certified",
];

fn check_row(c: &Check, cert: Option<&LemmaCertificate>) -> Vec<String> {
    let certified = match (c.role, cert) {
        (Role::Statement, Some(cert)) => certified_report::check_cell(cert, &c.label),
        _ => "—".to_string(),
    };
    let label = match c.role {
        Role::Statement => c.label.clone(),
        Role::ProofStep => format!("[step] {}", c.label),
    };
    vec![
        label,
        sci(&c.lhs, 12),
        c.relation.symbol().to_string(),
        sci(&c.rhs, 12),
        sci(&c.margin(), TABLE_DIGITS),
        sci_up(&c.error, 2),
        c.verdict.name().to_string(),
        certified,
    ]
}

/// Returns REPORT.md.
///
/// `after_findings` (the audit's errata, in a full report) goes right
/// after the findings, before the lemma-by-lemma sections.
pub fn report_markdown(
    p: &Provenance,
    lemmas: &[Lemma],
    runs: &[RunRecord],
    after_findings: &str,
) -> String {
    let mut md = String::new();
    md.push_str("# equal-power report\n\n");
    md.push_str(
        "Every lemma of the main proof of \"Equality of Power and Fair Public \
        Decision-making\", evaluated in MPFR on the default suite.\n\n",
    );
    md.push_str(&markdown(
        &["", ""],
        vec![
            vec!["crate version".into(), p.version.into()],
            vec!["precision".into(), format!("{} bits", p.precision)],
            vec!["suite seed".into(), p.seed.to_string()],
            vec!["instances".into(), runs.len().to_string()],
        ],
    ));
    md.push_str("\n\n");
    md.push_str(&p.metadata.markdown());
    md.push('\n');
    md.push_str(READING_GUIDE);
    md.push_str("\n## Summary\n\n");
    md.push_str(&summary_table(lemmas, runs));
    md.push_str("\n\n");
    md.push_str(&findings(lemmas, runs));
    md.push_str(&crate::certified_report::section(lemmas, runs));
    md.push_str(after_findings);
    md.push_str("\n## Lemma by lemma\n");
    for lemma in lemmas {
        md.push_str(&lemma_section(lemma, runs));
    }
    md.push_str("\n## Instances\n\n");
    md.push_str(&instances_table(runs));
    md.push('\n');
    md
}

const READING_GUIDE: &str = "## How to read this report\n\n\
- Each lemma is evaluated on every instance of the suite. An evaluation is **holds** (every \
check's margin exceeds its error bound), **violated** (some check fails by more than its error \
bound), **undecided** (some margin lies inside its error bound) or **hypothesis unmet** (the \
instance is outside the lemma's hypotheses, named below; this never counts as a pass).\n\
- The *margin* of a check is the signed slack of its relation (positive when it holds); the \
*relative margin* divides it by the larger side. The smallest relative margin shows how tight \
a bound is on the suite: near 0 is tight, near 1 is loose.\n\
- Error bounds charge rounding on the magnitude of the terms a side is computed from, plus the \
fixed-point residual ρ (and a density's quadrature error) where a side uses c = f(c).\n\
- An equality (=) holds when its sides agree within the error bound: it can never be \
separated from rounding, so this means \"holds to the working precision\". A tie whose \
error bound is 0 (both sides computed exactly, as 0 ≤ 0 or a clamped √n/α ≤ √n/α) holds. Equalities are left out of the \
smallest-margin column, which would always read 0.\n\
- A lemma's verdict is that of its *statement*. Checks marked [step] test an intermediate \
display of the proof, a literal reading of a typo, or a supporting cross-check; the column \
\"proof step violated\" counts the instances where some [step] fails, which points at a line \
of the proof without falsifying the statement.\n\
- The last two columns of the summary count the *certified* verdicts: both sides enclosed \
in interval arithmetic around a proven enclosure of the exact fixed point, with no error \
bound (section \"Certified verdicts\" below says what is and is not certified, and why).\n\
- Every instance can be rerun: `equal-power check --instance FILE` on its JSON \
(in results.json under `instances[k].instance`).\n";

fn findings(lemmas: &[Lemma], runs: &[RunRecord]) -> String {
    let mut md = String::from("## Findings\n\n");
    let mut any = false;
    for lemma in lemmas {
        for (role, what) in [(Role::Statement, "the statement"), (Role::ProofStep, "a proof step")]
        {
            let Some((run, check, count)) = first_violation(lemma, runs, role) else { continue };
            any = true;
            md.push_str(&format!(
                "- **{} ({})**: {what} is violated on {count} instance(s). First: \"{}\" on \"{}\": \
                 {} {} {} fails by {} (error bound {}).\n",
                lemma.number,
                lemma.name,
                check.label,
                run.name,
                sci(&check.lhs, 10),
                check.relation.symbol(),
                sci(&check.rhs, 10),
                sci(&check.margin().abs(), TABLE_DIGITS),
                sci_up(&check.error, 2),
            ));
        }
    }
    if !any {
        md.push_str("No lemma and no proof step is violated on the default suite.\n");
    }
    let undecided: Vec<String> = lemmas
        .iter()
        .filter_map(|l| {
            let t = tally(l.number, runs, |_| true);
            (t.undecided > 0).then(|| format!("{} ({})", l.number, t.undecided))
        })
        .collect();
    if !undecided.is_empty() {
        md.push_str(&format!(
            "- Undecided (a margin inside its error bound), by lemma: {}. Each lemma section lists \
             them with the source of their error bound.\n",
            undecided.join(", ")
        ));
    }
    md
}

/// Returns the first violated check of `role`, its run, and how many runs have one.
fn first_violation<'a>(
    lemma: &Lemma,
    runs: &'a [RunRecord],
    role: Role,
) -> Option<(&'a RunRecord, &'a Check, usize)> {
    let mut first = None;
    let mut count = 0;
    for run in runs {
        let Some((_, eval)) = run.evaluations.iter().find(|(n, _)| n == lemma.number) else {
            continue;
        };
        if !eval.unmet.is_empty() {
            continue;
        }
        let mut violated =
            eval.checks.iter().filter(|c| c.role == role && c.verdict == Verdict::Violated);
        if let Some(c) = violated.next() {
            count += 1;
            first.get_or_insert((run, c));
        }
    }
    first.map(|(r, c)| (r, c, count))
}

fn lemma_section(lemma: &Lemma, runs: &[RunRecord]) -> String {
    let mut md = format!("\n### {} — {}\n\n", lemma.number, lemma.name);
    md.push_str(&format!("Statement: {}\n\n", lemma.statement));
    if !lemma.hypotheses.is_empty() {
        md.push_str(&format!("Hypotheses: {}.\n\n", lemma.hypotheses.join("; ")));
    }
    md.push_str(&format!("Check: {}\n\n", lemma.method));

    let mut families: Vec<&str> = runs.iter().map(|r| r.family.as_str()).collect();
    families.dedup();
    let rows = families
        .iter()
        .map(|f| {
            let t = tally(lemma.number, runs, |g| g == *f);
            let mut row = vec![f.to_string()];
            row.extend(counts(&t));
            row.push(tightest_cell(&t));
            row
        })
        .collect();
    md.push_str(&markdown(
        &[
            "family",
            "instances",
            "holds",
            "violated",
            "undecided",
            "unmet",
            "proof step violated",
            "smallest margin",
        ],
        rows,
    ));
    md.push_str("\n\n");

    let t = tally(lemma.number, runs, |_| true);
    if let Some(b) = &t.tightest {
        md.push_str(&format!(
            "Tightest check: \"{}\" on \"{}\": {} {} {} (relative margin {}, error bound {}: {}).\n\n",
            b.label,
            b.instance,
            sci(&b.lhs, 10),
            b.relation,
            sci(&b.rhs, 10),
            sci(&b.margin, TABLE_DIGITS),
            sci_up(&b.error, 2),
            b.error_source
        ));
    }
    md.push_str(&crate::certified_report::lemma_line(lemma.number, runs));
    md.push_str(&unmet_reasons(lemma, runs));
    md.push_str(&listed(lemma, runs, Verdict::Violated));
    md.push_str(&listed(lemma, runs, Verdict::Undecided));
    md
}

fn unmet_reasons(lemma: &Lemma, runs: &[RunRecord]) -> String {
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for run in runs {
        for (n, eval) in &run.evaluations {
            if n == lemma.number {
                for r in &eval.unmet {
                    *reasons.entry(r.clone()).or_default() += 1;
                }
            }
        }
    }
    if reasons.is_empty() {
        return String::new();
    }
    let list: Vec<String> = reasons.iter().map(|(r, c)| format!("{r} ({c})")).collect();
    format!("Unmet hypotheses: {}.\n\n", list.join("; "))
}

/// The most violations listed per lemma in REPORT.md; results.json keeps more.
const LISTED_VIOLATIONS: usize = 12;

fn listed(lemma: &Lemma, runs: &[RunRecord], verdict: Verdict) -> String {
    let mut rows = Vec::new();
    for run in runs {
        for (n, eval) in &run.evaluations {
            if n != lemma.number || !eval.unmet.is_empty() {
                continue;
            }
            let cert = certified_report::certificate(run, lemma.number);
            for c in eval.checks.iter().filter(|c| c.verdict == verdict) {
                let mut row = vec![run.name.clone()];
                row.extend(check_row(c, cert));
                row.push(c.error_source.clone());
                rows.push(row);
            }
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    let total = rows.len();
    rows.truncate(LISTED_VIOLATIONS);
    let what = if verdict == Verdict::Violated { "Violated" } else { "Undecided" };
    let mut md = format!(
        "{what} checks, statement and [step] ({total} in all, first {} shown):\n\n",
        rows.len()
    );
    let mut header = vec!["instance"];
    header.extend(CHECK_COLUMNS);
    header.push("error bound from");
    md.push_str(&markdown(&header, rows));
    md.push_str("\n\n");
    md
}

fn instances_table(runs: &[RunRecord]) -> String {
    let rows = runs
        .iter()
        .enumerate()
        .map(|(k, r)| {
            vec![
                k.to_string(),
                r.family.clone(),
                r.name.clone(),
                r.m.to_string(),
                r.types.to_string(),
                sci(&r.n, TABLE_DIGITS),
                sci(&r.alpha, TABLE_DIGITS),
                sci(&r.gamma, TABLE_DIGITS),
                sci_up(&r.residual, 2),
                r.iterations.to_string(),
                r.quadrature_error.as_ref().map_or("—".into(), |e| sci_up(e, 2)),
            ]
        })
        .collect();
    markdown(
        &[
            "#",
            "family",
            "name",
            "m",
            "types/cells",
            "n",
            "α",
            "γ",
            "ρ",
            "iterations",
            "quadrature error",
        ],
        rows,
    )
}

/// Returns results.json: provenance, per-lemma tallies, per-instance evaluations.
pub fn results_json(p: &Provenance, lemmas: &[Lemma], runs: &[RunRecord]) -> Value {
    let lemma_rows: Vec<Value> = lemmas
        .iter()
        .map(|l| {
            let t = tally(l.number, runs, |_| true);
            let c = crate::certified_report::tally(l.number, runs);
            json!({
                "certified": {
                    "holds": c.holds,
                    "violated": c.violated,
                    "unmet": c.unmet,
                    "uncertified": c.uncertified,
                    "decided_on_retry": c.retried,
                    "reasons": certified_report::reasons_json(&c),
                },
                "number": l.number,
                "name": l.name,
                "statement": l.statement,
                "instances": t.instances,
                "holds": t.holds,
                "violated": t.violated,
                "undecided": t.undecided,
                "unmet": t.unmet,
                "tightest": t.tightest.as_ref().map(|b| json!({
                    "relative_margin": sci(&b.margin, JSON_DIGITS),
                    "instance": b.instance,
                    "family": b.family,
                    "check": b.label,
                    "lhs": sci(&b.lhs, JSON_DIGITS),
                    "relation": b.relation,
                    "rhs": sci(&b.rhs, JSON_DIGITS),
                    "error_bound": sci_up(&b.error, JSON_DIGITS),
                    "error_source": b.error_source,
                })),
            })
        })
        .collect();
    let instance_rows: Vec<Value> = runs.iter().map(run_json).collect();
    json!({
        "version": p.version,
        "precision": p.precision,
        "seed": p.seed,
        "lemmas": lemma_rows,
        "instances": instance_rows,
        "run_metadata": p.metadata.json(),
    })
}

/// The most checks kept per evaluation in results.json besides the tightest.
const KEPT_CHECKS: usize = 20;

fn run_json(run: &RunRecord) -> Value {
    let evaluations: serde_json::Map<String, Value> = run
        .evaluations
        .iter()
        .map(|(n, e)| {
            let mut kept: Vec<&Check> =
                e.checks.iter().filter(|c| c.verdict != Verdict::Holds).take(KEPT_CHECKS).collect();
            if let Some(t) = e.tightest().filter(|t| t.verdict == Verdict::Holds) {
                kept.insert(0, t);
            }
            let value = json!({
                "verdict": e.verdict().name(),
                "proof_steps": e.step_verdict().map(|v| v.name()),
                "unmet": e.unmet,
                "checks": e.checks.len(),
                "kept_checks": kept.iter().map(|c| check_json(c)).collect::<Vec<_>>(),
            });
            (n.to_string(), value)
        })
        .collect();
    json!({
        "name": run.name,
        "family": run.family,
        "residual": sci_up(&run.residual, 6),
        "iterations": run.iterations,
        "working_precision": run.precision,
        "start": sci(&run.start, JSON_DIGITS),
        "quadrature_error": run.quadrature_error.as_ref().map(|e| sci_up(e, 6)),
        "x": run.x.iter().map(|v| sci(v, JSON_DIGITS)).collect::<Vec<_>>(),
        "instance": run.instance,
        "evaluations": evaluations,
        "certified": crate::certified_report::json(run),
    })
}

fn check_json(c: &Check) -> Value {
    json!({
        "check": c.label,
        "lhs": sci(&c.lhs, JSON_DIGITS),
        "relation": c.relation.symbol(),
        "rhs": sci(&c.rhs, JSON_DIGITS),
        "margin": sci(&c.margin(), JSON_DIGITS),
        "relative_margin": sci(&c.relative_margin(), 6),
        "error_bound": sci_up(&c.error, 6),
        "error_source": c.error_source,
        "verdict": c.verdict.name(),
        "role": match c.role { Role::Statement => "statement", Role::ProofStep => "proof step" },
    })
}
