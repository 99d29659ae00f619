//! Certified verdicts (issue 6): enclosures of the exact fixed point and
//! the statements evaluated over them, set against the float verdicts.

use equal_power::certify::Summary;
use equal_power::lemmas;
use equal_power::population::Population;
use equal_power::runner;
use equal_power::verdict::Verdict;

use crate::common::{ctx, suite};

/// Certifies every lemma on every suite instance, once for all tests here.
fn certified() -> &'static Vec<Vec<equal_power::certify::LemmaCertificate>> {
    static CERTS: std::sync::OnceLock<Vec<Vec<equal_power::certify::LemmaCertificate>>> =
        std::sync::OnceLock::new();
    CERTS.get_or_init(|| {
        let lemmas = lemmas::registry();
        suite().iter().map(|run| runner::certify_instance(&ctx(), &run.solved, &lemmas)).collect()
    })
}

#[test]
fn certified_verdicts_never_contradict_the_float_verdicts() {
    for (run, certs) in suite().iter().zip(certified()) {
        for ((number, eval), cert) in run.evaluations.iter().zip(certs) {
            assert_eq!(*number, cert.number);
            let name = &run.solved.instance.name;
            let summary = cert.summary();
            let float = eval.verdict();
            let contradiction = matches!(
                (&float, &summary),
                (Verdict::Holds, Summary::Violated) | (Verdict::Violated, Summary::Holds)
            );
            assert!(!contradiction, "{number} on {name}: float {float:?}, certified {summary:?}");
            assert!(
                summary != Summary::Violated,
                "{number} certified violated on {name}: a finding, see its certificate"
            );
        }
    }
}

#[test]
fn every_finite_instance_but_the_even_split_has_certified_verdicts() {
    for (run, certs) in suite().iter().zip(certified()) {
        let name = &run.solved.instance.name;
        let decided = certs.iter().filter(|c| !matches!(c.summary(), Summary::Uncertified(_)));
        let decided = decided.count();
        match &run.solved.instance.population {
            Population::Density(_) => {
                assert_eq!(decided, 0, "{name}: a density certified");
                for c in certs {
                    let Summary::Uncertified(reason) = c.summary() else { unreachable!() };
                    assert!(reason.contains("density"), "{name}, {}: {reason}", c.number);
                }
            }
            Population::Finite(_) if name.contains("even split") => {
                // No box; only "p has a density", a fact of the instance, is decided.
                for c in certs {
                    match c.summary() {
                        Summary::Unmet => assert!(["B.2", "5.3"].contains(&c.number.as_str())),
                        Summary::Uncertified(reason) => assert!(reason.contains("singular")),
                        other => panic!("{name}, {}: {other:?}", c.number),
                    }
                }
            }
            Population::Finite(_) => assert!(decided > 0, "{name}: nothing certified"),
        }
    }
}

#[test]
fn certificates_record_a_precision_at_least_the_working_one() {
    for (run, certs) in suite().iter().zip(certified()) {
        for c in certs {
            assert!(
                c.precision >= run.solved.ctx.prec(),
                "{} on {}",
                c.number,
                run.solved.instance.name
            );
            assert!(c.precision <= runner::MAX_CERTIFIED_PRECISION + 256);
        }
    }
}

/// A stand-in lemma whose statement `prec ≥ 1024` can only be decided with
/// an enclosure at 1024 bits or more: it exercises the precision ladder.
fn needs_1024_bits(
    _: &equal_power::solved::Solved,
    e: &equal_power::enclosure::Enclosure,
) -> equal_power::certify::Certification {
    use equal_power::certify::{Certification, Enclosed};
    use equal_power::interval::Interval;
    use equal_power::verdict::Relation;
    if e.ctx.prec() >= 1024 {
        let (one, two) = (Interval::int(&e.ctx, 1), Interval::int(&e.ctx, 2));
        Certification::Checks(vec![Enclosed::new("1 ≤ 2", one, Relation::Le, two)])
    } else {
        Certification::Uncertified { reason: "too coarse".into(), precision_may_help: true }
    }
}

/// A stand-in lemma that is never decided, for a reason precision cannot change.
fn never_decided(
    _: &equal_power::solved::Solved,
    _: &equal_power::enclosure::Enclosure,
) -> equal_power::certify::Certification {
    equal_power::certify::Certification::not_certifiable("by construction")
}

