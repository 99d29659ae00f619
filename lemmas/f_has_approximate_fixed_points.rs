//! The map f has ε-fixed points, checked through the proof's construction (Lemma 5.3).
//!
//! # Statement
//!
//! ```text
//! ∀ε' > 0 ∃c : |[f(c)](i) − c(i)| < ε' for all types i        (AFPP)
//! [f(c)](i) = √n / max(α, √r(i)),  r(i) = Σ_j w_ij² (y_ij − x_j(c))² / ∫ p c w_j
//! ```
//!
//! The proof partitions the types into pieces S_ℓ of side below ε, takes
//! one representative i_ℓ per piece (here the centre, with the cell's
//! weights and the piece's mass s_ℓ), a fixed point c_A of g_A on the
//! representatives, and the step scaling c(i) = c_A(i_ℓ) for i ∈ S_ℓ. The
//! instance's construction is read from `Solved::partition`.
//!
//! # Hypotheses
//!
//! 1. p has a density: [`hypotheses::HAS_DENSITY`]; a finite population has no
//!    pieces to refine.
//! 2. α in Lemma 5.1's range, which the proof cites for c_A:
//!    [`hypotheses::ALPHA_IN_RANGE`].
//! 3. Ideal points lie in χ, used silently for |y_ij − x_j| ≤ d_max and for
//!    Lemma 5.1's c ≥ w_min/(w_max² d_max²): [`hypotheses::IDEAL_POINTS_IN_CHI`].
//!
//! # Numerical check
//!
//! ε is the instance's `epsilon`, for which the construction makes every side
//! strictly smaller, as Eq. (2) asks; without one, the largest side of a piece
//! (Eq. (2) then holds only with ≤, the limit of the bounds). Q and x of the
//! step scaling c are integrated exactly from the density: a cell is uniform
//! with one weight vector, so `∫_{S_ℓ} p w_j = p_cell vol(S_ℓ) w_j` and
//! `∫_{S_ℓ} p w_j y_j = p_cell vol(S_ℓ) w_j (lo_j + hi_j)/2`.
//!
//! - (a) Part 2: x_j(c) and Q_j(c) from those integrals equal x_j(c_A) and
//!   Q_j(c_A) from the representatives (relation =, rounding bound).
//! - (b) Part 3, per piece: sup_{i∈S_ℓ} |[f(c)](i) − c(i)| ≤ √n Δr / (2α³),
//!   Δr = (w_max² d_max² / w_min²) m (ε⁴ + ε² w_max² d_max²): the proof's chain
//!   with its O(1) made explicit. r is a separable convex quadratic in y on a
//!   box and f is monotone in r, so the supremum is attained at min r (x
//!   clamped into the box per coordinate) or max r (the farthest corner);
//!   both are computed exactly. Error: rounding plus 16 ρ_A, the residual of
//!   c_A, on the magnitude of c(i); the pieces' integrals bring no quadrature error.
//! - (c) Part 3, per piece: sup_{i∈S_ℓ} |r(i) − r(i_ℓ)| against the display's
//!   first explicit line m (ε⁴ + ε² w_max² d_max²) / min_j Q_j, against its last
//!   line Δr ("via Lemma 5.1"), and against the corrected bound
//!   Σ_j w_j² (ε |y_ℓj − x_j| + ε²/4) / Q_j ("corrected"): with w constant on a
//!   piece, (y − x)² − (y_ℓ − x)² = d (2 (y_ℓ − x) + d) with |d| ≤ ε/2.
//! - (d) Part 2, for the first 50 representatives: c_A(i_ℓ) = [f(c)](i_ℓ)
//!   (relation =, rounding plus 16 ρ_A on c_A(i_ℓ)).
//!
//! Up to 100 pieces get one check each per bound; beyond that each cell
//! reports its piece with the smallest relative margin, its label counting
//! the pieces that violate.
//!
//! Observed on the segment [0, 1], w = 1, n = 10⁶, α = n^(-7/8): (a), (b), (d),
//! the "via Lemma 5.1" line and the corrected bound hold at ε = 1/8 and
//! ε = 1/64. The first line of (c) is violated on the pieces far from x:
//! 8 of 16 at ε = 1/8, 120 of 128 at ε = 1/64, as the error of the
//! "canceling out terms" step (order ε, not ε²) predicts. The proof's
//! conclusion survives because Lemma 5.1's constant and 1/(2α³) are loose
//! by many orders; yet at these ε the step scaling is far from a fixed
//! point: sup |f(c) − c| is of the order of c itself (up to 6·10⁷).
//!
//! Certified: only the hypotheses, the density's and χ's on the exact
//! instance and α's range over the enclosed parameters. An enclosure exists
//! for a finite population only, which has no density, so the certified
//! outcome is always "hypothesis unmet", as `evaluate` finds.
//!
//! # Differences from the paper
//!
//! DIFFERENCE: the proof's "Since r(i), r(i_ℓ) ≤ α" must read r(i), r(i_ℓ) ≥ α²
//! (non-clamped types), which gives 1 / (√(r r_ℓ) (√r + √r_ℓ)) ≤ 1/(2α³); (b)
//! uses that. The bound also holds when one or both are clamped, since
//! r ↦ 1/max(α, √r) is Lipschitz with constant 1/(2α³).
//!
//! DIFFERENCE: "[f(c)](i) = [f(c)](i_ℓ) = 1/α" must read √n/α, the clamp value of f.
//!
//! DIFFERENCE: the "canceling out terms" line replaces
//! (w + ε)² (y − x + ε)² − w² (y − x)² by ε⁴ + ε² w² (y − x)², which is not an
//! identity; the difference is of order ε. The paper's bound is kept in (c)
//! and (b) as written, and the corrected bound is reported next to it.
//!
//! DIFFERENCE: the display's first line writes (∫ p c w_j)⁻¹ outside the sum
//! over j, with j free; (c) reads it as (min_j Q_j)⁻¹, the largest such factor.

