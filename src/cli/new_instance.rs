//! `new-instance`: an example instance file, with comments, to start from.

/// Prints the example instance file.
pub(crate) fn print() {
    say_raw!("{}", EXAMPLE_INSTANCE);
}

const EXAMPLE_INSTANCE: &str = r#"{
  "comment": "Three agent types in two issues. Numbers are strings: decimals or fractions.",
  "name": "my-triangle",
  "n": "1e6",
  "alpha": { "power_of_n": "-7/8", "coefficient": "1" },
  "gamma": "1/100",
  "weight_box": { "min": "1", "max": "2" },
  "outcome_set": { "box": { "lo": ["0", "0"], "hi": ["1", "1"] } },
  "population": {
    "types": [
      { "y": ["0", "0"], "w": ["1", "1"], "mass": "1/3" },
      { "y": ["1", "0"], "w": ["1", "2"], "mass": "1/3" },
      { "y": ["0", "1"], "w": ["2", "1"], "mass": "1/3" }
    ]
  }
}
"#;
