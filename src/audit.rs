//! The proof-step audit (issue 5): each proof's chain of (in)equalities,
//! E0 rel1 E1 rel2 E2 ..., evaluated link by link on solved instances.
//!
//! A lemma can be true while a line of its proof is false; a false lemma
//! is usually traced to one line. A [`Chain`] holds the expressions of one
//! display as the paper writes them, each evaluated from the paper's
//! definitions on a [`Solved`] instance, and one [`Check`] per link. The
//! chains themselves live in `proofs/`, one module per proof, in the
//! paper's order; this module holds the builder, the tallies over
//! instances and the errata.

use std::collections::BTreeMap;

use rug::Float;

use crate::error::Result;
use crate::solved::Solved;
use crate::verdict::{error_bound, Check, Relation, Sensitivity, Verdict};

/// One display of a proof, evaluated on one instance (for one i or j).
#[derive(Clone, Debug)]
pub struct Chain {
    /// The display, stable across instances: "first display".
    pub display: &'static str,
    /// Which instance of a "for all": "i = 3", "j = 1", or "".
    pub label: String,
    /// The expressions as the paper writes them, E0, E1, ...
    pub terms: Vec<&'static str>,
    /// `links[k]` compares `terms[k]` with `terms[k + 1]`.
    pub links: Vec<Check>,
    /// `ties[k]`: the link is a ≤ or ≥ whose sides agree to the error bound.
    pub ties: Vec<bool>,
}

/// Builds a chain term by term; each link gets an error bound scaled by
/// the larger of its two terms.
pub struct ChainBuilder<'a> {
    s: &'a Solved,
    display: &'static str,
    label: String,
    sensitivity: Sensitivity,
    terms: Vec<&'static str>,
    values: Vec<Float>,
    relations: Vec<Relation>,
}

impl<'a> ChainBuilder<'a> {
    /// Starts a chain at its first expression.
    ///
    /// `sensitivity` is `FixedPoint` when the terms rest on c = f(c) or on a
    /// density's integrals, `Rounding` when they are algebra of c alone.
    pub fn new(
        s: &'a Solved,
        display: &'static str,
        label: impl Into<String>,
        sensitivity: Sensitivity,
        first: (&'static str, Float),
    ) -> ChainBuilder<'a> {
        ChainBuilder {
            s,
            display,
            label: label.into(),
            sensitivity,
            terms: vec![first.0],
            values: vec![first.1],
            relations: Vec::new(),
        }
    }

    /// Appends `relation` and the next expression.
    pub fn then(mut self, relation: Relation, term: &'static str, value: Float) -> Self {
        self.relations.push(relation);
        self.terms.push(term);
        self.values.push(value);
        self
    }

    /// Evaluates every link.
    ///
    /// # Errors
    ///
    /// Fails on a non-finite term, naming the display and the term.
    pub fn build(self) -> Result<Chain> {
        let mut links = Vec::with_capacity(self.relations.len());
        let mut ties = Vec::with_capacity(self.relations.len());
        for (k, relation) in self.relations.iter().enumerate() {
            let (a, b) = (&self.values[k], &self.values[k + 1]);
            let scale = Float::with_val(a.prec(), a.abs_ref()).max(&b.clone().abs());
            let bound = error_bound(self.s, &scale, self.sensitivity);
            let label = link_label(&self.label, k);
            let (link, tie) = link_check(label, a.clone(), *relation, b.clone(), bound)?;
            ties.push(tie);
            links.push(link);
        }
        Ok(Chain { display: self.display, label: self.label, terms: self.terms, links, ties })
    }
}

/// What a tie appends to a link's error source.
pub const TIE_NOTE: &str = "; the sides agree: a tie";