use rug::Float;

use crate::certify::{self, Certification};
use crate::enclosure::Enclosure;
use crate::equilibrium::{aggregates, scaling_of, Params};
use crate::error::{Error, Result};
use crate::lemmas::hypotheses::{self, ALPHA_IN_RANGE, HAS_DENSITY, IDEAL_POINTS_IN_CHI};
use crate::numeric::tol;
use crate::population::{Cell, Population};
use crate::solved::{Partition, Solved};
use crate::verdict::{error_bound, Check, Evaluation, Hypotheses, Relation, Sensitivity};

pub const NUMBER: &str = "5.3";
pub const STATEMENT: &str =
    "f satisfies AFPP: ∀ε' > 0 ∃c with |[f(c)](i) − c(i)| < ε' for every type i";
pub const HYPOTHESES: &[&str] = &[HAS_DENSITY, ALPHA_IN_RANGE, IDEAL_POINTS_IN_CHI];
pub const METHOD: &str = "the proof's construction (pieces of side < ε, centres as \
    representatives, c_A = g_A(c_A)) read from the solved instance; x and Q of the step \
    scaling integrated exactly per piece and compared with the representatives'; per piece \
    the exact sup of |f(c) − c| (at min r and max r over the box) against √n Δr/(2α³), and \
    of |r − r(i_ℓ)| against the proof's bounds and a corrected O(ε) bound; \
    c_A(i_ℓ) = f(c)(i_ℓ); rounding plus 16 ρ_A";

/// Pieces up to which every piece gets its own check.
const MAX_PIECE_CHECKS: usize = 100;

/// Representatives whose fixed-point equation (d) is checked.
const MAX_REPRESENTATIVE_CHECKS: usize = 50;

/// Evaluates Lemma 5.3.
///
/// # Errors
///
/// Fails on a non-finite value, or when a density has no partition.
pub fn evaluate(s: &Solved) -> Result<Evaluation> {
    let density = matches!(s.instance.population, Population::Density(_));
    let mut required = Hypotheses::default();
    required
        .require(density && s.params.p_max.is_some(), HAS_DENSITY)
        .require(hypotheses::alpha_in_range(s), ALPHA_IN_RANGE)
        .require(hypotheses::ideal_points_in_chi(s), IDEAL_POINTS_IN_CHI);
    if let Some(unmet) = required.unmet() {
        return Ok(Evaluation::unmet(unmet));
    }
    let (Population::Density(cells), Some(partition)) = (&s.instance.population, &s.partition)
    else {
        return Err(Error::invalid("a density population must carry Lemma 5.3's partition"));
    };

    let step = StepAggregates::of(s, cells, partition);
    let mut checks = part_two_checks(s, partition, &step)?;
    checks.extend(piece_checks(s, partition, &step)?);
    checks.extend(representative_checks(s, partition, &step)?);
    Ok(Evaluation { unmet: Vec::new(), checks })
}

