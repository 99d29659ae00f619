//! Relations, margins, error bounds and verdicts.
//!
//! Every comparison of two sides in the crate goes through [`Check::new`].
//! A check records both sides, the relation, the signed margin, the error
//! bound that justifies the call and how that bound was obtained.

use rug::Float;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::numeric::{finite, tol};
use crate::solved::Solved;

/// The relation a lemma claims between its two sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Relation {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
}

impl Relation {
    /// Returns the relation's symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Relation::Le => "≤",
            Relation::Lt => "<",
            Relation::Ge => "≥",
            Relation::Gt => ">",
            Relation::Eq => "=",
        }
    }

    /// Returns the opposite relation, for sensitivity tests.
    pub fn reversed(self) -> Relation {
        match self {
            Relation::Le => Relation::Gt,
            Relation::Lt => Relation::Ge,
            Relation::Ge => Relation::Lt,
            Relation::Gt => Relation::Le,
            Relation::Eq => Relation::Eq,
        }
    }
}

/// The outcome of one check or of one lemma on one instance.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Verdict {
    /// The relation holds with a margin wider than the error bound.
    Holds,
    /// The margin is inside the error bound: neither call is justified.
    Undecided,
    /// The relation fails by more than the error bound.
    Violated,
    /// A hypothesis of the lemma does not hold on this instance.
    Unmet,
}

impl Verdict {
    /// Returns the verdict's name as printed in tables.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Undecided => "undecided",
            Verdict::Violated => "violated",
            Verdict::Unmet => "hypothesis unmet",
        }
    }
}

/// How much a side depends on the fixed-point property, for its error bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sensitivity {
    /// The side is an algebraic function of c: only rounding enters.
    Rounding,
    /// The side uses c = f(c) (or a density's integrals): the residual ρ
    /// and the quadrature error enter as relative errors.
    FixedPoint,
}

/// Returns the absolute error bound for sides of magnitude `scale`, and how it was obtained.
pub fn error_bound(solved: &Solved, scale: &Float, sensitivity: Sensitivity) -> (Float, String) {
    let ctx = &solved.ctx;
    let rounding = ctx.unit_roundoff() * tol::ROUNDING_ULPS;
    match sensitivity {
        Sensitivity::Rounding => (
            rounding * scale.clone().abs(),
            format!(
                "rounding: {} units of 2^-{} times the terms' magnitude",
                tol::ROUNDING_ULPS,
                ctx.prec() - 1
            ),
        ),
        Sensitivity::FixedPoint => {
            let mut how = format!(
                "rounding ({} ulps) plus {}·ρ (fixed-point residual)",
                tol::ROUNDING_ULPS,
                tol::RESIDUAL_AMPLIFICATION
            );
            if solved.quadrature_error.is_some() {
                how.push_str(&format!(
                    " plus {}·quadrature error (two Gauss–Legendre orders compared)",
                    tol::QUADRATURE_AMPLIFICATION
                ));
            }
            how.push_str(", relative to the terms' magnitude");
            ((rounding + solved.model_error()) * scale.clone().abs(), how)
        }
    }
}

/// Whether a check tests the lemma's statement or a step of its proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// The inequality the lemma states (with its explicit constants).
    Statement,
    /// An intermediate display of the proof, a literal reading, or a
    /// supporting cross-check: its failure does not falsify the statement.
    ProofStep,
}

/// One comparison of two sides.
///
/// It serialises exactly (rug's serde form keeps every bit), so a shard's
/// results merge into the same report as a single run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Check {
    /// Which instance of the statement: "i = 3", "j = 1", "i = 2, lower".
    pub label: String,
    pub lhs: Float,
    pub relation: Relation,
    pub rhs: Float,
    /// The absolute error bound on the margin.
    pub error: Float,
    /// How `error` was obtained.
    pub error_source: String,
    pub verdict: Verdict,
    pub role: Role,
}

impl Check {
    /// Compares two sides and records the verdict.
    ///
    /// # Errors
    ///
    /// Fails, naming the label, when a side or the bound is NaN or infinite:
    /// a harness error, never a verdict.
    pub fn new(
        label: impl Into<String>,
        lhs: Float,
        relation: Relation,
        rhs: Float,
        (error, error_source): (Float, String),
    ) -> Result<Check> {
        let label = label.into();
        let lhs = finite(lhs, &format!("the left side of {label}"))?;
        let rhs = finite(rhs, &format!("the right side of {label}"))?;
        let error = finite(error, &format!("the error bound of {label}"))?;
        if error < 0 {
            return Err(Error::invalid(format!("negative error bound in {label}")));
        }
        let verdict = Verdict::Holds;
        let role = Role::Statement;
        let mut check = Check { label, lhs, relation, rhs, error, error_source, verdict, role };
        check.verdict = check.decide();
        Ok(check)
    }

    /// Marks the check as a step of the proof rather than the statement.
    pub fn proof_step(mut self) -> Check {
        self.role = Role::ProofStep;
        self
    }

    /// Returns the signed margin: positive when the relation holds.
    ///
    /// For ≤ and < it is rhs − lhs; for ≥ and > it is lhs − rhs; for = it is −|lhs − rhs|.
    pub fn margin(&self) -> Float {
        let d = Float::with_val(self.lhs.prec(), &self.rhs - &self.lhs);
        match self.relation {
            Relation::Le | Relation::Lt => d,
            Relation::Ge | Relation::Gt => -d,
            Relation::Eq => -d.abs(),
        }
    }

