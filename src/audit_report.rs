//! The audit's outputs: the errata of a run (links of the proofs' chains
//! and the lemmas' own [step] checks that fail), their witnesses, and
//! AUDIT.md.

use std::path::Path;

use crate::audit::{chains_markdown, correction, errata_table, sides, Erratum, InstanceAudit};
use crate::audit::{Proof, Tallies};
use crate::error::Result;
use crate::instance_file;
use crate::lemmas::Lemma;
use crate::runner::{self, RunRecord};

/// The [step] checks of one lemma that share a label (with the index of
/// i or j blanked), over the runs: counts and the smallest witness.
struct StepGroup<'a> {
    key: String,
    violated: usize,
    evaluated: usize,
    run: &'a RunRecord,
    check: &'a crate::verdict::Check,
}

/// The audit of a run: the proofs' chains tallied, and the lemmas' own
/// [step] checks, which are proof steps too.
pub struct Audited<'a> {
    pub proofs: &'a [Proof],
    pub lemmas: &'a [Lemma],
    pub records: &'a [RunRecord],
    pub audits: Vec<InstanceAudit>,
}

impl Audited<'_> {
    /// Tallies every link over the audited instances.
    pub fn tallies(&self) -> Tallies {
        let mut tallies = Tallies::default();
        for a in &self.audits {
            tallies.add(a);
        }
        tallies
    }

    /// Returns the errata, saving each witness under OUT/audit/ when given.
    ///
    /// # Errors
    ///
    /// Fails when a witness cannot be written.
    pub fn errata(&self, out: Option<&Path>) -> Result<Vec<Erratum>> {
        let tallies = self.tallies();
        let mut errata = Vec::new();
        for t in tallies.errata() {
            let proof = self.proofs.iter().find(|p| p.number == t.proof).expect("a listed proof");
            let file = format!("audit/{}--{}--link-{}.json", t.proof, slug(t.display), t.link + 1);
            let (_, name, check) = t.witness.as_ref().expect("an erratum has a witness");
            if let Some(out) = out {
                let instance = &tallies.witnesses[name];
                let mut provenance = erratum_provenance(check);
                provenance["proof"] = t.proof.into();
                provenance["display"] = t.display.into();
                provenance["link"] = (t.link + 1).into();
                instance_file::save(&out.join(&file), instance, Some(provenance))?;
            }
            errata.extend(Erratum::of_link(t, proof, file));
        }
        errata.extend(self.step_errata(out)?);
        Ok(errata)
    }

    /// The lemmas' [step] checks that fail, grouped by their label with
    /// the index of i or j blanked out, each with its smallest witness.
    fn step_errata(&self, out: Option<&Path>) -> Result<Vec<Erratum>> {
        let mut errata = Vec::new();
        // Only the lemmas whose proofs are audited: `audit B.3` is about B.3.
        let audited = |l: &&Lemma| self.proofs.iter().any(|p| p.number == l.number);
        for lemma in self.lemmas.iter().filter(audited) {
            let mut groups: Vec<StepGroup<'_>> = Vec::new();
            for run in self.records {
                let Some((_, eval)) = run.evaluations.iter().find(|(n, _)| n == lemma.number)
                else {
                    continue;
                };
                for c in eval.checks.iter().filter(|c| c.role == crate::verdict::Role::ProofStep) {
                    let key: String = blank_indices(&c.label);
                    let violated = c.verdict == crate::verdict::Verdict::Violated;
                    let position = match groups.iter().position(|g| g.key == key) {
                        Some(p) => p,
                        None => {
                            let group = StepGroup { key, violated: 0, evaluated: 0, run, check: c };
                            groups.push(group);
                            groups.len() - 1
                        }
                    };
                    let g = &mut groups[position];
                    g.evaluated += 1;
                    if violated {
                        let smaller = g.violated == 0 || run.types * run.m < g.run.types * g.run.m;
                        g.violated += 1;
                        if smaller {
                            g.run = run;
                            g.check = c;
                        }
                    }
                }
            }
            for g in groups.into_iter().filter(|g| g.violated > 0) {
                let StepGroup { key, violated, evaluated, run, check } = g;
                let file = format!("audit/{}--step--{}.json", lemma.number, slug(&key));
                if let Some(out) = out {
                    let instance = instance_file::from_str(&run.instance.to_string())?;
                    let mut provenance = erratum_provenance(check);
                    provenance["lemma"] = lemma.number.into();
                    instance_file::save(&out.join(&file), &instance, Some(provenance))?;
                }
                errata.push(Erratum {
                    proof: lemma.number.to_string(),
                    location: format!("the lemma module's [step] check: {key}"),
                    written: format!("{} (as labelled)", check.label),
                    violated,
                    evaluated,
                    witness: run.name.clone(),
                    witness_file: file,
                    sides: sides(check),
                    correction: correction(check),
                    used_by: String::new(),
                });
            }
        }
        Ok(errata)
    }

    /// Returns AUDIT.md: `header`, the guide, the errata, the findings
    /// that falsify a statement, and every chain.
    pub fn markdown(&self, header: &str, errata: &[Erratum]) -> String {
        let mut md = String::from(header);
        md.push_str(AUDIT_GUIDE);
        md.push_str(&errata_section(errata));
        let falsified: Vec<String> = self
            .lemmas
            .iter()
            .filter(|l| runner::tally(l.number, self.records, |_| true).violated > 0)
            .map(|l| l.number.to_string())
            .collect();
        md.push_str("\n### Findings that falsify a lemma as stated\n\n");
        if falsified.is_empty() {
            md.push_str("None: no lemma's statement is violated on these instances.\n");
        } else {
            md.push_str(&format!(
                "Statements violated: {} (see REPORT.md).\n",
                falsified.join(", ")
            ));
        }
        md.push_str("\n## Proof by proof\n");
        md.push_str(&chains_markdown(self.proofs, &self.tallies()));
        md
    }
}

