//! The proof of Lemma C.5 (Appendix C.3), link by link.
//!
//! # The chains
//!
//! For every i ∈ N̂, with d_j = c_i w_ij + λ_i q_j, g_j = w_ij² (y_ij − x_j)²:
//!
//! ```text
//! first:   τ_i = (c²/λ²) Σ g_j q_j⁻¹ − Σ q_j (c w_ij (y_ij − x_j) / d_j)²
//!              = c² Σ g_j (1/(λ² q_j) − q_j/d_j²)
//!              = c² Σ g_j (d_j² − λ² q_j²) / (λ² q_j d_j²)
//!              = c² Σ g_j (c² w² + λ² q² + 2 c w λ q − λ² q²) / (λ² q_j d_j²)
//!              = c² Σ g_j (c² w² + 2 c w λ q) / (λ² q_j d_j²)
//!              = (c³/λ²) Σ w³ (y − x)² (c w + 2λ q) / (q_j d_j²)
//!              = (2c³/λ²) Σ w³ (y − x)² (c w + 2λ q) / (q_j d_j (2c w + 2λ q))
//!              ≤ (2c³/λ²) Σ w³ (y − x)² / (q_j d_j)
//! second:  τ_i ≤ (2c³/λ²) Σ w³ (y − x)² / (q_j d_j) = (2c²/λ²) Σ w² (y − x) δ_ij q_j⁻¹
//!              ≤ (2c² √γ/λ²) Σ w² |y − x| q_j^(−1/2) q_j⁻¹
//! third:   √(Σ g_j q_j⁻¹) ≥ w_min √(Σ (y − x)² q_j⁻¹) ≥ w_min Δ_i
//! then:    c_i = 1/√(Σ g_j q_j⁻¹) ≤ 1/(w_min Δ_i)
//! fourth:  τ_i ≤ (2c√γ/(w_min Δ_i λ²)) Σ w² Δ_i q_j⁻¹ = (2c√γ/(w_min λ²)) Σ w² q_j⁻¹
//! fifth:   τ_i ≤ (2√γ/(w_min λ²)) Σ w (c w q_j⁻¹) ≤ (2√γ/(β w_min n^(3/2) α λ²)) Σ w
//!              ≤ 2√γ m w_max/(β w_min n^(3/2) α λ²) = (τ_i + γ) 2√γ m w_max/(β w_min n^(3/2) α)
//! solving: τ_i n^(3/2) α β w_min ≤ 2 (τ_i + γ) √γ m w_max,
//!          τ_i (n^(3/2) α β w_min − 2√γ m w_max) ≤ 2 γ^(3/2) m w_max,
//!          τ_i ≤ 2 γ^(3/2) m w_max / (n^(3/2) α β w_min − 2√γ m w_max)
//! ```
//!
//! and, per issue, the one-line steps between them: the power constraint
//! per issue (for every type), and Lemma B.4 read as q_j ≥ β n^(3/2) α c_i
//! w_ij and as c_i w_ij q_j⁻¹ ≤ 1/(β n^(3/2) α) (for every i ∈ N̂).
//!
//! The stored δ_ij (Program 1's) enters at three links: the first link of
//! the first display (τ_i's definition against C.2's expression), the
//! second display's "=" and the "≤" after it, and the power constraint per
//! issue; each is charged the rounding left in b ([`super::charges`]). In
//! every later display τ_i is the first display's second expression: τ_i
//! with Lemma C.2's δ, as the proof substitutes it. The last link of the
//! fifth display uses 1/λ_i² = τ_i + γ, which holds up to that rounding
//! (through Lemma C.3's tightness) and is charged it too.
//!
//! The terms with cancellation (the first display's, and n^(3/2) α β w_min
//! − 2√γ m w_max) are computed at a widened precision from the stored
//! values. The displays that use c = f(c) (c_i = 1/√(Σ g_j q_j⁻¹), Lemma
//! B.4, 1/λ² = τ + γ) have fixed-point sensitivity, the others rounding.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the proof writes "√δ_ij ≤ √γ q_j^(−1/2)" for every i and j;
//! the power constraint Σ_j q_j δ_ij² ≤ γ gives |δ_ij| ≤ √γ q_j^(−1/2), which
//! is what the next display uses. Both are encoded: "power constraint per
//! issue, as written" (for δ_ij ≥ 0 only: the square root of a negative
//! shift is undefined, and those (i, j) are left out) and "..., as the
//! proof uses". The literal one fails whenever δ_ij > γ/q_j.

