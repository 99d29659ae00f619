//! Agent types, masses, densities, outcome sets, and the instance a check runs on.
//!
//! Everything here is exact: coordinates, weights and masses are
//! [`Rational`]s, and masses are normalised in rational arithmetic, so
//! "0.1", "0.2", "0.7" sum to exactly one. Values are rounded to the working
//! precision only when an equilibrium is built from an instance.

use rug::ops::Pow;
use rug::{Float, Integer, Rational};

use crate::error::{Error, Result};
use crate::numeric::{brief, Context};

/// One agent type of a finite population: ideal point, weights, mass.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentType {
    pub y: Vec<Rational>,
    pub w: Vec<Rational>,
    pub mass: Rational,
}

/// A cell of a piecewise-uniform density: the ideal points are uniform on the
/// box `[lo, hi]`, all with the weight vector `w`, carrying mass `mass`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub lo: Vec<Rational>,
    pub hi: Vec<Rational>,
    pub w: Vec<Rational>,
    pub mass: Rational,
}

impl Cell {
    /// Returns the volume of the cell's box of ideal points.
    pub fn volume(&self) -> Rational {
        self.lo.iter().zip(&self.hi).map(|(lo, hi)| Rational::from(hi - lo)).product()
    }

    /// Returns the density of ideal points on the cell: mass over volume.
    pub fn density(&self) -> Rational {
        Rational::from(&self.mass / &self.volume())
    }
}

/// The population p: a finite mixture of types or a piecewise-uniform density.
#[derive(Clone, Debug, PartialEq)]
pub enum Population {
    Finite(Vec<AgentType>),
    Density(Vec<Cell>),
}

impl Population {
    /// Returns the number of issues m.
    pub fn n_issues(&self) -> usize {
        match self {
            Population::Finite(types) => types.first().map_or(0, |t| t.y.len()),
            Population::Density(cells) => cells.first().map_or(0, |c| c.lo.len()),
        }
    }

    /// Returns the number of types or cells.
    pub fn len(&self) -> usize {
        match self {
            Population::Finite(types) => types.len(),
            Population::Density(cells) => cells.len(),
        }
    }

    /// Returns true when there are no types or cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the bound p_max on the density of ideal points, when p has one.
    ///
    /// Overlapping cells add up, so p_max is the largest sum of cell
    /// densities over the points covered. That sum is constant on every box
    /// of the grid cut by all cells' faces, so its maximum is found at the
    /// centres of those boxes. When that grid would have more than
    /// [`P_MAX_GRID`] boxes, the sum of all densities is returned instead: a
    /// bound that can only make Lemma B.2's right side larger, never smaller.
    pub fn p_max(&self) -> Option<Rational> {
        let Population::Density(cells) = self else { return None };
        let m = self.n_issues();
        let mut cuts: Vec<Vec<Rational>> = vec![Vec::new(); m];
        for cell in cells {
            for j in 0..m {
                cuts[j].push(cell.lo[j].clone());
                cuts[j].push(cell.hi[j].clone());
            }
        }
        for axis in &mut cuts {
            axis.sort();
            axis.dedup();
        }
        let boxes =
            cuts.iter().try_fold(1usize, |acc, c| acc.checked_mul(c.len().saturating_sub(1)));
        if boxes.is_none_or(|b| b > P_MAX_GRID) {
            return Some(cells.iter().map(|c| c.density()).sum());
        }
        let centres: Vec<Vec<Rational>> = cuts
            .iter()
            .map(|c| c.windows(2).map(|w| Rational::from(&w[0] + &w[1]) / 2u32).collect())
            .collect();
        let mut best = Rational::new();
        let mut index = vec![0usize; m];
        loop {
            let point: Vec<&Rational> = (0..m).map(|j| &centres[j][index[j]]).collect();
            let covering = cells
                .iter()
                .filter(|c| (0..m).all(|j| c.lo[j] <= *point[j] && *point[j] <= c.hi[j]));
            let sum: Rational = covering.map(|c| c.density()).sum();
            if sum > best {
                best = sum;
            }
            let mut axis = 0;
            loop {
                if axis == m {
                    return Some(best);
                }
                index[axis] += 1;
                if index[axis] < centres[axis].len() {
                    break;
                }
                index[axis] = 0;
                axis += 1;
            }
        }
    }
}