/// Q and x of the step scaling c, integrated piece by piece from the density.
struct StepAggregates {
    big_q: Vec<Float>,
    x: Vec<Float>,
    /// (Q_j)⁻¹ ∫ p c w_j |y_j|: the magnitude of the terms of x_j.
    x_scale: Vec<Float>,
}

impl StepAggregates {
    fn of(s: &Solved, cells: &[Cell], partition: &Partition) -> StepAggregates {
        let prec = s.ctx.prec();
        let m = s.params.m;
        let c_a = &partition.fixed_point.eq.c;
        let mut big_q = vec![s.ctx.zero(); m];
        let mut moment = vec![s.ctx.zero(); m];
        let mut abs_moment = vec![s.ctx.zero(); m];
        for (l, piece) in partition.pieces.iter().enumerate() {
            let cell = &cells[piece.cell];

            // p is uniform on the cell, so ∫_{S_ℓ} p = p_cell vol(S_ℓ).
            let mut mass = s.ctx.rational(&cell.density());
            for j in 0..m {
                mass *= Float::with_val(prec, &piece.hi[j] - &piece.lo[j]);
            }
            let weight = mass * &c_a[l];
            for j in 0..m {
                // c_A(ℓ) ∫_{S_ℓ} p w_j, and ∫_{S_ℓ} y_j = vol (lo_j + hi_j)/2.
                let pcw = Float::with_val(prec, &weight * &s.ctx.rational(&cell.w[j]));
                let mean_y = Float::with_val(prec, &piece.lo[j] + &piece.hi[j]) / 2u32;
                abs_moment[j] +=
                    Float::with_val(prec, &pcw * &Float::with_val(prec, mean_y.abs_ref()));
                moment[j] += Float::with_val(prec, &pcw * &mean_y);
                big_q[j] += pcw;
            }
        }
        let x = moment.iter().zip(&big_q).map(|(t, q)| Float::with_val(prec, t / q)).collect();
        let x_scale =
            abs_moment.iter().zip(&big_q).map(|(t, q)| Float::with_val(prec, t / q)).collect();
        StepAggregates { big_q, x, x_scale }
    }

    /// Returns r(y) = Σ_j w_j² (y_j − x_j)² / Q_j for a type with weights w.
    fn r(&self, y: &[Float], w: &[Float]) -> Float {
        let prec = self.x[0].prec();
        let mut r = Float::new(prec);
        for j in 0..y.len() {
            let wd = Float::with_val(prec, &y[j] - &self.x[j]) * &w[j];
            r += wd.square() / &self.big_q[j];
        }
        r
    }
}

/// Returns the ε of Eq. (2): the instance's, else the largest side of a piece.
fn epsilon(s: &Solved, partition: &Partition) -> Float {
    match &s.instance.epsilon {
        Some(eps) => s.ctx.rational(eps),
        None => partition.epsilon.clone(),
    }
}

/// Returns the error bound for a side relying on c_A = g_A(c_A).
///
/// The integrals over the pieces are exact, so only rounding and the
/// residual ρ_A of the representatives' fixed point enter.
fn step_bound(s: &Solved, partition: &Partition, scale: &Float) -> (Float, String) {
    let rounding = s.ctx.unit_roundoff() * tol::ROUNDING_ULPS;
    let model = partition.fixed_point.residual.clone() * tol::RESIDUAL_AMPLIFICATION;
    let how = format!(
        "rounding ({} ulps) plus {}·ρ_A (residual of g_A on the representatives), relative to \
         the terms' magnitude; the pieces' integrals are exact",
        tol::ROUNDING_ULPS,
        tol::RESIDUAL_AMPLIFICATION
    );
    ((rounding + model) * scale.clone().abs(), how)
}

