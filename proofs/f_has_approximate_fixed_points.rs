//! The proof of Lemma 5.3 (Section 5.2), link by link.
//!
//! # The chains
//!
//! The construction is the instance's (`Solved::partition`): pieces S_ℓ of
//! side below ε, the centre i_ℓ of each piece with the cell's weights as its
//! representative, c_A = g_A(c_A) on the representatives, and the step
//! scaling c(i) = c_A(i_ℓ) on S_ℓ. A cell's density p_cell and weights are
//! constant, so every integral over a piece is exact:
//! ∫_{S_ℓ} p w_j = p_cell vol(S_ℓ) w_j, ∫_{S_ℓ} p w_j y_j = that times the
//! centre's y_j. Q_j = ∫ p c w_j, x(c) and r(i) below are those of the step
//! scaling.
//!
//! Part 2, first display, for every issue j (eight expressions, all "="):
//!
//! ```text
//! x_j(c) = (∫ p c w_j)⁻¹ ∫ p c w_j y_j = (Σ_ℓ ∫_{S_ℓ} p c w_j)⁻¹ Σ_ℓ ∫_{S_ℓ} p c w_j y_j
//!        = (Σ_ℓ c_A(i_ℓ) ∫_{S_ℓ} p w_j)⁻¹ Σ_ℓ c_A(i_ℓ) ∫_{S_ℓ} p w_j y_j
//!        = (…)⁻¹ Σ_ℓ c_A(i_ℓ) y^avg_ℓj ∫_{S_ℓ} p w_j
//!        = (Σ_ℓ c_A s_ℓ w^avg_ℓj)⁻¹ Σ_ℓ c_A y^avg_ℓj s_ℓ w^avg_ℓj
//!        = (Σ_ℓ c_A s_ℓ w_{i_ℓ j})⁻¹ Σ_ℓ c_A s_ℓ w_{i_ℓ j} y_{i_ℓ j}
//!        = (Σ_{k∈A} s_k c_A(k) w_kj)⁻¹ Σ_{k∈A} s_k c_A(k) w_kj y_kj = x_j(c_A)
//! ```
//!
//! The first expression integrates cell by cell, the second piece by piece;
//! c is a step function on the pieces, so the two differ only in the order
//! of the sums. s_ℓ is ∫_{S_ℓ} p in the fourth and fifth expressions and the
//! representative's own mass (the coefficient of g_A) in the sixth.
//!
//! Part 2, second display, for every representative (at most 48):
//! c_A(i) = g_A(c_A)(i) = √n / max(α, √(Σ_j w_ij² (y_ij − x_j(c))² / ∫ p c w_j)) = [f(c)](i);
//! the first "=" is c_A = g_A(c_A), which holds to the residual ρ_A.
//!
//! Part 3, for every piece (at most 48 sampled, and the piece nearest x)
//! and two types i of it: the point of the piece nearest x (least r) and
//! the corner farthest from x (largest r), which bound r over the piece:
//!
//! ```text
//! |r(i) − r(i_ℓ)| = |Σ_j (w_ij² (y_ij − x_j)² − w_ℓj² (y_ℓj − x_j)²) / Q_j|
//!     ≤ Σ_j |w_ij² (y_ij − x_j)² − w_ℓj² (y_ℓj − x_j)²| / Q_j
//!     ≤ Σ_j |w_ij² (y_ij − x_j)² − (w_ij + ε)² (y_ij − x_j + ε)²| / Q_j          (Eq. 2)
//!     = Σ_j |ε⁴ + ε² w_ij² (y_ij − x_j)²| / Q_j                           (canceling out terms)
//!     ≤ Σ_j (ε⁴ + ε² w_max² d_max²) / Q_j
//!     ≤ (∫ p c w_min)⁻¹ m (ε⁴ + ε² w_max² d_max²)
//!     ≤ (∫ p (w_min / (w_max² d_max²)) w_min)⁻¹ m (ε⁴ + ε² w_max² d_max²) =: Δr  (Lemma 5.1)
//! ```
//!
//! then, when i is not clamped (√r(i) ≥ α; the other case swaps i and i_ℓ),
//!
//! ```text
//! |[f(c)](i) − [f(c)](i_ℓ)| = |√n/√r(i) − √n/max(α, √r(i_ℓ))| ≤ √n |1/√r(i) − 1/√r(i_ℓ)|
//!     = √n |√r(i_ℓ) − √r(i)| / √(r(i) r(i_ℓ))
//!     = √n |r(i_ℓ) − r(i)| / (√(r(i) r(i_ℓ)) (√r(i) + √r(i_ℓ)))
//!     ≤ √n Δr / (√(r(i) r(i_ℓ)) (√r(i) + √r(i_ℓ))) ≤ √n Δr / (2α³)
//! ```
//!
//! and |[f(c)](i) − c(i)| = |[f(c)](i) − [f(c)](i_ℓ)| ≤ √n Δr / (2α³) ("final
//! bound"). When both are clamped: [f(c)](i) = [f(c)](i_ℓ) = √n/α. The
//! O(ε²) of the display is its last explicit line, Δr. Where r(i) or
//! r(i_ℓ) is 0 (x on a piece's boundary or centre) the display's √n/√r is
//! infinite and its chain is skipped for that type.
//!
//! Part 2 also notes ∫ p c w_j = Σ_{k∈A} s_k c_A(k) w_kj; the lemma module
//! checks it, and it is not repeated here.
//!
//! Error bounds: rounding for the integrals over pieces, which are exact;
//! the fixed-point bound where a link uses c_A = g_A(c_A).
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the first line writes (∫ p c w_kj)⁻¹ outside the sum over j,
//! with j free; it is read inside the sum, as r(i)'s definition has it (the
//! later lines bound it uniformly in j by (∫ p c w_min)⁻¹).
//!
//! DIFFERENCE: the "Eq. 2" line replaces w_ℓj by w_ij + ε and y_ℓj − x_j by
//! y_ij − x_j + ε. For y_ij < x_j adding ε moves toward x, and the line can
//! fail. The proof needs the worst case, |y_ij − x_j| + ε: both are encoded,
//! "Part 3, first display, as written" and "…, as the proof uses
//! (|y − x| + ε)". Both keep the next line.
//!
//! DIFFERENCE (an error, not a typo): the "canceling out terms" line is not
//! an identity. (w + ε)² (d + ε)² − w² d² = ε (w + d + ε)(2wd + ε (w + d) + ε²)
//! is of order ε, not ε². The line fails under both readings wherever
//! w² (y − x)² is not tiny. The links after it are still evaluated.
//!
//! DIFFERENCE: "Since r(i), r(i_ℓ) ≤ α" must read r(i), r(i_ℓ) ≥ α², which
//! gives 1 / (√(r r_ℓ) (√r + √r_ℓ)) ≤ 1/(2α³); the link is encoded with that
//! constant. When one of the two is clamped (r < α²) the premise fails and
//! the link may too: the proof's case split assumes both are unclamped.
//!
//! DIFFERENCE: "[f(c)](i) = [f(c)](i_ℓ) = 1/α" must read √n/α, the clamp
//! value of f. Both are encoded for pieces where both are clamped ("both
//! clamped, as written" and "…, as the proof uses").