/// The most boxes of the cut grid searched for p_max.
pub const P_MAX_GRID: usize = 100_000;

/// The largest n accepted, as a power of ten: the working precision rises
/// by log2 n bits, and beyond 10^4000 (13,300 extra bits) one solve takes minutes.
pub const MAX_N_DIGITS: u32 = 4000;

/// The most issues accepted: each step of the fixed-point solver factors a
/// dense 2m × 2m Jacobian in MPFR.
pub const MAX_ISSUES: usize = 64;

/// The most types (or cells) accepted; the solver's cost and memory are
/// linear in their number, and 10^5 types at 256 bits take minutes.
pub const MAX_TYPES: usize = 100_000;

/// The feasible set χ: a box or a ball.
#[derive(Clone, Debug, PartialEq)]
pub enum OutcomeSet {
    Box { lo: Vec<Rational>, hi: Vec<Rational> },
    Ball { center: Vec<Rational>, radius: Rational },
}

impl OutcomeSet {
    /// Returns the dimension of the set.
    pub fn dim(&self) -> usize {
        match self {
            OutcomeSet::Box { lo, .. } => lo.len(),
            OutcomeSet::Ball { center, .. } => center.len(),
        }
    }

    /// Returns d_max², exactly: a sum of squares for a box, (2r)² for a ball.
    pub fn d_max_squared(&self) -> Rational {
        match self {
            OutcomeSet::Box { lo, hi } => {
                lo.iter().zip(hi).map(|(l, h)| Rational::from(h - l).square()).sum()
            }
            OutcomeSet::Ball { radius, .. } => Rational::from(radius * 2u32).square(),
        }
    }

    /// Returns d_max, the diameter of χ, at the context precision.
    pub fn d_max(&self, ctx: &Context) -> Float {
        match self {
            OutcomeSet::Box { lo, hi } => {
                let sq: Rational =
                    lo.iter().zip(hi).map(|(l, h)| Rational::from(h - l).square()).sum();
                ctx.rational(&sq).sqrt()
            }
            OutcomeSet::Ball { radius, .. } => ctx.rational(radius) * 2u32,
        }
    }

    /// Returns true when the exact point `y` lies in χ.
    pub fn contains(&self, y: &[Rational]) -> bool {
        match self {
            OutcomeSet::Box { lo, hi } => {
                y.iter().zip(lo.iter().zip(hi)).all(|(v, (l, h))| l <= v && v <= h)
            }
            OutcomeSet::Ball { center, radius } => {
                let sq: Rational =
                    y.iter().zip(center).map(|(v, c)| Rational::from(v - c).square()).sum();
                sq <= Rational::from(radius.square_ref())
            }
        }
    }

    /// Returns true when the whole box `[lo, hi]` lies in χ.
    pub fn contains_box(&self, lo: &[Rational], hi: &[Rational]) -> bool {
        match self {
            OutcomeSet::Box { .. } => self.contains(lo) && self.contains(hi),
            OutcomeSet::Ball { center, radius } => {
                // The farthest corner from the centre decides.
                let sq: Rational = (0..lo.len())
                    .map(|j| {
                        let a = Rational::from(&lo[j] - &center[j]).abs();
                        let b = Rational::from(&hi[j] - &center[j]).abs();
                        if a > b {
                            a.square()
                        } else {
                            b.square()
                        }
                    })
                    .sum();
                sq <= Rational::from(radius.square_ref())
            }
        }
    }
}

/// How α is given: a number, or a power of n times a coefficient.
#[derive(Clone, Debug, PartialEq)]
pub enum Alpha {
    Exact(Rational),
    /// α = coefficient · n^exponent, as in α = n^(-7/8) of Lemma A.1.
    PowerOfN {
        coefficient: Rational,
        exponent: Rational,
    },
}

