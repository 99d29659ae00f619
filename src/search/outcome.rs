//! What a search finds: per lemma ([`LemmaSearch`]) and overall
//! ([`Outcome`]), the coverage [`Bucket`]s a solved instance falls in, the
//! form a shard file holds them in, and the merging of blocks' outcomes.
//!
//! Apart from the search proper because shards, `merge` and SEARCH.md all
//! read these records without running anything.

use std::collections::BTreeMap;

use rug::Rational;
use serde::{Deserialize, Serialize};

use crate::population::{Instance, OutcomeSet, Population};
use crate::runner::InstanceRun;

use super::MAX_ISSUES;

/// A region of the hypothesis space, for the coverage tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Bucket {
    /// m.
    Issues(usize),
    /// log10 n in [10 k, 10 k + 10).
    Decades(u32),
    /// w_max / w_min: 1, (1, 2], (2, 10], above 10.
    Spread(u8),
    Density(bool),
    Ball(bool),
    /// The exceptional mass ∫_{N∖N̂} p: 0, in (0, 1/2), in [1/2, 1), 1.
    Exceptional(u8),
}

impl Bucket {
    /// Returns every bucket a search is meant to visit.
    pub fn all() -> Vec<Bucket> {
        let mut all: Vec<Bucket> = (1..=MAX_ISSUES).map(Bucket::Issues).collect();
        all.extend((0..DECADE_BUCKETS).map(Bucket::Decades));
        all.extend((0..4).map(Bucket::Spread));
        all.extend([false, true].map(Bucket::Density));
        all.extend([false, true].map(Bucket::Ball));
        all.extend((0..4).map(Bucket::Exceptional));
        all
    }

    /// Returns the bucket's name as the tables print it.
    pub fn name(&self) -> String {
        match *self {
            Bucket::Issues(m) => format!("m = {m}"),
            Bucket::Decades(k) => format!("log10 n in [{}, {})", 10 * k, 10 * k + 10),
            Bucket::Spread(k) => {
                let s = ["1", "(1, 2]", "(2, 10]", "> 10"][usize::from(k.min(3))];
                format!("w_max/w_min {s}")
            }
            Bucket::Density(d) => (if d { "density" } else { "finite" }).into(),
            Bucket::Ball(b) => (if b { "χ a ball" } else { "χ a box" }).into(),
            Bucket::Exceptional(k) => {
                let s = ["0", "in (0, 1/2)", "in [1/2, 1)", "1 (N̂ empty)"][usize::from(k.min(3))];
                format!("exceptional mass {s}")
            }
        }
    }

    /// Returns the buckets one solved instance falls in.
    pub(super) fn of(run: &InstanceRun) -> Vec<Bucket> {
        let s = &run.solved;
        let decade = s.params.n.clone().log10().to_f64().floor().max(0.0) as u32;
        let spread = Rational::from(&s.instance.w_max / &s.instance.w_min);
        let spread = match spread {
            x if x <= 1 => 0,
            x if x <= 2 => 1,
            x if x <= 10 => 2,
            _ => 3,
        };
        let exceptional = s.ctx.int(1) - s.normal_mass();
        let exceptional = if (0..s.types.len()).all(|i| s.is_normal(i)) {
            0
        } else if (0..s.types.len()).all(|i| !s.is_normal(i)) {
            3
        } else if exceptional * 2u32 < 1u32 {
            1
        } else {
            2
        };
        vec![
            Bucket::Issues(s.params.m),
            Bucket::Decades(decade / 10),
            Bucket::Spread(spread),
            Bucket::Density(matches!(s.instance.population, Population::Density(_))),
            Bucket::Ball(matches!(s.instance.outcome_set, OutcomeSet::Ball { .. })),
            Bucket::Exceptional(exceptional),
        ]
    }
}

/// Buckets of log10 n listed as expected: [0, 10) to [60, 70).
const DECADE_BUCKETS: u32 = 7;

/// What the search found for one lemma.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(into = "LemmaRecord", from = "LemmaRecord")]
pub struct LemmaSearch {
    /// Instances of the random phase solved (at either precision).
    pub cases: usize,
    /// Those on which every hypothesis was met.
    pub evaluated: usize,
    pub violations: Vec<Instance>,
    /// The smallest relative margin of the statement, at full precision, with its instance.
    pub tightest: Option<(f64, Instance)>,
    /// How often each hypothesis was unmet.
    pub unmet: BTreeMap<String, usize>,
    /// Buckets of the instances on which every hypothesis was met.
    pub buckets: BTreeMap<Bucket, usize>,
}

/// The whole search's results and coverage.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(into = "OutcomeRecord", try_from = "OutcomeRecord")]
pub struct Outcome {
    pub seed: u64,
    pub cases: usize,
    /// Instances whose full-precision solve failed.
    pub failed_solves: usize,
    /// The screening precision, when screening ran.
    pub screening: Option<u32>,
    /// Instances evaluated at the screening precision.
    pub screened: usize,
    /// Instances evaluated again at full precision, and why.
    pub confirmed_unsettled: usize,
    pub confirmed_failed_screen: usize,
    pub confirmed_candidates: usize,
    pub lemmas: BTreeMap<&'static str, LemmaSearch>,
    /// Buckets of every instance of the random phase.
    pub coverage: BTreeMap<Bucket, usize>,
}