    /// Returns the margin relative to the larger side (0 when both are 0).
    ///
    /// An equality that holds to its error bound has no slack: its relative
    /// margin is 0, so a sum that should vanish does not read as −1.
    pub fn relative_margin(&self) -> Float {
        if self.relation == Relation::Eq && self.verdict == Verdict::Holds {
            return Float::new(self.lhs.prec());
        }
        let scale = Float::with_val(self.lhs.prec(), self.lhs.abs_ref())
            .max(&Float::with_val(self.rhs.prec(), self.rhs.abs_ref()));
        if scale.is_zero() {
            return scale;
        }
        self.margin() / scale
    }

    fn decide(&self) -> Verdict {
        let d = self.margin();
        if self.relation == Relation::Eq {
            return if -d <= self.error { Verdict::Holds } else { Verdict::Violated };
        }
        if self.error.is_zero() {
            let strict = matches!(self.relation, Relation::Lt | Relation::Gt);
            let ok = if strict { d > 0 } else { d >= 0 };
            return if ok { Verdict::Holds } else { Verdict::Violated };
        }
        if d > self.error {
            Verdict::Holds
        } else if d < -self.error.clone() {
            Verdict::Violated
        } else {
            Verdict::Undecided
        }
    }

    /// Returns the check with its bound tightened by the relative amount `t`:
    /// an upper bound scaled by (1 − t), a lower bound by (1 + t), an
    /// equality's right side moved by t times the larger side.
    pub fn sharpened(&self, t: &Float) -> Check {
        let one = Float::with_val(self.rhs.prec(), 1);
        let rhs = match self.relation {
            Relation::Le | Relation::Lt => {
                let step = Float::with_val(self.rhs.prec(), self.rhs.abs_ref()) * t;
                self.rhs.clone() - step
            }
            Relation::Ge | Relation::Gt => {
                let step = Float::with_val(self.rhs.prec(), self.rhs.abs_ref()) * t;
                self.rhs.clone() + step
            }
            Relation::Eq => {
                let scale = Float::with_val(self.lhs.prec(), self.lhs.abs_ref()).max(&one);
                self.rhs.clone() + scale * t
            }
        };
        let mut check = Check { rhs, ..self.clone() };
        check.verdict = check.decide();
        check
    }

    /// Returns the check with its bound moved by `delta` toward violation:
    /// an upper bound lowered, a lower bound raised, an equality's right
    /// side shifted.
    pub fn tightened_by(&self, delta: &Float) -> Check {
        let rhs = match self.relation {
            Relation::Le | Relation::Lt => self.rhs.clone() - delta,
            Relation::Ge | Relation::Gt | Relation::Eq => self.rhs.clone() + delta,
        };
        let mut check = Check { rhs, ..self.clone() };
        check.verdict = check.decide();
        check
    }

    /// Returns the check with its relation reversed.
    pub fn reversed(&self) -> Check {
        let mut check = Check { relation: self.relation.reversed(), ..self.clone() };
        check.verdict = check.decide();
        check
    }
}

/// A lemma evaluated on one instance: its unmet hypotheses, or its checks.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Evaluation {
    /// The hypotheses that fail on this instance, by name.
    pub unmet: Vec<String>,
    pub checks: Vec<Check>,
}

impl Evaluation {
    /// Returns an evaluation whose hypotheses fail.
    pub fn unmet(reasons: Vec<String>) -> Evaluation {
        Evaluation { unmet: reasons, checks: Vec::new() }
    }

    /// Returns the checks of the statement (all checks if none is marked so).
    pub fn statement_checks(&self) -> Vec<&Check> {
        let statement: Vec<&Check> =
            self.checks.iter().filter(|c| c.role == Role::Statement).collect();
        if statement.is_empty() {
            self.checks.iter().collect()
        } else {
            statement
        }
    }

    /// Returns the lemma's verdict: unmet, else the worst of its statement's checks.
    pub fn verdict(&self) -> Verdict {
        if !self.unmet.is_empty() || self.checks.is_empty() {
            return Verdict::Unmet;
        }
        self.statement_checks().iter().map(|c| c.verdict.clone()).max().unwrap_or(Verdict::Holds)
    }

    /// Returns the worst verdict of the proof-step checks, if there are any.
    pub fn step_verdict(&self) -> Option<Verdict> {
        if !self.unmet.is_empty() {
            return None;
        }
        self.checks.iter().filter(|c| c.role == Role::ProofStep).map(|c| c.verdict.clone()).max()
    }

    /// Returns the statement's inequality with the smallest relative margin
    /// among those that hold.
    ///
    /// Equalities are left out: one that holds has no slack to report. So
    /// are undecided checks: a margin inside its error bound measures the
    /// rounding, not how tight the bound is.
    pub fn tightest_inequality(&self) -> Option<&Check> {
        self.statement_checks()
            .into_iter()
            .filter(|c| c.relation != Relation::Eq && c.verdict == Verdict::Holds)
            .min_by(|a, b| a.relative_margin().total_cmp(&b.relative_margin()))
    }

    /// Returns the statement check with the smallest relative margin.
    pub fn tightest(&self) -> Option<&Check> {
        self.statement_checks().into_iter().min_by(|a, b| {
            a.relative_margin().partial_cmp(&b.relative_margin()).expect("finite margins")
        })
    }
}

/// Collects the names of the hypotheses that fail.
#[derive(Default)]
pub struct Hypotheses {
    unmet: Vec<String>,
}

impl Hypotheses {
    /// Records `name` as unmet unless `holds`.
    pub fn require(&mut self, holds: bool, name: &str) -> &mut Self {
        if !holds {
            self.unmet.push(name.to_string());
        }
        self
    }

    /// Returns the unmet hypotheses, or None when all hold.
    pub fn unmet(&mut self) -> Option<Vec<String>> {
        if self.unmet.is_empty() {
            None
        } else {
            Some(std::mem::take(&mut self.unmet))
        }
    }
}