/// Checks one link; Ok((the check, whether it is a tie)).
///
/// A ≤ or ≥ whose sides agree to the error bound holds as a tie (the proof
/// often writes ≥ for a rearrangement), rather than reading as undecided;
/// the tallies count ties apart so they stay visible.
///
/// # Errors
///
/// Fails on a non-finite side or bound, naming the link.
pub fn link_check(
    label: String,
    lhs: Float,
    relation: Relation,
    rhs: Float,
    bound: (Float, String),
) -> Result<(Check, bool)> {
    let mut link = Check::new(&label, lhs.clone(), relation, rhs.clone(), bound.clone())?;
    let tie = matches!(relation, Relation::Le | Relation::Ge)
        && Check::new(&label, lhs, Relation::Eq, rhs, bound)?.verdict == Verdict::Holds;
    if tie {
        link.verdict = Verdict::Holds;
        link.error_source.push_str(TIE_NOTE);
    }
    Ok((link.proof_step(), tie))
}

fn link_label(label: &str, k: usize) -> String {
    if label.is_empty() {
        format!("link {}", k + 1)
    } else {
        format!("{label}, link {}", k + 1)
    }
}

/// A proof evaluated on one instance: its unmet hypotheses, or its chains.
#[derive(Clone, Debug, Default)]
pub struct ProofAudit {
    pub unmet: Vec<String>,
    pub chains: Vec<Chain>,
}

impl ProofAudit {
    /// A proof whose hypotheses fail on the instance.
    pub fn unmet(reasons: Vec<String>) -> ProofAudit {
        ProofAudit { unmet: reasons, chains: Vec::new() }
    }
}

/// A proof of the paper and how to audit it.
pub struct Proof {
    /// The result it proves: "B.3", "3.3", "A.1".
    pub number: &'static str,
    /// Where the proof is: section and lemma.
    pub location: &'static str,
    /// The later results that use this one, for the errata table.
    pub used_by: &'static [&'static str],
    pub audit: fn(&Solved) -> Result<ProofAudit>,
}

/// When an equality fails, the relation that holds in its place; when an
/// inequality fails, the factor by which its right side would have to move.
pub fn correction(c: &Check) -> String {
    let (lhs, rhs) = (&c.lhs, &c.rhs);
    match c.relation {
        Relation::Eq if lhs < rhs => "holds as ≤, not =".to_string(),
        Relation::Eq => "holds as ≥, not =".to_string(),
        _ if rhs.is_zero() || lhs.is_zero() => {
            format!("the reverse of {} holds", c.relation.symbol())
        }
        Relation::Le | Relation::Lt => {
            let factor = Float::with_val(lhs.prec(), lhs / rhs);
            format!(
                "holds with an extra factor {} on the right",
                crate::numeric::sci_up(&factor, 3)
            )
        }
        Relation::Ge | Relation::Gt => {
            let factor = Float::with_val(lhs.prec(), rhs / lhs);
            format!("holds with an extra factor {} on the left", crate::numeric::sci_up(&factor, 3))
        }
    }
}

/// One link of one display, tallied over instances.
#[derive(Clone, Debug)]
pub struct LinkTally {
    pub proof: &'static str,
    pub display: &'static str,
    /// 0-based position of the link in its chain.
    pub link: usize,
    /// "E_k rel E_{k+1}", as written.
    pub written: String,
    /// Holds with a margin beyond the error bound.
    pub holds: usize,
    /// A ≤ or ≥ whose sides agree to the error bound: holds as an
    /// equality to the working precision, counted apart so it stays visible.
    pub ties: usize,
    pub violated: usize,
    pub undecided: usize,
    /// The smallest relative margin, with its instance and check.
    pub tightest: Option<(Float, String, Check)>,
    /// The violation on the smallest instance: (size, instance, check).
    pub witness: Option<(usize, String, Check)>,
}

