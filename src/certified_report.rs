//! The report's certified verdicts: per lemma, how many are certified,
//! how many are not and why, and where they disagree with the float verdicts.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::certify::{CertifiedOutcome, CheckCertificate, LemmaCertificate, Proven, Summary};
use crate::lemmas::Lemma;
use crate::numeric::sci;
use crate::runner::RunRecord;
use crate::table::Table;
use crate::verdict::Verdict;

/// One lemma's certified counts over the runs.
#[derive(Clone, Debug, Default)]
pub struct CertifiedTally {
    pub instances: usize,
    pub holds: usize,
    pub violated: usize,
    pub unmet: usize,
    pub uncertified: usize,
    /// Instances decided only after a retry at a higher precision.
    pub retried: usize,
    /// Why the uncertified ones are not certified: reason's category →
    /// (count, the first reason in full).
    pub reasons: BTreeMap<String, (usize, String)>,
    /// The largest certified |lhs − rhs| of an equality never refuted, and where.
    pub widest_gap: Option<(rug::Float, String)>,
    /// The largest such gap relative to the sides (where neither side's
    /// enclosure holds 0), and where.
    pub widest_relative_gap: Option<(rug::Float, String)>,
}

impl CertifiedTally {
    /// The instances where the lemma may apply: those whose hypotheses are not certainly unmet.
    pub fn applicable(&self) -> usize {
        self.instances - self.unmet
    }

    /// The share of the applicable instances whose statement is certified
    /// (to hold or to fail), in percent; "—" when none applies.
    pub fn share(&self) -> String {
        if self.applicable() == 0 {
            return "—".into();
        }
        let certified = self.holds + self.violated;
        format!("{:.0}%", 100.0 * certified as f64 / self.applicable() as f64)
    }
}

/// The certificate of `number` in a run, if the run was certified.
pub fn certificate<'a>(run: &'a RunRecord, number: &str) -> Option<&'a LemmaCertificate> {
    run.certificates.iter().find(|c| c.number == number)
}

/// Counts one lemma's certified verdicts over the runs.
pub fn tally(number: &str, runs: &[RunRecord]) -> CertifiedTally {
    let mut t = CertifiedTally::default();
    for run in runs {
        let Some(cert) = certificate(run, number) else { continue };
        t.instances += 1;
        let decided = match cert.summary() {
            Summary::Holds => {
                t.holds += 1;
                true
            }
            Summary::Violated => {
                t.violated += 1;
                true
            }
            Summary::Unmet => {
                t.unmet += 1;
                true
            }
            Summary::Uncertified(reason) => {
                t.uncertified += 1;
                let entry = t.reasons.entry(category(&reason)).or_insert((0, reason));
                entry.0 += 1;
                false
            }
        };
        if decided && cert.precision > run.precision {
            t.retried += 1;
        }
        if let Some((gap, relative)) = equality_gap(cert) {
            if t.widest_gap.as_ref().is_none_or(|(g, _)| gap > *g) {
                t.widest_gap = Some((gap, run.name.clone()));
            }
            if let Some(r) = relative {
                if t.widest_relative_gap.as_ref().is_none_or(|(g, _)| r > *g) {
                    t.widest_relative_gap = Some((r, run.name.clone()));
                }
            }
        }
    }
    t
}

/// A tally's reasons for results.json: each category's count with one occurrence in full.
pub fn reasons_json(t: &CertifiedTally) -> Value {
    let rows: Vec<Value> = t
        .reasons
        .values()
        .map(|(count, example)| json!({ "reason": example, "count": count }))
        .collect();
    Value::Array(rows)
}

/// The largest certified |lhs − rhs| over a certificate's equalities that
/// are not refuted, and the largest relative to the larger side (over the
/// equalities whose two enclosures both exclude 0).
fn equality_gap(cert: &LemmaCertificate) -> Option<(rug::Float, Option<rug::Float>)> {
    let CertifiedOutcome::Checks(checks) = &cert.outcome else { return None };
    let gaps: Vec<(rug::Float, Option<rug::Float>)> = checks
        .iter()
        .filter(|k| k.relation == crate::verdict::Relation::Eq && k.proven != Proven::Violated)
        .map(check_gap)
        .collect();
    let absolute = gaps.iter().map(|(a, _)| a.clone()).reduce(|a, b| a.max(&b))?;
    let relative = gaps.into_iter().filter_map(|(_, r)| r).reduce(|a, b| a.max(&b));
    Some((absolute, relative))
}

