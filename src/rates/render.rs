//! The rates table, its CSV and its plots.
//!
//! Every value is formatted and logged in MPFR ([`sci`], [`log10_abs`]):
//! some lie far beyond f64's range, and only their logarithms become f64.

use crate::fit::{Fit, RateVerdict};
use crate::numeric::{log10_abs, sci, sci_up};

use super::{Outcome, Row};

/// What the table's columns and special verdicts mean, printed under it.
const NOTES: &str = "\
**Exact zeros.** A density whose cells, weights and masses are mirror-symmetric about x on \
every axis (each one-cell density of the sweeps, whatever its weights across issues) has δ_i \
odd in y_i − x, since c_i and λ_i are even (Lemma C.2): its net movement and D.4's integral \
vanish exactly, and are reported as exact zeros with that reason rather than fitted from \
rounding noise. In one issue, a piecewise-uniform density also gives exact zeros whenever p \
and w are constant on x ± max(ρ, s) (ρ the clamp radius, s = √(γ/q) the largest shift).

**Closed form in one issue.** For a one-issue piecewise-uniform density every integral of the \
fixed point and of the shifts is elementary (`rates::one_issue`), so the rows marked *closed \
form* carry no quadrature error, only rounding. The two-cell density (w = 1 on [0, 1/2], \
w = 2 on [1/2, 1], equal masses) has its median on the cell edge; the clamp keeps x at \
(3/√2 − 2) α√Q above it, and the net movement is (3√2 − 4) √γ α √n at every n swept (slope \
a + 1/2). The quadrature solver cannot follow that family beyond about n = 10^20: it is the \
solver's known slow case (`equilibrium.rs`).

**Beyond f64.** The sweep *finite m=2 (n to 1e400)* runs n = 10^2, 10^36, …, 10^376, 10^400 \
at 2 ⌈log2 10^400⌉ extra bits (2944 at the last point): τ_i/γ falls like 1/n while the \
rounding left in b moves it by n units of roundoff, so ⌈log2 n⌉ extra bits resolve τ only up \
to n ≈ 10^77 (at 1600 bits the rerun at twice the precision caught a wrong τ at 10^342). \
There φ_i(0) = Σ_j q_j (y_ij − x_j)², the power type i would spend to move \
x to y_i (Lemma C.1), reaches 10^800. Its claimed exponent follows from the definitions: \
c_i ≤ √n/α gives Q_j ≤ √n w_max/α, so φ_i(0) ≤ max_j q_j d_max² ≤ n^(3/2) w_max d_max²/α, \
slope 3/2 − a; with nobody clamped c ∝ n, Q_j ∝ n and the slope is 2. Values are logged and \
printed in MPFR; only their logarithms are fitted in f64.

**Columns.** *f64 agrees to 3 digits up to*: the largest n up to which a 53-bit evaluation \
agrees with the working precision to 3 digits, and what fails next: the digits, f64's range \
(n, c, Q or q beyond 2^1024, or the value outside [2^-1022, 2^1024)), or the 53-bit solve. \
*2× precision*: the fewest digits in which the row's points that are not noise agree with a \
rerun at twice the working precision (every point of a finite or closed-form sweep and of \
the warm-up, the largest n of a density sweep, the smallest ε of Lemma 5.3); a fitted row \
below 3 digits is downgraded to inconclusive.

**Left out.** No density sweep in m = 8: the plain rule's finer order has 4^8 = 65 536 \
nodes, and one point at n = 10^8 takes about 50 s to solve (a point in m = 6 about 5 s), so \
14 points under two schedules, each also at 53 bits, would add about half an hour.
";

/// Returns the rates table as Markdown, followed by the notes on its columns.
pub fn markdown(rows: &[Row]) -> String {
    let table_rows = rows
        .iter()
        .map(|r| {
            let (slope, window, local, verdict) = match &r.outcome {
                Outcome::ExactZero(why) => {
                    ("exact zero".into(), "—".into(), "—".into(), format!("exact zero: {why}"))
                }
                Outcome::Unresolved => ("—".into(), "—".into(), "—".into(), "unresolved".into()),
                Outcome::Unmet(why) => {
                    ("—".into(), "—".into(), "—".into(), format!("hypothesis unmet: {why}"))
                }
                Outcome::Fitted { fit, verdict, local } => (
                    format!("{:.3} ± {:.3}", fit.slope, fit.half_width),
                    format!("last {} of {} points", fit.points, r.points.len()),
                    local.iter().map(|v| format!("{v:.2}")).collect::<Vec<_>>().join(", "),
                    looseness(*verdict, fit, r.exponent),
                ),
            };
            let verdict = match &r.caveat {
                Some(why) => format!("{verdict} ({why})"),
                None => verdict,
            };
            let noise = r.points.iter().filter(|p| p.is_noise()).count();
            let last = r.points.last();
            vec![
                r.source.to_string(),
                r.quantity.to_string(),
                r.family.clone(),
                r.schedule.clone(),
                r.claimed.clone(),
                format!("{:.3}", r.exponent),
                slope,
                window,
                local,
                last.map_or("—".into(), |p| sci(&p.value, 3)),
                last.and_then(|p| p.bound.as_ref()).map_or("—".into(), |b| sci_up(b, 3)),
                noise.to_string(),
                r.f64.map_or("—".into(), |d| d.describe()),
                r.twice_precision.map_or("—".into(), |a| a.describe()),
                verdict,
            ]
        })
        .collect();
    let mut out = crate::report::markdown(
        &[
            "claim",
            "quantity",
            "family",
            "schedule",
            "claimed",
            "claimed exponent",
            "fitted slope (95%)",
            "window",
            "local slopes",
            "last value",
            "explicit bound there",
            "noise points",
            "f64 agrees to 3 digits up to",
            "2× precision",
            "verdict",
        ],
        table_rows,
    );
    out.push_str("\n\n");
    out.push_str(NOTES);
    out
}