use rug::Float;

use crate::audit::{Chain, ChainBuilder, Proof, ProofAudit};
use crate::equilibrium::{aggregates, disagreement, scaling_of};
use crate::error::{Error, Result};
use crate::lemmas::hypotheses::{self, ALPHA_IN_RANGE, HAS_DENSITY, IDEAL_POINTS_IN_CHI};
use crate::population::{Cell, Population};
use crate::solved::{Partition, Solved};
use crate::verdict::{Hypotheses, Relation, Sensitivity};

pub const PROOF: Proof =
    Proof { number: "5.3", location: "Section 5.2, proof of Lemma 5.3", used_by: &["4.2"], audit };

const R_AS_WRITTEN: &str = "Part 3, first display, as written";
const R_AS_USED: &str = "Part 3, first display, as the proof uses (|y − x| + ε)";
const F_DISPLAY: &str = "Part 3, second display";
const FINAL: &str = "Part 3, final bound";
const CLAMPED_AS_WRITTEN: &str = "Part 3, both clamped, as written";
const CLAMPED_AS_USED: &str = "Part 3, both clamped, as the proof uses (√n/α)";

/// Audits the proof of Lemma 5.3.
///
/// # Errors
///
/// Fails on a non-finite value, or when a density has no partition.
pub fn audit(s: &Solved) -> Result<ProofAudit> {
    let density = matches!(s.instance.population, Population::Density(_));
    let mut required = Hypotheses::default();
    required
        .require(density && s.params.p_max.is_some(), HAS_DENSITY)
        .require(hypotheses::alpha_in_range(s), ALPHA_IN_RANGE)
        .require(hypotheses::ideal_points_in_chi(s), IDEAL_POINTS_IN_CHI);
    if let Some(unmet) = required.unmet() {
        return Ok(ProofAudit::unmet(unmet));
    }
    let (Population::Density(cells), Some(partition)) = (&s.instance.population, &s.partition)
    else {
        return Err(Error::invalid("a density population must carry Lemma 5.3's partition"));
    };
    let step = Step::of(s, cells, partition);
    let mut chains = average_chains(s, cells, partition, &step)?;
    chains.extend(fixed_point_chains(s, partition, &step)?);
    chains.extend(part_three_chains(s, partition, &step)?);
    Ok(ProofAudit { unmet: Vec::new(), chains })
}

