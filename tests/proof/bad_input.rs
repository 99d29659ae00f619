//! Bad instance files (issue 2): a one-line error naming the field and value.

use equal_power::instance_file::from_str;

const GOOD: &str = r#"{"n": "1e6", "alpha": "1/1000", "gamma": "1/100",
  "weight_box": {"min": "1", "max": "2"},
  "outcome_set": {"box": {"lo": ["0", "0"], "hi": ["1", "1"]}},
  "population": {"types": [{"y": ["0", "0"], "w": ["1", "2"], "mass": "1"},
                           {"y": ["1", "1"], "w": ["2", "1"], "mass": "1"}]}}"#;

/// Replaces the first occurrence of `from` in the good instance and parses it.
fn message_after(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    let text = GOOD.replacen(from, to, 1);
    match from_str(&text) {
        Ok(_) => panic!("accepted an instance with {to}"),
        Err(e) => e.message,
    }
}

#[test]
fn the_good_instance_parses() {
    assert!(from_str(GOOD).is_ok());
}

#[test]
fn each_bad_field_is_named_with_its_value() {
    let cases = [
        (r#""w": ["1", "2"]"#, r#""w": ["1", "-0.5"]"#, "-1/2"),
        (r#""w": ["1", "2"]"#, r#""w": ["1", "3"]"#, "weight box"),
        (r#""w": ["1", "2"]"#, r#""w": ["1"]"#, "types[0].w"),
        (r#""mass": "1"}"#, r#""mass": "0"}"#, "types[0].mass"),
        (r#""mass": "1"}"#, r#""mass": "nan"}"#, "nan"),
        (r#""gamma": "1/100""#, r#""gamma": "inf""#, "inf"),
        (r#""alpha": "1/1000""#, r#""alpha": "0""#, "alpha"),
        (r#""alpha": "1/1000""#, r#""alpha": "-1""#, "alpha"),
        (r#""gamma": "1/100""#, r#""gamma": "-1/100""#, "gamma"),
        (r#""gamma": "1/100""#, r#""gamma": 0.01"#, "gamma"),
        (r#""n": "1e6""#, r#""n": "0""#, "n must"),
        (r#""hi": ["1", "1"]"#, r#""hi": ["1"]"#, "outcome_set.box.hi"),
    ];
    for (from, to, needle) in cases {
        let message = message_after(from, to);
        assert!(message.contains(needle), "{to}: {message}");
        assert!(!message.contains('\n'), "one line: {message}");
    }
}

#[test]
fn zero_issues_is_refused() {
    let text = r#"{"n": "10", "alpha": "1", "gamma": "1", "weight_box": {"min": "1", "max": "1"},
      "outcome_set": {"box": {"lo": [], "hi": []}},
      "population": {"types": [{"y": [], "w": [], "mass": "1"}]}}"#;
    let message = from_str(text).unwrap_err().message;
    assert!(message.contains("m must be at least 1"), "{message}");
}

#[test]
fn malformed_json_is_refused() {
    let message = from_str("{\"n\": ").unwrap_err().message;
    assert!(message.starts_with("not valid JSON"), "{message}");
}

#[test]
fn typos_and_conflicts_below_the_top_level_are_refused() {
    let cases = [
        (
            r#""alpha": "1/1000""#,
            r#""alpha": {"power_of_n": "-7/8", "coeficient": "2"}"#,
            "coeficient",
        ),
        (r#""mass": "1"}"#, r#""mass": "1", "weight": "2"}"#, "types[0]"),
        (r#""max": "2"}"#, r#""max": "2", "mid": "1"}"#, "weight_box"),
        (
            r#""outcome_set": {"box""#,
            r#""outcome_set": {"ball": {"center": ["0", "0"], "radius": "-1"}, "box""#,
            "exactly one",
        ),
        (r#""n": "1e6""#, r#""n": "1e6", "nn": "2""#, "unknown field \"nn\""),
        (r#""alpha": "1/1000""#, r#""alpha": {"power_of_n": "1e100"}"#, "alpha.power_of_n"),
    ];
    for (from, to, needle) in cases {
        let text = GOOD.replacen(from, to, 1);
        let message = match from_str(&text) {
            Ok(_) => panic!("accepted {to}"),
            Err(e) => e.message,
        };
        assert!(message.contains(needle), "{to}: {message}");
    }
}

/// Source: Section 2 (p ≤ p_max). Two cells overlapping on [2/5, 3/5] add
/// their densities there: p_max is 5/3 + 5/3, not the larger single density.
#[test]
fn overlapping_cells_add_up_in_p_max() {
    let text = r#"{"n": "1e6", "alpha": "1/1000", "gamma": "1/100",
      "weight_box": {"min": "1", "max": "1"},
      "outcome_set": {"box": {"lo": ["0"], "hi": ["1"]}},
      "population": {"cells": [{"lo": ["0"], "hi": ["3/5"], "w": ["1"], "mass": "1"},
                               {"lo": ["2/5"], "hi": ["1"], "w": ["1"], "mass": "1"}]}}"#;
    let instance = from_str(text).unwrap();
    // Masses normalise to 1/2 each; each density is (1/2)/(3/5) = 5/6.
    assert_eq!(instance.population.p_max(), Some(rug::Rational::from((5, 3))));
}
