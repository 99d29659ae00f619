//! Certified verdicts: a lemma's statement with both sides as enclosures.
//!
//! A lemma module's `certify` reads an [`Enclosure`] (the exact fixed
//! point's box, the bracketed multipliers) and returns its statement's
//! checks with both sides as [`Interval`]s. A check is then decided from
//! the enclosures alone:
//!
//! - `a ≤ b` holds when hi(a) ≤ lo(b), and is violated when lo(a) > hi(b);
//!   `a < b` holds when hi(a) < lo(b), and is violated when lo(a) ≥ hi(b);
//! - `a = b` is violated when the enclosures are disjoint, and holds only
//!   when both are the same single point (both sides exact); otherwise an
//!   enclosure has width, so an equality that is not refuted is reported
//!   with the certified bound on |a − b|;
//! - otherwise the check is open, with the reason.
//!
//! Hypotheses are decided the same way: one that depends on which side of
//! the clamp's kink a type lies, or on a multiplier's sign, is unmet only
//! when that is certain.

use std::cmp::Ordering;

use rug::Float;
use serde::{Deserialize, Serialize};

use crate::enclosure::Enclosure;
use crate::interval::{sum, Interval};
use crate::numeric::sci_up;
use crate::verdict::Relation;

/// One check of a statement with enclosed sides.
#[derive(Clone, Debug)]
pub struct Enclosed {
    pub label: String,
    pub lhs: Interval,
    pub relation: Relation,
    pub rhs: Interval,
}

/// What the enclosures prove about one check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Proven {
    Holds,
    Violated,
    /// Neither: why, and whether more precision could decide it.
    Open {
        reason: String,
        precision_may_help: bool,
    },
}

impl Enclosed {
    pub fn new(
        label: impl Into<String>,
        lhs: Interval,
        relation: Relation,
        rhs: Interval,
    ) -> Enclosed {
        Enclosed { label: label.into(), lhs, relation, rhs }
    }

    /// Decides the check from the enclosures alone.
    pub fn proven(&self) -> Proven {
        if !self.lhs.is_bounded() || !self.rhs.is_bounded() {
            return open(
                "a side's enclosure is unbounded (a division by an enclosure of 0)",
                false,
            );
        }
        // Orient every inequality as small ≤ large (or <).
        let (small, large, strict) = match self.relation {
            Relation::Le => (&self.lhs, &self.rhs, false),
            Relation::Lt => (&self.lhs, &self.rhs, true),
            Relation::Ge => (&self.rhs, &self.lhs, false),
            Relation::Gt => (&self.rhs, &self.lhs, true),
            Relation::Eq => return self.equality(),
        };
        let holds = if strict { small.hi() < large.lo() } else { small.hi() <= large.lo() };
        let violated = if strict { small.lo() >= large.hi() } else { small.lo() > large.hi() };
        if holds {
            Proven::Holds
        } else if violated {
            Proven::Violated
        } else {
            open("the two sides' enclosures overlap", true)
        }
    }

    fn equality(&self) -> Proven {
        if self.lhs.strictly(&self.rhs).is_some() {
            return Proven::Violated;
        }
        // Two enclosures that are one and the same point (both sides exact,
        // as 0 = 0 for a single type) do prove the equality.
        if self.lhs.lo() == self.lhs.hi() && self.lhs == self.rhs {
            return Proven::Holds;
        }
        let gap = (&self.lhs - &self.rhs).magnitude();
        open(
            &format!(
                "an equality: enclosures can refute it, never prove it; |lhs − rhs| ≤ {}",
                sci_up(&gap, 2)
            ),
            false,
        )
    }
}

fn open(reason: &str, precision_may_help: bool) -> Proven {
    Proven::Open { reason: reason.to_string(), precision_may_help }
}

/// A lemma's statement on one instance, certified.
#[derive(Clone, Debug)]
pub enum Certification {
    /// A hypothesis certainly fails (named).
    Unmet(Vec<String>),
    /// The statement's checks.
    Checks(Vec<Enclosed>),
    /// Nothing can be certified on this instance: why, and whether more precision could help.
    Uncertified { reason: String, precision_may_help: bool },
}

impl Certification {
    /// The lemma cannot be certified on this instance for a reason precision does not change.
    pub fn not_certifiable(reason: impl Into<String>) -> Certification {
        Certification::Uncertified { reason: reason.into(), precision_may_help: false }
    }
}

/// Collects certified hypotheses: unmet only when certain, uncertain otherwise.
#[derive(Default)]
pub struct Hypotheses {
    unmet: Vec<String>,
    uncertain: Vec<String>,
}