/// Tallies of every link of every proof, in the paper's order.
#[derive(Default)]
pub struct Tallies {
    /// Keyed by (proof's registry index, display's index, link).
    pub links: BTreeMap<(usize, usize, usize), LinkTally>,
    /// Per proof, its displays in the order the proof module emits them.
    pub displays: BTreeMap<usize, Vec<&'static str>>,
    /// Per proof: (instances evaluated, instances with hypotheses unmet).
    pub per_proof: BTreeMap<&'static str, (usize, usize)>,
    /// The instances that witnessed a violation, by name.
    pub witnesses: BTreeMap<String, crate::population::Instance>,
}

/// One instance's audits, with what the tallies need of the instance.
pub struct InstanceAudit {
    pub instance: crate::population::Instance,
    /// Types (or cells) times issues: the smallest witness is kept.
    pub size: usize,
    pub audits: Vec<(usize, &'static str, ProofAudit)>,
}

impl InstanceAudit {
    /// Audits every proof of `proofs` on one solved instance.
    ///
    /// # Errors
    ///
    /// Fails on a non-finite value, naming the proof.
    pub fn of(s: &Solved, proofs: &[Proof]) -> Result<InstanceAudit> {
        let audits = proofs
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let audit = (p.audit)(s).map_err(|e| crate::Error {
                    kind: e.kind,
                    message: format!("proof of {}: {}", p.number, e.message),
                })?;
                Ok((k, p.number, audit))
            })
            .collect::<Result<Vec<_>>>()?;
        let size = s.instance.population.len() * s.params.m;
        Ok(InstanceAudit { instance: s.instance.clone(), size, audits })
    }
}