/// Where the fixed-point solver starts: a constant scaling for every type.
#[derive(Clone, Debug, PartialEq)]
pub enum Start {
    /// c = w_min / (w_max² d_max²), the lower corner of Lemma 5.1's box.
    LowerCorner,
    /// c = √n / α, the upper corner of Lemma 5.1's box.
    UpperCorner,
    /// c = the given constant.
    Constant(Rational),
}

/// One instance: a population, the model's parameters and the outcome set.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub name: String,
    pub n: Rational,
    pub alpha: Alpha,
    pub gamma: Rational,
    pub w_min: Rational,
    pub w_max: Rational,
    pub outcome_set: OutcomeSet,
    pub population: Population,
    /// The cell side ε of Lemma 5.3's construction, when given.
    pub epsilon: Option<Rational>,
    pub start: Start,
}

impl Instance {
    /// Returns the number of issues m.
    pub fn n_issues(&self) -> usize {
        self.population.n_issues()
    }

    /// Returns α at the context precision.
    pub fn alpha(&self, ctx: &Context) -> Float {
        match &self.alpha {
            Alpha::Exact(a) => ctx.rational(a),
            Alpha::PowerOfN { coefficient, exponent } => {
                ctx.rational(coefficient) * ctx.power(&ctx.rational(&self.n), exponent)
            }
        }
    }

    /// Returns true when every ideal point (every cell, for a density) lies in χ.
    pub fn ideal_points_in_outcome_set(&self) -> bool {
        match &self.population {
            Population::Finite(types) => types.iter().all(|t| self.outcome_set.contains(&t.y)),
            Population::Density(cells) => {
                cells.iter().all(|c| self.outcome_set.contains_box(&c.lo, &c.hi))
            }
        }
    }

    /// Checks every rule of the model and normalises the masses exactly.
    ///
    /// # Errors
    ///
    /// Names the first field that breaks a rule, with its value.
    pub fn validated(mut self) -> Result<Instance> {
        let m = self.n_issues();
        if self.population.is_empty() {
            return Err(Error::invalid("population must have at least one type or cell"));
        }
        if m == 0 {
            return Err(Error::invalid("number of issues m must be at least 1, got 0"));
        }
        if self.n < 1 {
            return Err(Error::invalid(format!("n must be at least 1, got {}", brief(&self.n))));
        }
        if self.n > Integer::from(10).pow(MAX_N_DIGITS) {
            return Err(Error::invalid(format!(
                "n must be at most 1e{MAX_N_DIGITS}, got {}: the working precision \
                 rises with log2 n",
                brief(&self.n)
            )));
        }
        if m > MAX_ISSUES {
            return Err(Error::invalid(format!(
                "number of issues m must be at most {MAX_ISSUES}, got {m}: the fixed-point \
                 solver factors a 2m × 2m Jacobian"
            )));
        }
        if self.population.len() > MAX_TYPES {
            return Err(Error::invalid(format!(
                "population must have at most {MAX_TYPES} types or cells, got {}",
                self.population.len()
            )));
        }
        if let Alpha::Exact(a) = &self.alpha {
            positive("alpha", a)?;
        }
        if let Alpha::PowerOfN { coefficient, exponent } = &self.alpha {
            positive("alpha.coefficient", coefficient)?;
            // Schedules of interest lie in (−3/2, 0); beyond ±8 the power
            // overflows any precision for large n and means a typo.
            if *exponent < -8 || *exponent > 8 {
                return Err(Error::invalid(format!(
                    "alpha.power_of_n must lie in [-8, 8], got {}",
                    brief(exponent)
                )));
            }
        }
        positive("gamma", &self.gamma)?;
        positive("weight_box.min", &self.w_min)?;
        if self.w_max < self.w_min {
            return Err(Error::invalid(format!(
                "weight_box.max must be at least weight_box.min {}, got {}",
                brief(&self.w_min),
                brief(&self.w_max)
            )));
        }
        if let Some(eps) = &self.epsilon {
            positive("epsilon", eps)?;
        }
        if let Start::Constant(c) = &self.start {
            positive("start", c)?;
        }
        self.validate_population(m)?;
        self.validate_outcome_set(m)?;
        self.normalise_masses();
        Ok(self)
    }