impl Hypotheses {
    /// Records a hypothesis: Some(true) holds, Some(false) is unmet, None is uncertain.
    pub fn require(&mut self, holds: Option<bool>, name: &str) -> &mut Self {
        match holds {
            Some(true) => {}
            Some(false) => self.unmet.push(name.to_string()),
            None => self.uncertain.push(name.to_string()),
        }
        self
    }

    /// Returns the certification to report instead of the checks, if any:
    /// unmet when some hypothesis certainly fails, uncertified when some is undecided.
    pub fn verdict(&mut self) -> Option<Certification> {
        if !self.unmet.is_empty() {
            return Some(Certification::Unmet(std::mem::take(&mut self.unmet)));
        }
        if !self.uncertain.is_empty() {
            let names = self.uncertain.join("; ");
            return Some(Certification::Uncertified {
                reason: format!(
                    "hypothesis not decided by the enclosures: {names} (it depends on a type \
                     whose side of the kink √r_i = α, or whose constraint's tightness, the \
                     enclosures leave open)"
                ),
                precision_may_help: true,
            });
        }
        None
    }
}

/// Certified forms of the shared hypotheses of [`crate::lemmas::hypotheses`].
pub mod hypotheses {
    use super::*;

    /// Some(true) when ∫_{N̂} p ≥ 1/2 for every point of the box.
    ///
    /// Types on an undecided side of the kink count for the hypothesis
    /// only if they could change it: the mass certainly in N̂ may already
    /// reach 1/2, or that with every undecided type added may fall short.
    pub fn normal_mass_half(e: &Enclosure) -> Option<bool> {
        let half = e.params.small(1).div(&e.params.small(2));
        let mass_of = |keep: &dyn Fn(Option<bool>) -> bool| {
            let kept = e.types.iter().zip(&e.normal).filter(|(_, n)| keep(**n));
            sum(&e.ctx, kept.map(|(t, _)| &t.mass).collect::<Vec<_>>())
        };
        let surely = mass_of(&|n| n == Some(true));
        let possibly = mass_of(&|n| n != Some(false));
        if order_at_least(&surely, &half) == Some(true) {
            Some(true)
        } else if order_at_least(&possibly, &half) == Some(false) {
            Some(false)
        } else {
            None
        }
    }

    /// Some(true) when some type is certainly in N̂.
    pub fn some_normal_agent(e: &Enclosure) -> Option<bool> {
        if e.normal.contains(&Some(true)) {
            Some(true)
        } else if e.normal.iter().all(|n| *n == Some(false)) {
            Some(false)
        } else {
            None
        }
    }

    /// Some(true) when every type of N̂ certainly has a binding constraint.
    pub fn normal_agents_tight(e: &Enclosure) -> Option<bool> {
        let mut all = Some(true);
        for (normal, tight) in e.normal.iter().zip(&e.tight) {
            match (normal, tight) {
                (Some(false), _) | (Some(true), Some(true)) => {}
                (Some(true), Some(false)) => return Some(false),
                _ => all = None,
            }
        }
        all
    }

    /// α ≤ √n w_max² d_max² / w_min: decided exactly from the instance's
    /// rationals where that is possible (α at the top of its range is an
    /// equality no enclosure can decide), else over the enclosures.
    pub fn alpha_in_range(e: &Enclosure) -> Option<bool> {
        if let Some(exact) = e.params.alpha_in_range {
            return Some(exact);
        }
        let p = &e.params;
        let top = (&(&p.n.sqrt() * &p.w_max.square()) * &p.d_max_squared).div(&p.w_min);
        order_at_least(&top, &p.alpha)
    }

    /// η > 0.
    pub fn eta_positive(e: &Enclosure) -> Option<bool> {
        let eta = e.params.eta();
        if eta.is_positive() {
            Some(true)
        } else if eta.hi() <= &0 {
            Some(false)
        } else {
            None
        }
    }

    /// η ≥ 1.
    pub fn eta_at_least_one(e: &Enclosure) -> Option<bool> {
        order_at_least(&e.params.eta(), &e.params.small(1))
    }

    /// γ ≤ 1.
    pub fn gamma_at_most_one(e: &Enclosure) -> Option<bool> {
        order_at_least(&e.params.small(1), &e.params.gamma)
    }

    /// Some(true) when a ≥ b certainly, Some(false) when a < b certainly.
    pub fn order_at_least(a: &Interval, b: &Interval) -> Option<bool> {
        if a.lo() >= b.hi() {
            Some(true)
        } else {
            (a.strictly(b) == Some(Ordering::Less)).then_some(false)
        }
    }
}