/// Part 2: the step scaling's continuous aggregates equal the representatives' discrete ones.
fn part_two_checks(s: &Solved, partition: &Partition, step: &StepAggregates) -> Result<Vec<Check>> {
    let (big_q_a, x_a) = aggregates(&partition.representatives, &partition.fixed_point.eq.c);
    let mut checks = Vec::new();
    for j in 0..s.params.m {
        let bound = error_bound(s, &step.x_scale[j], Sensitivity::Rounding);
        let label = format!("x_{}(c) continuous = x_{}(c_A) discrete (Part 2)", j + 1, j + 1);
        checks.push(
            Check::new(label, step.x[j].clone(), Relation::Eq, x_a[j].clone(), bound)?.proof_step(),
        );

        let bound = error_bound(s, &step.big_q[j], Sensitivity::Rounding);
        let label = format!("∫ p c w_{} = Σ_k s_k c_A(k) w_k{} (Part 2)", j + 1, j + 1);
        let lhs = step.big_q[j].clone();
        checks.push(Check::new(label, lhs, Relation::Eq, big_q_a[j].clone(), bound)?.proof_step());
    }
    Ok(checks)
}

/// The explicit constants of Part 3, fixed for the instance.
struct Part3 {
    /// Δr = (w_max² d_max² / w_min²) m (ε⁴ + ε² w_max² d_max²): the display's last line.
    delta_r: Float,
    /// m (ε⁴ + ε² w_max² d_max²) / min_j Q_j: the display's first explicit line.
    first_line: Float,
    /// √n Δr / (2α³).
    f_bound: Float,
    epsilon: Float,
}

impl Part3 {
    fn of(s: &Solved, partition: &Partition, step: &StepAggregates) -> Part3 {
        let p: &Params = &s.params;
        let epsilon = epsilon(s, partition);
        let wd2 = p.w_max.clone().square() * p.d_max_squared.clone();
        let eps2 = epsilon.clone().square();
        let core = (eps2.clone().square() + eps2 * &wd2) * (p.m as u32);
        let delta_r = wd2 / p.w_min.clone().square() * &core;
        let min_q = step.big_q.iter().fold(step.big_q[0].clone(), |a, q| a.min(q));
        let first_line = core / min_q;
        let alpha3 = p.alpha.clone().square() * &p.alpha;
        let f_bound = p.n.clone().sqrt() * &delta_r / (alpha3 * 2u32);
        Part3 { delta_r, first_line, f_bound, epsilon }
    }
}

/// One piece's extremes of r over its box and at its representative.
struct PieceExtremes {
    r_min: Float,
    r_max: Float,
    r_rep: Float,
}

fn extremes(s: &Solved, partition: &Partition, step: &StepAggregates, l: usize) -> PieceExtremes {
    let prec = s.ctx.prec();
    let piece = &partition.pieces[l];
    let rep = &partition.representatives[l];
    let mut nearest = Vec::with_capacity(s.params.m);
    let mut farthest = Vec::with_capacity(s.params.m);
    for j in 0..s.params.m {
        // r is a sum of convex parabolas in y_j centred at x_j: the minimum
        // clamps x_j into [lo_j, hi_j], the maximum takes the farther end.
        let x = &step.x[j];
        nearest.push(x.clone().max(&piece.lo[j]).min(&piece.hi[j]));
        let to_lo = Float::with_val(prec, x - &piece.lo[j]).abs();
        let to_hi = Float::with_val(prec, &piece.hi[j] - x).abs();
        farthest.push(if to_lo >= to_hi { piece.lo[j].clone() } else { piece.hi[j].clone() });
    }
    PieceExtremes {
        r_min: step.r(&nearest, &rep.w),
        r_max: step.r(&farthest, &rep.w),
        r_rep: step.r(&rep.y, &rep.w),
    }
}

