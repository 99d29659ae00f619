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

use equal_power::families::{self, SUITE_SEED};
use equal_power::lemmas::{self, Lemma};
use equal_power::numeric::{Context, DEFAULT_PRECISION};
use equal_power::report::{self, Provenance};
use equal_power::{instance_file, Error, Result};
use equal_power::{rates, runner, search};

#[derive(Parser)]
#[command(
    name = "equal-power",
    version,
    about = "Checks the lemmas of \"Equality of Power and \
    Fair Public Decision-making\" in high-precision arithmetic"
)]
struct Cli {
    /// Working precision in bits (at least 64).
    #[arg(long, global = true, default_value_t = DEFAULT_PRECISION)]
    precision: u32,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the default suite (or one instance file): one summary row per lemma, or every check.
    ///
    /// Example: equal-power check --instance my-instance.json --lemma C.6
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
    },
    /// Prints a lemma's statement, hypotheses and how it is checked (all lemmas without LEMMA).
    ///
    /// Example: equal-power describe B.2
    Describe { lemma: Option<String> },
    /// Runs the default suite and writes REPORT.md and results.json.
    ///
    /// Example: equal-power report --out reports
    Report {
        /// Directory to write into.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Seed of the default suite's random families.
        #[arg(long, default_value_t = SUITE_SEED)]
        seed: u64,
    },
    /// Sweeps n over decades (and Lemma 5.3's ε) and fits every asymptotic claim's rate.
    ///
    /// Writes RATES.md, rates.csv and one SVG plot per row under rates/.
    /// Example: equal-power rates --out reports
    Rates {
        /// Directory to write into.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
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
    },
    /// Re-evaluates a saved instance (a counterexample) and prints both sides of every check.
    ///
    /// Example: equal-power replay reports/counterexamples/5.3-1.json
    Replay {
        file: PathBuf,
        /// Only these lemmas.
        #[arg(long = "lemma")]
        lemmas: Vec<String>,
    },
    /// Prints an example instance file to start from.
    ///
    /// Example: equal-power new-instance > mine.json
    NewInstance,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(violated) => ExitCode::from(if violated { 1 } else { 0 }),
        Err(e) => {
            eprintln!("equal-power: error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs a command; Ok(true) when some lemma is violated.
fn run(cli: Cli) -> Result<bool> {
    let ctx = Context::new(cli.precision)?;
    match cli.command {
        Command::Check { instance, lemmas, seed } => check(&ctx, instance, &lemmas, seed),
        Command::Describe { lemma } => describe(lemma.as_deref()).map(|()| false),
        Command::Report { out, seed } => write_report(&ctx, &out, seed),
        Command::Rates { out } => write_rates(&ctx, &out).map(|_| false),
        Command::Search { lemmas, cases, seed, out } => {
            run_search(&ctx, &selected(&lemmas)?, cases, seed, &out).map(|(found, _)| found)
        }
        Command::Replay { file, lemmas } => check(&ctx, Some(file), &lemmas, SUITE_SEED),
        Command::NewInstance => {
            say_raw!("{}", EXAMPLE_INSTANCE);
            Ok(false)
        }
    }
}

fn selected(keys: &[String]) -> Result<Vec<Lemma>> {
    if keys.is_empty() {
        return Ok(lemmas::registry());
    }
    keys.iter()
        .map(|k| lemmas::find(k).ok_or_else(|| Error::invalid(format!("unknown lemma \"{k}\""))))
        .collect()
}

fn check(ctx: &Context, instance: Option<PathBuf>, keys: &[String], seed: u64) -> Result<bool> {
    let lemmas = selected(keys)?;
    if let Some(path) = instance {
        let inst = instance_file::load(&path)?;
        let run = runner::run_one(ctx, "file", &inst, &lemmas)?;
        let s = &run.solved;
        say!(
            "{}: m = {}, {} types, residual ρ = {}, {} iterations",
            inst.name,
            s.params.m,
            s.types.len(),
            equal_power::numeric::sci(&s.residual, 3),
            s.iterations
        );
        say_raw!("{}", report::instance_table(&lemmas, &run));
        return Ok(runner::any_violation(std::slice::from_ref(&run)));
    }
    let suite = families::default_suite(seed);
    let runs = runner::run(ctx, &suite, &lemmas)?;
    say!("{}", report::summary_table(&lemmas, &runs));
    Ok(runner::any_violation(&runs))
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

fn write_report(ctx: &Context, out: &std::path::Path, seed: u64) -> Result<bool> {
    let lemmas = lemmas::registry();
    let suite = families::default_suite(seed);
    let runs = runner::run(ctx, &suite, &lemmas)?;
    let provenance = Provenance {
        version: env!("CARGO_PKG_VERSION"),
        precision: ctx.prec(),
        seed,
        command: std::iter::once("equal-power".to_string())
            .chain(std::env::args().skip(1))
            .collect::<Vec<_>>()
            .join(" "),
    };
    let rates = write_rates(ctx, out)?;
    let (_, search_md) = run_search(ctx, &lemmas, REPORT_SEARCH_CASES, seed, out)?;
    let mut md = report::report_markdown(&provenance, &lemmas, &runs);
    md.push_str(
        "\n## Rates\n\nThe asymptotic claims, measured (details, local slopes and plots in \
        [RATES.md](RATES.md)). A rate is evidence, not a verdict on a lemma.\n\n",
    );
    let inconsistent: Vec<String> = rates
        .iter()
        .filter(|r| matches!(&r.outcome, rates::Outcome::Fitted { verdict, .. } if *verdict == equal_power::fit::RateVerdict::Inconsistent))
        .map(|r| format!("{} on {} ({})", r.source, r.family, r.schedule))
        .collect();
    if !inconsistent.is_empty() {
        md.push_str(&format!(
            "Rates measurably slower than claimed: {}.\n\n",
            inconsistent.join("; ")
        ));
    }
    md.push_str(&rates::markdown(&rates));
    md.push_str("\n\n## Search\n\n");
    md.push_str(search_md.trim_start_matches("# equal-power search\n\n"));
    md.push('\n');
    let json = report::results_json(&provenance, &lemmas, &runs);
    let json = serde_json::to_string_pretty(&json).expect("JSON values always serialise");
    report::write_atomically(&out.join("results.json"), &(json + "\n"))?;
    report::write_atomically(&out.join("REPORT.md"), &md)?;
    say!("{}", report::summary_table(&lemmas, &runs));
    say!("wrote {} and {}", out.join("REPORT.md").display(), out.join("results.json").display());
    Ok(runner::any_violation(&runs))
}

/// Runs a search, saves its findings and SEARCH.md; Ok((found a violation, SEARCH.md)).
fn run_search(
    ctx: &Context,
    lemmas: &[Lemma],
    cases: usize,
    seed: u64,
    out: &std::path::Path,
) -> Result<(bool, String)> {
    say!("search seed {seed}, {cases} cases, precision {} bits", ctx.prec());
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = |name: &str| {
        if terminal {
            eprint!("\r\x1b[2Ksearch: {name}");
        }
    };
    let found = search::search(ctx, lemmas, cases, seed, &progress)?;
    if terminal {
        eprint!("\r\x1b[2K");
    }
    let mut any = false;
    for (number, entry) in &found.lemmas {
        for (k, instance) in entry.violations.iter().enumerate() {
            any = true;
            let path = out.join("counterexamples").join(format!("{number}-{}.json", k + 1));
            let lemma = lemmas::find(number).expect("a searched lemma");
            let run = runner::run_one(ctx, "search", instance, std::slice::from_ref(&lemma))?;
            let provenance = provenance_of(&run, seed, ctx.prec());
            instance_file::save(&path, instance, Some(provenance))?;
            say!("seed {seed}: {number} violated, saved {}", path.display());
        }
        if let Some((_, instance)) = &entry.tightest {
            let path = out.join("search").join(format!("tightest-{number}.json"));
            instance_file::save(&path, instance, None)?;
        }
    }
    let md = format!("# equal-power search\n\n{}", search::markdown(&found, lemmas));
    report::write_atomically(&out.join("SEARCH.md"), &md)?;
    say!("wrote {}", out.join("SEARCH.md").display());
    Ok((any, md))
}

/// The provenance block of a saved counterexample: seed, precision, start, sides.
fn provenance_of(run: &runner::InstanceRun, seed: u64, precision: u32) -> serde_json::Value {
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
                "rhs": sci(&c.rhs), "margin": sci(&c.margin()), "error_bound": sci(&c.error),
            })
        })
        .collect();
    serde_json::json!({
        "seed": seed,
        "precision": precision,
        "solver_start": sci(&run.solved.start),
        "version": env!("CARGO_PKG_VERSION"),
        "violated_checks": checks,
    })
}

