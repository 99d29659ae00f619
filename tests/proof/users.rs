//! What users rely on (issue 7): byte-identical reruns, shards that merge
//! into the single-machine run, table formats, logs that change nothing,
//! and an interrupted run that writes nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use equal_power::report::without_run_metadata;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_equal-power"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("equal-power-users-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    let out = binary().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {stderr}");
    out
}

/// A file's text without what differs between runs: the Markdown
/// metadata block, or results.json's "run_metadata" key.
fn comparable(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    if path.extension().is_some_and(|e| e == "json") {
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        if let Some(object) = value.as_object_mut() {
            object.remove("run_metadata");
        }
        return value.to_string();
    }
    without_run_metadata(&text)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn a_small_report_is_byte_identical_outside_its_metadata_at_any_thread_count() {
    let dir = scratch("twice");
    let (a, b) = (dir.join("a"), dir.join("b"));
    let small = ["report", "--family", "one-dimensional", "--no-rates", "--search-cases", "2"];
    run(&[&small[..], &["--jobs", "2", "--out", a.to_str().unwrap()]].concat());
    run(&[&small[..], &["--jobs", "1", "--out", b.to_str().unwrap()]].concat());

    let (fa, fb) = (files_under(&a), files_under(&b));
    assert!(fa.iter().any(|f| f.ends_with("REPORT.md")) && fa.len() == fb.len(), "{fa:?}");
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(x.strip_prefix(&a).unwrap(), y.strip_prefix(&b).unwrap());
        assert!(comparable(x) == comparable(y), "{} differs between runs", x.display());
    }

    let report = std::fs::read_to_string(a.join("REPORT.md")).unwrap();
    for stated in ["crate version", "precision", "suite seed", "git commit", "command"] {
        assert!(report.contains(stated), "REPORT.md does not state its {stated}");
    }
    // The metadata block is there, and only it differs (the thread count).
    assert_ne!(report, std::fs::read_to_string(b.join("REPORT.md")).unwrap());
}

#[test]
fn three_shards_merged_equal_one_unsharded_run() {
    let dir = scratch("shards");
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let suite = ["check", "--family", "one-dimensional", "--family", "degenerate"];
    let mut shards = Vec::new();
    for k in 1..=3 {
        let file = path(&format!("shard-{k}.json"));
        run(&[&suite[..], &["--shard", &format!("{k}/3"), "--save", &file]].concat());
        shards.push(file);
    }
    let whole = run(&[&suite[..], &["--save", &path("whole.json"), "--out", &path("w")]].concat());
    let mut merge = vec!["merge".to_string()];
    merge.extend(shards.iter().rev().cloned());
    merge.extend(["--save".into(), path("merged.json"), "--out".into(), path("m")]);
    let merged = run(&merge.iter().map(String::as_str).collect::<Vec<_>>());

    assert_eq!(
        whole.stdout.split(|&b| b == b'\n').next(),
        merged.stdout.split(|&b| b == b'\n').next()
    );
    assert_eq!(comparable(&dir.join("whole.json")), comparable(&dir.join("merged.json")));
    for file in ["REPORT.md", "results.json"] {
        let (w, m) = (dir.join("w").join(file), dir.join("m").join(file));
        assert!(comparable(&w) == comparable(&m), "{file} of the merge differs");
    }
}

#[test]
fn three_rates_shards_merged_equal_one_unsharded_sweep() {
    let dir = scratch("rates-shards");
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let sweeps = ["rates", "--family", "finite m=1", "--family", "finite m=2 (n to 1e400)"];
    let mut merge = vec!["merge".to_string()];
    for k in 1..=3 {
        let file = path(&format!("rates-{k}.json"));
        run(&[&sweeps[..], &["--shard", &format!("{k}/3"), "--save", &file]].concat());
        merge.push(file);
    }
    run(&[&sweeps[..], &["--out", &path("whole")]].concat());
    merge.extend(["--out".to_string(), path("merged")]);
    run(&merge.iter().map(String::as_str).collect::<Vec<_>>());

    let (whole, merged) = (files_under(&dir.join("whole")), files_under(&dir.join("merged")));
    assert!(whole.len() > 2 && whole.len() == merged.len(), "{whole:?} / {merged:?}");
    for (w, m) in whole.iter().zip(&merged) {
        assert!(comparable(w) == comparable(m), "{} differs after the merge", w.display());
    }
}

