//! The proof of Lemma C.2 (Appendix C.1), link by link.
//!
//! # The chains
//!
//! For every type i (at most 48, sampled evenly), with q_j = n ∫ p c w_j:
//!
//! ```text
//! L(δ_i, λ_i) = u_i(x + δ_i) − λ_i (U(x) − U(x + δ_i) − γ)
//!             = −c_i Σ_j w_ij (x_j + δ_ij − y_ij)² − λ_i (Σ_j q_j δ_ij² − γ)        (Lemma C.1)
//! ```
//!
//! and, for every issue j, the three lines of stationarity ∂L/∂δ_ij = 0,
//! each "A + B = 0" compared as "A = −B" so that the error bound scales
//! with the terms rather than with their vanishing sum:
//!
//! ```text
//! ∂u_i(x + δ_i)/∂δ_ij = −2 c_i w_ij (x_j + δ_ij − y_ij) = 2 λ_i q_j δ_ij
//!                     = λ_i ∂(Σ_ℓ q_ℓ δ_iℓ² − γ)/∂δ_ij                       (first line)
//! (c_i w_ij + λ_i q_j) δ_ij = c_i w_ij (y_ij − x_j)                            (second line)
//! δ_ij = c_i w_ij (y_ij − x_j) / (c_i w_ij + λ_i q_j)                          (third line)
//! ```
//!
//! The derivatives are differences of u_i and of the constraint, exact for
//! quadratics. The first line is left out for a slack agent (λ_i = 0): both
//! of its sides vanish there, up to rounding, and the third line carries the
//! claim δ_i = y_i − x.
//!
//! # Numerical method
//!
//! U and u_i are exact rationals from the solved c, with x the exact
//! quotient of its definition ([`super::exact_welfare`]). δ_i and λ_i are
//! Program 1's optimum solved again (by `agent::solve`, which does not use
//! this lemma) at the working precision plus 64 bits plus the bits by which
//! max(|x_j|, max_k |y_kj|) exceeds |δ_ij|: the solver carries the gradient of U at its rounded
//! x, which moves δ_i by about the rounding of x, far more than the rounding
//! of δ_i itself at large n. The shift is re-based on the exact x: the
//! agent's point x + δ_i is kept. Error bound: rounding.
//!
//! # Differences from the paper
//!
//! None. (The Lagrangian's first line writes x + δ_i − y_ij for
//! x_j + δ_ij − y_ij; the chains use the latter, as the next line does.)

use rug::{Float, Rational};

use super::exact_welfare::{exact, utility, utility_slope, ExactWelfare};
use crate::agent::{self, Externality};
use crate::audit::{ChainBuilder, Proof, ProofAudit};
use crate::equilibrium::{Equilibrium, Params, Type};
use crate::error::Result;
use crate::lemmas::power_is_a_weighted_square::excess_bits;
use crate::solved::Solved;
use crate::verdict::{Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "C.2",
    location: "Appendix C.1, proof of Lemma C.2",
    used_by: &["C.4", "C.5", "D.1", "D.2", "D.3"],
    audit,
};

