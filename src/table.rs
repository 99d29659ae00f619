//! Tables in the formats a paper or a script wants: Markdown (the
//! default), CSV, JSON and LaTeX (booktabs).
//!
//! Cells arrive as text already formatted by [`crate::numeric::sci`] (or
//! [`crate::numeric::sci_up`] for bounds), so every format shows the same
//! digits: a table pasted into a paper says what the report says.

use serde_json::{Map, Value};
use tabled::builder::Builder;
use tabled::settings::Style;

use crate::error::{Error, Result};

/// An output format for tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Csv,
    Json,
    Latex,
}

impl Format {
    /// Parses a `--format` value.
    ///
    /// # Errors
    ///
    /// Names the value when it is not one of md, csv, json, latex.
    pub fn parse(text: &str) -> Result<Format> {
        match text {
            "md" | "markdown" => Ok(Format::Markdown),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "latex" | "tex" => Ok(Format::Latex),
            _ => Err(Error::invalid(format!(
                "--format \"{text}\": expected one of md, csv, json, latex"
            ))),
        }
    }
}

/// A header and rows of formatted cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Builds a table from a header and rows.
    pub fn new(header: &[&str], rows: Vec<Vec<String>>) -> Table {
        Table { header: header.iter().map(|h| h.to_string()).collect(), rows }
    }

    /// Renders the table in `format`, without a final line break (the
    /// caller prints the table as a line).
    pub fn render(&self, format: Format) -> String {
        let text = match format {
            Format::Markdown => self.markdown(),
            Format::Csv => self.csv(),
            Format::Json => self.json(),
            Format::Latex => self.latex(),
        };
        text.trim_end_matches('\n').to_string()
    }

    /// A Markdown table; a `|` inside a cell (as in |r − r(i_ℓ)|) is escaped.
    pub fn markdown(&self) -> String {
        let mut builder = Builder::default();
        builder.push_record(self.header.iter().cloned());
        for row in &self.rows {
            builder.push_record(row.iter().map(|cell| cell.replace('|', "\\|")));
        }
        builder.build().with(Style::markdown()).to_string()
    }

    /// CSV after RFC 4180: a cell with a comma, a quote or a line break is
    /// quoted, and its quotes doubled.
    pub fn csv(&self) -> String {
        let line = |cells: &[String]| {
            let quoted: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            quoted.join(",") + "\n"
        };
        let mut out = line(&self.header);
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }

    /// A JSON array with one object per row, keyed by the header; an
    /// empty header cell (the relation column) is keyed "relation".
    pub fn json(&self) -> String {
        let keys: Vec<String> = self
            .header
            .iter()
            .map(|h| if h.is_empty() { "relation".to_string() } else { h.clone() })
            .collect();
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                let object: Map<String, Value> =
                    keys.iter().cloned().zip(row.iter().map(|c| Value::from(c.as_str()))).collect();
                Value::Object(object)
            })
            .collect();
        serde_json::to_string_pretty(&rows).expect("strings always serialise") + "\n"
    }

    /// A LaTeX tabular with booktabs rules; numbers like 1.5e-7 become
    /// $1.5\times 10^{-7}$, relations $\le$ and $\ge$, and TeX's special
    /// characters are escaped. Labels keep the paper's Unicode (ρ, √, ∫):
    /// typeset with LuaLaTeX or XeLaTeX.
    pub fn latex(&self) -> String {
        let columns = "l".repeat(self.header.len());
        let line = |cells: &[String]| {
            let escaped: Vec<String> = cells.iter().map(|c| latex_cell(c)).collect();
            escaped.join(" & ") + " \\\\\n"
        };
        let mut out = format!("\\begin{{tabular}}{{{columns}}}\n\\toprule\n");
        out.push_str(&line(&self.header));
        out.push_str("\\midrule\n");
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out.push_str("\\bottomrule\n\\end{tabular}\n");
        out
    }
}

