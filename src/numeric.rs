//! The precision context, exact input conversion, and the named tolerances.
//!
//! Every MPFR value in the crate is created through a [`Context`], so its
//! precision is never a hidden default. Inputs arrive as [`Rational`]s parsed
//! from decimal strings or fractions and are rounded once, here.

use rug::float::{Constant, Round};
use rug::ops::Pow;
use rug::{Float, Integer, Rational};

use crate::error::{Error, Result};

/// The working precision when none is given, in bits.
pub const DEFAULT_PRECISION: u32 = 256;

/// The smallest working precision accepted: below it the error bounds of
/// the lemma checks are wider than most margins the suite measures.
pub const MIN_PRECISION: u32 = 64;

/// The largest working precision accepted, to keep a typo from exhausting memory.
pub const MAX_PRECISION: u32 = 1 << 16;

/// Named tolerances: every error bound of a lemma check is built from these.
pub mod tol {
    /// Units of roundoff charged per evaluated side. A side is a sum of at
    /// most a few thousand rounded operations over the types, each adding at
    /// most one unit of roundoff relative to the magnitude of its terms;
    /// 2^16 covers that with a wide margin and still leaves the bound far
    /// below any margin of interest at 256 bits.
    pub const ROUNDING_ULPS: u32 = 1 << 16;

    /// Factor applied to the relative fixed-point residual when a side uses
    /// the fixed-point property c = f(c): a relative error ρ in c moves the
    /// quantities derived from c by at most a small multiple of ρ (square
    /// roots halve it, squares double it, sums of three such factors).
    pub const RESIDUAL_AMPLIFICATION: u32 = 16;

    /// The fixed-point solver stops when the relative residual is below
    /// 2^-(precision - RESIDUAL_SLACK_BITS): the last bits are rounding noise.
    pub const RESIDUAL_SLACK_BITS: u32 = 24;

    /// Factor applied to the estimated quadrature error of a density's
    /// aggregates when it propagates into a side.
    pub const QUADRATURE_AMPLIFICATION: u32 = 16;
}

/// The precision context: the one source of precision for every value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    prec: u32,
}

impl Context {
    /// Creates a context at `prec` bits.
    ///
    /// # Errors
    ///
    /// Fails when `prec` is below [`MIN_PRECISION`] or above [`MAX_PRECISION`].
    pub fn new(prec: u32) -> Result<Context> {
        if prec < MIN_PRECISION {
            return Err(Error::invalid(format!(
                "precision must be at least {MIN_PRECISION} bits, got {prec}"
            )));
        }
        if prec > MAX_PRECISION {
            return Err(Error::invalid(format!(
                "precision must be at most {MAX_PRECISION} bits, got {prec}"
            )));
        }
        Ok(Context { prec })
    }

    /// Returns a context with f64's 53-bit significand.
    ///
    /// It exists only to measure where double precision stops agreeing with
    /// the working precision (the rates table's f64 column); no verdict is
    /// ever computed in it. MPFR keeps its wide exponent range, so this
    /// measures the loss of digits, not f64's overflow.
    pub fn double_precision() -> Context {
        Context { prec: 53 }
    }

    /// Returns the precision in bits.
    pub fn prec(&self) -> u32 {
        self.prec
    }

    /// Returns a context with `extra` more bits, for a side that cancels.
    pub fn widened(&self, extra: u32) -> Context {
        Context { prec: (self.prec + extra).min(MAX_PRECISION) }
    }

    /// Returns zero.
    pub fn zero(&self) -> Float {
        Float::new(self.prec)
    }

    /// Returns an integer value.
    pub fn int(&self, v: i64) -> Float {
        Float::with_val(self.prec, v)
    }

    /// Returns `num / den`, rounded once.
    pub fn ratio(&self, num: i64, den: i64) -> Float {
        let r = Rational::from((num, den));
        Float::with_val(self.prec, &r)
    }

    /// Rounds an exact rational input to this precision.
    pub fn rational(&self, r: &Rational) -> Float {
        Float::with_val(self.prec, r)
    }

    /// Re-rounds a value to this precision (exact when widening).
    pub fn lift(&self, v: &Float) -> Float {
        Float::with_val(self.prec, v)
    }