/// Part 3, per piece: the bounds (b) and (c).
fn piece_checks(s: &Solved, partition: &Partition, step: &StepAggregates) -> Result<Vec<Check>> {
    let prec = s.ctx.prec();
    let part3 = Part3::of(s, partition, step);
    let kinds = [
        "sup_{S_ℓ} |f(c) − c| ≤ √n Δr/(2α³)",
        "sup_{S_ℓ} |r − r(i_ℓ)| ≤ m(ε⁴ + ε² w_max² d_max²)/min_j Q_j (first line)",
        "sup_{S_ℓ} |r − r(i_ℓ)| ≤ Δr (via Lemma 5.1)",
        "corrected: sup_{S_ℓ} |r − r(i_ℓ)| ≤ Σ_j w_j² (ε|y_ℓj − x_j| + ε²/4)/Q_j",
    ];
    let mut by_kind: Vec<Vec<(usize, Check)>> = vec![Vec::new(); kinds.len()];
    for (l, piece) in partition.pieces.iter().enumerate() {
        let e = extremes(s, partition, step, l);
        let c_l = &partition.fixed_point.eq.c[l];
        let rep = &partition.representatives[l];
        let label = |kind: &str| format!("ℓ = {l} (cell {}): {kind}", piece.cell);

        // (b): f is decreasing in r, so f(c) ranges over [f(r_max), f(r_min)]
        // on the piece and |f − c_ℓ| is largest at an end.
        let f_near = scaling_of(&s.params, &e.r_min);
        let f_far = scaling_of(&s.params, &e.r_max);
        let gap_near = Float::with_val(prec, &f_near - c_l).abs();
        let gap_far = Float::with_val(prec, &f_far - c_l).abs();
        let sup_f = gap_near.max(&gap_far);
        let bound = step_bound(s, partition, &f_near.max(c_l));
        let f_bound = part3.f_bound.clone();
        by_kind[0].push((l, Check::new(label(kinds[0]), sup_f, Relation::Le, f_bound, bound)?));

        // (c): r over the piece ranges over [r_min, r_max], r(i_ℓ) inside it.
        let above = Float::with_val(prec, &e.r_max - &e.r_rep);
        let below = Float::with_val(prec, &e.r_rep - &e.r_min);
        let sup_r = above.max(&below);
        let corrected = corrected_bound(step, &rep.y, &rep.w, &part3.epsilon);
        let bounds = [&part3.first_line, &part3.delta_r, &corrected];
        for (k, rhs) in bounds.into_iter().enumerate() {
            let scale = e.r_max.clone().max(rhs);
            let bound = error_bound(s, &scale, Sensitivity::Rounding);
            let check =
                Check::new(label(kinds[k + 1]), sup_r.clone(), Relation::Le, rhs.clone(), bound)?
                    .proof_step();
            by_kind[k + 1].push((l, check));
        }
    }
    let mut checks = Vec::new();
    for (kind, list) in kinds.iter().zip(by_kind) {
        checks.extend(reduce(kind, list, partition));
    }
    Ok(checks)
}

/// Returns Σ_j w_j² (ε |y_ℓj − x_j| + ε²/4) / Q_j.
///
/// With w constant on the piece and |y_j − y_ℓj| ≤ ε/2,
/// |(y_j − x_j)² − (y_ℓj − x_j)²| = |d (2 (y_ℓj − x_j) + d)| ≤ ε |y_ℓj − x_j| + ε²/4.
fn corrected_bound(step: &StepAggregates, y: &[Float], w: &[Float], epsilon: &Float) -> Float {
    let prec = epsilon.prec();
    let quarter_eps2 = epsilon.clone().square() / 4u32;
    let mut sum = Float::new(prec);
    for j in 0..y.len() {
        let dev = Float::with_val(prec, &y[j] - &step.x[j]).abs();
        let term = dev * epsilon + &quarter_eps2;
        sum += term * w[j].clone().square() / &step.big_q[j];
    }
    sum
}

