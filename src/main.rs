//! The `equal-power` command line.
//!
//! Exit codes: 0 when nothing is violated, 1 when a lemma is violated,
//! 2 on an error (bad input, a solver failure, a non-finite value).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Prints a line to stdout; a closed pipe (`| head`) ends output quietly
/// instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        if writeln!(std::io::stdout(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// Prints to stdout without a newline, like [`say!`].
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write;
        if write!(std::io::stdout(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

use std::time::Instant;

use equal_power::audit::{InstanceAudit, Proof};
use equal_power::audit_report::{self, Audited};
use equal_power::certified_report;
use equal_power::families::{self, Member, SUITE_SEED};
use equal_power::lemmas::{self, Lemma};
use equal_power::numeric::{Context, DEFAULT_PRECISION};
use equal_power::proofs;
use equal_power::report::{self, Provenance, RunMetadata};
use equal_power::runner::RunRecord;
use equal_power::shard::{self, Shard};
use equal_power::table::Format;
use equal_power::{instance_file, records, Error, ErrorKind, Result};
use equal_power::{rates, runner, search};

#[derive(Parser)]
#[command(
    name = "equal-power",
    version,
    about = "Checks the lemmas of \"Equality of Power and Fair Public \
    Decision-making\" in high-precision arithmetic",
    after_help = "Examples:\n  equal-power report                  # the whole report into reports/\n  \
    equal-power check --instance mine.json\n  equal-power search C.6 --cases 200 --seed 7\n\n\
    Exit codes: 0 nothing violated, 1 a lemma violated, 2 an error, 130 interrupted."
)]
struct Cli {
    /// Working precision in bits (at least 64); precision then rises with n.
    #[arg(long, global = true, default_value_t = DEFAULT_PRECISION)]
    precision: u32,
    /// Threads for independent instances (default: all cores). Results do not depend on it.
    #[arg(long, global = true)]
    jobs: Option<usize>,
    /// Format of the tables printed on stdout: md, csv, json or latex.
    #[arg(long, global = true, default_value = "md")]
    format: String,
    /// Log the runner's decisions on stderr (-v: precision, rejections, fits; -vv: every solve).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the default suite (or one instance file): one summary row per lemma, or every check.
    ///
    /// Each lemma gets a float verdict (margin against an error bound) and a
    /// certified one (both sides enclosed around a proven enclosure of the
    /// exact fixed point; README "Certified verdicts").
    ///
    /// Example: equal-power check --instance my-instance.json --lemma C.6
    ///
    /// Example: equal-power check --family triangle --format latex
    ///
    /// Example: equal-power check --shard 2/3 --save shard-2.json (then equal-power merge ...)
    Check {
        /// Evaluate this instance file and print every lemma's two sides.
        #[arg(long)]
        instance: Option<PathBuf>,
        /// Only these lemmas (by number, e.g. B.2, or module name).
        #[arg(long = "lemma")]
        lemmas: Vec<String>,
        /// Seed of the default suite's random families.
        #[arg(long, default_value_t = SUITE_SEED)]
        seed: u64,
        /// Only these families of the suite (triangle, one-dimensional, ...).
        #[arg(long = "family", conflicts_with = "instance")]
        families: Vec<String>,
        /// Run only the suite instances of shard K of N (index ≡ K−1 mod N).
        #[arg(long, conflicts_with = "instance")]
        shard: Option<String>,
        /// Save the exact records of the run (a shard's input to `merge`).
        #[arg(long, conflicts_with = "instance")]
        save: Option<PathBuf>,
        /// Also write the suite's REPORT.md and results.json into this directory
        /// (for one instance file, `--format json` prints its checks instead).
        #[arg(long, conflicts_with = "instance")]
        out: Option<PathBuf>,
    },
    /// Merges the records of the shards of one run into one report.
    ///
    /// The merged records, tables and files are identical to those of one
    /// unsharded run of the same command (apart from the run-metadata block).
    /// Example: equal-power merge shard-1.json shard-2.json shard-3.json --out reports
    Merge {
        /// The shards' record files (from `check --shard K/N --save FILE`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Save the merged records.
        #[arg(long)]
        save: Option<PathBuf>,
        /// Write REPORT.md and results.json of the merged run into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Audits the proofs step by step: each chain of (in)equalities, link by link, on the suite.
    ///
    /// Prints every chain with per-link verdicts and margins; with --out also
    /// writes AUDIT.md (the errata table) and each erratum's witness instance.
    /// Example: equal-power audit B.3 --family random-finite
    ///
    /// Example: equal-power audit B.3 --instance reports/audit/FILE.json (a saved witness)
    Audit {
        /// Only the proofs of these results (all when none is given).
        proofs: Vec<String>,
        /// Seed of the default suite's random families.
        #[arg(long, default_value_t = SUITE_SEED)]
        seed: u64,
        /// Only these families of the suite.
        #[arg(long = "family")]
        families: Vec<String>,
        /// Audit this instance file (a saved witness, say) instead of the suite.
        #[arg(long)]
        instance: Option<PathBuf>,
        /// Write AUDIT.md and the witnesses under DIR/audit/.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Prints a lemma's statement, hypotheses and how it is checked (all lemmas without LEMMA).
    ///
    /// Example: equal-power describe B.2
    Describe { lemma: Option<String> },
    /// Runs the default suite, the rate sweeps and a search; writes REPORT.md and results.json.
    ///
    /// REPORT.md gives every lemma's float and certified verdicts. Also writes RATES.md, rates.csv, rates/*.svg, SEARCH.md and search/.
    /// Example: equal-power report --out reports
    Report {
        /// Directory to write into.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Seed of the default suite's random families and of the search.
        #[arg(long, default_value_t = SUITE_SEED)]
        seed: u64,
        /// Only these families of the suite (for a quick report).
        #[arg(long = "family")]
        families: Vec<String>,
        /// Random cases of the search (0 leaves the search out).
        #[arg(long, default_value_t = REPORT_SEARCH_CASES)]
        search_cases: usize,
        /// Leave the rate sweeps out (for a quick report).
        #[arg(long)]
        no_rates: bool,
    },
    /// Sweeps n over decades (and Lemma 5.3's ε) and fits every asymptotic claim's rate.
    ///
    /// Writes RATES.md, rates.csv and one SVG plot per row under rates/.
    /// Example: equal-power rates --out reports
    Rates {
        /// Directory to write into.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Only the sweeps of these families ("finite m=1", "warm-up m=1", ...).
        #[arg(long = "family")]
        families: Vec<String>,
        /// Run only the sweeps of shard K of N (index ≡ K−1 mod N); needs --save.
        #[arg(long, requires = "save")]
        shard: Option<String>,
        /// Save the exact rows of the sweeps run (a shard's input to `merge`), write nothing else.
        #[arg(long)]
        save: Option<PathBuf>,
    },
    /// Searches for counterexamples: random instances, a targeted climb, shrinking.
    ///
    /// Violations are saved under OUT/counterexamples/ as exact instance files.
    /// Example: equal-power search C.6 D.5 --cases 200 --seed 7
    Search {
        /// Only these lemmas (all when none is given).
        lemmas: Vec<String>,
        /// Random instances to draw.
        #[arg(long, default_value_t = 100)]
        cases: usize,
        /// Seed of the search; printed at the start and with every finding.
        #[arg(long, default_value_t = SUITE_SEED)]
        seed: u64,
        /// Directory to write into.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Run only the blocks of shard K of N (blocks of 24 cases; index ≡ K−1 mod N).
        #[arg(long, requires = "save")]
        shard: Option<String>,
        /// Save the exact outcome of the blocks run (a shard's input to `merge`), write nothing else.
        #[arg(long)]
        save: Option<PathBuf>,
    },
    /// Re-evaluates a saved instance (a counterexample) and prints both sides of every check.
    ///
    /// Example: equal-power replay reports/search/tightest-C.6.json
    Replay {
        file: PathBuf,
        /// Only these lemmas.
        #[arg(long = "lemma")]
        lemmas: Vec<String>,
    },
    /// Prints an example instance file, with comments, to start from.
    ///
    /// Example: equal-power new-instance > mine.json && equal-power check --instance mine.json
    NewInstance,
}

/// When this process started, for the run metadata.
static STARTED: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn main() -> ExitCode {
    STARTED.get_or_init(equal_power::records::utc_now);
    equal_power::records::git_commit();
    let cli = Cli::parse();
    init_logging(cli.verbose);
    // The first Ctrl-C lets the instances in progress finish and stops
    // before anything is written; a second one exits at once.
    let _ = ctrlc::set_handler(|| {
        if shard::interrupted() {
            std::process::exit(130);
        }
        shard::interrupt();
        eprintln!(
            "\nequal-power: stopping after the instances in progress (Ctrl-C again to abort)"
        );
    });
    match run(cli) {
        Ok(violated) => ExitCode::from(if violated { 1 } else { 0 }),
        Err(e) if e.kind == ErrorKind::Interrupted => {
            eprintln!("equal-power: {e}");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("equal-power: error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr: -v shows the runner's decisions, -vv every solve;
/// RUST_LOG, when set, takes precedence.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => log::LevelFilter::Warn,
        1 => log::LevelFilter::Info,
        _ => log::LevelFilter::Debug,
    };
    let mut builder = env_logger::Builder::new();
    builder.filter_level(level).format_timestamp(None).format_target(false);
    if let Ok(spec) = std::env::var("RUST_LOG") {
        builder.parse_filters(&spec);
    }
    let _ = builder.try_init();
}

/// The shared settings of a command.
struct Settings {
    ctx: Context,
    format: Format,
    jobs: usize,
}

/// Runs a command; Ok(true) when some lemma is violated.
fn run(cli: Cli) -> Result<bool> {
    let ctx = Context::new(cli.precision)?;
    let format = Format::parse(&cli.format)?;
    let jobs = match cli.jobs {
        Some(j) if !(1..=MAX_JOBS).contains(&j) => {
            return Err(Error::invalid(format!("--jobs {j}: expected 1 to {MAX_JOBS} threads")))
        }
        Some(j) => j,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build_global()
        .map_err(|e| Error::invalid(format!("--jobs {jobs}: {e}")))?;
    let set = Settings { ctx, format, jobs };
    match cli.command {
        Command::Check { instance: Some(file), lemmas, .. } => check_file(&set, &file, &lemmas),
        Command::Check { instance: None, lemmas, seed, families, shard, save, out } => {
            let shard = shard.as_deref().map(Shard::parse).transpose()?.unwrap_or(Shard::WHOLE);
            check_suite(&set, &lemmas, seed, &families, shard, save, out)
        }
        Command::Merge { files, save, out } => merge(&set, &files, save, out),
        Command::Describe { lemma } => describe(lemma.as_deref()).map(|()| false),
        Command::Audit { proofs, seed, families, instance, out } => {
            let proofs = selected_proofs(&proofs)?;
            let lemmas = lemmas::registry();
            let members = match instance {
                Some(path) => {
                    vec![Member { family: "file", instance: instance_file::load(&path)? }]
                }
                None => suite(seed, &families)?,
            };
            let started = Instant::now();
            let runs = runner::run_audited(&set.ctx, &members, &lemmas, &proofs, Shard::WHOLE)?;
            let (records, audits): (Vec<RunRecord>, Vec<_>) = runs.into_iter().unzip();
            let audits: Vec<InstanceAudit> = audits.into_iter().flatten().collect();
            let durations = vec![("audit".to_string(), started.elapsed().as_secs_f64())];
            let audit = Audited { proofs: &proofs, lemmas: &lemmas, records: &records, audits };
            let md = write_audit(&set, &audit, out.as_deref(), seed, durations)?;
            say!("{}", md.trim_end());
            Ok(false)
        }
        Command::Report { out, seed, families, search_cases, no_rates } => {
            let parts = Parts { families, search_cases, rates: !no_rates };
            write_report(&set, &out, seed, &parts)
        }
        Command::Rates { out, families, shard: None, save: None } => {
            write_rates(&set, &out, &families).map(|_| false)
        }
        Command::Rates { families, shard, save: Some(save), .. } => {
            let shard = shard.as_deref().map(Shard::parse).transpose()?.unwrap_or(Shard::WHOLE);
            save_rates_shard(&set, &families, shard, &save).map(|_| false)
        }
        Command::Rates { save: None, .. } => unreachable!("clap requires --save with --shard"),
        Command::Search { lemmas, cases, seed, out, shard: None, save: None } => {
            run_search(&set, &selected(&lemmas)?, cases, seed, &out).map(|(found, _, _)| found)
        }
        Command::Search { lemmas, cases, seed, shard, save: Some(save), .. } => {
            let shard = shard.as_deref().map(Shard::parse).transpose()?.unwrap_or(Shard::WHOLE);
            save_search_shard(&set, &lemmas, cases, seed, shard, &save).map(|_| false)
        }
        Command::Search { save: None, .. } => unreachable!("clap requires --save with --shard"),
        Command::Replay { file, lemmas } => check_file(&set, &file, &lemmas),
        Command::NewInstance => {
            say_raw!("{}", EXAMPLE_INSTANCE);
            Ok(false)
        }
    }
}

fn selected_proofs(keys: &[String]) -> Result<Vec<Proof>> {
    if keys.is_empty() {
        return Ok(proofs::registry());
    }
    keys.iter()
        .map(|k| {
            proofs::find(k).ok_or_else(|| Error::invalid(format!("no audited proof of \"{k}\"")))
        })
        .collect()
}

fn selected(keys: &[String]) -> Result<Vec<Lemma>> {
    if keys.is_empty() {
        return Ok(lemmas::registry());
    }
    keys.iter()
        .map(|k| lemmas::find(k).ok_or_else(|| Error::invalid(format!("unknown lemma \"{k}\""))))
        .collect()
}

/// Returns the default suite, or the members of the named families.
fn suite(seed: u64, families: &[String]) -> Result<Vec<Member>> {
    let all = families::default_suite(seed);
    let mut known: Vec<&str> = all.iter().map(|m| m.family).collect();
    known.dedup();
    if let Some(bad) = families.iter().find(|f| !known.contains(&f.as_str())) {
        return Err(Error::invalid(format!(
            "--family \"{bad}\": expected one of {}",
            known.join(", ")
        )));
    }
    if families.is_empty() {
        return Ok(all);
    }
    Ok(all.into_iter().filter(|m| families.iter().any(|f| f == m.family)).collect())
}

fn check_file(set: &Settings, path: &std::path::Path, keys: &[String]) -> Result<bool> {
    let lemmas = selected(keys)?;
    let inst = instance_file::load(path)?;
    let run = runner::run_one(&set.ctx, "file", &inst, &lemmas)?;
    let s = &run.solved;
    let mut record = run.record(0);
    record.certificates = runner::certify_instance(&set.ctx, s, &lemmas);
    if set.format == Format::Markdown {
        say!(
            "{}: m = {}, {} types, residual ρ = {}, {} iterations",
            inst.name,
            s.params.m,
            s.types.len(),
            equal_power::numeric::sci_up(&s.residual, 3),
            s.iterations
        );
        say_raw!("{}", report::instance_table(&lemmas, &record));
    } else {
        say!("{}", report::instance_checks(&lemmas, &record).render(set.format));
    }
    Ok(runner::any_violation(std::slice::from_ref(&record)))
}

fn check_suite(
    set: &Settings,
    keys: &[String],
    seed: u64,
    families: &[String],
    shard: Shard,
    save: Option<PathBuf>,
    out: Option<PathBuf>,
) -> Result<bool> {
    let lemmas = selected(keys)?;
    let members = suite(seed, families)?;
    let started = Instant::now();
    let runs = runner::run_records(&set.ctx, &members, &lemmas, shard)?;
    let meta = metadata(set, vec![("suite".into(), started.elapsed().as_secs_f64())]);
    let file = records::RecordFile {
        kind: records::KIND.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        precision: set.ctx.prec(),
        seed,
        lemmas: lemmas.iter().map(|l| l.number.to_string()).collect(),
        families: families.to_vec(),
        units: members.len(),
        shard,
        records: runs,
    };
    finish_suite(set, &file, &lemmas, save, out, meta)
}

fn merge(
    set: &Settings,
    files: &[PathBuf],
    save: Option<PathBuf>,
    out: Option<PathBuf>,
) -> Result<bool> {
    let kind = records::kind_of(&files[0])?;
    if kind == records::SEARCH_KIND {
        let shards = files.iter().map(|f| records::load_search(f)).collect::<Result<Vec<_>>>()?;
        let merged = records::merge_search(shards)?;
        let Some(out) = out else {
            return Err(Error::invalid("merge: search shards need --out DIR to write SEARCH.md"));
        };
        let lemmas = selected(&merged.lemmas)?;
        let found = search::merged(merged.seed, merged.blocks.into_iter().map(|(_, b)| b));
        let (any, _, _) = finish_search(set, &lemmas, &found, &out, Vec::new())?;
        return Ok(any);
    }
    if kind == records::RATES_KIND {
        let shards = files.iter().map(|f| records::load_rates(f)).collect::<Result<Vec<_>>>()?;
        let merged = records::merge_rates(shards)?;
        let Some(out) = out else {
            return Err(Error::invalid("merge: rates shards need --out DIR to write RATES.md"));
        };
        let rows: Vec<rates::Row> = merged.rows.into_iter().flat_map(|(_, r)| r).collect();
        render_rates(set, &out, &rows, Vec::new())?;
        return Ok(false);
    }
    let shards = files.iter().map(|f| records::load(f)).collect::<Result<Vec<_>>>()?;
    let merged = records::merge(shards)?;
    let lemmas = selected(&merged.lemmas)?;
    let meta = metadata(set, Vec::new());
    finish_suite(set, &merged, &lemmas, save, out, meta)
}

/// Prints the summary of a (possibly merged) suite run and writes what was asked.
fn finish_suite(
    set: &Settings,
    file: &records::RecordFile,
    lemmas: &[Lemma],
    save: Option<PathBuf>,
    out: Option<PathBuf>,
    meta: RunMetadata,
) -> Result<bool> {
    let runs = &file.records;
    let provenance = Provenance {
        version: env!("CARGO_PKG_VERSION"),
        precision: file.precision,
        seed: file.seed,
        metadata: meta,
    };
    if let Some(path) = &save {
        records::save(path, file, &provenance.metadata)?;
    }
    if let Some(dir) = &out {
        let md = report::report_markdown(&provenance, lemmas, runs, "");
        write_results(dir, &provenance, lemmas, runs)?;
        report::write_atomically(&dir.join("REPORT.md"), &md)?;
    }
    if !file.shard.is_whole() {
        say!("shard {} of the suite: {} of {} instances", file.shard, runs.len(), file.units);
    }
    say!("{}", report::summary(lemmas, runs).render(set.format));
    if let Some(path) = &save {
        say!("saved {}", path.display());
    }
    if let Some(dir) = &out {
        say!(
            "wrote {} and {}",
            dir.join("REPORT.md").display(),
            dir.join("results.json").display()
        );
    }
    Ok(runner::any_violation(runs))
}

fn write_results(
    dir: &std::path::Path,
    p: &Provenance,
    lemmas: &[Lemma],
    runs: &[RunRecord],
) -> Result<()> {
    let json = report::results_json(p, lemmas, runs);
    let json = serde_json::to_string_pretty(&json).expect("JSON values always serialise");
    report::write_atomically(&dir.join("results.json"), &(json + "\n"))
}

/// The provenance of a RATES.md or SEARCH.md: what decides the results,
/// then the run-metadata block.
fn provenance_block(set: &Settings, seed: Option<u64>, durations: Vec<(String, f64)>) -> String {
    let mut rows = vec![
        vec!["crate version".to_string(), env!("CARGO_PKG_VERSION").to_string()],
        vec!["precision".to_string(), format!("{} bits", set.ctx.prec())],
    ];
    if let Some(seed) = seed {
        rows.push(vec!["seed".to_string(), seed.to_string()]);
    }
    let table = report::markdown(&["", ""], rows);
    format!("{table}\n\n{}\n", metadata(set, durations).markdown())
}

/// The run metadata of this process: command line, commit, time, host.
fn metadata(set: &Settings, durations: Vec<(String, f64)>) -> RunMetadata {
    RunMetadata {
        command: std::iter::once("equal-power".to_string())
            .chain(std::env::args().skip(1).map(|a| {
                // Quoted as a shell would need it, so the line can be rerun.
                if a.contains([' ', '"', '\'', '$']) {
                    format!("'{}'", a.replace('\'', "'\\''"))
                } else {
                    a
                }
            }))
            .collect::<Vec<_>>()
            .join(" "),
        commit: equal_power::records::git_commit(),
        started: STARTED.get_or_init(equal_power::records::utc_now).clone(),
        host: equal_power::records::host_name(),
        jobs: set.jobs,
        durations,
    }
}

fn describe(key: Option<&str>) -> Result<()> {
    let lemmas = match key {
        Some(k) => {
            vec![lemmas::find(k).ok_or_else(|| Error::invalid(format!("unknown lemma \"{k}\"")))?]
        }
        None => lemmas::registry(),
    };
    for l in lemmas {
        say!("Lemma {} ({})\n  {}", l.number, l.name, l.statement);
        if l.hypotheses.is_empty() {
            say!("  hypotheses: none beyond the model");
        }
        for (k, h) in l.hypotheses.iter().enumerate() {
            say!("  hypothesis {}: {h}", k + 1);
        }
        say!("  check: {}\n", l.method);
    }
    Ok(())
}

/// What `report` runs besides the suite.
struct Parts {
    families: Vec<String>,
    search_cases: usize,
    rates: bool,
}

fn write_report(set: &Settings, out: &std::path::Path, seed: u64, parts: &Parts) -> Result<bool> {
    let ctx = &set.ctx;
    let lemmas = lemmas::registry();
    let members = suite(seed, &parts.families)?;
    let mut durations = Vec::new();

    let started = Instant::now();
    let proofs = proofs::registry();
    let runs = runner::run_audited(ctx, &members, &lemmas, &proofs, Shard::WHOLE)
        .map_err(|e| interrupted_in(e, "the suite"))?;
    let (runs, audits): (Vec<RunRecord>, Vec<_>) = runs.into_iter().unzip();
    let mut audits: Vec<InstanceAudit> = audits.into_iter().flatten().collect();
    durations.push(("suite".to_string(), started.elapsed().as_secs_f64()));

    let started = Instant::now();
    let mut rates = Vec::new();
    if parts.rates {
        rates = write_rates(set, out, &[]).map_err(|e| interrupted_in(e, "the rate sweeps"))?;
        durations.push(("rates".to_string(), started.elapsed().as_secs_f64()));
    }

    let started = Instant::now();
    let mut search_md = None;
    if parts.search_cases > 0 {
        let (_, md, tightest) = run_search(set, &lemmas, parts.search_cases, seed, out)
            .map_err(|e| interrupted_in(e, "the search"))?;
        search_md = Some(md);
        durations.push(("search".to_string(), started.elapsed().as_secs_f64()));

        // The search's tightest instances are audited too: they sit where
        // the bounds are sharpest.
        let started = Instant::now();
        for instance in tightest {
            let name = instance.name.clone();
            let run = runner::run_one(ctx, "search", &instance, &[])?;
            let audit = InstanceAudit::of(&run.solved, &proofs).map_err(|e| Error {
                kind: e.kind,
                message: format!("instance \"{name}\": {e}"),
            })?;
            audits.push(audit);
        }
        durations
            .push(("audit of the search's instances".to_string(), started.elapsed().as_secs_f64()));
    }
    let audited = Audited { proofs: &proofs, lemmas: &lemmas, records: &runs, audits };
    let errata = audited.errata(None)?;
    write_audit(set, &audited, Some(out), seed, Vec::new())?;

    let provenance = Provenance {
        version: env!("CARGO_PKG_VERSION"),
        precision: ctx.prec(),
        seed,
        metadata: metadata(set, durations),
    };
    let errata = audit_report::errata_section(&errata);
    let mut md = report::report_markdown(&provenance, &lemmas, &runs, &errata);
    if parts.rates {
        md.push_str(&rates_section(&rates));
    }
    if let Some(search_md) = search_md {
        md.push_str("\n\n## Search\n\n");
        md.push_str(&search_md);
        md.push('\n');
    }
    write_results(out, &provenance, &lemmas, &runs)?;
    report::write_atomically(&out.join("REPORT.md"), &md)?;
    say!("{}", report::summary(&lemmas, &runs).render(set.format));
    say!("wrote {} and {}", out.join("REPORT.md").display(), out.join("results.json").display());
    Ok(runner::any_violation(&runs))
}

/// Writes AUDIT.md (with --out) and returns its text.
fn write_audit(
    set: &Settings,
    audited: &Audited<'_>,
    out: Option<&std::path::Path>,
    seed: u64,
    durations: Vec<(String, f64)>,
) -> Result<String> {
    let errata = audited.errata(out)?;
    if let Some(dir) = out {
        remove_stale_witnesses(dir, audited.proofs, &errata)?;
    }
    let header = format!("# equal-power audit\n\n{}", provenance_block(set, Some(seed), durations));
    let md = audited.markdown(&header, &errata);
    if let Some(dir) = out {
        report::write_atomically(&dir.join("AUDIT.md"), &md)?;
    }
    Ok(md)
}

/// Removes the witnesses under DIR/audit/ of the audited proofs that no
/// erratum names any more, so the directory holds exactly the current
/// errata (witnesses of proofs not audited in this run are kept).
fn remove_stale_witnesses(
    dir: &std::path::Path,
    proofs: &[Proof],
    errata: &[equal_power::audit::Erratum],
) -> Result<()> {
    let audit_dir = dir.join("audit");
    let Ok(entries) = std::fs::read_dir(&audit_dir) else { return Ok(()) };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let ours = proofs.iter().any(|p| name.starts_with(&format!("{}--", p.number)));
        let current = errata.iter().any(|e| e.witness_file == format!("audit/{name}"));
        if ours && !current && name.ends_with(".json") {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// Says which stage an interruption stopped.
fn interrupted_in(e: Error, stage: &str) -> Error {
    if e.kind == ErrorKind::Interrupted {
        Error::interrupted(stage)
    } else {
        e
    }
}

fn rates_section(rates: &[rates::Row]) -> String {
    let mut md = String::from(
        "\n## Rates\n\nThe asymptotic claims, measured (details, local slopes and plots in \
        [RATES.md](RATES.md)). A rate is evidence, not a verdict on a lemma.\n\n",
    );
    let inconsistent: Vec<String> = rates
        .iter()
        .filter(|r| {
            matches!(&r.outcome, rates::Outcome::Fitted { verdict, .. }
                if *verdict == equal_power::fit::RateVerdict::Inconsistent)
        })
        .map(|r| format!("{} on {} ({})", r.source, r.family, r.schedule))
        .collect();
    if !inconsistent.is_empty() {
        md.push_str(&format!(
            "Rates measurably slower than claimed: {}.\n\n",
            inconsistent.join("; ")
        ));
    }
    md.push_str(&rates::markdown(rates));
    md
}

/// Runs a search, saves its findings and SEARCH.md; returns whether it
/// found a violation, SEARCH.md's body, and the tightest instance per lemma.
fn run_search(
    set: &Settings,
    lemmas: &[Lemma],
    cases: usize,
    seed: u64,
    out: &std::path::Path,
) -> Result<(bool, String, Vec<equal_power::population::Instance>)> {
    let ctx = &set.ctx;
    let started = Instant::now();
    say!("search seed {seed}, {cases} cases, precision {} bits", ctx.prec());
    let blocks = search_blocks(set, lemmas, cases, seed, Shard::WHOLE)?;
    let found = search::merged(seed, blocks.into_iter().map(|(_, b)| b));
    let elapsed = started.elapsed().as_secs_f64();
    finish_search(set, lemmas, &found, out, vec![("search".into(), elapsed)])
}

/// Runs the search blocks of `shard`, with a progress line.
fn search_blocks(
    set: &Settings,
    lemmas: &[Lemma],
    cases: usize,
    seed: u64,
    shard: Shard,
) -> Result<Vec<(usize, search::Outcome)>> {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = move |name: &str| {
        if terminal {
            eprint!("\r\x1b[2Ksearch: {name}");
        }
    };
    let screening = set.ctx.prec() > search::SCREENING_PRECISION;
    let blocks = search::search_blocks(&set.ctx, lemmas, cases, seed, screening, shard, &progress)?;
    if terminal {
        eprint!("\r\x1b[2K");
    }
    // The search counts failed solves and goes on, so an interruption
    // surfaces here, before any file is written.
    if shard::interrupted() {
        return Err(Error::interrupted("the search"));
    }
    Ok(blocks)
}

/// Runs the search blocks of one shard and saves their exact outcomes.
fn save_search_shard(
    set: &Settings,
    keys: &[String],
    cases: usize,
    seed: u64,
    shard: Shard,
    path: &std::path::Path,
) -> Result<()> {
    let lemmas = selected(keys)?;
    let started = Instant::now();
    let blocks = search_blocks(set, &lemmas, cases, seed, shard)?;
    let file = records::SearchFile {
        kind: records::SEARCH_KIND.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        precision: set.ctx.prec(),
        seed,
        cases,
        lemmas: lemmas.iter().map(|l| l.number.to_string()).collect(),
        units: search::block_count(cases),
        shard,
        blocks,
    };
    let meta = metadata(set, vec![("search".into(), started.elapsed().as_secs_f64())]);
    records::save_search(path, &file, &meta)?;
    say!(
        "search shard {shard}: {} of {} blocks, saved {}",
        file.blocks.len(),
        file.units,
        path.display()
    );
    Ok(())
}

/// Saves a search's findings, its tightest instances and SEARCH.md;
/// returns whether it found a violation, SEARCH.md's body, and the
/// tightest instance per lemma.
fn finish_search(
    set: &Settings,
    lemmas: &[Lemma],
    found: &search::Outcome,
    out: &std::path::Path,
    durations: Vec<(String, f64)>,
) -> Result<(bool, String, Vec<equal_power::population::Instance>)> {
    let ctx = &set.ctx;
    let seed = found.seed;
    let mut any = false;
    let mut tightest = Vec::new();
    for (number, entry) in &found.lemmas {
        for (k, instance) in entry.violations.iter().enumerate() {
            any = true;
            let path = out.join("counterexamples").join(format!("{number}-{}.json", k + 1));
            let lemma = lemmas::find(number).expect("a searched lemma");
            let run = runner::run_one(ctx, "search", instance, std::slice::from_ref(&lemma))?;
            // A float violation is a candidate; the certified verdict says
            // whether it survives every rounding.
            let certified =
                runner::certify_instance(ctx, &run.solved, std::slice::from_ref(&lemma));
            let certified = certified_report::summary_name(&certified[0].summary());
            let provenance = provenance_of(&run, seed, ctx.prec(), &certified);
            instance_file::save(&path, instance, Some(provenance))?;
            say!(
                "seed {seed}: {number} violated (certified: {certified}), saved {}",
                path.display()
            );
        }
        if let Some((_, instance)) = &entry.tightest {
            let path = out.join("search").join(format!("tightest-{number}.json"));
            instance_file::save(&path, instance, None)?;
            if !tightest.contains(instance) {
                tightest.push(instance.clone());
            }
        }
    }
    let body = search::markdown(found, lemmas);
    let block = provenance_block(set, Some(seed), durations);
    let md = format!("# equal-power search\n\n{block}{body}");
    report::write_atomically(&out.join("SEARCH.md"), &md)?;
    say!("wrote {}", out.join("SEARCH.md").display());
    Ok((any, body, tightest))
}

/// The provenance block of a saved counterexample: seed, precision, start, sides.
fn provenance_of(
    run: &runner::InstanceRun,
    seed: u64,
    precision: u32,
    certified: &str,
) -> serde_json::Value {
    let sci = |v: &rug::Float| equal_power::numeric::sci(v, 20);
    let checks: Vec<serde_json::Value> = run
        .evaluations
        .iter()
        .flat_map(|(n, e)| e.checks.iter().map(move |c| (n, c)))
        .filter(|(_, c)| c.verdict == equal_power::verdict::Verdict::Violated)
        .take(5)
        .map(|(n, c)| {
            serde_json::json!({
                "lemma": n, "check": c.label, "lhs": sci(&c.lhs), "relation": c.relation.symbol(),
                "rhs": sci(&c.rhs), "margin": sci(&c.margin()),
                "error_bound": equal_power::numeric::sci_up(&c.error, 20),
            })
        })
        .collect();
    serde_json::json!({
        "seed": seed,
        "precision": precision,
        "solver_start": sci(&run.solved.start),
        "version": env!("CARGO_PKG_VERSION"),
        "git_commit": equal_power::records::git_commit(),
        "violated_checks": checks,
        "certified_verdict": certified,
    })
}

/// Runs the rate sweeps and writes RATES.md, rates.csv and the plots.
fn write_rates(
    set: &Settings,
    out: &std::path::Path,
    families: &[String],
) -> Result<Vec<rates::Row>> {
    let started = Instant::now();
    let units = sweep_units(set, families, Shard::WHOLE)?;
    let rows: Vec<rates::Row> = units.into_iter().flat_map(|(_, rows)| rows).collect();
    render_rates(set, out, &rows, vec![("rates".into(), started.elapsed().as_secs_f64())])?;
    Ok(rows)
}

/// Runs the sweeps of `shard`, with a progress line.
fn sweep_units(
    set: &Settings,
    families: &[String],
    shard: Shard,
) -> Result<Vec<(usize, Vec<rates::Row>)>> {
    let known = rates::families();
    if let Some(bad) = families.iter().find(|f| !known.contains(&f.as_str())) {
        let mut names = known.clone();
        names.dedup();
        return Err(Error::invalid(format!(
            "--family \"{bad}\": expected one of {}",
            names.join(", ")
        )));
    }
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = move |name: &str| {
        if terminal {
            eprint!("\r\x1b[2Krates: {name}");
        }
    };
    let decades = rates::default_decades();
    let units = rates::run_units(&set.ctx, &decades, families, shard, &progress);
    if terminal {
        eprint!("\r\x1b[2K");
    }
    units
}

/// Runs the sweeps of one shard and saves their exact rows.
fn save_rates_shard(
    set: &Settings,
    families: &[String],
    shard: Shard,
    path: &std::path::Path,
) -> Result<()> {
    let started = Instant::now();
    let rows = sweep_units(set, families, shard)?;
    let file = records::RatesFile {
        kind: records::RATES_KIND.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        precision: set.ctx.prec(),
        decades: rates::default_decades(),
        families: families.to_vec(),
        units: rates::unit_count(families),
        shard,
        rows,
    };
    let meta = metadata(set, vec![("rates".into(), started.elapsed().as_secs_f64())]);
    records::save_rates(path, &file, &meta)?;
    say!(
        "rates shard {shard}: {} of {} sweeps, saved {}",
        file.rows.len(),
        file.units,
        path.display()
    );
    Ok(())
}

/// Writes RATES.md, rates.csv and the plots of a whole run's rows.
fn render_rates(
    set: &Settings,
    out: &std::path::Path,
    rows: &[rates::Row],
    durations: Vec<(String, f64)>,
) -> Result<()> {
    let mut md = String::from("# equal-power rates\n\n");
    md.push_str(&provenance_block(set, None, durations));
    md.push_str(RATES_INTRO);
    md.push_str(&rates::markdown(rows));
    md.push_str("\n\n## Plots\n\n");
    for row in rows {
        let name = rates::plot_name(row);
        report::write_atomically(&out.join("rates").join(&name), &rates::svg(row))?;
        md.push_str(&format!("![{} {} {}](rates/{name})\n", row.source, row.family, row.schedule));
    }
    report::write_atomically(&out.join("rates.csv"), &rates::csv(rows))?;
    report::write_atomically(&out.join("RATES.md"), &md)?;
    say!("wrote {}", out.join("RATES.md").display());
    Ok(())
}

/// More threads than this would only exhaust the machine: the work is CPU-bound.
const MAX_JOBS: usize = 1024;

/// Random cases of the search that `report` runs (`search --cases N` runs more).
const REPORT_SEARCH_CASES: usize = 24;

const RATES_INTRO: &str = "\
Every asymptotic claim of the paper, measured on sweeps of n = 10^2, 10^5, ..., 10^38, 10^40 \
(and Lemma 5.3 in the cell side ε, halved six times at n = 10^6), at the working precision plus \
⌈log2 n⌉ bits. Each row fits log10 of the measured quantity against log10 n (for Lemma 5.3, \
against log10 1/ε) by least squares over the asymptotic window: leading points are dropped while \
the local slopes of the rest spread by more than 0.15, keeping at least 4. The interval is 95% \
(Student t). The verdict is *consistent* when the whole interval lies at or below the claimed \
exponent (+0.05 for the curvature a dozen decades leave), *inconsistent* when it lies above, \
*inconclusive* otherwise; *exact zero* when the quantity is 0 at every n; *unresolved* when \
fewer than 4 points stand above their rounding floor; *hypothesis unmet* when the claim rests on \
Lemma B.2 and the population has no density. Points below their \
rounding floor are counted as noise and left out. The claimed exponent for α = n^a is read off \
the paper's bound: for example (γ+√γ)/Ω(n²α²) + O(α^(m/2) n^(m/4+1)) gives \
max(−2 − 2a, 1 + m(2a+1)/4). These are evidence, not proofs.\n\n";

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