impl Tallies {
    /// Adds one instance's audits.
    pub fn add(&mut self, one: &InstanceAudit) {
        let name = one.instance.name.clone();
        let size = one.size;
        let audits: Vec<(usize, &'static str, &ProofAudit)> =
            one.audits.iter().map(|(k, n, a)| (*k, *n, a)).collect();
        for (order, number, audit) in audits {
            let entry = self.per_proof.entry(number).or_default();
            entry.0 += 1;
            if !audit.unmet.is_empty() {
                entry.1 += 1;
                continue;
            }
            for chain in &audit.chains {
                let seen = self.displays.entry(order).or_default();
                let position = match seen.iter().position(|d| *d == chain.display) {
                    Some(p) => p,
                    None => {
                        seen.push(chain.display);
                        seen.len() - 1
                    }
                };
                for (k, check) in chain.links.iter().enumerate() {
                    let key = (order, position, k);
                    let written = format!(
                        "{} {} {}",
                        chain.terms[k],
                        check.relation.symbol(),
                        chain.terms[k + 1]
                    );
                    let t = self.links.entry(key).or_insert_with(|| LinkTally {
                        proof: number,
                        display: chain.display,
                        link: k,
                        written,
                        holds: 0,
                        ties: 0,
                        violated: 0,
                        undecided: 0,
                        tightest: None,
                        witness: None,
                    });
                    match check.verdict {
                        Verdict::Holds if chain.ties[k] => t.ties += 1,
                        Verdict::Holds => t.holds += 1,
                        Verdict::Violated => t.violated += 1,
                        _ => t.undecided += 1,
                    }
                    if check.relation != Relation::Eq && check.verdict != Verdict::Violated {
                        // A tie has no slack, whatever the sign of its rounding.
                        let margin = if chain.ties[k] {
                            Float::new(check.lhs.prec())
                        } else {
                            check.relative_margin()
                        };
                        if t.tightest.as_ref().is_none_or(|(m, _, _)| margin < *m) {
                            t.tightest = Some((margin, name.clone(), check.clone()));
                        }
                    }
                    if check.verdict == Verdict::Violated
                        && t.witness.as_ref().is_none_or(|(z, _, _)| size < *z)
                    {
                        t.witness = Some((size, name.clone(), check.clone()));
                        self.witnesses.insert(name.clone(), one.instance.clone());
                    }
                }
            }
        }
    }

    /// The links violated on some instance: the errata.
    pub fn errata(&self) -> Vec<&LinkTally> {
        self.links.values().filter(|t| t.violated > 0).collect()
    }
}

/// An erratum: a link or a [step] check that fails on some instance.
pub struct Erratum {
    pub proof: String,
    pub location: String,
    pub written: String,
    pub violated: usize,
    pub evaluated: usize,
    pub witness: String,
    /// The witness's file, relative to the report directory.
    pub witness_file: String,
    pub sides: String,
    pub correction: String,
    pub used_by: String,
}

impl Erratum {
    /// The erratum of a tallied link, its witness saved as `witness_file`.
    pub fn of_link(t: &LinkTally, proof: &Proof, witness_file: String) -> Option<Erratum> {
        let (_, witness, check) = t.witness.as_ref()?;
        Some(Erratum {
            proof: proof.number.to_string(),
            location: format!("{}, {}, link {}", proof.location, t.display, t.link + 1),
            written: t.written.clone(),
            violated: t.violated,
            evaluated: t.holds + t.ties + t.violated + t.undecided,
            witness: witness.clone(),
            witness_file,
            sides: sides(check),
            correction: correction(check),
            used_by: proof.used_by.join(", "),
        })
    }
}

/// Both sides of a check and its error bound, for a table cell.
pub fn sides(c: &Check) -> String {
    format!(
        "{} {} {} (error bound {})",
        crate::numeric::sci(&c.lhs, 8),
        c.relation.symbol(),
        crate::numeric::sci(&c.rhs, 8),
        crate::numeric::sci_up(&c.error, 2)
    )
}

/// Returns the errata table.
pub fn errata_table(errata: &[Erratum]) -> crate::table::Table {
    let rows = errata
        .iter()
        .map(|e| {
            vec![
                e.proof.clone(),
                e.location.clone(),
                e.written.clone(),
                format!("{} of {}", e.violated, e.evaluated),
                format!("[{}]({})", e.witness, e.witness_file),
                e.sides.clone(),
                e.correction.clone(),
                e.used_by.clone(),
            ]
        })
        .collect();
    crate::table::Table::new(
        &[
            "proof of",
            "where",
            "as written",
            "violated on",
            "smallest witness",
            "its two sides",
            "correction",
            "used by",
        ],
        rows,
    )
}

/// Returns the chain-by-chain section of AUDIT.md.
pub fn chains_markdown(proofs: &[Proof], tallies: &Tallies) -> String {
    let mut md = String::new();
    for (order, proof) in proofs.iter().enumerate() {
        let (evaluated, unmet) = tallies.per_proof.get(proof.number).copied().unwrap_or((0, 0));
        md.push_str(&format!(
            "\n### {} — {}\n\nEvaluated on {evaluated} instances; hypotheses unmet on {unmet}.\n",
            proof.number, proof.location
        ));
        let displays = tallies.displays.get(&order).cloned().unwrap_or_default();
        for (position, display) in displays.iter().enumerate() {
            let rows: Vec<Vec<String>> = tallies
                .links
                .range((order, position, 0)..(order, position + 1, 0))
                .map(|(_, t)| link_row(t))
                .collect();
            md.push_str(&format!("\n{display}:\n\n"));
            md.push_str(
                &crate::table::Table::new(
                    &[
                        "link",
                        "as written",
                        "holds",
                        "ties",
                        "violated",
                        "undecided",
                        "smallest relative margin",
                    ],
                    rows,
                )
                .markdown(),
            );
            md.push('\n');
        }
    }
    md
}

fn link_row(t: &LinkTally) -> Vec<String> {
    let tightest = match &t.tightest {
        Some((margin, instance, _)) => {
            format!("{} ({instance})", crate::numeric::sci(margin, 4))
        }
        None => "—".to_string(),
    };
    vec![
        (t.link + 1).to_string(),
        t.written.clone(),
        t.holds.to_string(),
        t.ties.to_string(),
        t.violated.to_string(),
        t.undecided.to_string(),
        tightest,
    ]
}