fn stand_in(
    number: &'static str,
    certify: fn(
        &equal_power::solved::Solved,
        &equal_power::enclosure::Enclosure,
    ) -> equal_power::certify::Certification,
) -> lemmas::Lemma {
    let real = lemmas::find("5.1").unwrap();
    lemmas::Lemma { number, certify, ..real }
}

#[test]
fn open_checks_are_retried_at_doubled_precision_and_no_further() {
    let solved = crate::common::solve(&crate::common::triangle("1e4", "1/100"));
    let lemmas = [stand_in("ladder", needs_1024_bits), stand_in("never", never_decided)];
    let certs = runner::certify_instance(&ctx(), &solved, &lemmas);
    // Retries solve at the working precision for n, as the suite does.
    let extra = runner::working_context(&ctx(), &solved.instance).prec() - ctx().prec();

    // 256 → 512 → 1024 bits (plus the bits for n): decided at the third rung.
    assert_eq!(certs[0].precision, 1024 + extra);
    assert_eq!(certs[0].summary(), Summary::Holds);

    // A reason that precision cannot change is not retried.
    assert_eq!(certs[1].precision, solved.ctx.prec());
    assert!(matches!(certs[1].summary(), Summary::Uncertified(_)));
}

#[test]
fn the_ladder_stops_at_its_top_precision() {
    fn never_enough(
        _: &equal_power::solved::Solved,
        e: &equal_power::enclosure::Enclosure,
    ) -> equal_power::certify::Certification {
        let reason = format!("open at {}", e.ctx.prec());
        equal_power::certify::Certification::Uncertified { reason, precision_may_help: true }
    }
    let solved = crate::common::solve(&crate::common::triangle("1e4", "1/100"));
    let certs = runner::certify_instance(&ctx(), &solved, &[stand_in("top", never_enough)]);
    // Retries solve at the working precision for n, as the suite does.
    let extra = runner::working_context(&ctx(), &solved.instance).prec() - ctx().prec();
    assert_eq!(certs[0].precision, runner::MAX_CERTIFIED_PRECISION + extra);
}

proptest::proptest! {
    #![proptest_config(crate::search::config(48, "certified.rs"))]

    /// The exact fixed point is unique in the box, so the same instance
    /// solved at four times the precision lands in the 256-bit box (x, Q, c
    /// and λ; the solver's δ carries noise of n times its roundoff, so δ's
    /// boxes are compared with each other), and certified verdicts agree
    /// with the float verdicts wherever those are decided.
    #[test]
    fn the_box_holds_the_fixed_point_solved_at_four_times_the_precision(
        instance in crate::strategies::instance(equal_power::search::Space {
            populations: equal_power::search::Populations::Finite,
            regime: equal_power::search::Regime::Anywhere,
        })
    ) {
        use equal_power::enclosure::enclose;
        use equal_power::numeric::Context;
        use equal_power::solved::solve;

        let instance = instance.validated().unwrap();
        let at = |bits| runner::working_context(&Context::new(bits).unwrap(), &instance);
        let solved = solve(&at(256), &instance).unwrap();
        let fine = solve(&at(1024), &instance).unwrap();
        let Ok(e) = enclose(&solved) else { return Ok(()) };
        let name = &instance.name;
        for j in 0..e.params.m {
            proptest::prop_assert!(e.x[j].contains(&fine.eq.x[j]), "{name}: x_{j}");
            proptest::prop_assert!(e.big_q[j].contains(&fine.eq.big_q[j]), "{name}: Q_{j}");
        }
        let fine_box = enclose(&fine).unwrap();
        for (i, p) in fine.programs.iter().enumerate() {
            proptest::prop_assert!(e.c[i].contains(&fine.eq.c[i]), "{name}: c_{i}");
            proptest::prop_assert!(e.lambda[i].contains(&p.lambda), "{name}: λ_{i}");
            for (d, fine_d) in e.delta[i].iter().zip(&fine_box.delta[i]) {
                proptest::prop_assert!(d.intersect(fine_d).is_some(), "{name}: δ_{i}");
            }
        }
        for lemma in lemmas::registry() {
            let certified = (lemma.certify)(&solved, &e);
            let summary =
                equal_power::certify::LemmaCertificate::of(lemma.number, 256, certified).summary();
            let float = (lemma.evaluate)(&solved).unwrap().verdict();
            let contradiction = matches!(
                (&float, &summary),
                (Verdict::Holds, Summary::Violated) | (Verdict::Violated, Summary::Holds)
            );
            proptest::prop_assert!(!contradiction, "{}: float {float:?}, {summary:?}", lemma.number);
        }
    }
}
