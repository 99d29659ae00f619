//! Instances and helpers shared by the test modules.

use equal_power::instance_file;
use equal_power::numeric::Context;
use equal_power::population::Instance;
use equal_power::solved::{self, Solved};

/// The working context of the tests: the default 256 bits.
pub fn ctx() -> Context {
    Context::new(256).unwrap()
}

/// Parses an instance from JSON text, panicking with the parser's message.
pub fn instance(json: &str) -> Instance {
    instance_file::from_str(json).unwrap_or_else(|e| panic!("{}", e.message))
}

/// Solves an instance at 256 bits.
pub fn solve(instance: &Instance) -> Solved {
    solved::solve(&ctx(), instance).unwrap_or_else(|e| panic!("{}", e.message))
}

/// The three-type triangle of issue 2 at the given n and γ.
pub fn triangle(n: &str, gamma: &str) -> Instance {
    instance(&format!(
        r#"{{"name": "triangle", "n": "{n}", "alpha": {{"power_of_n": "-7/8"}}, "gamma": "{gamma}",
        "weight_box": {{"min": "1", "max": "1"}},
        "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["1", "1"]}}}},
        "population": {{"types": [
          {{"y": ["0", "0"], "w": ["1", "1"], "mass": "1"}},
          {{"y": ["1", "0"], "w": ["1", "1"], "mass": "1"}},
          {{"y": ["0", "1"], "w": ["1", "1"], "mass": "1"}}]}}}}"#
    ))
}

/// Returns the net movement n ‖Σ_i s_i δ_i‖₂, summed at 128 extra bits.
pub fn net_movement(s: &Solved) -> rug::Float {
    let wide = s.ctx.widened(128);
    let mut total = rug::Float::new(wide.prec());
    for j in 0..s.params.m {
        let mut sum = wide.zero();
        for (t, p) in s.types.iter().zip(&s.programs) {
            sum += wide.lift(&t.mass) * &p.delta[j];
        }
        total += sum.square();
    }
    total.sqrt() * &s.params.n
}

/// The default suite, solved and evaluated once for every test that reads it.
pub fn suite() -> &'static Vec<equal_power::runner::InstanceRun> {
    use equal_power::families::{default_suite, SUITE_SEED};
    static RUNS: std::sync::OnceLock<Vec<equal_power::runner::InstanceRun>> =
        std::sync::OnceLock::new();
    RUNS.get_or_init(|| {
        let lemmas = equal_power::lemmas::registry();
        equal_power::runner::run(&ctx(), &default_suite(SUITE_SEED), &lemmas).unwrap()
    })
}
