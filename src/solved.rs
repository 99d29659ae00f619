//! A solved instance: the fixed point, every agent's program, and Lemma 5.3's construction.
//!
//! This is the one place where solving happens. Lemma modules receive a
//! [`Solved`] and only read it.

use rug::{Float, Rational};

use crate::agent::{self, Externality, Program1};
use crate::equilibrium::{self, Equilibrium, FixedPoint, Params, Type};
use crate::error::{Error, Result};
use crate::numeric::Context;
use crate::population::{Instance, Population};

/// The most quadrature nodes a density may need (memory grows with their count).
pub const MAX_QUADRATURE_NODES: usize = 200_000;

/// The most representatives Lemma 5.3's construction may use.
pub const MAX_REPRESENTATIVES: usize = 4096;

/// An instance with its equilibrium and every agent's program solved.
#[derive(Clone, Debug)]
pub struct Solved {
    pub ctx: Context,
    pub instance: Instance,
    pub params: Params,
    /// The types: a finite population's own, or a density's quadrature nodes.
    pub types: Vec<Type>,
    pub eq: Equilibrium,
    /// The relative fixed-point residual ρ = max_i |g(c)_i − c_i| / c_i.
    pub residual: Float,
    pub iterations: usize,
    /// The solver's starting scaling, recorded for replay.
    pub start: Float,
    /// For a density: the relative change of (Q, x) between two quadrature orders.
    pub quadrature_error: Option<Float>,
    pub ext: Externality,
    pub programs: Vec<Program1>,
    /// Lemma 5.3's partition and the fixed point of g_A on its representatives.
    pub partition: Option<Partition>,
}

impl Solved {
    /// Returns true when type `i` is normal (i ∈ N̂): its scaling is not clamped at α.
    pub fn is_normal(&self, i: usize) -> bool {
        self.eq.r[i].clone().sqrt() >= self.params.alpha
    }

    /// Returns ∫_{i ∈ N̂} p(i) di over the types.
    pub fn normal_mass(&self) -> Float {
        let mut mass = self.ctx.zero();
        for (i, t) in self.types.iter().enumerate() {
            if self.is_normal(i) {
                mass += &t.mass;
            }
        }
        mass
    }

    /// Returns U(z) = −n Σ_k s_k c_k Σ_j w_kj (z_j − y_kj)², summed at `ctx`'s precision.
    ///
    /// A caller comparing two nearby welfare values passes a widened context,
    /// since the difference cancels most of the leading digits.
    pub fn welfare(&self, ctx: &Context, z: &[Float]) -> Float {
        let prec = ctx.prec();
        let mut total = Float::new(prec);
        for (i, t) in self.types.iter().enumerate() {
            let weight = Float::with_val(prec, &t.mass * &self.eq.c[i]);
            total += weight * self.loss(ctx, i, z);
        }
        -total * &self.params.n
    }

    /// Returns u_i(z) = −c_i Σ_j w_ij (z_j − y_ij)² at `ctx`'s precision.
    pub fn utility(&self, ctx: &Context, i: usize, z: &[Float]) -> Float {
        -self.loss(ctx, i, z) * &self.eq.c[i]
    }

    /// Returns Σ_j w_ij (z_j − y_ij)².
    fn loss(&self, ctx: &Context, i: usize, z: &[Float]) -> Float {
        let prec = ctx.prec();
        let t = &self.types[i];
        let mut sum = Float::new(prec);
        for j in 0..z.len() {
            let d = Float::with_val(prec, &z[j] - &t.y[j]);
            sum += d.square() * &t.w[j];
        }
        sum
    }

    /// Returns the relative error that the residual and quadrature bring to
    /// a quantity derived from the fixed-point property c = f(c).
    pub fn model_error(&self) -> Float {
        let mut e = self.residual.clone() * crate::numeric::tol::RESIDUAL_AMPLIFICATION;
        if let Some(qe) = &self.quadrature_error {
            e += qe.clone() * crate::numeric::tol::QUADRATURE_AMPLIFICATION;
        }
        e
    }
}

/// Lemma 5.3's construction on a density: pieces of side below ε,
/// one representative per piece, and a fixed point of g_A on them.
#[derive(Clone, Debug)]
pub struct Partition {
    /// The ε of Eq. (2): the largest side of a piece.
    pub epsilon: Float,
    /// Each piece: its cell and its box of ideal points.
    pub pieces: Vec<Piece>,
    /// The representatives i_ℓ (centre of the piece, the cell's weights, mass s_ℓ).
    pub representatives: Vec<Type>,
    pub fixed_point: FixedPoint,
}