/// The exact integrals over the pieces, and the step scaling's aggregates.
struct Step {
    /// s_ℓ = ∫_{S_ℓ} p = p_cell vol(S_ℓ).
    mass: Vec<Float>,
    /// ∫_{S_ℓ} p w_j, per piece and issue.
    weight: Vec<Vec<Float>>,
    /// The centre of each piece: ∫_{S_ℓ} y_j / vol(S_ℓ).
    centre: Vec<Vec<Float>>,
    /// Q_j = ∫ p c w_j and x_j(c), summed piece by piece.
    big_q: Vec<Float>,
    x: Vec<Float>,
    /// P = ∫ p c.
    big_p: Float,
}

impl Step {
    fn of(s: &Solved, cells: &[Cell], partition: &Partition) -> Step {
        let prec = s.ctx.prec();
        let m = s.params.m;
        let c_a = &partition.fixed_point.eq.c;
        let mut mass = Vec::new();
        let mut weight = Vec::new();
        let mut centre = Vec::new();
        let mut big_q = vec![s.ctx.zero(); m];
        let mut moment = vec![s.ctx.zero(); m];
        let mut big_p = s.ctx.zero();
        for (l, piece) in partition.pieces.iter().enumerate() {
            let cell = &cells[piece.cell];
            let mut s_l = s.ctx.rational(&cell.density());
            for j in 0..m {
                s_l *= Float::with_val(prec, &piece.hi[j] - &piece.lo[j]);
            }
            let w: Vec<Float> = cell.w.iter().map(|v| s.ctx.rational(v)).collect();
            let y: Vec<Float> =
                (0..m).map(|j| Float::with_val(prec, &piece.lo[j] + &piece.hi[j]) / 2u32).collect();
            let pw: Vec<Float> = w.iter().map(|wj| Float::with_val(prec, &s_l * wj)).collect();
            for j in 0..m {
                let cpw = Float::with_val(prec, &c_a[l] * &pw[j]);
                moment[j] += Float::with_val(prec, &cpw * &y[j]);
                big_q[j] += cpw;
            }
            big_p += Float::with_val(prec, &c_a[l] * &s_l);
            mass.push(s_l);
            weight.push(pw);
            centre.push(y);
        }
        let x = moment.iter().zip(&big_q).map(|(t, q)| Float::with_val(prec, t / q)).collect();
        Step { mass, weight, centre, big_q, x, big_p }
    }

    /// Returns r(y) = Σ_j w_j² (y_j − x_j)² / Q_j for a type with weights w.
    fn r(&self, y: &[Float], w: &[Float]) -> Float {
        let prec = self.big_p.prec();
        let mut r = Float::new(prec);
        for j in 0..y.len() {
            let wd = Float::with_val(prec, &y[j] - &self.x[j]) * &w[j];
            r += wd.square() / &self.big_q[j];
        }
        r
    }
}

