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

// After the macros: `macro_rules!` is textually scoped, so the commands'
// modules see `say!` and `say_raw!` only when declared below them.
mod cli;

use equal_power::families::SUITE_SEED;
use equal_power::numeric::{Context, DEFAULT_PRECISION};
use equal_power::shard::{self, Shard};
use equal_power::table::Format;
use equal_power::{Error, ErrorKind, Result};

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
        Command::Check { instance: Some(file), lemmas, .. } => {
            cli::check::check_file(&set, &file, &lemmas)
        }
        Command::Check { instance: None, lemmas, seed, families, shard, save, out } => {
            let shard = shard.as_deref().map(Shard::parse).transpose()?.unwrap_or(Shard::WHOLE);
            cli::check::check_suite(&set, &lemmas, seed, &families, shard, save, out)
        }
        Command::Merge { files, save, out } => cli::merge::merge(&set, &files, save, out),
        Command::Describe { lemma } => cli::describe::describe(lemma.as_deref()).map(|()| false),
        Command::Audit { proofs, seed, families, instance, out } => {
            cli::audit::audit(&set, &proofs, seed, &families, instance, out)
        }
        Command::Report { out, seed, families, search_cases, no_rates } => {
            let parts = cli::report::Parts { families, search_cases, rates: !no_rates };
            cli::report::write_report(&set, &out, seed, &parts)
        }
        Command::Rates { out, families, shard: None, save: None } => {
            cli::rates::write_rates(&set, &out, &families).map(|_| false)
        }
        Command::Rates { families, shard, save: Some(save), .. } => {
            let shard = shard.as_deref().map(Shard::parse).transpose()?.unwrap_or(Shard::WHOLE);
            cli::rates::save_rates_shard(&set, &families, shard, &save).map(|_| false)
        }
        Command::Rates { save: None, .. } => unreachable!("clap requires --save with --shard"),
        Command::Search { lemmas, cases, seed, out, shard: None, save: None } => {
            let lemmas = cli::selected(&lemmas)?;
            cli::search::run_search(&set, &lemmas, cases, seed, &out).map(|(found, _, _)| found)
        }
        Command::Search { lemmas, cases, seed, shard, save: Some(save), .. } => {
            let shard = shard.as_deref().map(Shard::parse).transpose()?.unwrap_or(Shard::WHOLE);
            cli::search::save_search_shard(&set, &lemmas, cases, seed, shard, &save).map(|_| false)
        }
        Command::Search { save: None, .. } => unreachable!("clap requires --save with --shard"),
        Command::Replay { file, lemmas } => cli::check::check_file(&set, &file, &lemmas),
        Command::NewInstance => {
            cli::new_instance::print();
            Ok(false)
        }
    }
}

/// More threads than this would only exhaust the machine: the work is CPU-bound.
const MAX_JOBS: usize = 1024;

/// Random cases of the search that `report` runs (`search --cases N` runs more).
const REPORT_SEARCH_CASES: usize = 24;