/// Keeps every piece's check, or, past [`MAX_PIECE_CHECKS`], each cell's tightest.
fn reduce(kind: &str, list: Vec<(usize, Check)>, partition: &Partition) -> Vec<Check> {
    if list.len() <= MAX_PIECE_CHECKS {
        return list.into_iter().map(|(_, c)| c).collect();
    }
    let n_cells = partition.pieces.iter().map(|p| p.cell + 1).max().unwrap_or(0);
    let mut out = Vec::with_capacity(n_cells);
    for cell in 0..n_cells {
        let in_cell: Vec<&(usize, Check)> =
            list.iter().filter(|(l, _)| partition.pieces[*l].cell == cell).collect();
        let violated =
            in_cell.iter().filter(|(_, c)| c.verdict == crate::verdict::Verdict::Violated).count();
        let worst = in_cell.iter().min_by(|a, b| {
            a.1.relative_margin().partial_cmp(&b.1.relative_margin()).expect("finite margins")
        });
        if let Some((l, check)) = worst {
            let label = format!(
                "cell {cell}, tightest of {} pieces (ℓ = {l}; {violated} violated): {kind}",
                in_cell.len()
            );
            out.push(Check { label, ..check.clone() });
        }
    }
    out
}

/// Part 2's conclusion (d): c_A(i_ℓ) = [f(c)](i_ℓ) for the first representatives.
fn representative_checks(
    s: &Solved,
    partition: &Partition,
    step: &StepAggregates,
) -> Result<Vec<Check>> {
    let mut checks = Vec::new();
    let count = partition.representatives.len().min(MAX_REPRESENTATIVE_CHECKS);
    for (l, rep) in partition.representatives.iter().take(count).enumerate() {
        let c_l = partition.fixed_point.eq.c[l].clone();
        let f_at = scaling_of(&s.params, &step.r(&rep.y, &rep.w));
        let bound = step_bound(s, partition, &c_l);
        let label = format!("ℓ = {l}: c_A(i_ℓ) = [f(c)](i_ℓ)");
        checks.push(Check::new(label, c_l, Relation::Eq, f_at, bound)?.proof_step());
    }
    Ok(checks)
}