/// Audits the proof of Lemma C.2.
///
/// # Errors
///
/// Fails on a non-finite value, or when a program cannot be solved again.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    let ctx = &s.ctx;
    let float = |r: &Rational| ctx.rational(r);
    let u = ExactWelfare::of(s);
    let m = s.params.m;
    let q: Vec<Rational> = u.big_q.iter().map(|qj| Rational::from(qj * &u.n)).collect();
    let gamma = exact(&s.params.gamma);
    let types = super::sampled((0..s.types.len()).collect());
    let optima = resolve(s, &types, &u.x)?;

    let mut chains = Vec::new();
    for (&i, (delta, lambda)) in types.iter().zip(&optima) {
        let t = &s.types[i];
        let c = exact(&s.eq.c[i]);
        let point: Vec<Rational> =
            u.x.iter().zip(delta).map(|(a, b)| Rational::from(a + b)).collect();
        let label = format!("i = {}", i + 1);

        // The Lagrangian, from u_i and U, and in the form of Lemma C.1.
        let power = Rational::from(&u.at(&u.x) - &u.at(&point));
        let lagrangian = utility(s, i, &point) - Rational::from(&power - &gamma) * lambda;
        let mut loss = Rational::new();
        let mut weighted = Rational::new();
        for j in 0..m {
            let d = Rational::from(&point[j] - &exact(&t.y[j]));
            loss += Rational::from(&d * &d) * exact(&t.w[j]);
            weighted += Rational::from(&delta[j] * &delta[j]) * &q[j];
        }
        let second_form = -(loss * &c) - Rational::from(&weighted - &gamma) * lambda;
        let chain = ChainBuilder::new(
            s,
            "Lagrangian",
            &label,
            Sensitivity::Rounding,
            ("u_i(x + δ_i) − λ_i (U(x) − U(x + δ_i) − γ)", float(&lagrangian)),
        )
        .then(
            Relation::Eq,
            "−c_i Σ_j w_ij (x_j + δ_ij − y_ij)² − λ_i (Σ_j q_j δ_ij² − γ)",
            float(&second_form),
        );
        chains.push(chain.build()?);

        for j in 0..m {
            let label = format!("i = {}, j = {}", i + 1, j + 1);
            let cw = Rational::from(&c * &exact(&t.w[j]));
            let pull = Rational::from(&exact(&t.y[j]) - &u.x[j]) * &cw;
            let denominator = Rational::from(&q[j] * lambda) + &cw;
            if *lambda != 0 {
                let slope = utility_slope(s, i, &point, j);
                let formula = Rational::from(&point[j] - &exact(&t.y[j])) * &cw * -2i32;
                let pushed = Rational::from(&q[j] * &delta[j]) * lambda * 2u32;
                let constraint = constraint_slope(&q, delta, j) * lambda;
                let chain = ChainBuilder::new(
                    s,
                    "stationarity, first line",
                    &label,
                    Sensitivity::Rounding,
                    ("∂u_i(x + δ_i)/∂δ_ij", float(&slope)),
                )
                .then(Relation::Eq, "−2 c_i w_ij (x_j + δ_ij − y_ij)", float(&formula))
                .then(Relation::Eq, "2 λ_i q_j δ_ij", float(&pushed))
                .then(
                    Relation::Eq,
                    "λ_i ∂(Σ_ℓ q_ℓ δ_iℓ² − γ)/∂δ_ij",
                    float(&constraint),
                );
                chains.push(chain.build()?);
            }
            let scaled = Rational::from(&denominator * &delta[j]);
            let chain = ChainBuilder::new(
                s,
                "stationarity, second line",
                &label,
                Sensitivity::Rounding,
                ("(c_i w_ij + λ_i q_j) δ_ij", float(&scaled)),
            )
            .then(Relation::Eq, "c_i w_ij (y_ij − x_j)", float(&pull));
            chains.push(chain.build()?);
            let chain = ChainBuilder::new(
                s,
                "stationarity, third line",
                &label,
                Sensitivity::Rounding,
                ("δ_ij", float(&delta[j])),
            )
            .then(
                Relation::Eq,
                "c_i w_ij (y_ij − x_j) / (c_i w_ij + λ_i q_j)",
                float(&Rational::from(&pull / &denominator)),
            );
            chains.push(chain.build()?);
        }
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

/// Returns ∂(Σ_ℓ q_ℓ δ_ℓ²)/∂δ_j as a central difference, exact for a quadratic.
fn constraint_slope(q: &[Rational], delta: &[Rational], j: usize) -> Rational {
    let sum = |step: i32| -> Rational {
        let mut total = Rational::new();
        for (l, (ql, dl)) in q.iter().zip(delta).enumerate() {
            let d = if l == j { Rational::from(dl + step) } else { dl.clone() };
            total += Rational::from(&d * &d) * ql;
        }
        total
    };
    (sum(1) - sum(-1)) / 2u32
}

/// Solves Program 1 again for the given types at a widened precision and
/// returns each (δ_i, λ_i), δ_i re-based on the exact x.
fn resolve(s: &Solved, types: &[usize], x: &[Rational]) -> Result<Vec<(Vec<Rational>, Rational)>> {
    // The rounding of x_j is relative to the terms it is made of, at most max_k |y_kj|.
    let magnitude: Vec<Float> = (0..x.len())
        .map(|j| s.types.iter().fold(s.eq.x[j].clone().abs(), |a, t| a.max(&t.y[j].clone().abs())))
        .collect();
    let mut extra = 64;
    for &i in types {
        for (size, dj) in magnitude.iter().zip(&s.programs[i].delta) {
            extra = extra.max(64 + excess_bits(size, dj));
        }
    }
    let wide = s.ctx.widened(extra);
    let lift = |v: &[Float]| -> Vec<Float> { v.iter().map(|f| wide.lift(f)).collect() };
    let lifted: Vec<Type> = s
        .types
        .iter()
        .map(|t| Type { y: lift(&t.y), w: lift(&t.w), mass: wide.lift(&t.mass), cell: t.cell })
        .collect();
    let params = Params::of(&wide, &s.instance);
    let eq = Equilibrium::from_scaling(&lifted, &params.n, lift(&s.eq.c));
    let ext = Externality::of(&lifted, &eq, &params.n);
    types
        .iter()
        .map(|&i| {
            let program = agent::solve(&wide, &lifted, &eq, &ext, &params, i)?;
            let delta = (0..x.len())
                .map(|j| {
                    let point = Rational::from(&exact(&eq.x[j]) + &exact(&program.delta[j]));
                    point - &x[j]
                })
                .collect();
            Ok((delta, exact(&program.lambda)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;
    use crate::verdict::Verdict;

    fn solve(n: &str, gamma: &str) -> Solved {
        let text = format!(
            r#"{{"n": "{n}", "alpha": {{"power_of_n": "-7/8"}}, "gamma": "{gamma}",
            "weight_box": {{"min": "1", "max": "2"}},
            "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["1", "1"]}}}},
            "population": {{"types": [{{"y": ["0", "0"], "w": ["2", "1"], "mass": "1"}},
                {{"y": ["1", "0"], "w": ["1", "1"], "mass": "1"}},
                {{"y": ["0", "1"], "w": ["1", "2"], "mass": "2"}}]}}}}"#
        );
        let instance = crate::instance_file::from_str(&text).unwrap();
        crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap()
    }

    fn all_hold(audit: &ProofAudit, display: &str) -> bool {
        let chains: Vec<_> = audit.chains.iter().filter(|c| c.display == display).collect();
        !chains.is_empty()
            && chains.iter().all(|c| c.links.iter().all(|l| l.verdict == Verdict::Holds))
    }

    const DISPLAYS: [&str; 4] = [
        "Lagrangian",
        "stationarity, first line",
        "stationarity, second line",
        "stationarity, third line",
    ];

    // Appendix C.1, Lemma C.2's proof at n = 10³⁰, where |x|/|δ_i| is about 10¹⁵.
    #[test]
    fn the_proof_holds_link_by_link_for_tight_agents() {
        let s = solve("1e30", "1/100");
        assert!(s.programs.iter().all(|p| p.tight));
        let audit = audit(&s).unwrap();
        for display in DISPLAYS {
            assert!(all_hold(&audit, display), "{display}");
        }
    }

    // At γ = 10²⁰ every agent reaches her ideal point: λ_i = 0 and δ_i = y_i − x.
    #[test]
    fn the_proof_holds_for_slack_agents() {
        let s = solve("1e6", "1e20");
        assert!(s.programs.iter().all(|p| !p.tight));
        let audit = audit(&s).unwrap();
        assert!(audit.chains.iter().all(|c| c.display != "stationarity, first line"));
        for display in [DISPLAYS[0], DISPLAYS[2], DISPLAYS[3]] {
            assert!(all_hold(&audit, display), "{display}");
        }
    }
}
