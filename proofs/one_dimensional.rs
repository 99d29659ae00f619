//! The warm-up's outcome, scaling and programs (Section 3), shared by its three proofs.
//!
//! Section 3 does not use the fixed point of f: it takes x to be a median of
//! the ideal points, ∫ p(i) sgn(x − y_i) di = 0, and c_i = 1/(w_i |x − y_i|),
//! with q = n ∫ p(k) |x − y_k|⁻¹ dk. Everything here is built from those
//! definitions, in exact rational arithmetic from the instance's own
//! (exact) ideal points, weights and masses.
//!
//! # Hypotheses
//!
//! 1. m = 1 ([`ONE_DIMENSIONAL`]).
//! 2. A finite population whose median x carries no atom ([`MEDIAN_WITHOUT_ATOM`]):
//!    the masses at or below some ideal point a sum to exactly 1/2, and x is
//!    taken in the middle of the gap (a, b) to the next ideal point (Section 3
//!    allows any median). With an atom at x, c_i and q are infinite. For a
//!    density that is positive around x they are infinite as well:
//!    ∫ p(k) |x − y_k|⁻¹ dk diverges like ∫ dy/|y|, and so does
//!    U(x') = −n ∫ p (x' − y)² / |x − y| for every x' ≠ x; footnote 11's
//!    "its integral is indeed well-defined" holds for neither.
//!
//! # Numerical method
//!
//! δ_i and λ_i are Program 1's optimum under the warm-up's c, found by
//! `agent::solve` (which uses none of Section 3's lemmas) at the working
//! precision plus 64 bits plus the bits by which max(|x|, max_k |y_k|)
//! exceeds |δ_i| (the
//! solver keeps the gradient of U at its rounded x, which moves δ_i by
//! about the rounding of x), and re-based on the exact x.

use rug::{Float, Rational};

use super::exact_welfare::exact;
use crate::agent::{self, Externality};
use crate::equilibrium::{Equilibrium, Params, Type};
use crate::error::Result;
use crate::lemmas::power_is_a_weighted_square::excess_bits;
use crate::numeric::Context;
use crate::population::Population;
use crate::solved::Solved;

/// m = 1: the warm-up is one-dimensional.
pub const ONE_DIMENSIONAL: &str = "m = 1 (Section 3)";

/// A median with no type at it, so that c_i = 1/(w_i |x − y_i|) and q are finite.
pub const MEDIAN_WITHOUT_ATOM: &str =
    "a finite population whose median x carries no atom (c_i = 1/(w_i |x − y_i|), q finite)";

/// The warm-up's x, c and q, exactly.
pub struct WarmUp {
    pub x: Rational,
    pub n: Rational,
    /// Each type's (y_i, w_i, mass s_i), from the instance.
    pub types: Vec<(Rational, Rational, Rational)>,
    /// c_i = 1/(w_i |x − y_i|).
    pub c: Vec<Rational>,
    /// q = n ∫ p(k) |x − y_k|⁻¹ dk.
    pub q: Rational,
    /// Σ s c w, Σ s c w y, Σ s c w y²: U(z) = −n (A z² − 2 B z + C).
    moments: [Rational; 3],
}

impl WarmUp {
    /// Builds the warm-up's objects, or names the hypotheses that fail.
    pub fn of(s: &Solved) -> std::result::Result<WarmUp, Vec<String>> {
        let mut unmet = Vec::new();
        if s.params.m != 1 {
            unmet.push(ONE_DIMENSIONAL.to_string());
        }
        let median = match &s.instance.population {
            Population::Finite(types) if s.params.m == 1 => median_gap(types),
            _ => None,
        };
        let Some(x) = median else {
            unmet.push(MEDIAN_WITHOUT_ATOM.to_string());
            return Err(unmet);
        };
        let Population::Finite(types) = &s.instance.population else {
            unreachable!("a median is found only for a finite population");
        };
        let total: Rational = types.iter().map(|t| &t.mass).sum();
        let types: Vec<(Rational, Rational, Rational)> = types
            .iter()
            .map(|t| (t.y[0].clone(), t.w[0].clone(), Rational::from(&t.mass / &total)))
            .collect();
        let c: Vec<Rational> = types
            .iter()
            .map(|(y, w, _)| Rational::from(w * &Rational::from(&x - y).abs()).recip())
            .collect();
        let n = s.instance.n.clone();
        let mut inverse_distance = Rational::new();
        let mut moments = [Rational::new(), Rational::new(), Rational::new()];
        for ((y, w, mass), ck) in types.iter().zip(&c) {
            inverse_distance += Rational::from(mass * &Rational::from(&x - y).abs().recip());
            let scw = Rational::from(mass * ck) * w;
            let scwy = Rational::from(&scw * y);
            moments[2] += Rational::from(&scwy * y);
            moments[1] += &scwy;
            moments[0] += scw;
        }
        let q = Rational::from(&n * &inverse_distance);
        Ok(WarmUp { x, n, types, c, q, moments })
    }

    /// Returns U(z) = −n ∫ p(i) c_i w_i (z − y_i)² di under the warm-up's c.
    pub fn welfare(&self, z: &Rational) -> Rational {
        let [a, b, c] = &self.moments;
        let quadratic = Rational::from(a * z) * z;
        let linear = Rational::from(b * z) * 2u32;
        -(quadratic - linear + c) * &self.n
    }

