//! Hardened input (issue 7): arbitrary bytes and arbitrary JSON reach the
//! instance parser; it never panics, never hangs, and every instance it
//! accepts obeys the model's rules, checked here independently of
//! `Instance::validated`. Very large inputs get a clear error.

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use rug::Rational;
use serde_json::{json, Value};

use equal_power::instance_file::{self, from_str};
use equal_power::population::{Alpha, Instance, OutcomeSet, Population, MAX_TYPES};

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
        ..Config::default()
    }
}

fn good() -> Value {
    json!({
        "name": "good",
        "n": "1e6",
        "alpha": { "power_of_n": "-7/8", "coefficient": "1" },
        "gamma": "1/100",
        "weight_box": { "min": "1", "max": "2" },
        "outcome_set": { "box": { "lo": ["0", "0"], "hi": ["1", "1"] } },
        "population": { "types": [
            { "y": ["0", "0"], "w": ["1", "2"], "mass": "1" },
            { "y": ["1", "1"], "w": ["2", "1"], "mass": "3" }
        ] }
    })
}

/// The model's rules, restated: what an accepted instance must satisfy.
fn obeys_the_model(i: &Instance) -> std::result::Result<(), String> {
    let m = i.n_issues();
    let one = Rational::from(1);
    let rule = |ok: bool, what: &str| if ok { Ok(()) } else { Err(what.to_string()) };
    rule(m >= 1, "m ≥ 1")?;
    rule(i.n >= one, "n ≥ 1")?;
    rule(i.gamma > 0, "γ > 0")?;
    rule(i.w_min > 0 && i.w_max >= i.w_min, "0 < w_min ≤ w_max")?;
    match &i.alpha {
        Alpha::Exact(a) => rule(*a > 0, "α > 0")?,
        Alpha::PowerOfN { coefficient, .. } => rule(*coefficient > 0, "α's coefficient > 0")?,
    }
    rule(i.outcome_set.dim() == m, "dim χ = m")?;
    match &i.outcome_set {
        OutcomeSet::Box { lo, hi } => {
            rule(lo.iter().zip(hi).all(|(l, h)| l <= h) && lo != hi, "a box lo ≤ hi, lo ≠ hi")?
        }
        OutcomeSet::Ball { radius, .. } => rule(*radius > 0, "a ball's radius > 0")?,
    }
    let in_box = |w: &[Rational]| w.len() == m && w.iter().all(|x| *x >= i.w_min && *x <= i.w_max);
    let total: Rational = match &i.population {
        Population::Finite(types) => {
            for t in types {
                rule(t.y.len() == m && in_box(&t.w) && t.mass > 0, "a type's y, w and mass")?;
            }
            types.iter().map(|t| &t.mass).sum()
        }
        Population::Density(cells) => {
            for c in cells {
                let sides = c.lo.len() == m && c.hi.len() == m;
                let positive = sides && c.lo.iter().zip(&c.hi).all(|(l, h)| l < h);
                rule(positive && in_box(&c.w) && c.mass > 0, "a cell's sides, w and mass")?;
            }
            cells.iter().map(|c| &c.mass).sum()
        }
    };
    rule(total == one, "masses sum to 1")?;
    rule(i.population.len() <= MAX_TYPES, "at most MAX_TYPES types")
}

/// Accepted instances obey the model and survive a round trip exactly.
/// Returns whether the text was accepted.
fn judge(text: &str) -> std::result::Result<bool, TestCaseError> {
    let Ok(instance) = from_str(text) else { return Ok(false) };
    obeys_the_model(&instance)
        .map_err(|rule| TestCaseError::fail(format!("accepted, breaks {rule}")))?;
    let again = from_str(&instance_file::to_value(&instance).to_string())
        .map_err(|e| TestCaseError::fail(format!("its own file is refused: {e}")))?;
    prop_assert_eq!(again, instance);
    Ok(true)
}

/// Strings that look like numbers, and some that only nearly do.
fn numberish() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("-0".to_string()),
        Just("1/0".to_string()),
        Just("1e100000".to_string()),
        Just("1e-100000".to_string()),
        Just("1e4001".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just(" 1 ".to_string()),
        Just("0x10".to_string()),
        Just("١".to_string()),
        Just("1e".to_string()),
        Just(".".to_string()),
        Just("3//7".to_string()),
        (-50i64..50, 1i64..9).prop_map(|(a, b)| format!("{a}/{b}")),
        (-3i32..3, -20i32..20).prop_map(|(d, e)| format!("{d}.5e{e}")),
        "[-+0-9./eE ]{0,12}",
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        numberish().prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
    ]
}

