//! Welfare in exact rational arithmetic, for the proofs whose displays are identities.
//!
//! The displays of Lemmas B.1, C.1 and C.2 are algebra around
//! ∇U(x) = 0, a sum that vanishes only in exact arithmetic: at the
//! working precision x_j = T_j / Q_j is rounded and the gradient left at
//! it is rounding noise, which no bound relative to the (vanishing) terms
//! can cover. Every Float of a solved instance is a dyadic rational, so the
//! integrals of U are taken exactly from the solved c instead, and x is the
//! exact quotient of its definition.
//!
//! U is evaluated from its definition with the square expanded under the
//! integral:
//!
//! ```text
//! U(z) = −n ∫ p(k) c_k Σ_j w_kj (z_j − y_kj)² dk
//!      = −n Σ_j (Q_j z_j² − 2 T_j z_j + S_j),
//! Q_j = ∫ p c w_j,  T_j = ∫ p c w_j y_j,  S_j = ∫ p c w_j y_j²
//! ```
//!
//! and its derivatives from differences of U, which are exact for a
//! quadratic: no derivative formula of the paper is assumed.

use rug::{Float, Rational};

use crate::solved::Solved;

/// Returns the exact value of a finite Float.
///
/// # Panics
///
/// On NaN or infinity, which a solved instance never holds.
pub fn exact(v: &Float) -> Rational {
    v.to_rational().expect("a finite value")
}

/// The integrals that U is made of, exactly, and the exact x(c).
pub struct ExactWelfare {
    pub n: Rational,
    /// Q_j = ∫ p c w_j.
    pub big_q: Vec<Rational>,
    /// T_j = ∫ p c w_j y_j.
    pub moment: Vec<Rational>,
    /// S_j = ∫ p c w_j y_j².
    pub second: Vec<Rational>,
    /// x_j = T_j / Q_j, the definition of Theorem 4.1.
    pub x: Vec<Rational>,
}

impl ExactWelfare {
    /// Takes the integrals of U exactly from a solved instance's c.
    pub fn of(s: &Solved) -> ExactWelfare {
        let m = s.params.m;
        let mut big_q = vec![Rational::new(); m];
        let mut moment = vec![Rational::new(); m];
        let mut second = vec![Rational::new(); m];
        for (t, c) in s.types.iter().zip(&s.eq.c) {
            let sc = exact(&t.mass) * exact(c);
            for j in 0..m {
                let scw = Rational::from(&sc * &exact(&t.w[j]));
                let y = exact(&t.y[j]);
                let scwy = Rational::from(&scw * &y);
                second[j] += Rational::from(&scwy * &y);
                moment[j] += &scwy;
                big_q[j] += scw;
            }
        }
        let x = moment.iter().zip(&big_q).map(|(t, q)| Rational::from(t / q)).collect();
        ExactWelfare { n: exact(&s.params.n), big_q, moment, second, x }
    }

    /// Returns U(z).
    pub fn at(&self, z: &[Rational]) -> Rational {
        let mut sum = Rational::new();
        for (j, zj) in z.iter().enumerate() {
            let quadratic = Rational::from(&self.big_q[j] * zj) * zj;
            let linear = Rational::from(&self.moment[j] * zj) * 2u32;
            sum += quadratic - linear + &self.second[j];
        }
        -sum * &self.n
    }

    /// Returns ∂U/∂z_j at z, as (U(z + e_j) − U(z − e_j)) / 2.
    pub fn slope(&self, z: &[Rational], j: usize) -> Rational {
        let up = self.at(&moved(z, &[(j, 1)]));
        let down = self.at(&moved(z, &[(j, -1)]));
        (up - down) / 2u32
    }

    /// Returns ∂²U/∂z_j∂z_l at z, from differences of U at z ± e_j ± e_l.
    pub fn curvature(&self, z: &[Rational], j: usize, l: usize) -> Rational {
        if j == l {
            let up = self.at(&moved(z, &[(j, 1)]));
            let down = self.at(&moved(z, &[(j, -1)]));
            return up + down - self.at(z) * 2u32;
        }
        let corner = |a: i32, b: i32| self.at(&moved(z, &[(j, a), (l, b)]));
        (corner(1, 1) - corner(1, -1) - corner(-1, 1) + corner(-1, -1)) / 4u32
    }