    /// Returns dU/dz as (U(z + 1) − U(z − 1)) / 2, exact for a quadratic.
    pub fn slope(&self, z: &Rational) -> Rational {
        let up = self.welfare(&Rational::from(z + 1u32));
        let down = self.welfare(&Rational::from(z - 1u32));
        (up - down) / 2u32
    }

    /// Returns u_i(z) = −c_i w_i (z − y_i)².
    pub fn utility(&self, i: usize, z: &Rational) -> Rational {
        let (y, w, _) = &self.types[i];
        let d = Rational::from(z - y);
        -(Rational::from(&d * &d) * w * &self.c[i])
    }

    /// Returns |x − y_i|.
    pub fn distance(&self, i: usize) -> Rational {
        Rational::from(&self.x - &self.types[i].0).abs()
    }

    /// Solves Program 1 under the warm-up's c for the given types, and
    /// returns (δ_i, λ_i, tight) with δ_i re-based on the exact x.
    ///
    /// # Errors
    ///
    /// Fails when a program cannot be solved.
    pub fn programs(&self, s: &Solved, which: &[usize]) -> Result<Vec<(Rational, Rational, bool)>> {
        // A first solve at the working precision tells how far |x| exceeds |δ_i|.
        let (eq, types, params) = self.equilibrium(&s.ctx, s);
        let ext = Externality::of(&types, &eq, &params.n);
        // The rounding of x is relative to the terms it is made of, at most max_k |y_k|.
        let magnitude =
            types.iter().fold(eq.x[0].clone().abs(), |a, t| a.max(&t.y[0].clone().abs()));
        let mut extra = 64;
        for &i in which {
            let program = agent::solve(&s.ctx, &types, &eq, &ext, &params, i)?;
            extra = extra.max(64 + excess_bits(&magnitude, &program.delta[0]));
        }
        let wide = s.ctx.widened(extra);
        let (eq, types, params) = self.equilibrium(&wide, s);
        let ext = Externality::of(&types, &eq, &params.n);
        which
            .iter()
            .map(|&i| {
                let program = agent::solve(&wide, &types, &eq, &ext, &params, i)?;
                let point = exact(&eq.x[0]) + exact(&program.delta[0]);
                Ok((point - &self.x, exact(&program.lambda), program.tight))
            })
            .collect()
    }

    /// The warm-up's c with its aggregates, the types and the parameters at `ctx`.
    fn equilibrium(&self, ctx: &Context, s: &Solved) -> (Equilibrium, Vec<Type>, Params) {
        let types: Vec<Type> = self
            .types
            .iter()
            .map(|(y, w, mass)| Type {
                y: vec![ctx.rational(y)],
                w: vec![ctx.rational(w)],
                mass: ctx.rational(mass),
                cell: None,
            })
            .collect();
        let params = Params::of(ctx, &s.instance);
        let c: Vec<Float> = self.c.iter().map(|v| ctx.rational(v)).collect();
        (Equilibrium::from_scaling(&types, &params.n, c), types, params)
    }
}

/// Returns the middle of the gap at which the mass splits exactly in half, if any.
fn median_gap(types: &[crate::population::AgentType]) -> Option<Rational> {
    let total: Rational = types.iter().map(|t| &t.mass).sum();
    let mut points: Vec<&Rational> = types.iter().map(|t| &t.y[0]).collect();
    points.sort();
    points.dedup();
    for pair in points.windows(2) {
        let below: Rational = types.iter().filter(|t| t.y[0] <= *pair[0]).map(|t| &t.mass).sum();
        if below * 2u32 == total {
            return Some(Rational::from(pair[0] + pair[1]) / 2u32);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solve(types: &str) -> Solved {
        let text = format!(
            r#"{{"n": "1e6", "alpha": {{"power_of_n": "-7/8"}}, "gamma": "1/1000",
            "weight_box": {{"min": "1/2", "max": "3"}},
            "outcome_set": {{"box": {{"lo": ["-1"], "hi": ["1"]}}}},
            "population": {{"types": [{types}]}}}}"#
        );
        let instance = crate::instance_file::from_str(&text).unwrap();
        crate::solved::solve(&crate::numeric::Context::new(256).unwrap(), &instance).unwrap()
    }

    // Section 3: the median is any point of the gap where the mass splits in half.
    #[test]
    fn the_median_is_the_middle_of_the_gap() {
        let s = solve(
            r#"{"y": ["-1"], "w": ["2"], "mass": "3"}, {"y": ["-1/2"], "w": ["1/2"], "mass": "2"},
            {"y": ["1/2"], "w": ["3"], "mass": "2"}, {"y": ["1"], "w": ["1"], "mass": "3"}"#,
        );
        let warm_up = WarmUp::of(&s).ok().unwrap();
        assert_eq!(warm_up.x, 0);
        // q = n Σ s/|x − y| = 10⁶ (3/10 + 2/10 · 2 + 2/10 · 2 + 3/10) = 1.4·10⁶.
        assert_eq!(warm_up.q, Rational::from(1_400_000));
        // The warm-up's c makes the gradient of U vanish at the median.
        assert_eq!(warm_up.slope(&warm_up.x), 0);
    }

    #[test]
    fn an_atom_at_the_median_is_refused() {
        let s = solve(
            r#"{"y": ["-1"], "w": ["1"], "mass": "1"}, {"y": ["0"], "w": ["1"], "mass": "2"},
            {"y": ["1"], "w": ["1"], "mass": "1"}"#,
        );
        assert_eq!(WarmUp::of(&s).err().unwrap(), vec![MEDIAN_WITHOUT_ATOM.to_string()]);
    }
}