fn looseness(verdict: RateVerdict, fit: &Fit, exponent: f64) -> String {
    let gap = exponent - fit.slope;
    // Looseness is claimed only from a tight fit over a long window.
    if verdict == RateVerdict::Consistent && gap > 0.25 && fit.half_width < 0.1 && fit.points >= 6 {
        let pace = if fit.slope > 0.0 { "grows slower" } else { "decays faster" };
        format!("consistent ({pace} by {gap:.2} in the exponent: the claim is loose)")
    } else {
        verdict.name().to_string()
    }
}

/// Returns rates.csv: one line per point.
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "claim,family,schedule,log10_x,value,floor,bound,quadrature_error,noise,\
         digits_at_twice_precision\n",
    );
    for r in rows {
        for p in &r.points {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{}\n",
                r.claim,
                r.family,
                r.schedule,
                p.x,
                sci(&p.value, 12),
                sci_up(&p.floor, 3),
                p.bound.as_ref().map_or(String::new(), |b| sci_up(b, 12)),
                p.quadrature.as_ref().map_or(String::new(), |q| sci_up(q, 3)),
                p.is_noise(),
                p.twice_digits.map_or(String::new(), |d| format!("{d:.1}")),
            ));
        }
    }
    out
}

/// Returns a log-log SVG plot of one row: points, fit, claimed slope, bound.
pub fn svg(r: &Row) -> String {
    let pts: Vec<(f64, f64)> = r
        .points
        .iter()
        .filter(|p| !p.value.is_zero())
        .map(|p| (p.x, log10_abs(&p.value).to_f64()))
        .collect();
    let bounds: Vec<(f64, f64)> = r
        .points
        .iter()
        .filter_map(|p| p.bound.as_ref().filter(|b| **b > 0).map(|b| (p.x, log10_abs(b).to_f64())))
        .collect();
    let all: Vec<&(f64, f64)> = pts.iter().chain(&bounds).collect();
    let (w, h, pad) = (640.0, 400.0, 50.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{pad}\" y=\"20\">{} — {} — {} ({})</text>\n",
        r.source, r.quantity, r.family, r.schedule
    );
    if all.is_empty() {
        out.push_str("<text x=\"50\" y=\"200\">exact zero at every point</text>\n</svg>\n");
        return out;
    }
    let (x0, x1) = bounds_of(all.iter().map(|p| p.0));
    let (y0, y1) = bounds_of(all.iter().map(|p| p.1));
    let sx = |x: f64| pad + (x - x0) / (x1 - x0).max(1e-9) * (w - 2.0 * pad);
    let sy = |y: f64| h - pad - (y - y0) / (y1 - y0).max(1e-9) * (h - 2.0 * pad);
    out.push_str(&format!(
        "<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n\
         <line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{}\" stroke=\"black\"/>\n\
         <text x=\"{}\" y=\"{}\">log10 x: {x0:.1} … {x1:.1}</text>\n\
         <text x=\"5\" y=\"{}\">log10 y: {y0:.1} … {y1:.1}</text>\n",
        h - pad,
        w - pad,
        h - pad,
        h - pad,
        w / 2.0 - 40.0,
        h - 15.0,
        pad - 10.0
    ));
    for (x, y) in &pts {
        out.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#1f77b4\"/>\n",
            sx(*x),
            sy(*y)
        ));
    }
    if bounds.len() > 1 {
        out.push_str(&polyline(&bounds, &sx, &sy, "#d62728", "4 3"));
    }
    if let Outcome::Fitted { fit, .. } = &r.outcome {
        let (a, b) = (pts[fit.window_start.min(pts.len() - 1)].0, pts[pts.len() - 1].0);
        let line = [(a, fit.intercept + fit.slope * a), (b, fit.intercept + fit.slope * b)];
        out.push_str(&polyline(&line, &sx, &sy, "#1f77b4", ""));
        let (xl, yl) = pts[pts.len() - 1];
        let claimed = [(a, yl + r.exponent * (a - xl)), (xl, yl)];
        out.push_str(&polyline(&claimed, &sx, &sy, "#2ca02c", "2 2"));
    }
    out.push_str(&format!(
        "<text x=\"{}\" y=\"35\" fill=\"#1f77b4\">● measured, — fit</text>\
         <text x=\"{}\" y=\"48\" fill=\"#2ca02c\">- - claimed slope {:.3}</text>\
         <text x=\"{}\" y=\"61\" fill=\"#d62728\">- - explicit bound</text>\n</svg>\n",
        w - 220.0,
        w - 220.0,
        r.exponent,
        w - 220.0
    ));
    out
}

fn bounds_of(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let v: Vec<f64> = values.collect();
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, hi + 1.0)
    }
}

fn polyline(
    points: &[(f64, f64)],
    sx: &dyn Fn(f64) -> f64,
    sy: &dyn Fn(f64) -> f64,
    color: &str,
    dash: &str,
) -> String {
    let coords: Vec<String> =
        points.iter().map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y))).collect();
    format!(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-dasharray=\"{dash}\"/>\n",
        coords.join(" ")
    )
}

/// Returns the file name of a row's plot.
pub fn plot_name(r: &Row) -> String {
    let clean = |s: &str| {
        s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect::<String>()
    };
    format!("{}--{}--{}.svg", r.claim, clean(&r.family), clean(&r.schedule))
}
