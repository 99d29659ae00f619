//! The command line: exit codes, one-line errors, and no writes on bad input.

use std::path::Path;
use std::process::Command;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_equal-power"))
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("equal-power-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_bad_instance_exits_2_with_one_line_and_writes_nothing() {
    let dir = scratch("bad");
    let file = dir.join("bad.json");
    std::fs::write(
        &file,
        r#"{"n": "1e6", "alpha": "1/1000", "gamma": "1/100",
        "weight_box": {"min": "1", "max": "1"},
        "outcome_set": {"box": {"lo": ["0"], "hi": ["1"]}},
        "population": {"types": [{"y": ["0"], "w": ["-0.5"], "mass": "1"}]}}"#,
    )
    .unwrap();
    let out = binary().current_dir(&dir).args(["check", "--instance"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("equal-power: error:") && stderr.contains("types[0].w[0]"),
        "{stderr}"
    );
    assert!(!Path::new(&dir.join("reports")).exists());
}

#[test]
fn precision_below_64_bits_exits_2() {
    let out = binary().args(["--precision", "32", "describe", "B.2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("precision must be at least 64 bits, got 32"), "{stderr}");
}

#[test]
fn describe_prints_the_statement_and_hypotheses() {
    let out = binary().args(["describe", "B.2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Lemma B.2") && stdout.contains("hypothesis 1"), "{stdout}");
}

#[test]
fn the_example_instance_checks_without_violation() {
    let dir = scratch("example");
    let out = binary().arg("new-instance").output().unwrap();
    let file = dir.join("example.json");
    std::fs::write(&file, out.stdout).unwrap();
    let out = binary().args(["check", "--instance"]).arg(&file).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("B.1 welfare_is_maximized: holds"), "{stdout}");
}

#[test]
fn the_readme_lists_every_lemma_of_the_registry() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for lemma in equal_power::lemmas::registry() {
        let row = format!("| {} | `{}` |", lemma.number, lemma.name);
        assert!(readme.contains(&row), "README lacks the row for {}", lemma.number);
    }
}