/// Part 2's first display: x_j(c) of the step scaling equals x_j(c_A).
fn average_chains(
    s: &Solved,
    cells: &[Cell],
    partition: &Partition,
    step: &Step,
) -> Result<Vec<Chain>> {
    let prec = s.ctx.prec();
    let c_a = &partition.fixed_point.eq.c;
    let reps = &partition.representatives;
    let (_, x_a) = aggregates(reps, c_a);
    let mut chains = Vec::new();
    for j in 0..s.params.m {
        let ratio = |num: Float, den: &Float| Float::with_val(prec, &num / den);

        // E0: cell by cell, p_cell and w_j pulled out of each cell's integral.
        let mut num0 = s.ctx.zero();
        let mut den0 = s.ctx.zero();
        for (k, cell) in cells.iter().enumerate() {
            let mut c_vol = s.ctx.zero();
            let mut c_vol_y = s.ctx.zero();
            for (l, piece) in partition.pieces.iter().enumerate().filter(|(_, p)| p.cell == k) {
                let vol = Float::with_val(prec, &step.mass[l] / &s.ctx.rational(&cell.density()));
                let cv = Float::with_val(prec, &c_a[l] * &vol);
                let mid = Float::with_val(prec, &piece.lo[j] + &piece.hi[j]) / 2u32;
                c_vol_y += Float::with_val(prec, &cv * &mid);
                c_vol += cv;
            }
            let pw = s.ctx.rational(&cell.density()) * s.ctx.rational(&cell.w[j]);
            num0 += Float::with_val(prec, &pw * &c_vol_y);
            den0 += pw * c_vol;
        }

        // E1 … E5: piece by piece, with the integrals, the averages, the representatives.
        let mut num1 = s.ctx.zero();
        let mut den1 = s.ctx.zero();
        let mut num3 = s.ctx.zero();
        let mut num4 = s.ctx.zero();
        let mut den4 = s.ctx.zero();
        let mut num5 = s.ctx.zero();
        let mut den5 = s.ctx.zero();
        for l in 0..partition.pieces.len() {
            let pw = &step.weight[l][j];
            let pwy = Float::with_val(prec, pw * &step.centre[l][j]);
            let cpw = Float::with_val(prec, &c_a[l] * pw);
            num1 += Float::with_val(prec, &c_a[l] * &pwy);
            den1 += &cpw;
            let y_avg = Float::with_val(prec, &pwy / pw);
            num3 += Float::with_val(prec, &cpw * &y_avg);
            let w_avg = Float::with_val(prec, pw / &step.mass[l]);
            let csw = Float::with_val(prec, &c_a[l] * &step.mass[l]) * &w_avg;
            num4 += Float::with_val(prec, &csw * &y_avg);
            den4 += csw;
            let rep = &reps[l];
            let csw = Float::with_val(prec, &c_a[l] * &rep.mass) * &rep.w[j];
            num5 += Float::with_val(prec, &csw * &rep.y[j]);
            den5 += csw;
        }
        let x1 = ratio(num1, &den1);
        let chain = ChainBuilder::new(
            s,
            "Part 2, first display",
            format!("j = {}", j + 1),
            Sensitivity::Rounding,
            ("(∫ p c w_j)⁻¹ ∫ p c w_j y_j", ratio(num0, &den0)),
        )
        .then(Relation::Eq, "(Σ_ℓ ∫_{S_ℓ} p c w_j)⁻¹ Σ_ℓ ∫_{S_ℓ} p c w_j y_j", x1.clone())
        .then(Relation::Eq, "(Σ_ℓ c_A(i_ℓ) ∫_{S_ℓ} p w_j)⁻¹ Σ_ℓ c_A(i_ℓ) ∫_{S_ℓ} p w_j y_j", x1)
        .then(
            Relation::Eq,
            "(Σ_ℓ c_A(i_ℓ) ∫_{S_ℓ} p w_j)⁻¹ Σ_ℓ c_A(i_ℓ) y^avg_ℓj ∫_{S_ℓ} p w_j",
            ratio(num3, &den1),
        )
        .then(
            Relation::Eq,
            "(Σ_ℓ c_A(i_ℓ) s_ℓ w^avg_ℓj)⁻¹ Σ_ℓ c_A(i_ℓ) y^avg_ℓj s_ℓ w^avg_ℓj",
            ratio(num4, &den4),
        )
        .then(
            Relation::Eq,
            "(Σ_ℓ c_A(i_ℓ) s_ℓ w_{i_ℓ j})⁻¹ Σ_ℓ c_A(i_ℓ) s_ℓ w_{i_ℓ j} y_{i_ℓ j}",
            ratio(num5, &den5),
        )
        .then(
            Relation::Eq,
            "(Σ_{k∈A} s_k c_A(k) w_kj)⁻¹ Σ_{k∈A} s_k c_A(k) w_kj y_kj",
            x_a[j].clone(),
        )
        .then(Relation::Eq, "x_j(c_A)", partition.fixed_point.eq.x[j].clone());
        chains.push(chain.build()?);
    }
    Ok(chains)
}