/// One equality's certified gap max(hi(lhs) − lo(rhs), hi(rhs) − lo(lhs)),
/// rounded up, and the gap over the smallest |side| when no side's enclosure holds 0.
fn check_gap(k: &CheckCertificate) -> (rug::Float, Option<rug::Float>) {
    use rug::float::Round;
    let prec = k.lhs[1].prec();
    let up = |a: &rug::Float, b: &rug::Float| rug::Float::with_val_round(prec, a - b, Round::Up).0;
    let gap = up(&k.lhs[1], &k.rhs[0]).max(&up(&k.rhs[1], &k.lhs[0]));
    let least = |side: &[rug::Float; 2]| {
        let straddles = side[0] <= 0 && side[1] >= 0;
        (!straddles).then(|| {
            let a = rug::Float::with_val(prec, side[0].abs_ref());
            a.min(&rug::Float::with_val(prec, side[1].abs_ref()))
        })
    };
    let relative = least(&k.lhs).zip(least(&k.rhs)).map(|(a, b)| {
        let scale = a.max(&b);
        rug::Float::with_val_round(prec, &gap / &scale, Round::Up).0
    });
    (gap, relative)
}

/// The short name of a reason, for the per-lemma table; the full reasons
/// are listed once below it.
pub fn short_reason(reason: &str) -> &'static str {
    let has = |word: &str| reason.contains(word);
    if has("density") {
        "density"
    } else if has("singular") {
        "continuum of fixed points"
    } else if has("equality") {
        "equality"
    } else if has("hypothesis not decided") {
        "hypothesis undecided"
    } else if has("kink") {
        "type on the kink"
    } else if has("overlap") {
        "enclosures overlap"
    } else if has("not yet encoded") {
        "not encoded"
    } else {
        "other"
    }
}

/// A reason without its instance-specific numbers, so that reasons group:
/// the text before the first ';', digits replaced by '#'.
pub fn category(reason: &str) -> String {
    let head = reason.split(';').next().unwrap_or(reason).trim();
    let mut out = String::with_capacity(head.len());
    let mut in_number = false;
    for ch in head.chars() {
        if ch.is_ascii_digit() {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(ch);
        }
    }
    out
}

/// The per-lemma table of certified verdicts.
pub fn table(lemmas: &[Lemma], runs: &[RunRecord]) -> Table {
    let rows = lemmas
        .iter()
        .map(|l| {
            let t = tally(l.number, runs);
            let why: Vec<String> =
                short_reasons(&t).iter().map(|(r, k)| format!("{r} {k}")).collect();
            let gap = gap_cell(&t);
            vec![
                l.number.to_string(),
                t.instances.to_string(),
                t.holds.to_string(),
                t.violated.to_string(),
                t.unmet.to_string(),
                t.uncertified.to_string(),
                t.share(),
                t.retried.to_string(),
                if why.is_empty() { "—".into() } else { why.join(", ") },
                gap,
            ]
        })
        .collect();
    Table::new(
        &[
            "lemma",
            "instances",
            "certified holds",
            "certified violated",
            "certainly unmet",
            "uncertified",
            "certified share of the applicable",
            "decided on retry",
            "why not certified (instances)",
            "equalities: widest certified gap, absolute; relative",
        ],
        rows,
    )
}

/// The reasons of a tally by short name, with their counts.
fn short_reasons(t: &CertifiedTally) -> BTreeMap<&'static str, usize> {
    let mut why = BTreeMap::new();
    for (k, example) in t.reasons.values() {
        *why.entry(short_reason(example)).or_default() += k;
    }
    why
}

/// "abs (instance); rel (instance)" for the widest equality gaps, "—" without equalities.
fn gap_cell(t: &CertifiedTally) -> String {
    let cell = |g: &Option<(rug::Float, String)>| {
        g.as_ref().map(|(g, at)| format!("{} ({at})", crate::numeric::sci_up(g, 2)))
    };
    match (cell(&t.widest_gap), cell(&t.widest_relative_gap)) {
        (None, _) => "—".into(),
        (Some(a), None) => format!("{a}; —"),
        (Some(a), Some(r)) => format!("{a}; {r}"),
    }
}