/// The two sums over types that U's differences need, per issue:
/// W_j = Σ_k s_k c_k w_kj and P_j = Σ_k s_k c_k w_kj (x_j − y_kj).
///
/// U(x) − U(x + δ) = n Σ_k s_k c_k Σ_j w_kj δ_j (2 (x_j − y_kj) + δ_j)
/// regroups exactly as n Σ_j (W_j δ_j² + 2 P_j δ_j): the definition summed
/// in another order, with no cancellation of two large squares, and O(m)
/// per shift once the sums are known. P_j vanishes at the exact fixed
/// point (x_j is the weighted mean); it is enclosed, never dropped.
pub struct WelfareSums {
    pub weight: Vec<Interval>,
    pub pull: Vec<Interval>,
}

impl WelfareSums {
    /// Sums W and P over the enclosure's types.
    pub fn of(e: &Enclosure) -> WelfareSums {
        let mut weight = vec![e.params.small(0); e.params.m];
        let mut pull = vec![e.params.small(0); e.params.m];
        for (k, t) in e.types.iter().enumerate() {
            let sc = &t.mass * &e.c[k];
            for j in 0..e.params.m {
                let scw = &sc * &t.w[j];
                pull[j] = &pull[j] + &(&scw * &(&e.x[j] - &t.y[j]));
                weight[j] = &weight[j] + &scw;
            }
        }
        WelfareSums { weight, pull }
    }

    /// U(x) − U(x + δ) = n Σ_j (W_j δ_j² + 2 P_j δ_j).
    pub fn power(&self, e: &Enclosure, delta: &[Interval]) -> Interval {
        let mut total = e.params.small(0);
        for (j, d) in delta.iter().enumerate() {
            let pull = &self.pull[j] + &self.pull[j];
            let change = &(&d.square() * &self.weight[j]) + &(d * &pull);
            total = &total + &change;
        }
        &e.params.n * &total
    }
}

/// ‖v‖₂ over enclosures.
pub fn norm(e: &Enclosure, v: &[Interval]) -> Interval {
    sum(&e.ctx, &v.iter().map(Interval::square).collect::<Vec<_>>()).sqrt()
}

/// The types certainly in N̂, or the uncertified verdict naming every type
/// that the box leaves on both sides of the clamp's kink.
///
/// # Errors
///
/// Returns the [`Certification`] to report when some type's membership is undecided.
pub fn normal_types(e: &Enclosure) -> Result<Vec<usize>, Certification> {
    let undecided: Vec<String> = (0..e.normal.len())
        .filter(|&i| e.normal[i].is_none())
        .map(|i| (i + 1).to_string())
        .collect();
    if !undecided.is_empty() {
        let (noun, pronoun) =
            if undecided.len() == 1 { ("type", "it is") } else { ("types", "they are") };
        return Err(Certification::Uncertified {
            reason: format!(
                "{noun} {} may lie on either side of the kink √r_i = α: whether {pronoun} in \
                 N̂ is undecided",
                undecided.join(", ")
            ),
            precision_may_help: true,
        });
    }
    Ok((0..e.normal.len()).filter(|&i| e.surely_normal(i)).collect())
}

/// The certified outcome of one check, as recorded and reported.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckCertificate {
    pub label: String,
    pub relation: Relation,
    pub lhs: [Float; 2],
    pub rhs: [Float; 2],
    pub proven: Proven,
}

/// One lemma on one instance, certified at some precision.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LemmaCertificate {
    pub number: String,
    /// The precision of the decisive attempt (the last one when none decided).
    pub precision: u32,
    pub outcome: CertifiedOutcome,
}

/// A lemma's certified outcome on one instance.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum CertifiedOutcome {
    Unmet(Vec<String>),
    Checks(Vec<CheckCertificate>),
    Uncertified { reason: String, precision_may_help: bool },
}

/// The lemma-level summary of a certificate.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Summary {
    /// Every statement check is certified to hold.
    Holds,
    /// Some statement check is certified to fail.
    Violated,
    /// A hypothesis certainly fails.
    Unmet,
    /// Not certified, with the first reason.
    Uncertified(String),
}

impl LemmaCertificate {
    /// Records a certification made at `precision` bits.
    pub fn of(number: &str, precision: u32, c: Certification) -> LemmaCertificate {
        let outcome = match c {
            Certification::Unmet(names) => CertifiedOutcome::Unmet(names),
            Certification::Uncertified { reason, precision_may_help } => {
                CertifiedOutcome::Uncertified { reason, precision_may_help }
            }
            Certification::Checks(checks) => CertifiedOutcome::Checks(
                checks
                    .into_iter()
                    .map(|k| CheckCertificate {
                        proven: k.proven(),
                        label: k.label,
                        relation: k.relation,
                        lhs: [k.lhs.lo().clone(), k.lhs.hi().clone()],
                        rhs: [k.rhs.lo().clone(), k.rhs.hi().clone()],
                    })
                    .collect(),
            ),
        };
        LemmaCertificate { number: number.to_string(), precision, outcome }
    }

