//! The harness can fail (DESIGN principle 6): for every lemma, a version
//! with its bound tightened past the smallest margin the default suite
//! observes, and a version with its relation reversed, are violated.

use std::sync::OnceLock;

use equal_power::families::{default_suite, SUITE_SEED};
use equal_power::lemmas::{self, Lemma};
use equal_power::runner::{self, InstanceRun};
use equal_power::verdict::{Check, Verdict};
use rug::Float;

use crate::common::ctx;

fn suite() -> &'static Vec<InstanceRun> {
    static RUNS: OnceLock<Vec<InstanceRun>> = OnceLock::new();
    RUNS.get_or_init(|| {
        runner::run(&ctx(), &default_suite(SUITE_SEED), &lemmas::registry()).unwrap()
    })
}

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

    // Tighten by twice the smallest relative margin seen; an equality, whose
    // margin is 0, is moved by 2^-100 of its sides, far above its error bound.
    let smallest =
        checks.iter().map(|c| c.relative_margin()).min_by(|a, b| a.total_cmp(b)).unwrap();
    let t = if smallest.is_zero() { ctx().int(1) >> 100u32 } else { smallest * 2u32 };
    let t = t.min(&Float::with_val(256, 1));
    let caught = checks.iter().any(|c| c.sharpened(&t).verdict == Verdict::Violated);
    assert!(caught, "{}: bound tightened by {t} is never violated", lemma.number);

    let reversed = checks.iter().any(|c| c.reversed().verdict == Verdict::Violated);
    assert!(reversed, "{}: reversed relation is never violated", lemma.number);
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