use rug::Float;

use super::charges::{self, c2_shift, charge, power_rounding, shift_rounding, widened_for};
use crate::audit::{Chain, ChainBuilder, Proof, ProofAudit};
use crate::error::Result;
use crate::lemmas::hypotheses::{self as h};
use crate::lemmas::tau_is_positive::tau;
use crate::numeric::Context;
use crate::solved::Solved;
use crate::verdict::{Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof = Proof {
    number: "C.5",
    location: "Appendix C.3, proof of Lemma C.5",
    used_by: &["C.6", "D.2", "D.3", "D.5"],
    audit,
};

const AS_WRITTEN: &str = "power constraint per issue, as written (√δ_ij)";
const AS_USED: &str = "power constraint per issue, as the proof uses (|δ_ij|)";
const WHY: &str = "the rounding left in b, through the stored δ";

/// Audits the proof of Lemma C.5.
///
/// # Errors
///
/// Fails only on a non-finite value.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    if let Some(unmet) = Hypotheses::default()
        .require(h::some_normal_agent(s), h::SOME_NORMAL_AGENT)
        .require(h::normal_agents_tight(s), h::NORMAL_AGENTS_TIGHT)
        .require(h::eta_positive(s), h::ETA_POSITIVE)
        .require(h::normal_mass_half(s), h::NORMAL_MASS_HALF)
        .require(h::ideal_points_in_chi(s), h::IDEAL_POINTS_IN_CHI)
        .unmet()
    {
        return Ok(ProofAudit::unmet(unmet));
    }
    let mut chains = Vec::new();
    for i in charges::normal_types(s) {
        chains.extend(normal_chains(s, i)?);
    }
    for i in charges::all_types(s) {
        chains.extend(power_per_issue(s, i)?);
    }
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

/// The parameters' combinations the proof uses: n^(3/2) α β w_min and
/// 2√γ m w_max, with their difference taken at a widened precision (it
/// cancels when η is small).
pub struct Constants {
    pub lead: Float,
    pub penalty: Float,
    pub difference: Float,
    /// n^(3/2) α β.
    pub n32_alpha_beta: Float,
    /// η = (n^(3/2) α β w_min − 2√γ m w_max) / (2 m w_max).
    pub eta: Float,
}

impl Constants {
    /// Computes the constants from the instance's parameters.
    pub fn of(s: &Solved) -> Constants {
        let wide = s.ctx.widened(128);
        let prec = wide.prec();
        let p = &s.params;
        let n32 = Float::with_val(prec, p.n.sqrt_ref()) * &p.n;
        let n32_alpha_beta = n32 * &p.alpha * p.beta();
        let lead = Float::with_val(prec, &n32_alpha_beta * &p.w_min);
        let penalty = Float::with_val(prec, p.gamma.sqrt_ref()) * &p.w_max * (2 * p.m as u32);
        let difference = Float::with_val(prec, &lead - &penalty);
        let eta = Float::with_val(prec, &difference / &p.w_max) / (2 * p.m as u32);
        let lift = |v: &Float| s.ctx.lift(v);
        Constants {
            lead: lift(&lead),
            penalty: lift(&penalty),
            difference: lift(&difference),
            n32_alpha_beta: lift(&n32_alpha_beta),
            eta: lift(&eta),
        }
    }
}

/// Returns τ_i with Lemma C.2's δ in place of the stored one, the form the
/// proof uses after its first step, exact to the working precision.
pub fn tau_with_c2_shift(s: &Solved, i: usize) -> Float {
    let wide = widened_for(s, i);
    s.ctx.lift(&first_terms(s, &wide, i)[0])
}

/// The chains of one normal type.
fn normal_chains(s: &Solved, i: usize) -> Result<Vec<Chain>> {
    let label = format!("i = {}", i + 1);
    let ctx = &s.ctx;
    let prec = ctx.prec();
    let p = &s.params;
    let first = first_display(s, i, &label)?;
    // τ_i with Lemma C.2's δ: the first display's second expression.
    let tau_c2 = first.links[0].rhs.clone();
    let mut chains = vec![first];

    let t = &s.types[i];
    let c = &s.eq.c[i];
    let lambda = &s.programs[i].lambda;
    let lambda2 = Float::with_val(prec, lambda.square_ref());
    let sqrt_gamma = Float::with_val(prec, p.gamma.sqrt_ref());
    let delta = &s.programs[i].delta;
    let e = shift_rounding(s, i);

    // The sums of the second to fifth displays, at the working precision
    // (none of them cancels).
    let mut closed = ctx.zero();
    let mut with_delta = ctx.zero();
    let mut with_delta_charge = ctx.zero();
    let mut with_reach = ctx.zero();
    let mut spread = ctx.zero();
    let mut unweighted = ctx.zero();
    let mut big_delta = ctx.zero();
    let mut w2_over_q = ctx.zero();
    let mut w_sum = ctx.zero();
    let mut w_times_share = ctx.zero();
    for j in 0..p.m {
        let q = &s.eq.q[j];
        let w = &t.w[j];
        let gap = Float::with_val(prec, &t.y[j] - &s.eq.x[j]);
        let cw = Float::with_val(prec, c * w);
        let d = Float::with_val(prec, &cw + Float::with_val(prec, lambda * q));
        let w2 = Float::with_val(prec, w.square_ref());
        let w3 = Float::with_val(prec, &w2 * w);
        let gap2 = Float::with_val(prec, gap.square_ref());
        let root_q = Float::with_val(prec, q.sqrt_ref());

        closed += Float::with_val(prec, &w3 * &gap2) / Float::with_val(prec, q * &d);
        let w2_gap = Float::with_val(prec, &w2 * &gap);
        with_delta += Float::with_val(prec, &w2_gap * &delta[j]) / q;
        with_delta_charge += Float::with_val(prec, w2_gap.abs_ref()) * &e[j] / q;
        let gap_abs = Float::with_val(prec, gap.abs_ref());
        with_reach += Float::with_val(prec, &w2 * &gap_abs) / Float::with_val(prec, q * &root_q);
        spread += Float::with_val(prec, &w2 * &gap2) / q;
        unweighted += Float::with_val(prec, &gap2 / q);
        big_delta = big_delta.max(&(gap_abs / &root_q));
        w2_over_q += Float::with_val(prec, &w2 / q);
        w_sum += w;
        w_times_share += Float::with_val(prec, w * &cw) / q;
    }
    let c2 = Float::with_val(prec, c.square_ref());
    let two_c3_l2 = Float::with_val(prec, &c2 * c) * 2u32 / &lambda2;
    let two_c2_l2 = c2.clone() * 2u32 / &lambda2;
    let factor = Float::with_val(prec, &two_c2_l2 * &sqrt_gamma);

    let mut second = ChainBuilder::new(
        s,
        "second display",
        &label,
        Sensitivity::Rounding,
        ("τ_i", tau_c2.clone()),
    )
    .then(Relation::Le, "(2c³/λ²) Σ w³ (y − x)² / (q_j (c w + λ q_j))", two_c3_l2 * closed)
    .then(Relation::Eq, "(2c²/λ²) Σ w² (y − x) δ_ij q_j⁻¹", two_c2_l2.clone() * with_delta)
    .then(Relation::Le, "(2c² √γ/λ²) Σ w² |y − x| q_j^(−1/2) q_j⁻¹", factor * &with_reach)
    .build()?;
    let delta_charge = two_c2_l2 * with_delta_charge;
    charge(&mut second, 1, &delta_charge, WHY)?;
    charge(&mut second, 2, &delta_charge, WHY)?;
    chains.push(second);

    let root_spread = spread.clone().sqrt();
    let third = ChainBuilder::new(
        s,
        "third display",
        &label,
        Sensitivity::Rounding,
        ("√(Σ g q⁻¹)", root_spread.clone()),
    )
    .then(Relation::Ge, "w_min √(Σ (y − x)² q_j⁻¹)", unweighted.sqrt() * &p.w_min)
    .then(Relation::Ge, "w_min Δ_i", Float::with_val(prec, &big_delta * &p.w_min));
    chains.push(third.build()?);

    let reciprocal = Float::with_val(prec, &big_delta * &p.w_min).recip();
    let scaling = ChainBuilder::new(
        s,
        "c_i ≤ 1/(w_min Δ_i)",
        &label,
        Sensitivity::FixedPoint,
        ("c_i", c.clone()),
    )
    .then(Relation::Eq, "1/√(Σ g q⁻¹)", root_spread.recip())
    .then(Relation::Le, "1/(w_min Δ_i)", reciprocal);
    chains.push(scaling.build()?);

    // 2c√γ/(w_min λ²): the common factor of the fourth display.
    let front = Float::with_val(prec, c * &sqrt_gamma) * 2u32 / (lambda2.clone() * &p.w_min);
    let per_delta = front.clone() / &big_delta * &w2_over_q * &big_delta;
    let fourth = ChainBuilder::new(
        s,
        "fourth display",
        &label,
        Sensitivity::FixedPoint,
        ("τ_i", tau_c2.clone()),
    )
    .then(Relation::Le, "(2c√γ/(w_min Δ_i λ²)) Σ w² Δ_i q_j⁻¹", per_delta)
    .then(Relation::Eq, "(2c√γ/(w_min λ²)) Σ w² q_j⁻¹", front * &w2_over_q);
    chains.push(fourth.build()?);

    let k = Constants::of(s);
    let lead_front = Float::with_val(prec, &sqrt_gamma * 2u32) / (lambda2.clone() * &p.w_min);
    let b4_front = lead_front.clone() / &k.n32_alpha_beta;
    let m_w_max = Float::with_val(prec, &p.w_max * p.m as u32);
    let ratio = Float::with_val(prec, &sqrt_gamma * &m_w_max) * 2u32 / &k.lead;
    let tau_plus_gamma = Float::with_val(prec, &tau_c2 + &p.gamma);
    let mut fifth = ChainBuilder::new(
        s,
        "fifth display",
        &label,
        Sensitivity::FixedPoint,
        ("τ_i", tau_c2.clone()),
    )
    .then(Relation::Le, "(2√γ/(w_min λ²)) Σ w (c w q_j⁻¹)", lead_front * w_times_share)
    .then(Relation::Le, "(2√γ/(β w_min n^(3/2) α λ²)) Σ w", b4_front.clone() * &w_sum)
    .then(Relation::Le, "2√γ m w_max/(β w_min n^(3/2) α λ²)", b4_front * &m_w_max)
    .then(
        Relation::Eq,
        "(τ_i + γ) 2√γ m w_max/(β w_min n^(3/2) α)",
        Float::with_val(prec, &tau_plus_gamma * &ratio),
    )
    .build()?;
    let tight = power_rounding(s, i) * &ratio;
    charge(&mut fifth, 3, &tight, "the rounding left in b, through 1/λ² = τ + γ (C.3)")?;
    chains.push(fifth);

    chains.extend(solving(s, &label, &tau_c2, &k)?);
    chains.extend(lemma_b4(s, i)?);
    Ok(chains)
}

/// The first display, at a precision wide enough for its cancellations.
fn first_display(s: &Solved, i: usize, label: &str) -> Result<Chain> {
    let wide = widened_for(s, i);
    let terms = first_terms(s, &wide, i);
    let names = [
        "(c²/λ²) Σ g q⁻¹ − Σ q (c w (y − x) / (c w + λ q))²",
        "c² Σ g (1/(λ² q) − q/(c w + λ q)²)",
        "c² Σ g ((c w + λ q)² − λ² q²) / (λ² q (c w + λ q)²)",
        "c² Σ g (c² w² + λ² q² + 2 c w λ q − λ² q²) / (λ² q (c w + λ q)²)",
        "c² Σ g (c² w² + 2 c w λ q) / (λ² q (c w + λ q)²)",
        "(c³/λ²) Σ w³ (y − x)² (c w + 2λ q) / (q (c w + λ q)²)",
        "(2c³/λ²) Σ w³ (y − x)² (c w + 2λ q) / (q (c w + λ q)(2c w + 2λ q))",
        "(2c³/λ²) Σ w³ (y − x)² / (q (c w + λ q))",
    ];
    let mut b =
        ChainBuilder::new(s, "first display", label, Sensitivity::Rounding, ("τ_i", tau(s, i)));
    for (k, (name, value)) in names.iter().zip(terms).enumerate() {
        let relation = if k + 1 == names.len() { Relation::Le } else { Relation::Eq };
        b = b.then(relation, name, s.ctx.lift(&value));
    }
    let mut chain = b.build()?;
    charge(&mut chain, 0, &power_rounding(s, i), WHY)?;
    Ok(chain)
}

/// The eight expressions after τ_i in the first display, at `wide`'s precision.
fn first_terms(s: &Solved, wide: &Context, i: usize) -> Vec<Float> {
    let prec = wide.prec();
    let t = &s.types[i];
    let c = wide.lift(&s.eq.c[i]);
    let lambda = &s.programs[i].lambda;
    let lambda2 = Float::with_val(prec, lambda.square_ref());
    let c2 = Float::with_val(prec, c.square_ref());
    let shift = c2_shift(s, wide, i);

    let mut sums = vec![wide.zero(); 7];
    let mut spread = wide.zero();
    let mut power = wide.zero();
    for j in 0..s.params.m {
        let q = wide.lift(&s.eq.q[j]);
        let w = wide.lift(&t.w[j]);
        let gap = Float::with_val(prec, &t.y[j] - &s.eq.x[j]);
        let gap2 = Float::with_val(prec, gap.square_ref());
        let g = Float::with_val(prec, w.square_ref()) * &gap2;
        let cw = Float::with_val(prec, &c * &w);
        let lq = Float::with_val(prec, lambda * &q);
        let d = Float::with_val(prec, &cw + &lq);
        let d2 = Float::with_val(prec, d.square_ref());
        let lq2 = Float::with_val(prec, lq.square_ref());
        let cw2 = Float::with_val(prec, cw.square_ref());
        let base = Float::with_val(prec, &lambda2 * &q) * &d2;
        let w3_gap2 = Float::with_val(prec, w.square_ref()) * &w * &gap2;

        spread += Float::with_val(prec, &g / &q);
        power += Float::with_val(prec, &q * &shift[j]) * &shift[j];
        let inverse = Float::with_val(prec, &lambda2 * &q).recip();
        sums[0] += Float::with_val(prec, &inverse - Float::with_val(prec, &q / &d2)) * &g;
        sums[1] += Float::with_val(prec, &d2 - &lq2) * &g / &base;
        let expanded =
            Float::with_val(prec, &cw2 + &lq2) + Float::with_val(prec, &cw * &lq) * 2u32 - &lq2;
        sums[2] += expanded * &g / &base;
        let reduced = Float::with_val(prec, &cw * &lq) * 2u32 + &cw2;
        sums[3] += reduced * &g / &base;
        let two_lq = Float::with_val(prec, &lq * 2u32);
        let cw_2lq = Float::with_val(prec, &cw + &two_lq);
        sums[4] += Float::with_val(prec, &w3_gap2 * &cw_2lq) / Float::with_val(prec, &q * &d2);
        let doubled = Float::with_val(prec, &cw * 2u32) + &two_lq;
        let denominator = Float::with_val(prec, &q * &d) * doubled;
        sums[5] += Float::with_val(prec, &w3_gap2 * &cw_2lq) / denominator;
        sums[6] += w3_gap2 / Float::with_val(prec, &q * &d);
    }
    let c3_l2 = Float::with_val(prec, &c2 * &c) / &lambda2;
    let lead = Float::with_val(prec, &c2 / &lambda2) * spread;
    vec![
        lead - power,
        Float::with_val(prec, &c2 * &sums[0]),
        Float::with_val(prec, &c2 * &sums[1]),
        Float::with_val(prec, &c2 * &sums[2]),
        Float::with_val(prec, &c2 * &sums[3]),
        Float::with_val(prec, &c3_l2 * &sums[4]),
        Float::with_val(prec, &c3_l2 * &sums[5]) * 2u32,
        Float::with_val(prec, &c3_l2 * &sums[6]) * 2u32,
    ]
}

/// The three lines that solve for τ_i, each its own inequality.
fn solving(s: &Solved, label: &str, tau_c2: &Float, k: &Constants) -> Result<Vec<Chain>> {
    let prec = s.ctx.prec();
    let p = &s.params;
    let gamma_32 = Float::with_val(prec, p.gamma.sqrt_ref()) * &p.gamma;
    let tau_plus_gamma = Float::with_val(prec, tau_c2 + &p.gamma);
    let numerator = Float::with_val(prec, &gamma_32 * &p.w_max) * (2 * p.m as u32);
    let lines = [
        (
            "solving for τ_i, first line",
            ("τ_i n^(3/2) α β w_min", Float::with_val(prec, tau_c2 * &k.lead)),
            ("2 (τ_i + γ) √γ m w_max", tau_plus_gamma * &k.penalty),
        ),
        (
            "solving for τ_i, second line",
            (
                "τ_i (n^(3/2) α β w_min − 2√γ m w_max)",
                Float::with_val(prec, tau_c2 * &k.difference),
            ),
            ("2 γ^(3/2) m w_max", numerator.clone()),
        ),
        (
            "solving for τ_i, third line",
            ("τ_i", tau_c2.clone()),
            ("2 γ^(3/2) m w_max / (n^(3/2) α β w_min − 2√γ m w_max)", numerator / &k.difference),
        ),
    ];
    let mut chains = Vec::new();
    for (display, first, second) in lines {
        let b = ChainBuilder::new(s, display, label, Sensitivity::FixedPoint, first).then(
            Relation::Le,
            second.0,
            second.1,
        );
        chains.push(b.build()?);
    }
    Ok(chains)
}

/// Lemma B.4 as the proof uses it, per issue.
fn lemma_b4(s: &Solved, i: usize) -> Result<Vec<Chain>> {
    let prec = s.ctx.prec();
    let k = Constants::of(s);
    let mut chains = Vec::new();
    for j in 0..s.params.m {
        let label = format!("i = {}, j = {}", i + 1, j + 1);
        let cw = Float::with_val(prec, &s.eq.c[i] * &s.types[i].w[j]);
        let q = s.eq.q[j].clone();
        let times_n = ChainBuilder::new(
            s,
            "Lemma B.4 times n",
            &label,
            Sensitivity::FixedPoint,
            ("q_j", q.clone()),
        )
        .then(
            Relation::Ge,
            "β n^(3/2) α c_i w_ij",
            Float::with_val(prec, &k.n32_alpha_beta * &cw),
        );
        chains.push(times_n.build()?);
        let as_ratio = ChainBuilder::new(
            s,
            "Lemma B.4 as a ratio",
            &label,
            Sensitivity::FixedPoint,
            ("c_i w_ij q_j⁻¹", cw / &q),
        )
        .then(Relation::Le, "1/(β n^(3/2) α)", k.n32_alpha_beta.clone().recip());
        chains.push(as_ratio.build()?);
    }
    Ok(chains)
}

/// The power constraint per issue, as written and as the proof uses it.
fn power_per_issue(s: &Solved, i: usize) -> Result<Vec<Chain>> {
    let prec = s.ctx.prec();
    let sqrt_gamma = Float::with_val(prec, s.params.gamma.sqrt_ref());
    let delta = &s.programs[i].delta;
    let e = shift_rounding(s, i);
    let mut chains = Vec::new();
    for j in 0..s.params.m {
        let label = format!("i = {}, j = {}", i + 1, j + 1);
        let reach = Float::with_val(prec, &sqrt_gamma / s.eq.q[j].clone().sqrt());
        if delta[j] >= 0 {
            let root = Float::with_val(prec, delta[j].sqrt_ref());
            let b =
                ChainBuilder::new(s, AS_WRITTEN, &label, Sensitivity::Rounding, ("√δ_ij", root))
                    .then(Relation::Le, "√γ q_j^(−1/2)", reach.clone());
            chains.push(b.build()?);
        }
        let size = Float::with_val(prec, delta[j].abs_ref());
        let mut used =
            ChainBuilder::new(s, AS_USED, &label, Sensitivity::Rounding, ("|δ_ij|", size))
                .then(Relation::Le, "√γ q_j^(−1/2)", reach)
                .build()?;
        charge(&mut used, 0, &e[j], WHY)?;
        chains.push(used);
    }
    Ok(chains)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{solve, weighted_triangle as triangle};
    use crate::verdict::Verdict;

    /// Types at −1, 0, 1; the middle one sits at x = 0, clamped and slack.
    fn line(n: &str, middle: &str, outer: &str) -> String {
        format!(
            r#"{{"name": "line", "n": "{n}", "alpha": {{"power_of_n": "-7/8"}},
            "gamma": "1/100", "weight_box": {{"min": "1", "max": "1"}},
            "outcome_set": {{"box": {{"lo": ["-1"], "hi": ["1"]}}}},
            "population": {{"types": [{{"y": ["-1"], "w": ["1"], "mass": "{outer}"}},
              {{"y": ["0"], "w": ["1"], "mass": "{middle}"}},
              {{"y": ["1"], "w": ["1"], "mass": "{outer}"}}]}}}}"#
        )
    }

    fn verdicts<'a>(audit: &'a ProofAudit, display: &str) -> Vec<&'a Verdict> {
        let chains = audit.chains.iter().filter(|c| c.display == display);
        chains.flat_map(|c| c.links.iter().map(|l| &l.verdict)).collect()
    }

    #[test]
    fn every_display_the_proof_uses_holds_link_by_link() {
        for text in [triangle("1e6", "1/100"), line("1e6", "1/2", "1/4")] {
            let audit = audit(&solve(&text)).unwrap();
            for chain in audit.chains.iter().filter(|c| c.display != AS_WRITTEN) {
                for link in &chain.links {
                    assert_eq!(link.verdict, Verdict::Holds, "{}, {}", chain.display, link.label);
                }
            }
        }
    }

    #[test]
    fn the_one_issue_steps_are_ties() {
        // One issue, w = w_min, a tight agent: |δ| = √(γ/q) and c = 1/(w_min Δ).
        let audit = audit(&solve(&line("1e6", "1/2", "1/4"))).unwrap();
        let used = audit.chains.iter().filter(|c| c.display == AS_USED);
        let tight: Vec<bool> = used.map(|c| c.ties[0]).collect();
        // Types 1 and 3 are tight, the slack middle one is not.
        assert_eq!(tight, [true, false, true]);
        let scaling = audit.chains.iter().find(|c| c.display == "c_i ≤ 1/(w_min Δ_i)").unwrap();
        assert!(scaling.ties[1]);
    }

    #[test]
    fn the_literal_square_root_fails_where_the_shift_exceeds_gamma_over_q() {
        let audit = audit(&solve(&triangle("1e6", "1/100"))).unwrap();
        let literal = verdicts(&audit, AS_WRITTEN);
        assert!(!literal.is_empty());
        assert!(literal.iter().all(|v| **v == Verdict::Violated));
    }

    #[test]
    fn unmet_when_eta_is_negative() {
        let audit = audit(&solve(&line("4", "1/2", "1/4"))).unwrap();
        assert_eq!(audit.unmet, vec![h::ETA_POSITIVE.to_string()]);
    }

    #[test]
    fn unmet_when_normal_mass_is_below_half() {
        let audit = audit(&solve(&line("1e6", "3/5", "1/5"))).unwrap();
        assert_eq!(audit.unmet, vec![h::NORMAL_MASS_HALF.to_string()]);
    }
}