/// Every distinct reason for an uncertified verdict: its short name, one
/// occurrence in full, and how many lemma-instance pairs it covers.
fn reasons_table(lemmas: &[Lemma], runs: &[RunRecord]) -> Table {
    let mut all: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for l in lemmas {
        for (category, (k, example)) in tally(l.number, runs).reasons {
            all.entry(category).or_insert((0, example)).0 += k;
        }
    }
    let rows = all
        .into_values()
        .map(|(k, example)| {
            // An equality's reason carries one instance's gap; the table
            // above gives the widest, so the example stops before it.
            let shown =
                if short_reason(&example) == "equality" { category(&example) } else { example };
            vec![short_reason(&shown).to_string(), shown, k.to_string()]
        })
        .collect();
    Table::new(&["short name", "reason (one occurrence)", "lemma-instance pairs"], rows)
}

/// One lemma on one run with both its verdicts.
pub struct Pair {
    pub number: String,
    pub instance: String,
    pub float: Verdict,
    pub certified: Summary,
}

impl Pair {
    /// A certified violation of a float pass or the reverse, or a certified
    /// unmet hypothesis the float evaluation found met (or the reverse).
    pub fn contradicts(&self) -> bool {
        matches!(
            (&self.float, &self.certified),
            (Verdict::Holds, Summary::Violated)
                | (Verdict::Violated, Summary::Holds)
                | (Verdict::Unmet, Summary::Holds | Summary::Violated)
                | (Verdict::Holds | Verdict::Violated, Summary::Unmet)
        )
    }

    /// A float "undecided" that the enclosures decide.
    fn resolves_undecided(&self) -> bool {
        self.float == Verdict::Undecided
            && matches!(self.certified, Summary::Holds | Summary::Violated)
    }
}

/// Every (lemma, run) that has both a float and a certified verdict.
pub fn pairs(runs: &[RunRecord]) -> Vec<Pair> {
    let mut out = Vec::new();
    for run in runs {
        for (number, eval) in &run.evaluations {
            let Some(cert) = certificate(run, number) else { continue };
            out.push(Pair {
                number: number.clone(),
                instance: run.name.clone(),
                float: eval.verdict(),
                certified: cert.summary(),
            });
        }
    }
    out
}

/// Float verdicts against certified ones, over every lemma on every run.
fn cross_table(pairs: &[Pair]) -> Table {
    let floats = [Verdict::Holds, Verdict::Violated, Verdict::Undecided, Verdict::Unmet];
    let mut counts = [[0usize; 4]; 4];
    for p in pairs {
        let row = floats.iter().position(|v| *v == p.float).unwrap_or(0);
        let column = match p.certified {
            Summary::Holds => 0,
            Summary::Violated => 1,
            Summary::Unmet => 2,
            Summary::Uncertified(_) => 3,
        };
        counts[row][column] += 1;
    }
    let rows = floats
        .iter()
        .zip(counts)
        .map(|(v, row)| {
            let mut cells = vec![v.name().to_string()];
            cells.extend(row.iter().map(|k| k.to_string()));
            cells
        })
        .collect();
    Table::new(
        &[
            "float verdict",
            "certified holds",
            "certified violated",
            "certainly unmet",
            "uncertified",
        ],
        rows,
    )
}

/// The Markdown section of REPORT.md.
pub fn section(lemmas: &[Lemma], runs: &[RunRecord]) -> String {
    let mut md = String::from("\n## Certified verdicts\n\n");
    md.push_str(GUIDE);
    md.push('\n');
    md.push_str(&table(lemmas, runs).markdown());
    md.push_str("\n\nThe reasons in full:\n\n");
    md.push_str(&reasons_table(lemmas, runs).markdown());
    md.push_str("\n\nFloat verdicts (rows) against certified verdicts (columns):\n\n");
    let pairs = pairs(runs);
    md.push_str(&cross_table(&pairs).markdown());
    md.push_str("\n\n");
    let resolved: Vec<&Pair> = pairs.iter().filter(|p| p.resolves_undecided()).collect();
    if !resolved.is_empty() {
        md.push_str("Float evaluations left undecided that the enclosures decide:\n\n");
        for p in &resolved {
            let summary = summary_name(&p.certified);
            md.push_str(&format!("- {} on \"{}\": certified {summary}\n", p.number, p.instance));
        }
        md.push('\n');
    }
    let found: Vec<&Pair> = pairs.iter().filter(|p| p.contradicts()).collect();
    if found.is_empty() {
        md.push_str(
            "No certified verdict contradicts a float verdict: wherever both decide, they agree.\n",
        );
    } else {
        md.push_str("Certified verdicts that contradict the float verdicts:\n\n");
        for d in &found {
            md.push_str(&format!(
                "- {} on \"{}\": float {}, certified {}\n",
                d.number,
                d.instance,
                d.float.name(),
                summary_name(&d.certified)
            ));
        }
    }
    md
}