    /// Returns ∇U at z.
    pub fn gradient(&self, z: &[Rational]) -> Vec<Rational> {
        (0..z.len()).map(|j| self.slope(z, j)).collect()
    }

    /// Returns ∇²U at z, row by row.
    pub fn hessian(&self, z: &[Rational]) -> Vec<Vec<Rational>> {
        (0..z.len()).map(|j| (0..z.len()).map(|l| self.curvature(z, j, l)).collect()).collect()
    }
}

/// Returns z moved by the given unit steps along the given axes.
fn moved(z: &[Rational], steps: &[(usize, i32)]) -> Vec<Rational> {
    let mut out = z.to_vec();
    for &(axis, step) in steps {
        out[axis] += step;
    }
    out
}

/// Returns u_i(z) = −c_i Σ_j w_ij (z_j − y_ij)², exactly.
pub fn utility(s: &Solved, i: usize, z: &[Rational]) -> Rational {
    let t = &s.types[i];
    let mut sum = Rational::new();
    for (j, zj) in z.iter().enumerate() {
        let d = Rational::from(zj - &exact(&t.y[j]));
        sum += Rational::from(&d * &d) * exact(&t.w[j]);
    }
    -sum * exact(&s.eq.c[i])
}

/// Returns ∂u_i/∂z_j at z, as (u_i(z + e_j) − u_i(z − e_j)) / 2.
pub fn utility_slope(s: &Solved, i: usize, z: &[Rational], j: usize) -> Rational {
    let up = utility(s, i, &moved(z, &[(j, 1)]));
    let down = utility(s, i, &moved(z, &[(j, -1)]));
    (up - down) / 2u32
}

/// Returns vᵀ A v.
pub fn quadratic_form(a: &[Vec<Rational>], v: &[Rational]) -> Rational {
    let mut sum = Rational::new();
    for (row, vj) in a.iter().zip(v) {
        for (entry, vl) in row.iter().zip(v) {
            sum += Rational::from(entry * vj) * vl;
        }
    }
    sum
}

/// Returns aᵀ b.
pub fn dot(a: &[Rational], b: &[Rational]) -> Rational {
    a.iter().zip(b).map(|(x, y)| Rational::from(x * y)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;

    // The welfare of Section 2, expanded, against the solver's sum over types.
    #[test]
    fn expanded_welfare_is_the_sum_over_types() {
        let text = r#"{"n": "1e6", "alpha": {"power_of_n": "-7/8"}, "gamma": "1/100",
            "weight_box": {"min": "1", "max": "2"},
            "outcome_set": {"box": {"lo": ["0", "0"], "hi": ["1", "1"]}},
            "population": {"types": [{"y": ["0", "0"], "w": ["2", "1"], "mass": "1"},
                {"y": ["1", "0"], "w": ["1", "1"], "mass": "1"},
                {"y": ["0", "1"], "w": ["1", "2"], "mass": "2"}]}}"#;
        let instance = crate::instance_file::from_str(text).unwrap();
        let ctx = Context::new(256).unwrap();
        let s = crate::solved::solve(&ctx, &instance).unwrap();
        let exact_welfare = ExactWelfare::of(&s);
        let z = vec![Rational::from((1, 3)), Rational::from((3, 4))];
        let z_float: Vec<Float> = z.iter().map(|v| ctx.rational(v)).collect();
        let summed = s.welfare(&ctx.widened(64), &z_float);
        let gap = Float::with_val(256, &summed - &ctx.rational(&exact_welfare.at(&z))).abs();
        assert!(gap < summed.clone().abs() >> 240u32, "{summed} vs {}", exact_welfare.at(&z));

        // ∇U vanishes at the exact x, and the curvature is −2n Q_j on the diagonal.
        let x = &exact_welfare.x;
        assert!(exact_welfare.gradient(x).iter().all(|g| *g == 0));
        let h = exact_welfare.hessian(x);
        assert_eq!(h[0][1], 0);
        assert_eq!(h[1][1], Rational::from(&exact_welfare.big_q[1] * &exact_welfare.n) * -2);
    }
}
