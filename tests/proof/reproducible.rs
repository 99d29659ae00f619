//! Reproducibility (DESIGN principle 7): every instance of the default
//! suite, written to its exact instance file and read back, gives the same
//! verdicts, so a row of the report can be rerun with `check --instance`.

use equal_power::instance_file;
use equal_power::lemmas;
use equal_power::runner;

use crate::common::{ctx, suite};

#[test]
fn every_suite_instance_replays_to_the_same_verdicts() {
    let lemmas = lemmas::registry();
    for run in suite() {
        let text = serde_json::to_string(&instance_file::to_value(&run.solved.instance)).unwrap();
        let instance = instance_file::from_str(&text).unwrap();
        assert_eq!(instance, run.solved.instance, "{}", run.solved.instance.name);
        let replay = runner::run_one(&ctx(), &run.family, &instance, &lemmas).unwrap();
        for ((number, a), (_, b)) in run.evaluations.iter().zip(&replay.evaluations) {
            assert_eq!(a.verdict(), b.verdict(), "{number} on {}", instance.name);
            assert_eq!(a.checks.len(), b.checks.len(), "{number} on {}", instance.name);
        }
    }
}