const AUDIT_GUIDE: &str = "Each proof is encoded as the paper writes it: chains \
E0 rel E1 rel E2 … of expressions in the instance's quantities, every expression computed from \
the paper's definitions. Each link is checked like a lemma's side (holds, violated, undecided), \
with an error bound for rounding and, where the terms rest on c = f(c), the fixed-point \
residual. A ≤ or ≥ whose sides agree to that bound holds as an equality to the working \
precision: it is counted in the column *ties*, apart from the links that hold with room to \
spare, because such a link cannot be told from a violation smaller than the rounding. The \
lemmas' own [step] \
checks are proof steps too and are listed with the errata. Instances: the default suite and \
the search's tightest instance per lemma.\n";

/// REPORT.md's and AUDIT.md's errata section.
pub fn errata_section(errata: &[Erratum]) -> String {
    let mut md = String::from(
        "\n## Errata\n\nEvery step of a proof that fails on some instance (details and every \
         chain in [AUDIT.md](AUDIT.md)). A failing step does not by itself falsify its lemma.\n\n",
    );
    if errata.is_empty() {
        md.push_str("No step fails on these instances.\n");
    } else {
        md.push_str(&errata_table(errata).markdown());
        md.push('\n');
    }
    md
}

/// The provenance of an erratum's witness: the failing link's two sides.
fn erratum_provenance(check: &crate::verdict::Check) -> serde_json::Value {
    serde_json::json!({
        "check": check.label,
        "lhs": crate::numeric::sci(&check.lhs, 20),
        "relation": check.relation.symbol(),
        "rhs": crate::numeric::sci(&check.rhs, 20),
        "error_bound": crate::numeric::sci_up(&check.error, 6),
        "correction": correction(check),
        "version": env!("CARGO_PKG_VERSION"),
    })
}

/// A file-name form of a display or a label: letters and digits kept,
/// every other run of characters one '-', at most 60 characters. Witness
/// files are named by what they witness, so an audit of some proofs
/// writes the same files as an audit of all.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() || ch == '.' {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let short: String = out.trim_matches('-').chars().take(48).collect();
    // FNV-1a of the whole text: two texts that agree in their first 48
    // characters still get different names.
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{}-{:08x}", short.trim_end_matches('-'), hash as u32)
}

/// Replaces every run of digits by "k", so "i = 3, lower" groups with "i = 7, lower".
fn blank_indices(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    let mut in_digits = false;
    for ch in label.chars() {
        if ch.is_ascii_digit() {
            if !in_digits {
                out.push('k');
            }
            in_digits = true;
        } else {
            out.push(ch);
            in_digits = false;
        }
    }
    out
}
