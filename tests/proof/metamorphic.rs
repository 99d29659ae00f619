//! Invariances of the model (issue 2): permuting or splitting types, and
//! rescaling an unclamped agent's weights, leave x, every λ and the net
//! movement unchanged; the rescaled agent's scaling divides by the factor.

use rug::Float;

use crate::common::{ctx, instance, net_movement, solve};

fn population(types: &[(&str, &str, &str, &str, &str)]) -> String {
    let list: Vec<String> = types
        .iter()
        .map(|(y1, y2, w1, w2, s)| {
            format!(r#"{{"y": ["{y1}", "{y2}"], "w": ["{w1}", "{w2}"], "mass": "{s}"}}"#)
        })
        .collect();
    format!(
        r#"{{"n": "1e8", "alpha": {{"power_of_n": "-7/8"}}, "gamma": "1/50",
        "weight_box": {{"min": "1/2", "max": "6"}},
        "outcome_set": {{"box": {{"lo": ["0", "0"], "hi": ["1", "1"]}}}},
        "population": {{"types": [{}]}}}}"#,
        list.join(", ")
    )
}

const BASE: [(&str, &str, &str, &str, &str); 4] = [
    ("0", "0", "1", "2", "1"),
    ("1", "1/4", "2", "1", "2"),
    ("1/2", "1", "1", "1", "1"),
    ("1/8", "3/4", "1/2", "3/2", "3"),
];

fn close(a: &Float, b: &Float) -> bool {
    let scale = Float::with_val(a.prec(), a.abs_ref()).max(&Float::with_val(b.prec(), b.abs_ref()));
    let gap = Float::with_val(a.prec(), a - b).abs();
    gap <= scale * (ctx().int(1) >> 200u32) + (ctx().int(1) >> 230u32)
}

fn assert_same_outcome(a: &equal_power::solved::Solved, b: &equal_power::solved::Solved) {
    for j in 0..2 {
        assert!(close(&a.eq.x[j], &b.eq.x[j]), "x_{j}: {} vs {}", a.eq.x[j], b.eq.x[j]);
    }
    let (na, nb) = (net_movement(a), net_movement(b));
    let floor = ctx().int(1) >> 150u32;
    assert!(close(&na, &nb) || (na < floor && nb < floor), "net movement {na} vs {nb}");
}

#[test]
fn permuting_types_changes_nothing() {
    let a = solve(&instance(&population(&BASE)));
    let permuted = [BASE[2], BASE[0], BASE[3], BASE[1]];
    let b = solve(&instance(&population(&permuted)));
    assert_same_outcome(&a, &b);
    for (ia, ib) in [(0, 1), (1, 3), (2, 0), (3, 2)] {
        assert!(close(&a.programs[ia].lambda, &b.programs[ib].lambda), "λ of type {ia}");
    }
}

#[test]
fn splitting_a_type_into_halves_changes_nothing() {
    let a = solve(&instance(&population(&BASE)));
    let mut split = BASE.to_vec();
    split[1].4 = "1";
    split.push(("1", "1/4", "2", "1", "1"));
    let b = solve(&instance(&population(&split)));
    assert_same_outcome(&a, &b);
    for i in 0..4 {
        assert!(close(&a.programs[i].lambda, &b.programs[i].lambda), "λ of type {i}");
    }
    assert!(close(&a.programs[1].lambda, &b.programs[4].lambda));
}

#[test]
fn tripling_an_unclamped_agents_weights_divides_its_scaling_by_three() {
    let a = solve(&instance(&population(&BASE)));
    assert!(a.is_normal(1), "type 1 must be unclamped for this check");
    let mut scaled = BASE.to_vec();
    scaled[1].2 = "6";
    scaled[1].3 = "3";
    let b = solve(&instance(&population(&scaled)));
    assert_same_outcome(&a, &b);
    for i in 0..4 {
        assert!(close(&a.programs[i].lambda, &b.programs[i].lambda), "λ of type {i}");
    }
    let third = a.eq.c[1].clone() / 3u32;
    assert!(close(&third, &b.eq.c[1]), "c: {} vs {}", third, b.eq.c[1]);
}