/// Arbitrary JSON whose keys are mostly the instance format's own, so
/// that values reach deep into the parser instead of failing at the top.
fn json_value() -> impl Strategy<Value = Value> {
    let keys = prop_oneof![
        Just("n"),
        Just("alpha"),
        Just("gamma"),
        Just("weight_box"),
        Just("min"),
        Just("max"),
        Just("outcome_set"),
        Just("box"),
        Just("ball"),
        Just("lo"),
        Just("hi"),
        Just("center"),
        Just("radius"),
        Just("population"),
        Just("types"),
        Just("cells"),
        Just("y"),
        Just("w"),
        Just("mass"),
        Just("power_of_n"),
        Just("coefficient"),
        Just("epsilon"),
        Just("start"),
        Just("name"),
        Just("zzz"),
    ];
    json_leaf().prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone().prop_map(String::from), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every path into a JSON value, as a list of steps.
fn paths(v: &Value, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let mut p = prefix.clone();
                p.push(k.clone());
                paths(child, p, out);
            }
        }
        Value::Array(list) => {
            for (k, child) in list.iter().enumerate() {
                let mut p = prefix.clone();
                p.push(k.to_string());
                paths(child, p, out);
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, step| match v {
        Value::Object(map) => map.get_mut(step).expect("a path of this value"),
        Value::Array(list) => &mut list[step.parse::<usize>().unwrap()],
        _ => unreachable!("paths end at leaves"),
    })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        judge(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn arbitrary_json_never_panics_nor_passes_a_broken_instance(v in json_value()) {
        judge(&v.to_string())?;
    }

}

#[test]
fn a_mutated_good_instance_is_refused_or_obeys_the_model() {
    let accepted = std::cell::Cell::new(0usize);
    let strategy = (any::<prop::sample::Index>(), json_value(), any::<bool>());
    let mut runner = TestRunner::new(config(1024));
    let outcome = runner.run(&strategy, |(pick, replacement, delete)| {
        let mut value = good();
        let mut all = Vec::new();
        paths(&value, Vec::new(), &mut all);
        let path = pick.get(&all[1..]).clone();
        let (parent, last) = path.split_at(path.len() - 1);
        match at(&mut value, parent) {
            Value::Object(map) if delete => {
                map.remove(&last[0]);
            }
            Value::Array(list) if delete => {
                list.remove(last[0].parse::<usize>().unwrap());
            }
            _ => *at(&mut value, &path) = replacement,
        }
        if judge(&value.to_string())? {
            accepted.set(accepted.get() + 1);
        }
        Ok(())
    });
    outcome.unwrap();
    // Some mutants must be valid, or the model's rules were never checked.
    assert!(accepted.get() >= 20, "only {} of 1024 mutants were accepted", accepted.get());
}

#[test]
fn deeply_nested_json_is_refused_without_overflowing_the_stack() {
    let text = "[".repeat(200_000);
    let e = from_str(&text).unwrap_err();
    assert!(e.message.contains("not valid JSON"), "{}", e.message);
}

#[test]
fn a_million_types_are_refused_in_one_line_before_their_numbers_are_parsed() {
    let one = r#"{"y": ["0"], "w": ["1"], "mass": "1"},"#;
    let mut types = one.repeat(1_000_000);
    types.pop();
    let text = format!(
        r#"{{"n": "1e6", "alpha": "1/10", "gamma": "1/100", "weight_box": {{"min": "1", "max": "1"}},
        "outcome_set": {{"box": {{"lo": ["0"], "hi": ["1"]}}}}, "population": {{"types": [{types}]}}}}"#
    );
    let e = from_str(&text).unwrap_err();
    assert!(e.message.contains("at most 100000 entries, got 1000000"), "{}", e.message);
    assert!(!e.message.contains('\n'));
}

#[test]
fn a_thousand_issues_are_refused_with_the_reason() {
    let coordinates = |v: &'static str| vec![v; 1000];
    let mut value = good();
    value["outcome_set"] = json!({ "box": { "lo": coordinates("0"), "hi": coordinates("1") } });
    value["population"] =
        json!({ "types": [{ "y": coordinates("0"), "w": coordinates("1"), "mass": "1" }] });
    let e = from_str(&value.to_string()).unwrap_err();
    assert!(e.message.contains("m must be at most 64, got 1000"), "{}", e.message);
}

#[test]
fn a_huge_number_is_quoted_briefly() {
    let mut value = good();
    value["n"] = json!(format!("-{}", "9".repeat(50_000)));
    let e = from_str(&value.to_string()).unwrap_err();
    assert!(
        e.message.starts_with("n must be at least 1") && e.message.len() < 200,
        "{}",
        e.message
    );
    value["n"] = json!("1e100000");
    let e = from_str(&value.to_string()).unwrap_err();
    assert!(e.message.contains("n must be at most 1e4000"), "{}", e.message);
}

#[test]
fn a_100_megabyte_file_is_read_and_a_larger_one_refused_unread() {
    let dir = std::env::temp_dir().join(format!("equal-power-large-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut value = good();
    value["comment"] = json!("x".repeat(100 << 20));
    let big = dir.join("big.json");
    std::fs::write(&big, value.to_string()).unwrap();
    let instance = instance_file::load(&big).unwrap();
    assert_eq!(instance.population.len(), 2);

    // A sparse file: its size is refused before a byte is read.
    let huge = dir.join("huge.json");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len(instance_file::MAX_FILE_BYTES + 1).unwrap();
    let e = instance_file::load(&huge).unwrap_err();
    assert!(e.message.contains("more than the limit"), "{}", e.message);
    let _ = std::fs::remove_dir_all(&dir);
}