/// One piece S_ℓ of the partition.
#[derive(Clone, Debug)]
pub struct Piece {
    pub cell: usize,
    pub lo: Vec<Float>,
    pub hi: Vec<Float>,
}

/// Returns the Gauss–Legendre order per axis used for a density in m issues.
///
/// For m ≤ 2 this is the order per piece of the graded rule; beyond, of the
/// plain rule per cell (even, so that no node sits at a cell's centre).
pub fn quadrature_order(m: usize) -> usize {
    match m {
        1 => 6,
        2 => 3,
        3 => 4,
        _ => 2,
    }
}

/// Solves an instance: fixed point, programs, and Lemma 5.3's construction.
///
/// # Errors
///
/// Fails when the fixed point or a program does not converge.
pub fn solve(ctx: &Context, instance: &Instance) -> Result<Solved> {
    // Ctrl-C stops every loop that solves, at its next instance.
    if crate::shard::interrupted() {
        return Err(crate::Error::interrupted(format!("instance \"{}\"", instance.name)));
    }
    let params = Params::of(ctx, instance);
    let start = equilibrium::start_value(ctx, &instance.start, &params);

    let (types, fixed_point, quadrature_error) = match &instance.population {
        Population::Finite(_) => {
            let types = equilibrium::types_of(ctx, &instance.population, 0);
            let fp = equilibrium::solve_fixed_point(ctx, &types, &params, &start)?;
            (types, fp, None)
        }
        Population::Density(cells) => solve_density(ctx, instance, cells, &params, &start)?,
    };

    let (ext, programs) = agent::solve_all(ctx, &types, &fixed_point.eq, &params)?;
    let partition = match &instance.population {
        Population::Density(_) => Some(partition(ctx, instance, &params, &start)?),
        Population::Finite(_) => None,
    };
    Ok(Solved {
        ctx: *ctx,
        instance: instance.clone(),
        params,
        types,
        eq: fixed_point.eq,
        residual: fixed_point.residual,
        iterations: fixed_point.iterations,
        start,
        quadrature_error,
        ext,
        programs,
        partition,
    })
}

/// The types, fixed point and quadrature error of a density.
///
/// A plain rule locates x; for m ≤ 2 the rule is then graded toward x and
/// the solve repeated until x stops moving across the innermost piece. The
/// quadrature error compares the final rule with one more node per piece.
fn solve_density(
    ctx: &Context,
    instance: &Instance,
    cells: &[crate::population::Cell],
    params: &Params,
    start: &Float,
) -> Result<(Vec<Type>, FixedPoint, Option<Float>)> {
    let order = quadrature_order(params.m);
    // The plain rule's finer order sets the node count for m ≥ 3; refuse a
    // count that would exhaust memory rather than abort inside GMP.
    let nodes = u32::try_from(params.m)
        .ok()
        .and_then(|m| (order + 2).checked_pow(m))
        .and_then(|per_cell| per_cell.checked_mul(cells.len()));
    if nodes.is_none_or(|n| n > MAX_QUADRATURE_NODES) {
        return Err(Error::invalid(format!(
            "a density with {} cells in m = {} issues needs more than {MAX_QUADRATURE_NODES} \
             quadrature nodes",
            cells.len(),
            params.m
        )));
    }
    let mut types = equilibrium::types_of(ctx, &instance.population, order);
    let mut fp = equilibrium::solve_fixed_point(ctx, &types, params, start)?;
    if params.m > 2 {
        let finer = equilibrium::types_of(ctx, &instance.population, order + 2);
        let finer_fp = equilibrium::solve_fixed_point(ctx, &finer, params, start)?;
        let qe = aggregate_gap(&fp.eq, &finer_fp.eq, &params.d_max);
        return Ok((finer, finer_fp, Some(qe)));
    }
    let mut grading = fp.eq.clone();
    for _ in 0..4 {
        types = crate::quadrature::graded(ctx, cells, params, &grading, order);
        let next = equilibrium::solve_fixed_point(ctx, &types, params, start)?;
        let moved = aggregate_gap(&grading, &next.eq, &params.d_max);
        fp = next;
        // Once x moves by less than the innermost piece, the grading fits.
        let settled = moved < (ctx.int(1) >> (crate::quadrature::LEVELS_2D + 8));
        if settled {
            break;
        }
        grading = fp.eq.clone();
    }
    let check = crate::quadrature::graded(ctx, cells, params, &grading, order + 1);
    let check_fp = equilibrium::solve_fixed_point(ctx, &check, params, start)?;
    let qe = aggregate_gap(&fp.eq, &check_fp.eq, &params.d_max);
    Ok((types, fp, Some(qe)))
}