    /// Returns π.
    pub fn pi(&self) -> Float {
        Float::with_val(self.prec, Constant::Pi)
    }

    /// Returns the unit roundoff 2^(1 - prec).
    pub fn unit_roundoff(&self) -> Float {
        Float::with_val(self.prec, 1) >> (self.prec - 1)
    }

    /// Returns Γ(m/2 + 1), the normaliser of the volume of the m-ball.
    pub fn gamma_half_plus_one(&self, m: usize) -> Float {
        let arg = Float::with_val(self.prec, m as u64) / 2u32 + 1u32;
        arg.gamma()
    }

    /// Returns the volume of the unit ball in m dimensions: π^(m/2) / Γ(m/2 + 1).
    pub fn unit_ball_volume(&self, m: usize) -> Float {
        let half_m = Float::with_val(self.prec, m as u64) / 2u32;
        self.pi().pow(&half_m) / self.gamma_half_plus_one(m)
    }

    /// Returns `base^(num/den)`, rounded once from the exact exponent.
    pub fn power(&self, base: &Float, exponent: &Rational) -> Float {
        let e = Float::with_val(self.prec, exponent);
        Float::with_val(self.prec, base.pow(&e))
    }
}

/// Fails with a non-finite error unless `v` is a finite number.
///
/// # Errors
///
/// Names `place` when `v` is NaN or infinite.
pub fn finite(v: Float, place: &str) -> Result<Float> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::non_finite(place))
    }
}

/// Parses a decimal string ("0.1", "-2.5e-3", "1e40") or a fraction ("3/7").
///
/// The result is exact: no binary floating-point value is ever formed.
///
/// # Errors
///
/// Names `field` and quotes `text` when it is not such a number.
pub fn parse_exact(field: &str, text: &str) -> Result<Rational> {
    let bad = || {
        let quoted: String = text.chars().take(40).collect();
        let cut = if quoted.len() < text.len() { "..." } else { "" };
        Error::parse(format!(
            "{field} must be a decimal string or a fraction like \"3/7\", got \"{quoted}{cut}\""
        ))
    };
    let t = text.trim();
    if let Some((num, den)) = t.split_once('/') {
        let num = parse_decimal(num.trim()).ok_or_else(bad)?;
        let den = parse_decimal(den.trim()).ok_or_else(bad)?;
        if den == 0 {
            let quoted: String = text.chars().take(40).collect();
            return Err(Error::parse(format!("{field} has a zero denominator in \"{quoted}\"")));
        }
        return Ok(num / den);
    }
    parse_decimal(t).ok_or_else(bad)
}

/// Parses `[sign] digits [. digits] [e [sign] digits]` exactly.
fn parse_decimal(t: &str) -> Option<Rational> {
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(at) => (&t[..at], t[at + 1..].parse::<i32>().ok()?),
        None => (t, 0),
    };
    let (negative, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !all_digits(int_part) || !all_digits(frac_part) || exponent.unsigned_abs() > 100_000 {
        return None;
    }
    let joined = format!("{int_part}{frac_part}");
    let mut value = Rational::from(Integer::from_str_radix(&joined, 10).ok()?);
    let scale = exponent - frac_part.len() as i32;
    let ten_pow = Integer::from(10).pow(scale.unsigned_abs());
    if scale >= 0 {
        value *= ten_pow;
    } else {
        value /= ten_pow;
    }
    if negative {
        value = -value;
    }
    Some(value)
}

/// Formats a value with `digits` significant digits, in scientific notation.
///
/// Formatting happens in MPFR, so values beyond the f64 range print correctly.
pub fn sci(v: &Float, digits: usize) -> String {
    if v.is_zero() {
        return "0".to_string();
    }
    if !v.is_finite() {
        return v.to_string();
    }
    let s = v.to_string_radix(10, Some(digits));
    tidy_exponent(&s)
}

/// The precision of numbers quoted in error messages, nothing else.
const MESSAGE_PRECISION: u32 = 64;