/// Part 2's second display: c_A(i) = [f(c)](i) for the representatives.
fn fixed_point_chains(s: &Solved, partition: &Partition, step: &Step) -> Result<Vec<Chain>> {
    let eq_a = &partition.fixed_point.eq;
    let (big_q_a, x_a) = aggregates(&partition.representatives, &eq_a.c);
    let mut chains = Vec::new();
    for l in super::sampled((0..partition.representatives.len()).collect()) {
        let rep = &partition.representatives[l];
        let g = scaling_of(&s.params, &disagreement(rep, &big_q_a, &x_a));
        let f = scaling_of(&s.params, &step.r(&rep.y, &rep.w));
        let chain = ChainBuilder::new(
            s,
            "Part 2, second display",
            format!("ℓ = {}", l + 1),
            Sensitivity::FixedPoint,
            ("c_A(i)", eq_a.c[l].clone()),
        )
        .then(
            Relation::Eq,
            "√n / max(α, √(Σ_j w_ij² (y_ij − x_j(c_A))² / Σ_{k∈A} s_k c_A(k) w_kj))",
            g,
        )
        .then(
            Relation::Eq,
            "[f(c)](i) = √n / max(α, √(Σ_j w_ij² (y_ij − x_j(c))² / ∫ p c w_j))",
            f,
        );
        chains.push(chain.build()?);
    }
    Ok(chains)
}

/// The ε of Eq. (2): the instance's, else the largest side of a piece.
fn epsilon(s: &Solved, partition: &Partition) -> Float {
    match &s.instance.epsilon {
        Some(eps) => s.ctx.rational(eps),
        None => partition.epsilon.clone(),
    }
}

/// Returns the point of piece ℓ nearest x(c) and its corner farthest from x(c).
fn extremes(partition: &Partition, step: &Step, l: usize) -> [Vec<Float>; 2] {
    let piece = &partition.pieces[l];
    let mut nearest = Vec::new();
    let mut farthest = Vec::new();
    for (j, x) in step.x.iter().enumerate() {
        // r is a sum of parabolas in y_j centred at x_j.
        nearest.push(x.clone().max(&piece.lo[j]).min(&piece.hi[j]));
        let to_lo = Float::with_val(x.prec(), x - &piece.lo[j]).abs();
        let to_hi = Float::with_val(x.prec(), &piece.hi[j] - x).abs();
        farthest.push(if to_lo >= to_hi { piece.lo[j].clone() } else { piece.hi[j].clone() });
    }
    [nearest, farthest]
}

