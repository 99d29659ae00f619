//! The one-dimensional warm-up (Section 3): known answers from the closed forms.

use equal_power::agent;
use equal_power::equilibrium::{Equilibrium, Params};

use crate::common::{ctx, instance};

/// Source: Section 3, proof of Lemma 3.3. With x the median and
/// c_i = 1/(w_i |x − y_i|), q = n Σ_k s_k / |x − y_k| and every tight agent has
/// λ_i = 1/√(qγ) − 1/(q |x − y_i|).
#[test]
fn multipliers_match_lemma_3_3_closed_form() {
    let inst = instance(
        r#"{"n": "1e6", "alpha": "1/1000", "gamma": "1/1000",
        "weight_box": {"min": "1/2", "max": "3"},
        "outcome_set": {"box": {"lo": ["-1"], "hi": ["1"]}},
        "population": {"types": [{"y": ["-1"], "w": ["2"], "mass": "3/10"},
          {"y": ["-1/2"], "w": ["1/2"], "mass": "1/5"}, {"y": ["1/2"], "w": ["3"], "mass": "1/5"},
          {"y": ["1"], "w": ["1"], "mass": "3/10"}]}}"#,
    );
    let ctx = ctx();
    let params = Params::of(&ctx, &inst);
    let types = equal_power::equilibrium::types_of(&ctx, &inst.population, 0);

    // The median is any point of (−1/2, 1/2); take x = 0, and the warm-up's c.
    let c = types.iter().map(|t| ctx.int(1) / (t.w[0].clone() * t.y[0].clone().abs())).collect();
    let eq = Equilibrium::from_scaling(&types, &params.n, c);
    assert!(eq.x[0].clone().abs() < (ctx.int(1) >> 240u32), "x(c) is the median 0");

    let (_, programs) = agent::solve_all(&ctx, &types, &eq, &params).unwrap();
    let q = &eq.q[0];
    let tolerance = ctx.int(1) >> 230u32;
    for (i, (t, p)) in types.iter().zip(&programs).enumerate() {
        assert!(p.tight, "type {i} is tight for this small γ");
        let sqrt_q_gamma = (q.clone() * &params.gamma).sqrt();
        let closed = ctx.int(1) / sqrt_q_gamma - ctx.int(1) / (q.clone() * t.y[0].clone().abs());
        let gap = (p.lambda.clone() - &closed).abs() / &closed;
        assert!(gap < tolerance, "type {i}: λ = {} vs {closed}", p.lambda);
    }
}