const GUIDE: &str = "Each finite instance's fixed point is enclosed in a box proved to \
contain an exact fixed point (Krawczyk's test on the aggregates (Q, x), a Brouwer argument), each \
multiplier in a bracket of certified sign changes, and each statement's two sides are then \
computed in interval arithmetic with outward rounding (src/enclosure.rs, src/certify.rs). A \
certified verdict needs no error bound: *holds* when the enclosures are ordered as the statement \
says, *violated* when they are ordered the other way; *certainly unmet* when a hypothesis \
certainly fails (that is not a pass: nothing was proven about the statement). The *certified \
share* is taken over the instances whose hypotheses are not certainly unmet. Lemmas left open \
for a reason more bits could settle are retried with the instance solved again at the \
requested precision doubled, until 2048 bits (256 → 512 → 1024 → 2048 by default; each plus \
the bits the runner adds for n); *decided on retry* counts the instances decided that way. \
A density is never certified (its quadrature error is estimated, not bounded). An equality \
holds only when both sides are the same exact point; otherwise an enclosure has width, so it \
can be refuted but not proven, and the table gives the widest certified gap |lhs − rhs| over \
the instances, absolute and relative to the smaller side (where no side's enclosure holds 0); \
per instance it is in results.json and in the certified column of `check --instance`.\n";

/// A certified summary with its reason in full, for results.json and messages.
pub fn summary_text(s: &Summary) -> String {
    match s {
        Summary::Uncertified(reason) => format!("uncertified ({reason})"),
        other => summary_name(other),
    }
}

/// The one-word name of a certified summary (a reason by its category).
pub fn summary_name(s: &Summary) -> String {
    match s {
        Summary::Holds => "holds".into(),
        Summary::Violated => "violated".into(),
        Summary::Unmet => "hypothesis certainly unmet".into(),
        Summary::Uncertified(reason) => format!("uncertified ({})", category(reason)),
    }
}

/// One lemma's line for its section of REPORT.md.
pub fn lemma_line(number: &str, runs: &[RunRecord]) -> String {
    let t = tally(number, runs);
    if t.instances == 0 {
        return String::new();
    }
    let mut line = format!(
        "Certified: of {} instances, {} certainly miss a hypothesis; of the {} others, {} are \
         certified ({}): holds {}, violated {}",
        t.instances,
        t.unmet,
        t.applicable(),
        t.holds + t.violated,
        t.share(),
        t.holds,
        t.violated
    );
    let why: Vec<String> = short_reasons(&t).iter().map(|(r, k)| format!("{r} ({k})")).collect();
    if !why.is_empty() {
        line.push_str(&format!("; not certified: {}", why.join(", ")));
    }
    if t.widest_gap.is_some() {
        line.push_str(&format!(
            "; no equality refuted, widest certified gap (absolute; relative) {}",
            gap_cell(&t)
        ));
    }
    line.push_str(".\n\n");
    line
}

/// results.json's form of a run's certificates.
pub fn json(run: &RunRecord) -> Value {
    let lemmas: serde_json::Map<String, Value> = run
        .certificates
        .iter()
        .map(|c| {
            let detail = match &c.outcome {
                CertifiedOutcome::Unmet(names) => json!({ "unmet": names }),
                CertifiedOutcome::Uncertified { reason, .. } => json!({ "reason": reason }),
                CertifiedOutcome::Checks(checks) => {
                    let held = checks.iter().filter(|k| k.proven == Proven::Holds).count();
                    let kept: Vec<Value> = checks
                        .iter()
                        .filter(|k| k.proven != Proven::Holds)
                        .take(KEPT_CHECKS)
                        .map(check_json)
                        .collect();
                    let omitted = checks.len() - held - kept.len();
                    json!({
                        "checks": checks.len(),
                        "certified_holds": held,
                        "others": kept,
                        "others_omitted": omitted,
                    })
                }
            };
            let verdict = summary_text(&c.summary());
            (
                c.number.clone(),
                json!({ "verdict": verdict, "precision": c.precision, "detail": detail }),
            )
        })
        .collect();
    Value::Object(lemmas)
}