/// Runs the rate sweeps and writes RATES.md, rates.csv and the plots.
fn write_rates(ctx: &Context, out: &std::path::Path) -> Result<Vec<rates::Row>> {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = |name: &str| {
        if terminal {
            eprint!("\r\x1b[2Krates: {name}");
        }
    };
    let rows = rates::run(ctx, &rates::default_decades(), &progress)?;
    if terminal {
        eprint!("\r\x1b[2K");
    }
    let mut md = String::from(RATES_HEADER);
    md.push_str(&rates::markdown(&rows));
    md.push_str("\n\n## Plots\n\n");
    for row in &rows {
        let name = rates::plot_name(row);
        report::write_atomically(&out.join("rates").join(&name), &rates::svg(row))?;
        md.push_str(&format!("![{} {} {}](rates/{name})\n", row.source, row.family, row.schedule));
    }
    report::write_atomically(&out.join("rates.csv"), &rates::csv(&rows))?;
    report::write_atomically(&out.join("RATES.md"), &md)?;
    say!("wrote {}", out.join("RATES.md").display());
    Ok(rows)
}

/// Random cases of the search that `report` runs (`search --cases N` runs more).
const REPORT_SEARCH_CASES: usize = 24;

const RATES_HEADER: &str = "# equal-power rates\n\n\
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
