//! The harness can fail (DESIGN principle 6): for every lemma, a version
//! with its bound tightened past the smallest margin the default suite
//! observes, and a version with its relation reversed, are violated.

use equal_power::lemmas::{self, Lemma};
use equal_power::runner::InstanceRun;
use equal_power::verdict::{Check, Relation, Verdict};
use rug::Float;

use crate::common::suite;

fn held_checks<'a>(runs: &'a [InstanceRun], number: &str) -> Vec<&'a Check> {
    runs.iter()
        .flat_map(|r| r.evaluations.iter())
        .filter(|(n, e)| *n == number && e.verdict() != Verdict::Unmet)
        .flat_map(|(_, e)| e.checks.iter())
        .filter(|c| c.verdict == Verdict::Holds)
        .collect()
}

fn assert_sharpened_is_caught(lemma: &Lemma) {
    let checks = held_checks(suite(), lemma.number);
    assert!(!checks.is_empty(), "{}: no instance of the suite evaluates it", lemma.number);

    // The tightest check: the smallest margin relative to its sides. Move
    // its bound past that margin (by 9/8 of it, plus twice the error bound,
    // plus 2^-200 of the sides so that an exact 0 ≤ 0 also moves).
    let tightest =
        checks.iter().min_by(|a, b| a.relative_margin().total_cmp(&b.relative_margin())).unwrap();
    let size = tightest.lhs.clone().abs() + tightest.rhs.clone().abs() + 1u32;
    let margin = tightest.margin().max(&Float::with_val(256, 0));
    let delta = margin * 9u32 / 8u32 + tightest.error.clone() * 2u32 + (size >> 200u32);
    let sharpened = tightest.tightened_by(&delta);
    assert_eq!(
        sharpened.verdict,
        Verdict::Violated,
        "{}: \"{}\" with its bound moved by {delta}",
        lemma.number,
        tightest.label
    );

    // A reversed inequality must fail somewhere; an equality has no reverse.
    let inequalities: Vec<&&Check> = checks.iter().filter(|c| c.relation != Relation::Eq).collect();
    if !inequalities.is_empty() {
        let reversed = inequalities.iter().any(|c| c.reversed().verdict == Verdict::Violated);
        assert!(reversed, "{}: reversed relation is never violated", lemma.number);
    }
}

macro_rules! sensitivity {
    ($($test:ident => $number:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            assert_sharpened_is_caught(&lemmas::find($number).unwrap());
        }
    )*};
}

sensitivity! {
    sharpened_5_1_is_caught => "5.1",
    sharpened_5_3_is_caught => "5.3",
    sharpened_b1_is_caught => "B.1",
    sharpened_b2_is_caught => "B.2",
    sharpened_b3_is_caught => "B.3",
    sharpened_b4_is_caught => "B.4",
    sharpened_c1_is_caught => "C.1",
    sharpened_c2_is_caught => "C.2",
    sharpened_c3_is_caught => "C.3",
    sharpened_c4_is_caught => "C.4",
    sharpened_c5_is_caught => "C.5",
    sharpened_c6_is_caught => "C.6",
    sharpened_d1_is_caught => "D.1",
    sharpened_d2_is_caught => "D.2",
    sharpened_d3_is_caught => "D.3",
    sharpened_d4_is_caught => "D.4",
    sharpened_d5_is_caught => "D.5",
}