fn csv_cell(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

fn latex_cell(cell: &str) -> String {
    if let Some(number) = scientific(cell) {
        return number;
    }
    // A relation column: math mode, which every TeX engine typesets.
    match cell {
        "≤" => return "$\\le$".to_string(),
        "≥" => return "$\\ge$".to_string(),
        "<" | ">" | "=" => return format!("${cell}$"),
        _ => {}
    }
    let mut out = String::with_capacity(cell.len());
    for ch in cell.chars() {
        match ch {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(ch);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '|' => out.push_str("\\textbar{}"),
            '—' => out.push_str("---"),
            '–' => out.push_str("--"),
            _ => match math_symbol(ch) {
                Some(tex) => {
                    out.push_str("\\ensuremath{");
                    out.push_str(tex);
                    out.push('}');
                }
                None => out.push(ch),
            },
        }
    }
    out
}

/// The TeX for a symbol the crate's labels use, so that pdflatex (which
/// has no Unicode math) typesets every cell; `\ensuremath` works in text.
fn math_symbol(ch: char) -> Option<&'static str> {
    Some(match ch {
        '≤' => "\\le",
        '≥' => "\\ge",
        '≠' => "\\ne",
        '≈' => "\\approx",
        '√' => "\\surd",
        '∫' => "\\int",
        '∂' => "\\partial",
        'Σ' => "\\Sigma",
        'Γ' => "\\Gamma",
        '‖' => "\\|",
        '∈' => "\\in",
        '∉' => "\\notin",
        '∀' => "\\forall",
        '∃' => "\\exists",
        '→' => "\\to",
        '∞' => "\\infty",
        '·' => "\\cdot",
        '×' => "\\times",
        '−' => "-",
        '′' => "'",
        '″' => "''",
        '²' => "^2",
        '³' => "^3",
        '⁴' => "^4",
        '⁻' => "^-",
        '¹' => "^1",
        '₁' => "_1",
        '₂' => "_2",
        '⌈' => "\\lceil",
        '⌉' => "\\rceil",
        // A combining hat, as in N̂: a hat over the previous letter would
        // need the letter; \hat{} alone marks it.
        '\u{302}' => "\\hat{}",
        'α' => "\\alpha",
        'β' => "\\beta",
        'γ' => "\\gamma",
        'δ' => "\\delta",
        'ε' => "\\varepsilon",
        'η' => "\\eta",
        'λ' => "\\lambda",
        'π' => "\\pi",
        'ρ' => "\\rho",
        'τ' => "\\tau",
        'φ' => "\\varphi",
        'χ' => "\\chi",
        'Δ' => "\\Delta",
        'Ω' => "\\Omega",
        'ℓ' => "\\ell",
        '∇' => "\\nabla",
        '≡' => "\\equiv",
        '∅' => "\\emptyset",
        '…' => "\\dots",
        '½' => "\\tfrac12",
        '⁶' => "^6",
        'ᵀ' => "^T",
        '\u{304}' => "\\bar{}",
        '\u{303}' => "\\tilde{}",
        _ => return None,
    })
}

/// Returns `cell` in TeX math when it is a number in `sci`'s form.
fn scientific(cell: &str) -> Option<String> {
    let (mantissa, exponent) = cell.split_once('e')?;
    let numeric = |s: &str, allow_point: bool| {
        let body = s.strip_prefix('-').unwrap_or(s);
        !body.is_empty()
            && body.chars().all(|c| c.is_ascii_digit() || (allow_point && c == '.'))
            && body.chars().next().is_some_and(|c| c.is_ascii_digit())
    };
    if !numeric(mantissa, true) || !numeric(exponent, false) {
        return None;
    }
    Some(format!("${mantissa}\\times 10^{{{exponent}}}$"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        Table::new(
            &["check", "", "margin"],
            vec![
                vec!["|r − r(i_ℓ)|".into(), "≤".into(), "1.5e-7".into()],
                vec!["a, \"b\"".into(), "=".into(), "0".into()],
            ],
        )
    }

    #[test]
    fn csv_quotes_commas_and_quotes() {
        let csv = sample().csv();
        assert_eq!(csv.lines().nth(2), Some("\"a, \"\"b\"\"\",=,0"), "{csv}");
    }

    #[test]
    fn json_keys_rows_by_the_header() {
        let value: Value = serde_json::from_str(&sample().json()).unwrap();
        assert_eq!(value[0]["relation"], "≤");
        assert_eq!(value[1]["check"], "a, \"b\"");
    }

    #[test]
    fn latex_uses_booktabs_and_math_for_numbers() {
        let tex = sample().latex();
        assert!(tex.contains("\\toprule") && tex.contains("\\bottomrule"), "{tex}");
        assert!(tex.contains("$1.5\\times 10^{-7}$"), "{tex}");
        assert!(tex.contains("$\\le$") && !tex.contains('≤'), "{tex}");
        assert!(tex.contains("r(i\\_\\ensuremath{\\ell})"), "{tex}");
    }

    #[test]
    fn latex_cells_are_ascii_so_pdflatex_typesets_them() {
        // Every symbol the crate's labels use, in one cell.
        let symbols =
            "² − √ δ ‖ ∫ γ α λ Σ ℓ ⁻ ¹ η N̂ ≤ β ⁴ ≥ τ ε ₂ ∈ ∂ ³ Δ ∉ — ∇ · ⁶ … ᵀ ρ ½ χ ≡ x̄ \
                       ≠ ≈ ∀ – π Ω Γ x̃ ∞ ∅ ∃ →";
        let tex = latex_cell(symbols);
        assert!(tex.is_ascii(), "{tex}");
    }

    #[test]
    fn markdown_escapes_bars_inside_cells() {
        assert!(sample().markdown().contains("\\|r − r(i_ℓ)\\|"));
    }

    #[test]
    fn an_unknown_format_is_refused_naming_it() {
        let e = Format::parse("xlsx").unwrap_err();
        assert!(e.message.contains("\"xlsx\""), "{}", e.message);
    }
}