    /// Returns the lemma-level summary.
    pub fn summary(&self) -> Summary {
        match &self.outcome {
            CertifiedOutcome::Unmet(_) => Summary::Unmet,
            CertifiedOutcome::Uncertified { reason, .. } => Summary::Uncertified(reason.clone()),
            CertifiedOutcome::Checks(checks) if checks.is_empty() => {
                Summary::Uncertified("no statement check on this instance".into())
            }
            CertifiedOutcome::Checks(checks) => {
                if checks.iter().any(|c| c.proven == Proven::Violated) {
                    return Summary::Violated;
                }
                match checks.iter().find_map(|c| match &c.proven {
                    Proven::Open { reason, .. } => Some(reason.clone()),
                    _ => None,
                }) {
                    Some(reason) => Summary::Uncertified(reason),
                    None => Summary::Holds,
                }
            }
        }
    }

    /// Returns true when another attempt at a higher precision could change the summary.
    pub fn worth_retrying(&self) -> bool {
        match &self.outcome {
            CertifiedOutcome::Unmet(_) => false,
            CertifiedOutcome::Uncertified { precision_may_help, .. } => *precision_may_help,
            CertifiedOutcome::Checks(checks) => {
                !checks.iter().any(|c| c.proven == Proven::Violated)
                    && checks
                        .iter()
                        .any(|c| matches!(c.proven, Proven::Open { precision_may_help: true, .. }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Context;
    use rug::Rational;

    fn iv(lo: i64, hi: i64) -> Interval {
        let ctx = Context::new(64).unwrap();
        Interval::spanning(&ctx.int(lo), &ctx.int(hi))
    }

    #[test]
    fn inequalities_are_decided_by_the_ends_only() {
        let le = |a, b| Enclosed::new("t", a, Relation::Le, b).proven();
        assert_eq!(le(iv(0, 1), iv(1, 2)), Proven::Holds);
        assert_eq!(le(iv(2, 3), iv(0, 1)), Proven::Violated);
        assert!(matches!(le(iv(0, 2), iv(1, 3)), Proven::Open { precision_may_help: true, .. }));
        let ge = |a, b| Enclosed::new("t", a, Relation::Ge, b).proven();
        assert_eq!(ge(iv(1, 2), iv(0, 1)), Proven::Holds);
        let lt = |a, b| Enclosed::new("t", a, Relation::Lt, b).proven();
        assert!(matches!(lt(iv(0, 1), iv(1, 2)), Proven::Open { .. }));
        assert_eq!(lt(iv(1, 1), iv(1, 1)), Proven::Violated);
    }

    #[test]
    fn an_equality_is_refuted_or_bounded_never_proven() {
        let eq = |a, b| Enclosed::new("t", a, Relation::Eq, b).proven();
        assert_eq!(eq(iv(0, 1), iv(2, 3)), Proven::Violated);
        assert_eq!(eq(iv(1, 1), iv(1, 1)), Proven::Holds);
        match eq(iv(0, 1), iv(1, 2)) {
            Proven::Open { reason, precision_may_help } => {
                assert!(reason.contains("|lhs − rhs| ≤ 2"), "{reason}");
                assert!(!precision_may_help);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unbounded_side_decides_nothing() {
        let ctx = Context::new(64).unwrap();
        let third = Interval::exact(&ctx, &Rational::from((1, 3)));
        let unbounded = third.div(&iv(-1, 1));
        let k = Enclosed::new("t", unbounded, Relation::Le, iv(5, 6));
        assert!(matches!(k.proven(), Proven::Open { precision_may_help: false, .. }));
    }

    #[test]
    fn a_lemma_summary_is_its_worst_check() {
        let cert = |checks| LemmaCertificate::of("X", 64, Certification::Checks(checks));
        let holds = Enclosed::new("a", iv(0, 1), Relation::Le, iv(1, 2));
        let fails = Enclosed::new("b", iv(3, 4), Relation::Le, iv(1, 2));
        let open = Enclosed::new("c", iv(0, 3), Relation::Le, iv(1, 2));
        assert_eq!(cert(vec![holds.clone()]).summary(), Summary::Holds);
        assert_eq!(cert(vec![holds.clone(), fails, open.clone()]).summary(), Summary::Violated);
        let undecided = cert(vec![holds, open]);
        assert!(matches!(undecided.summary(), Summary::Uncertified(_)));
        assert!(undecided.worth_retrying());
    }
}