/// Certifies the statement on an enclosure: a finite population certainly has no density.
pub fn certify(s: &Solved, e: &Enclosure) -> Certification {
    let density = matches!(s.instance.population, Population::Density(_));
    let mut required = certify::Hypotheses::default();
    required
        .require(Some(density && s.params.p_max.is_some()), HAS_DENSITY)
        .require(certify::hypotheses::alpha_in_range(e), ALPHA_IN_RANGE)
        .require(Some(hypotheses::ideal_points_in_chi(s)), IDEAL_POINTS_IN_CHI);
    if let Some(verdict) = required.verdict() {
        return verdict;
    }
    // Unreachable through `enclose`, which refuses a density; kept total.
    Certification::not_certifiable("a density's integrals are not enclosed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{segment, N_POWER};
    use crate::numeric::Context;
    use crate::verdict::Verdict;

    fn verdicts(e: &Evaluation, part: &str) -> Vec<Verdict> {
        e.checks.iter().filter(|c| c.label.contains(part)).map(|c| c.verdict.clone()).collect()
    }

    fn all(v: &[Verdict], want: Verdict) -> bool {
        !v.is_empty() && v.iter().all(|x| *x == want)
    }

    // Section 5.2, proof of Lemma 5.3, Parts 2 and 3 at ε = 1/8 (pieces of side 1/16).
    #[test]
    fn construction_is_an_approximate_fixed_point_at_one_eighth() {
        let s = segment("1/8", N_POWER);
        let e = evaluate(&s).unwrap();
        assert_eq!(s.partition.as_ref().unwrap().pieces.len(), 16);
        assert!(all(&verdicts(&e, "Part 2"), Verdict::Holds));
        assert!(all(&verdicts(&e, "c_A(i_ℓ) = [f(c)](i_ℓ)"), Verdict::Holds));
        assert!(all(&verdicts(&e, "√n Δr/(2α³)"), Verdict::Holds));
        assert!(all(&verdicts(&e, "corrected"), Verdict::Holds));
        assert!(all(&verdicts(&e, "via Lemma 5.1"), Verdict::Holds));
    }

    // Section 5.2, the "canceling out terms" line: its bound is O(ε²), the truth O(ε).
    #[test]
    fn first_line_of_the_r_bound_fails_far_from_x() {
        let s = segment("1/8", N_POWER);
        let e = evaluate(&s).unwrap();
        let first = verdicts(&e, "(first line)");
        // The 4 pieces at each end violate it; the 8 around x = 1/2 satisfy it.
        assert_eq!(first.iter().filter(|v| **v == Verdict::Violated).count(), 8);
        assert_eq!(first.iter().filter(|v| **v == Verdict::Holds).count(), 8);
        // A failed proof step does not falsify the statement, which holds.
        assert_eq!(e.verdict(), Verdict::Holds);
        assert_eq!(e.step_verdict(), Some(Verdict::Violated));

        let s = segment("1/64", N_POWER);
        let e = evaluate(&s).unwrap();
        let first = e.checks.iter().find(|c| c.label.contains("(first line)")).unwrap();
        assert_eq!(first.verdict, Verdict::Violated);
        assert!(first.label.contains("120 violated"), "{}", first.label);
    }

    // Section 5.2 at ε = 1/64: 128 pieces, reported as the tightest per cell.
    #[test]
    fn corrected_bound_and_lemma_hold_at_one_sixty_fourth() {
        let s = segment("1/64", N_POWER);
        let e = evaluate(&s).unwrap();
        assert_eq!(s.partition.as_ref().unwrap().pieces.len(), 128);
        assert!(all(&verdicts(&e, "√n Δr/(2α³)"), Verdict::Holds));
        assert!(all(&verdicts(&e, "corrected"), Verdict::Holds));
        assert!(all(&verdicts(&e, "Part 2"), Verdict::Holds));
        let first = e.checks.iter().find(|c| c.label.contains("(first line)")).unwrap();
        assert!(first.label.contains("tightest of 128 pieces"), "{}", first.label);
    }

    #[test]
    fn unmet_for_a_finite_population() {
        let text = r#"{"name": "pair", "n": "1e6", "alpha": {"power_of_n": "-7/8"},
            "gamma": "1/100", "weight_box": {"min": "1", "max": "1"},
            "outcome_set": {"box": {"lo": ["0"], "hi": ["1"]}},
            "population": {"types": [{"y": ["0"], "w": ["1"], "mass": "1"},
                                     {"y": ["1"], "w": ["1"], "mass": "2"}]}}"#;
        let instance = crate::instance_file::from_str(text).unwrap();
        let s = crate::solved::solve(&Context::new(256).unwrap(), &instance).unwrap();
        let e = evaluate(&s).unwrap();
        assert_eq!(e.unmet, vec![HAS_DENSITY.to_string()]);
    }

    #[test]
    fn unmet_when_alpha_is_above_the_range() {
        // √n w_max² d_max² / w_min = 1000 on the unit segment.
        let s = segment("1/4", r#""1001""#);
        let e = evaluate(&s).unwrap();
        assert_eq!(e.unmet, vec![ALPHA_IN_RANGE.to_string()]);
    }

    #[test]
    fn sharpened_corrected_bound_is_violated() {
        let s = segment("1/8", N_POWER);
        let e = evaluate(&s).unwrap();
        let corrected = e
            .checks
            .iter()
            .filter(|c| c.label.contains("corrected"))
            .min_by(|a, b| a.relative_margin().partial_cmp(&b.relative_margin()).unwrap())
            .unwrap();
        // Past the margin by more than the error bound, measured against the bound.
        let past = corrected.margin() + corrected.error.clone();
        let t = past / corrected.rhs.clone().abs() * s.ctx.ratio(1025, 1024);
        assert_eq!(corrected.sharpened(&t).verdict, Verdict::Violated);
    }

    #[test]
    fn certainly_unmet_for_a_finite_population() {
        // α = 21 is above Lemma 5.1's range (20 at n = 100): both are named.
        for (n, alpha) in [("1e4", crate::fixtures::N_POWER), ("100", r#""21""#)] {
            let s = crate::fixtures::triangle(n, alpha, "0");
            let e = crate::enclosure::enclose(&s).unwrap();
            let Certification::Unmet(names) = certify(&s, &e) else { panic!("not unmet") };
            assert_eq!(names[0], HAS_DENSITY);
            assert_eq!(names, evaluate(&s).unwrap().unmet, "n = {n}");
        }
    }
}