/// Part 3's displays for the sampled pieces.
fn part_three_chains(s: &Solved, partition: &Partition, step: &Step) -> Result<Vec<Chain>> {
    let ctx = &s.ctx;
    let prec = ctx.prec();
    let p = &s.params;
    let m = p.m;
    let eps = epsilon(s, partition);
    let eps2 = eps.clone().square();
    let eps4 = eps2.clone().square();
    let wd2 = p.w_max.clone().square() * &p.d_max_squared;
    let core = Float::with_val(prec, &eps2 * &wd2) + &eps4;
    let mut over_q = ctx.zero();
    for q in &step.big_q {
        over_q += Float::with_val(prec, &core / q);
    }
    let m_core = core.clone() * (m as u32);
    let e6 = Float::with_val(prec, &m_core / &(step.big_p.clone() * &p.w_min));
    let lo = p.w_min.clone() / &wd2;
    let delta_r = m_core / (lo * &p.w_min);
    let sqrt_n = p.n.clone().sqrt();
    let alpha3 = p.alpha.clone().square() * &p.alpha;
    let f_bound = Float::with_val(prec, &sqrt_n * &delta_r) / (alpha3 * 2u32);
    let clamp = Float::with_val(prec, &sqrt_n / &p.alpha);

    // Every sampled piece, and the piece nearest x, where clamping happens.
    let mut pieces = super::sampled((0..partition.pieces.len()).collect());
    let nearest_piece = (0..partition.pieces.len())
        .map(|l| (l, step.r(&extremes(partition, step, l)[0], &partition.representatives[l].w)))
        .min_by(|a, b| a.1.partial_cmp(&b.1).expect("finite r"))
        .map(|(l, _)| l);
    if let Some(l) = nearest_piece.filter(|l| !pieces.contains(l)) {
        pieces.push(l);
    }

    let mut chains = Vec::new();
    for l in pieces {
        let rep = &partition.representatives[l];
        let r_rep = step.r(&rep.y, &rep.w);
        let f_rep = scaling_of(p, &r_rep);
        let c_i = partition.fixed_point.eq.c[l].clone();
        for (which, y) in ["nearest x", "farthest from x"].iter().zip(extremes(partition, step, l))
        {
            let label = format!("ℓ = {}, i {which}", l + 1);
            let w = &rep.w;
            let r_i = step.r(&y, w);

            // The first display's sums over issues.
            let mut signed = ctx.zero();
            let mut split = ctx.zero();
            let mut literal = ctx.zero();
            let mut worst = ctx.zero();
            let mut cancelled = ctx.zero();
            for j in 0..m {
                let d = Float::with_val(prec, &y[j] - &step.x[j]);
                let d_rep = Float::with_val(prec, &rep.y[j] - &step.x[j]);
                let own = Float::with_val(prec, &w[j] * &d).square();
                let theirs = Float::with_val(prec, &rep.w[j] * &d_rep).square();
                let w_eps = Float::with_val(prec, &w[j] + &eps).square();
                let shifted = Float::with_val(prec, &d + &eps).square() * &w_eps;
                let farther = (d.clone().abs() + &eps).square() * &w_eps;
                let q = &step.big_q[j];
                let gap = Float::with_val(prec, &own - &theirs);
                signed += Float::with_val(prec, &gap / q);
                split += gap.abs() / q;
                literal += Float::with_val(prec, &own - &shifted).abs() / q;
                worst += Float::with_val(prec, &own - &farther).abs() / q;
                cancelled += (Float::with_val(prec, &eps2 * &own) + &eps4).abs() / q;
            }
            let gap_r = Float::with_val(prec, &r_i - &r_rep).abs();
            for (display, eq2) in [(R_AS_WRITTEN, &literal), (R_AS_USED, &worst)] {
                let eq2_term = if display == R_AS_WRITTEN {
                    "Σ_j |w_ij² (y_ij − x_j)² − (w_ij + ε)² (y_ij − x_j + ε)²| / Q_j"
                } else {
                    "Σ_j |w_ij² (y_ij − x_j)² − (w_ij + ε)² (|y_ij − x_j| + ε)²| / Q_j"
                };
                let chain = ChainBuilder::new(
                    s,
                    display,
                    &label,
                    Sensitivity::Rounding,
                    ("|r(i) − r(i_ℓ)|", gap_r.clone()),
                )
                .then(
                    Relation::Eq,
                    "|Σ_j (w_ij² (y_ij − x_j)² − w_ℓj² (y_ℓj − x_j)²) / Q_j|",
                    signed.clone().abs(),
                )
                .then(
                    Relation::Le,
                    "Σ_j |w_ij² (y_ij − x_j)² − w_ℓj² (y_ℓj − x_j)²| / Q_j",
                    split.clone(),
                )
                .then(Relation::Le, eq2_term, eq2.clone())
                .then(Relation::Eq, "Σ_j |ε⁴ + ε² w_ij² (y_ij − x_j)²| / Q_j", cancelled.clone())
                .then(Relation::Le, "Σ_j (ε⁴ + ε² w_max² d_max²) / Q_j", over_q.clone())
                .then(Relation::Le, "(∫ p c w_min)⁻¹ m (ε⁴ + ε² w_max² d_max²)", e6.clone())
                .then(
                    Relation::Le,
                    "(∫ p (w_min/(w_max² d_max²)) w_min)⁻¹ m (ε⁴ + ε² w_max² d_max²)",
                    delta_r.clone(),
                );
                chains.push(chain.build()?);
            }

            // The second display and the final bound.
            let f_i = scaling_of(p, &r_i);
            let gap_f = Float::with_val(prec, &f_i - &f_rep).abs();
            let i_free = r_i.clone().sqrt() >= p.alpha;
            let rep_free = r_rep.clone().sqrt() >= p.alpha;
            if !i_free && !rep_free {
                for (display, value, term) in [
                    (CLAMPED_AS_WRITTEN, ctx.int(1) / &p.alpha, "1/α"),
                    (CLAMPED_AS_USED, clamp.clone(), "√n/α"),
                ] {
                    let chain = ChainBuilder::new(
                        s,
                        display,
                        &label,
                        Sensitivity::Rounding,
                        ("[f(c)](i)", f_i.clone()),
                    )
                    .then(Relation::Eq, "[f(c)](i_ℓ)", f_rep.clone())
                    .then(Relation::Eq, term, value);
                    chains.push(chain.build()?);
                }
            } else if !r_i.is_zero() && !r_rep.is_zero() {
                chains.push(f_chain(s, &label, (&r_i, &f_i), (&r_rep, &f_rep), i_free, &delta_r)?);
            }
            let chain = ChainBuilder::new(
                s,
                FINAL,
                &label,
                Sensitivity::FixedPoint,
                ("|[f(c)](i) − c(i)|", Float::with_val(prec, &f_i - &c_i).abs()),
            )
            .then(Relation::Eq, "|[f(c)](i) − [f(c)](i_ℓ)|", gap_f)
            .then(Relation::Le, "√n Δr / (2α³)", f_bound.clone());
            chains.push(chain.build()?);
        }
    }
    Ok(chains)
}

