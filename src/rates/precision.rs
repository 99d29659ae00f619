//! How far the numbers can be trusted: a rerun at twice the precision, and
//! where a 53-bit evaluation (f64's significand, then f64's range) fails.

use rug::Float;

use crate::numeric::log10_abs;
use crate::solved::Solved;

use super::Point;

/// How far a 53-bit evaluation follows the working precision along a sweep in n.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DoubleAgreement {
    /// The last decade up to which it agrees to 3 digits (None: not even at the first).
    pub up_to: Option<u32>,
    /// The first decade where it fails, and how.
    pub failure: Option<(u32, DoubleFailure)>,
}

/// What first stops an f64 evaluation from agreeing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DoubleFailure {
    /// A 53-bit significand loses the digits (MPFR at 53 bits, which keeps
    /// its wide exponent range, so this is the loss of digits alone).
    Digits,
    /// A magnitude the evaluation holds leaves f64's range: n, c, Q or q
    /// beyond 2^1024, or the value itself outside [2^-1022, 2^1024).
    Range,
    /// The 53-bit solve fails, or the quantity is undefined there.
    Solve,
}

impl DoubleAgreement {
    /// Records one decade; the first failure ends the agreement.
    pub(super) fn record(&mut self, decade: u32, failure: Option<DoubleFailure>) {
        if self.failure.is_some() {
            return;
        }
        match failure {
            None => self.up_to = Some(decade),
            Some(kind) => self.failure = Some((decade, kind)),
        }
    }

    /// Returns the table's text: the last agreeing n and what fails after it.
    pub fn describe(&self) -> String {
        let up_to = self.up_to.map_or("never".to_string(), |d| format!("n = 1e{d}"));
        match self.failure {
            None => up_to,
            Some((d, kind)) => {
                let why = match kind {
                    DoubleFailure::Digits => "digits lost",
                    DoubleFailure::Range => "beyond f64's range",
                    DoubleFailure::Solve => "53-bit solve fails",
                };
                format!("{up_to} ({why} at 1e{d})")
            }
        }
    }
}

/// The agreement of a row's rerun points with a rerun at twice the precision.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Agreement {
    /// The rerun points that are not noise.
    pub points: usize,
    /// The fewest digits in which such a point agrees, capped at the working
    /// precision's digits (a point that reruns to the same value gets the cap).
    pub digits: f64,
}

/// Fewer digits of agreement at twice the precision than this make a fitted row inconclusive.
pub const AGREEMENT_DIGITS: f64 = 3.0;

impl Agreement {
    /// Summarises the rerun points of a row, or None when none was rerun.
    pub(super) fn of(points: &[Point]) -> Option<Agreement> {
        let rerun: Vec<&Point> = points.iter().filter(|p| p.twice_digits.is_some()).collect();
        if rerun.is_empty() {
            return None;
        }
        let kept: Vec<f64> =
            rerun.iter().filter(|p| !p.is_noise()).filter_map(|p| p.twice_digits).collect();
        let digits = kept.iter().cloned().fold(f64::INFINITY, f64::min);
        Some(Agreement { points: kept.len(), digits })
    }

    /// Returns the table's text.
    pub fn describe(&self) -> String {
        if self.points == 0 {
            return "noise only".to_string();
        }
        let plural = if self.points == 1 { "" } else { "s" };
        format!("≥ {} digits ({} point{plural})", self.digits.floor(), self.points)
    }
}

/// Returns the digits in which `value` and its rerun `twice` agree.
pub(super) fn agreement_digits(value: &Float, twice: &Float) -> f64 {
    let cap = value.prec() as f64 * std::f64::consts::LOG10_2;
    if value == twice {
        return cap;
    }
    if value.is_zero() || twice.is_zero() {
        return 0.0;
    }
    let gap = Float::with_val(twice.prec(), twice - value).abs() / twice.clone().abs();
    // The log is taken in MPFR: the gap may lie far below f64's range.
    (-log10_abs(&gap).to_f64()).clamp(0.0, cap)
}

/// Returns true when `value` is 0 or within f64's normal range [2^-1022, 2^1024).
pub(super) fn in_double_range(value: &Float) -> bool {
    if value.is_zero() {
        return true;
    }
    // MPFR's exponent e puts |value| in [2^(e−1), 2^e).
    value.get_exp().is_some_and(|e| (-1021..=1024).contains(&e))
}

/// Returns true when the large magnitudes of a solve (n, c, Q, q) stay below 2^1024.
///
/// Small ones are not checked: a type at x has r and y − x of rounding size
/// at any precision, which f64 would hold as 0 without harm.
pub(super) fn solved_in_double_range(s: &Solved) -> bool {
    let below = |v: &Float| v.get_exp().is_none_or(|e| e <= 1024);
    let eq = &s.eq;
    below(&s.params.n) && eq.c.iter().chain(&eq.big_q).chain(&eq.q).all(below)
}

/// Returns true when `low` matches `value` to 3 significant digits.
pub(super) fn three_digits(value: &Float, low: &Float) -> bool {
    if value.is_zero() {
        return low.is_zero();
    }
    let gap = Float::with_val(value.prec(), value - low).abs() / value.clone().abs();
    gap * 2000u32 <= 1u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;
    use rug::ops::Pow;

    #[test]
    fn double_range_is_f64s_normal_range() {
        let ctx = Context::new(64).unwrap();
        let one = ctx.int(1);
        assert!(in_double_range(&(one.clone() << 1023u32)));
        assert!(!in_double_range(&(one.clone() << 1024u32)));
        assert!(in_double_range(&(one.clone() >> 1022u32)));
        assert!(!in_double_range(&(one.clone() >> 1023u32)));
        assert!(in_double_range(&ctx.zero()));
        assert!(!in_double_range(&-(one << 2000u32)));
    }

    #[test]
    fn agreement_digits_count_the_common_leading_digits() {
        let ctx = Context::new(128).unwrap();
        let value = ctx.ratio(1, 3);
        let near = value.clone() + ctx.int(1) / ctx.int(10).pow(20u32);
        let digits = agreement_digits(&value, &near);
        assert!((19.0..=20.0).contains(&digits), "{digits}");
        assert_eq!(agreement_digits(&ctx.zero(), &ctx.zero()), 128.0 * std::f64::consts::LOG10_2);
        assert_eq!(agreement_digits(&ctx.zero(), &value), 0.0);
    }
}