/// Returns an exact value for a one-line message: exact when short, else
/// its first digits (a 10^100000 typed by mistake must not fill a screen).
pub fn brief(v: &Rational) -> String {
    let exact = v.to_string();
    if exact.len() <= 40 {
        return exact;
    }
    // Six digits of a message need no working precision: a fixed 64 bits.
    format!("≈{}", sci(&Float::with_val(MESSAGE_PRECISION, v), 6))
}

/// Formats `v` like [`sci`] but rounded away from zero, for error bounds
/// and other bounds, which must not shrink in print.
pub fn sci_up(v: &Float, digits: usize) -> String {
    if v.is_zero() || !v.is_finite() {
        return sci(v, digits);
    }
    let outward = if v.is_sign_negative() { Round::Down } else { Round::Up };
    let s = v.to_string_radix_round(10, Some(digits), outward);
    tidy_exponent(&s)
}

/// Rewrites MPFR's "1.234e5" / "1.234" style into "1.234e5" consistently.
fn tidy_exponent(s: &str) -> String {
    let (mantissa, exponent) = match s.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i64>().unwrap_or(0)),
        None => (s.to_string(), 0),
    };
    // MPFR prints at most `digits` significant digits but may place the
    // point anywhere; normalise to one digit before the point.
    let negative = mantissa.starts_with('-');
    let body = mantissa.trim_start_matches('-');
    let (ip, fp) = body.split_once('.').unwrap_or((body, ""));
    let digits: String = format!("{ip}{fp}");
    let lead = digits.find(|c: char| c != '0').unwrap_or(0);
    let digits = &digits[lead..];
    let shift = ip.len() as i64 - lead as i64 - 1;
    let exp = exponent + shift;
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&digits[..1]);
    let rest = digits[1..].trim_end_matches('0');
    if !rest.is_empty() {
        out.push('.');
        out.push_str(rest);
    }
    if exp != 0 {
        out.push_str(&format!("e{exp}"));
    }
    out
}

/// Returns log10 |v| computed in MPFR, for values beyond the f64 range.
pub fn log10_abs(v: &Float) -> Float {
    Float::with_val(v.prec(), v.abs_ref()).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_are_exact() {
        let sum = parse_exact("m", "0.1").unwrap()
            + parse_exact("m", "0.2").unwrap()
            + parse_exact("m", "0.7").unwrap();
        assert_eq!(sum, Rational::from(1));
    }

    #[test]
    fn exponents_and_fractions_parse() {
        assert_eq!(parse_exact("n", "1e40").unwrap(), Rational::from(Integer::from(10).pow(40)));
        assert_eq!(parse_exact("a", "-2.5e-1").unwrap(), Rational::from((-1, 4)));
        assert_eq!(parse_exact("a", "3/7").unwrap(), Rational::from((3, 7)));
        assert_eq!(parse_exact("a", ".5").unwrap(), Rational::from((1, 2)));
    }

    #[test]
    fn rejects_non_numbers_naming_the_field() {
        for bad in ["nan", "inf", "", "1/0", "1e", "--1", "0x10", "1.2.3"] {
            let err = parse_exact("gamma", bad).unwrap_err();
            assert!(err.message.contains("gamma"), "{bad}: {}", err.message);
        }
    }

    #[test]
    fn precision_below_minimum_is_an_error() {
        assert!(Context::new(63).is_err());
        assert_eq!(Context::new(64).unwrap().prec(), 64);
    }

    #[test]
    fn unit_ball_volume_matches_closed_forms() {
        let ctx = Context::new(128).unwrap();
        let v2 = ctx.unit_ball_volume(2);
        let v3 = ctx.unit_ball_volume(3);
        let tiny = ctx.int(1) >> 100u32;
        assert!((v2 - ctx.pi()).abs() < tiny);
        assert!((v3 - ctx.pi() * ctx.ratio(4, 3)).abs() < tiny);
    }

    #[test]
    fn prints_beyond_the_f64_range() {
        let ctx = Context::new(128).unwrap();
        let big = ctx.int(10).pow(400u32);
        assert_eq!(sci(&big, 4), "1e400");
        assert_eq!(sci(&ctx.ratio(-1, 8), 4), "-1.25e-1");
    }
}