/// The second display of Part 3, with i the unclamped one of the pair when `i_free`,
/// else the roles swapped (the proof's "symmetric" case).
fn f_chain(
    s: &Solved,
    label: &str,
    (r_i, f_i): (&Float, &Float),
    (r_rep, f_rep): (&Float, &Float),
    i_free: bool,
    delta_r: &Float,
) -> Result<Chain> {
    let prec = s.ctx.prec();
    let p = &s.params;
    let sqrt_n = p.n.clone().sqrt();
    let (root_i, root_rep) = (r_i.clone().sqrt(), r_rep.clone().sqrt());
    let gap_f = Float::with_val(prec, f_i - f_rep).abs();
    // √n/√r for the unclamped one, √n/max(α, √r) for the other.
    let (free, other) = if i_free { (&root_i, &root_rep) } else { (&root_rep, &root_i) };
    let first = Float::with_val(prec, &sqrt_n / free)
        - Float::with_val(prec, &sqrt_n / &p.alpha.clone().max(other));
    let inverse_gap =
        (Float::with_val(prec, root_i.clone().recip()) - root_rep.clone().recip()).abs();
    let root_product = Float::with_val(prec, r_i * r_rep).sqrt();
    let root_gap = Float::with_val(prec, &root_rep - &root_i).abs();
    let root_sum = Float::with_val(prec, &root_i + &root_rep);
    let r_gap = Float::with_val(prec, r_rep - r_i).abs();
    let denominator = Float::with_val(prec, &root_product * &root_sum);
    let alpha3 = p.alpha.clone().square() * &p.alpha;
    let display_first = if i_free {
        "|√n/√r(i) − √n/max(α, √r(i_ℓ))|"
    } else {
        "|√n/max(α, √r(i)) − √n/√r(i_ℓ)|"
    };
    let chain = ChainBuilder::new(
        s,
        F_DISPLAY,
        label,
        Sensitivity::Rounding,
        ("|[f(c)](i) − [f(c)](i_ℓ)|", gap_f),
    )
    .then(Relation::Eq, display_first, first.abs())
    .then(Relation::Le, "√n |1/√r(i) − 1/√r(i_ℓ)|", sqrt_n.clone() * inverse_gap)
    .then(
        Relation::Eq,
        "√n |√r(i_ℓ) − √r(i)| / √(r(i) r(i_ℓ))",
        sqrt_n.clone() * root_gap / &root_product,
    )
    .then(
        Relation::Eq,
        "√n |r(i_ℓ) − r(i)| / (√(r(i) r(i_ℓ)) (√r(i) + √r(i_ℓ)))",
        sqrt_n.clone() * r_gap / &denominator,
    )
    .then(
        Relation::Le,
        "√n Δr / (√(r(i) r(i_ℓ)) (√r(i) + √r(i_ℓ)))",
        sqrt_n.clone() * delta_r / &denominator,
    )
    .then(Relation::Le, "√n Δr / (2α³)", sqrt_n * delta_r / (alpha3 * 2u32));
    chain.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{segment, N_POWER};
    use crate::numeric::Context;
    use crate::verdict::Verdict;

    fn links(audit: &ProofAudit, display: &str, link: usize) -> Vec<Verdict> {
        let chains = audit.chains.iter().filter(|c| c.display == display);
        chains.map(|c| c.links[link].verdict.clone()).collect()
    }

    fn count(v: &[Verdict], want: Verdict) -> usize {
        v.iter().filter(|x| **x == want).count()
    }

    fn all_hold(audit: &ProofAudit, display: &str) -> bool {
        let chains: Vec<_> = audit.chains.iter().filter(|c| c.display == display).collect();
        !chains.is_empty()
            && chains.iter().all(|c| c.links.iter().all(|l| l.verdict == Verdict::Holds))
    }

    // Section 5.2, Part 2 and the final bound at ε = 1/8 (16 pieces of side 1/16).
    #[test]
    fn part_two_and_the_final_bound_hold() {
        let audit = audit(&segment("1/8", N_POWER)).unwrap();
        assert!(all_hold(&audit, "Part 2, first display"));
        assert!(all_hold(&audit, "Part 2, second display"));
        assert!(all_hold(&audit, FINAL));
        assert!(all_hold(&audit, F_DISPLAY));
        // 16 pieces, two types each.
        assert_eq!(links(&audit, R_AS_USED, 0).len(), 32);
    }

    // Section 5.2, the "canceling out terms" line: O(ε) terms do not cancel.
    #[test]
    fn the_cancelling_line_fails_and_the_rest_of_the_chain_holds() {
        let audit = audit(&segment("1/8", N_POWER)).unwrap();
        for display in [R_AS_WRITTEN, R_AS_USED] {
            assert!(count(&links(&audit, display, 3), Verdict::Violated) > 0, "{display}");
            for link in [0, 1, 4, 5, 6] {
                let v = links(&audit, display, link);
                assert_eq!(count(&v, Verdict::Holds), v.len(), "{display}, link {}", link + 1);
            }
        }
        // The worst case over the signs is a valid Eq. 2 step.
        let used = links(&audit, R_AS_USED, 2);
        assert_eq!(count(&used, Verdict::Holds), used.len());
    }

    // Section 5.2, the Eq. 2 line: y − x + ε moves toward x on the left of x.
    #[test]
    fn the_literal_eq_2_line_fails_left_of_x() {
        let audit = audit(&segment("1/8", N_POWER)).unwrap();
        let literal = links(&audit, R_AS_WRITTEN, 2);
        assert!(count(&literal, Verdict::Violated) > 0);
    }

    // Section 5.2: at α = 10 every type is clamped, and f(c) ≡ √n/α, not 1/α.
    #[test]
    fn both_clamped_reads_root_n_over_alpha() {
        let audit = audit(&segment("1/8", r#""10""#)).unwrap();
        let written = links(&audit, CLAMPED_AS_WRITTEN, 1);
        assert_eq!(count(&written, Verdict::Violated), 32);
        assert!(all_hold(&audit, CLAMPED_AS_USED));
        assert!(all_hold(&audit, FINAL));
    }

    #[test]
    fn unmet_for_a_finite_population() {
        let text = r#"{"n": "1e6", "alpha": {"power_of_n": "-7/8"}, "gamma": "1/100",
            "weight_box": {"min": "1", "max": "1"},
            "outcome_set": {"box": {"lo": ["0"], "hi": ["1"]}},
            "population": {"types": [{"y": ["0"], "w": ["1"], "mass": "1"},
                                     {"y": ["1"], "w": ["1"], "mass": "2"}]}}"#;
        let instance = crate::instance_file::from_str(text).unwrap();
        let s = crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap();
        assert_eq!(audit(&s).unwrap().unmet, vec![HAS_DENSITY.to_string()]);
    }

    #[test]
    fn unmet_when_alpha_is_above_the_range() {
        let audit = audit(&segment("1/4", r#""1001""#)).unwrap();
        assert_eq!(audit.unmet, vec![ALPHA_IN_RANGE.to_string()]);
    }
}