#[test]
fn search_shards_merged_equal_one_unsharded_search() {
    let dir = scratch("search-shards");
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    // 30 cases are two blocks (24 + 6), one per shard.
    let search = ["search", "--cases", "30", "--seed", "5"];
    let mut merge = vec!["merge".to_string()];
    for k in 1..=2 {
        let file = path(&format!("search-{k}.json"));
        run(&[&search[..], &["--shard", &format!("{k}/2"), "--save", &file]].concat());
        merge.push(file);
    }
    run(&[&search[..], &["--out", &path("whole")]].concat());
    merge.extend(["--out".to_string(), path("merged")]);
    run(&merge.iter().map(String::as_str).collect::<Vec<_>>());

    let (whole, merged) = (files_under(&dir.join("whole")), files_under(&dir.join("merged")));
    assert!(!whole.is_empty() && whole.len() == merged.len(), "{whole:?} / {merged:?}");
    for (w, m) in whole.iter().zip(&merged) {
        assert!(comparable(w) == comparable(m), "{} differs after the merge", w.display());
    }
}

#[test]
fn merging_an_incomplete_set_of_shards_is_refused_in_one_line() {
    let dir = scratch("incomplete");
    let file = dir.join("shard-1.json");
    let file = file.to_str().unwrap();
    run(&["check", "--family", "one-dimensional", "--shard", "1/2", "--save", file]);
    let out = binary().args(["merge", file, "--out"]).arg(dir.join("out")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.lines().count() == 1 && stderr.contains("shard 2/2 is missing"), "{stderr}");
    assert!(!dir.join("out").exists());
}

#[test]
fn tables_print_as_csv_json_and_latex() {
    let suite = ["check", "--family", "one-dimensional", "--format"];
    let csv = String::from_utf8(run(&[&suite[..], &["csv"]].concat()).stdout).unwrap();
    let registry = equal_power::lemmas::registry();
    assert!(csv.starts_with("lemma,name,instances,"), "{csv}");
    assert_eq!(csv.lines().count(), registry.len() + 1, "{csv}");

    let json = String::from_utf8(run(&[&suite[..], &["json"]].concat()).stdout).unwrap();
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), registry.len());
    assert_eq!(rows[0]["lemma"], registry[0].number);

    let tex = String::from_utf8(run(&[&suite[..], &["latex"]].concat()).stdout).unwrap();
    assert!(tex.contains("\\begin{tabular}") && tex.contains("\\midrule"), "{tex}");
    assert!(tex.contains("scaling\\_map\\_has\\_a\\_fixed\\_point"), "{tex}");
}

#[test]
fn verbose_logs_show_decisions_and_change_no_result() {
    let quiet = run(&["check", "--family", "triangle"]);
    let loud = run(&["check", "--family", "triangle", "-v"]);
    assert_eq!(quiet.stdout, loud.stdout);
    let log = String::from_utf8(loud.stderr).unwrap();
    assert!(log.contains("precision raised"), "{log}");
}

#[test]
fn every_subcommand_explains_itself_with_an_example() {
    let commands =
        ["check", "merge", "describe", "report", "rates", "search", "replay", "new-instance"];
    for command in commands {
        let out = binary().args([command, "--help"]).output().unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(0), "{command}");
        assert!(help.contains("Example"), "{command} --help shows no example:\n{help}");
    }
}

#[test]
fn ctrl_c_stops_cleanly_and_writes_nothing() {
    let dir = scratch("interrupt");
    let out = dir.join("reports");
    let child = binary()
        .args(["report", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // The shell's own kill, so the test needs no /bin/kill on the machine.
    let signal = format!("kill -INT {}", child.id());
    let sent = Command::new("sh").args(["-c", &signal]).status().unwrap();
    assert!(sent.success());
    let done = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(done.stderr).unwrap();
    assert_eq!(done.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted during"), "{stderr}");
    assert!(!out.join("REPORT.md").exists() && !out.join("results.json").exists());
    let partial =
        out.exists() && files_under(&out).iter().any(|f| f.extension() == Some("partial".as_ref()));
    assert!(!partial, "a temporary file was left behind");
}
