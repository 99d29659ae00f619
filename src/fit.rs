//! Log-log fits of measured rates: slope, confidence interval, window.
//!
//! The fit runs on log10 values computed in MPFR (so quantities beyond the
//! f64 range, such as φ_i(0) once n passes 1e154, still fit); the logs
//! themselves are small numbers and are fitted in f64, which is fine for
//! evidence that is labelled as such and never enters a verdict of a lemma.

/// A least-squares line through (log10 n, log10 value) points.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Fit {
    pub slope: f64,
    pub intercept: f64,
    /// Half-width of the 95% confidence interval of the slope.
    pub half_width: f64,
    /// Index of the first point of the window (points before it are pre-asymptotic).
    pub window_start: usize,
    pub points: usize,
}

/// How a measured slope compares with the claimed exponent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RateVerdict {
    /// The quantity decays at least as fast as claimed.
    Consistent,
    /// It decays measurably slower than claimed.
    Inconsistent,
    /// The interval straddles the claim.
    Inconclusive,
}

impl RateVerdict {
    /// Returns the verdict's name as printed in tables.
    pub fn name(self) -> &'static str {
        match self {
            RateVerdict::Consistent => "consistent",
            RateVerdict::Inconsistent => "inconsistent",
            RateVerdict::Inconclusive => "inconclusive",
        }
    }
}

/// The fewest points a window may keep.
pub const MIN_WINDOW: usize = 4;

/// Local slopes may spread by this much inside the asymptotic window.
pub const WINDOW_SPREAD: f64 = 0.15;

/// Two-sided 95% Student t quantiles for 1..=30 degrees of freedom.
const T95: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// Returns the slopes between consecutive points.
pub fn local_slopes(xs: &[f64], ys: &[f64]) -> Vec<f64> {
    xs.windows(2).zip(ys.windows(2)).map(|(x, y)| (y[1] - y[0]) / (x[1] - x[0])).collect()
}

/// Fits a line by least squares over `xs[start..]`.
pub fn line(xs: &[f64], ys: &[f64], start: usize) -> Option<Fit> {
    let (x, y) = (&xs[start..], &ys[start..]);
    let k = x.len();
    if k < 3 {
        return None;
    }
    let kf = k as f64;
    let mx = x.iter().sum::<f64>() / kf;
    let my = y.iter().sum::<f64>() / kf;
    let sxx: f64 = x.iter().map(|v| (v - mx).powi(2)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let sse: f64 = x.iter().zip(y).map(|(a, b)| (b - intercept - slope * a).powi(2)).sum();
    let se = (sse / (kf - 2.0) / sxx).sqrt();
    let t = T95[(k - 3).min(T95.len() - 1)];
    Some(Fit { slope, intercept, half_width: t * se, window_start: start, points: k })
}

/// Chooses the asymptotic window and fits it.
///
/// The window drops leading points while the remaining local slopes spread
/// by more than [`WINDOW_SPREAD`], keeping at least [`MIN_WINDOW`] points:
/// the first decades of a sweep are often pre-asymptotic.
pub fn asymptotic(xs: &[f64], ys: &[f64]) -> Option<Fit> {
    if xs.len() < 3 {
        return None;
    }
    let slopes = local_slopes(xs, ys);
    let mut start = 0;
    while xs.len() - start > MIN_WINDOW {
        let tail = &slopes[start..];
        let lo = tail.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = tail.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        if hi - lo <= WINDOW_SPREAD {
            break;
        }
        start += 1;
    }
    line(xs, ys, start)
}

/// Compares a fitted slope with a claimed exponent (a decay: more negative is faster).
pub fn judge(fit: &Fit, claimed: f64) -> RateVerdict {
    // A margin of 0.05 in the exponent absorbs the curvature left in a
    // window of a dozen decades by the lower-order terms of the bound.
    let slack = 0.05;
    if fit.slope + fit.half_width <= claimed + slack {
        RateVerdict::Consistent
    } else if fit.slope - fit.half_width > claimed + slack {
        RateVerdict::Inconsistent
    } else {
        RateVerdict::Inconclusive
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn power_law(exponent: f64, noise: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let xs: Vec<f64> = (0..noise.len()).map(|k| 2.0 + 3.0 * k as f64).collect();
        let ys = xs.iter().zip(noise).map(|(x, e)| 1.5 + exponent * x + e).collect();
        (xs, ys)
    }

    #[test]
    fn recovers_a_clean_power_law() {
        let (xs, ys) = power_law(-0.625, &[0.0; 12]);
        let fit = asymptotic(&xs, &ys).unwrap();
        assert!((fit.slope + 0.625).abs() < 1e-12);
        assert!(fit.half_width < 1e-9);
        assert_eq!(fit.window_start, 0);
    }

    #[test]
    fn recovers_a_noisy_power_law_within_its_interval() {
        let noise = [0.02, -0.03, 0.01, 0.0, -0.02, 0.03, -0.01, 0.02, -0.02, 0.01, 0.0, -0.01];
        let (xs, ys) = power_law(-0.25, &noise);
        let fit = asymptotic(&xs, &ys).unwrap();
        assert!((fit.slope + 0.25).abs() <= fit.half_width, "{fit:?}");
        assert_eq!(judge(&fit, -0.25), RateVerdict::Consistent);
        assert_eq!(judge(&fit, -0.5), RateVerdict::Inconsistent);
    }

    #[test]
    fn drops_pre_asymptotic_decades() {
        // Flat for the first three points, then a clean slope of −1.
        let xs: Vec<f64> = (0..12).map(|k| k as f64).collect();
        let ys: Vec<f64> = xs.iter().map(|&x| if x < 3.0 { -3.0 } else { -x }).collect();
        let fit = asymptotic(&xs, &ys).unwrap();
        assert!(fit.window_start >= 2, "{fit:?}");
        assert!((fit.slope + 1.0).abs() < 1e-12);
    }
}