/// [`LemmaSearch`] as a shard file holds it: maps keyed by buckets become
/// lists of pairs, since JSON keys are strings.
#[derive(Serialize, Deserialize)]
struct LemmaRecord {
    cases: usize,
    evaluated: usize,
    violations: Vec<Instance>,
    tightest: Option<(f64, Instance)>,
    unmet: BTreeMap<String, usize>,
    buckets: Vec<(Bucket, usize)>,
}

impl From<LemmaSearch> for LemmaRecord {
    fn from(l: LemmaSearch) -> LemmaRecord {
        LemmaRecord {
            cases: l.cases,
            evaluated: l.evaluated,
            violations: l.violations,
            tightest: l.tightest,
            unmet: l.unmet,
            buckets: l.buckets.into_iter().collect(),
        }
    }
}

impl From<LemmaRecord> for LemmaSearch {
    fn from(l: LemmaRecord) -> LemmaSearch {
        LemmaSearch {
            cases: l.cases,
            evaluated: l.evaluated,
            violations: l.violations,
            tightest: l.tightest,
            unmet: l.unmet,
            buckets: l.buckets.into_iter().collect(),
        }
    }
}

/// [`Outcome`] as a shard file holds it; lemma numbers are mapped back to
/// the registry's on reading.
#[derive(Serialize, Deserialize)]
struct OutcomeRecord {
    seed: u64,
    cases: usize,
    failed_solves: usize,
    screening: Option<u32>,
    screened: usize,
    confirmed_unsettled: usize,
    confirmed_failed_screen: usize,
    confirmed_candidates: usize,
    lemmas: Vec<(String, LemmaSearch)>,
    coverage: Vec<(Bucket, usize)>,
}

impl From<Outcome> for OutcomeRecord {
    fn from(o: Outcome) -> OutcomeRecord {
        OutcomeRecord {
            seed: o.seed,
            cases: o.cases,
            failed_solves: o.failed_solves,
            screening: o.screening,
            screened: o.screened,
            confirmed_unsettled: o.confirmed_unsettled,
            confirmed_failed_screen: o.confirmed_failed_screen,
            confirmed_candidates: o.confirmed_candidates,
            lemmas: o.lemmas.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            coverage: o.coverage.into_iter().collect(),
        }
    }
}

impl TryFrom<OutcomeRecord> for Outcome {
    type Error = String;

    fn try_from(o: OutcomeRecord) -> std::result::Result<Outcome, String> {
        let mut lemmas = BTreeMap::new();
        for (number, l) in o.lemmas {
            let lemma = crate::lemmas::find(&number).ok_or(format!("unknown lemma {number}"))?;
            lemmas.insert(lemma.number, l);
        }
        Ok(Outcome {
            seed: o.seed,
            cases: o.cases,
            failed_solves: o.failed_solves,
            screening: o.screening,
            screened: o.screened,
            confirmed_unsettled: o.confirmed_unsettled,
            confirmed_failed_screen: o.confirmed_failed_screen,
            confirmed_candidates: o.confirmed_candidates,
            lemmas,
            coverage: o.coverage.into_iter().collect(),
        })
    }
}

/// Merges the outcomes of blocks, in block order: counts add up,
/// violations are listed block by block, and the tightest margin is the
/// smallest (the earlier block's on a tie).
pub fn merged(seed: u64, blocks: impl IntoIterator<Item = Outcome>) -> Outcome {
    let mut all = Outcome { seed, ..Outcome::default() };
    for b in blocks {
        all.cases += b.cases;
        all.failed_solves += b.failed_solves;
        all.screening = all.screening.or(b.screening);
        all.screened += b.screened;
        all.confirmed_unsettled += b.confirmed_unsettled;
        all.confirmed_failed_screen += b.confirmed_failed_screen;
        all.confirmed_candidates += b.confirmed_candidates;
        for (bucket, count) in b.coverage {
            *all.coverage.entry(bucket).or_default() += count;
        }
        for (number, l) in b.lemmas {
            let into = all.lemmas.entry(number).or_default();
            into.cases += l.cases;
            into.evaluated += l.evaluated;
            into.violations.extend(l.violations);
            let tighter = match (&into.tightest, &l.tightest) {
                (None, Some(_)) => true,
                (Some((a, _)), Some((b, _))) => b < a,
                _ => false,
            };
            if tighter {
                into.tightest = l.tightest;
            }
            for (reason, count) in l.unmet {
                *into.unmet.entry(reason).or_default() += count;
            }
            for (bucket, count) in l.buckets {
                *into.buckets.entry(bucket).or_default() += count;
            }
        }
    }
    all
}