/// Returns max_j (|ΔQ_j| / Q_j, |Δx_j| / d_max) between two equilibria.
fn aggregate_gap(a: &Equilibrium, b: &Equilibrium, d_max: &Float) -> Float {
    let mut worst = Float::new(d_max.prec());
    for j in 0..a.x.len() {
        let dq = Float::with_val(d_max.prec(), &a.big_q[j] - &b.big_q[j]).abs() / &b.big_q[j];
        let dx = Float::with_val(d_max.prec(), &a.x[j] - &b.x[j]).abs() / d_max;
        worst = worst.max(&dq).max(&dx);
    }
    worst
}

/// Builds Lemma 5.3's partition by bisecting every cell (Lemma 5.2).
fn partition(
    ctx: &Context,
    instance: &Instance,
    params: &Params,
    start: &Float,
) -> Result<Partition> {
    let Population::Density(cells) = &instance.population else {
        return Err(Error::invalid("Lemma 5.3's construction needs a density"));
    };
    let m = params.m;
    let widest = |k: u32| -> Rational {
        let mut w = Rational::new();
        for c in cells {
            for j in 0..m {
                let side = Rational::from(&c.hi[j] - &c.lo[j]) >> k;
                if side > w {
                    w = side;
                }
            }
        }
        w
    };
    let count =
        |k: u32| cells.len().saturating_mul(1usize.checked_shl(k * m as u32).unwrap_or(usize::MAX));

    // Halve every side until it is below the requested ε, or, with no ε
    // given, as often as the representative budget allows.
    let mut k = 0u32;
    match &instance.epsilon {
        Some(eps) => {
            while widest(k) >= *eps {
                k += 1;
                if count(k) > MAX_REPRESENTATIVES {
                    return Err(Error::invalid(format!(
                        "epsilon {eps} needs more than {MAX_REPRESENTATIVES} representatives \
                         in m = {m} issues"
                    )));
                }
            }
        }
        None => {
            while count(k + 1) <= MAX_REPRESENTATIVES {
                k += 1;
            }
        }
    }

    let pieces_per_axis = 1usize << k;
    let mut pieces = Vec::new();
    let mut representatives = Vec::new();
    for (ci, cell) in cells.iter().enumerate() {
        let lo: Vec<Float> = cell.lo.iter().map(|v| ctx.rational(v)).collect();
        let side: Vec<Float> = (0..m)
            .map(|j| ctx.rational(&(Rational::from(&cell.hi[j] - &cell.lo[j]) >> k)))
            .collect();
        let piece_mass = ctx.rational(&(cell.mass.clone() >> (k * m as u32)));
        let w: Vec<Float> = cell.w.iter().map(|v| ctx.rational(v)).collect();
        let mut index = vec![0usize; m];
        'pieces: loop {
            let plo: Vec<Float> =
                (0..m).map(|j| side[j].clone() * index[j] as u32 + &lo[j]).collect();
            let phi: Vec<Float> = (0..m).map(|j| plo[j].clone() + &side[j]).collect();
            // The density is uniform with one weight vector per cell, so the
            // weighted averages y^avg, w^avg of the piece are its centre and w.
            let centre =
                (0..m).map(|j| Float::with_val(ctx.prec(), &plo[j] + &phi[j]) / 2u32).collect();
            representatives.push(Type {
                y: centre,
                w: w.clone(),
                mass: piece_mass.clone(),
                cell: Some(ci),
            });
            pieces.push(Piece { cell: ci, lo: plo, hi: phi });
            let mut axis = 0;
            loop {
                if axis == m {
                    break 'pieces;
                }
                index[axis] += 1;
                if index[axis] < pieces_per_axis {
                    break;
                }
                index[axis] = 0;
                axis += 1;
            }
        }
    }
    let epsilon = ctx.rational(&widest(k));
    let fixed_point = equilibrium::solve_fixed_point(ctx, &representatives, params, start)?;
    Ok(Partition { epsilon, pieces, representatives, fixed_point })
}