    fn validate_outcome_set(&self, m: usize) -> Result<()> {
        if self.outcome_set.dim() != m {
            return Err(Error::invalid(format!(
                "outcome_set has dimension {}, but the population has m = {m} issues",
                self.outcome_set.dim()
            )));
        }
        match &self.outcome_set {
            OutcomeSet::Box { lo, hi } => {
                for j in 0..m {
                    if hi[j] < lo[j] {
                        return Err(Error::invalid(format!(
                            "outcome_set.box.hi[{j}] must be at least lo[{j}] {}, got {}",
                            brief(&lo[j]),
                            brief(&hi[j])
                        )));
                    }
                }
                if lo == hi {
                    return Err(Error::invalid("outcome_set.box must have a positive diameter"));
                }
            }
            OutcomeSet::Ball { radius, .. } => positive("outcome_set.ball.radius", radius)?,
        }
        Ok(())
    }

    fn validate_population(&self, m: usize) -> Result<()> {
        let w_box = (&self.w_min, &self.w_max);
        match &self.population {
            Population::Finite(types) => {
                for (k, t) in types.iter().enumerate() {
                    dims(&format!("types[{k}].y"), &t.y, m)?;
                    dims(&format!("types[{k}].w"), &t.w, m)?;
                    weights(&format!("types[{k}].w"), &t.w, w_box)?;
                    positive(&format!("types[{k}].mass"), &t.mass)?;
                }
            }
            Population::Density(cells) => {
                for (k, c) in cells.iter().enumerate() {
                    dims(&format!("cells[{k}].lo"), &c.lo, m)?;
                    dims(&format!("cells[{k}].hi"), &c.hi, m)?;
                    dims(&format!("cells[{k}].w"), &c.w, m)?;
                    weights(&format!("cells[{k}].w"), &c.w, w_box)?;
                    positive(&format!("cells[{k}].mass"), &c.mass)?;
                    for j in 0..m {
                        if c.hi[j] <= c.lo[j] {
                            return Err(Error::invalid(format!(
                                "cells[{k}].hi[{j}] must exceed lo[{j}] {}, got {}",
                                brief(&c.lo[j]),
                                brief(&c.hi[j])
                            )));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn normalise_masses(&mut self) {
        match &mut self.population {
            Population::Finite(types) => {
                let total: Rational = types.iter().map(|t| &t.mass).sum();
                types.iter_mut().for_each(|t| t.mass /= &total);
            }
            Population::Density(cells) => {
                let total: Rational = cells.iter().map(|c| &c.mass).sum();
                cells.iter_mut().for_each(|c| c.mass /= &total);
            }
        }
    }
}

fn positive(field: &str, v: &Rational) -> Result<()> {
    if *v > 0 {
        Ok(())
    } else {
        Err(Error::invalid(format!("{field} must be positive, got {}", brief(v))))
    }
}

fn dims(field: &str, v: &[Rational], m: usize) -> Result<()> {
    if v.len() == m {
        Ok(())
    } else {
        Err(Error::invalid(format!("{field} must have m = {m} entries, got {}", v.len())))
    }
}

fn weights(field: &str, w: &[Rational], (w_min, w_max): (&Rational, &Rational)) -> Result<()> {
    for (j, wj) in w.iter().enumerate() {
        positive(&format!("weight {field}[{j}]"), wj)?;
        if wj < w_min || wj > w_max {
            return Err(Error::invalid(format!(
                "weight {field}[{j}] must lie in the weight box [{}, {}], got {}",
                brief(w_min),
                brief(w_max),
                brief(wj)
            )));
        }
    }
    Ok(())
}
