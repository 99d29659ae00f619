//! `rates`: sweeps of n fitted against each asymptotic claim's rate, written as
//! RATES.md, rates.csv and one SVG plot per row, or saved as one shard.

use std::time::Instant;

use equal_power::rates;
use equal_power::records;
use equal_power::report;
use equal_power::shard::Shard;
use equal_power::{Error, Result};

use super::{metadata, provenance_block};
use crate::Settings;

/// Runs the rate sweeps and writes RATES.md, rates.csv and the plots.
pub(crate) fn write_rates(
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
pub(crate) fn save_rates_shard(
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
pub(crate) fn render_rates(
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