/// The most checks listed per certificate in results.json besides the count that hold.
const KEPT_CHECKS: usize = 20;

/// A check's enclosures to 12 digits (the decision used every bit).
fn check_json(k: &CheckCertificate) -> Value {
    let proven = match &k.proven {
        Proven::Holds => "holds".to_string(),
        Proven::Violated => "violated".to_string(),
        Proven::Open { reason, .. } => format!("open: {reason}"),
    };
    json!({
        "check": k.label,
        "lhs": [sci(&k.lhs[0], 12), sci(&k.lhs[1], 12)],
        "relation": k.relation.symbol(),
        "rhs": [sci(&k.rhs[0], 12), sci(&k.rhs[1], 12)],
        "proven": proven,
    })
}

/// The certified verdict of the check labelled `label`, for a table cell.
pub fn check_cell(cert: &LemmaCertificate, label: &str) -> String {
    match &cert.outcome {
        CertifiedOutcome::Checks(checks) => match checks.iter().find(|k| k.label == label) {
            Some(k) => match &k.proven {
                Proven::Holds => "holds".into(),
                Proven::Violated => "violated".into(),
                Proven::Open { .. } if k.relation == crate::verdict::Relation::Eq => {
                    let (gap, relative) = check_gap(k);
                    let relative = relative.map_or(String::new(), |r| {
                        format!(", {} relative", crate::numeric::sci_up(&r, 2))
                    });
                    format!("not refuted, gap ≤ {}{relative}", crate::numeric::sci_up(&gap, 2))
                }
                Proven::Open { reason, .. } => format!("open ({reason})"),
            },
            None => "—".into(),
        },
        CertifiedOutcome::Unmet(_) => "hypothesis certainly unmet".into(),
        CertifiedOutcome::Uncertified { reason, .. } => {
            format!("uncertified ({reason})")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certify::{Certification, Enclosed};
    use crate::interval::Interval;
    use crate::numeric::Context;
    use crate::verdict::Relation;
    use rug::Float;

    fn iv(lo: i64, hi: i64) -> Interval {
        let ctx = Context::new(64).unwrap();
        Interval::spanning(&ctx.int(lo), &ctx.int(hi))
    }

    #[test]
    fn reasons_group_without_their_numbers() {
        let a = "type 3 may lie on either side of the kink √r_i = α; more";
        let b = "type 12 may lie on either side of the kink √r_i = α; other";
        assert_eq!(category(a), category(b));
        assert_eq!(short_reason(a), "type on the kink");
        assert_eq!(short_reason("no certified box: a density: its integrals"), "density");
    }

    #[test]
    fn the_widest_gap_is_taken_over_unrefuted_equalities_only() {
        let checks = vec![
            Enclosed::new("a", iv(0, 1), Relation::Eq, iv(1, 3)),
            Enclosed::new("b", iv(0, 1), Relation::Eq, iv(5, 6)),
            Enclosed::new("c", iv(0, 9), Relation::Le, iv(10, 11)),
        ];
        let cert = LemmaCertificate::of("X", 64, Certification::Checks(checks));
        // "a": max(1 − 1, 3 − 0) = 3; "b" is refuted; "c" is no equality.
        // [0, 1] holds 0, so "a" has no relative gap.
        assert_eq!(equality_gap(&cert).unwrap(), (Float::with_val(64, 3), None));
        let apart = vec![Enclosed::new("d", iv(2, 4), Relation::Eq, iv(3, 8))];
        let cert = LemmaCertificate::of("X", 64, Certification::Checks(apart));
        // Gap max(4 − 3, 8 − 2) = 6, over max(min |lhs|, min |rhs|) = 3.
        let (gap, relative) = equality_gap(&cert).unwrap();
        assert_eq!((gap, relative.unwrap()), (Float::with_val(64, 6), Float::with_val(64, 2)));
    }
}
