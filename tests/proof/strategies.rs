//! proptest strategies over the search's hypothesis space (issue 4).
//!
//! A strategy draws the fields of a [`Draw`] on the ranges its [`Space`]
//! gives, the same ranges `search::random_draw` uses, and maps them through
//! [`Draw::instance`]: every instance is valid by construction (ideal points
//! and cells in χ, weights in the box, α in Lemma 5.1's range, γ in (0, 1],
//! n the instance's own threshold n_η times a power of ten), so nothing is
//! filtered. proptest shrinks the grid indices toward their simplest
//! values: one issue, one type, unit masses, w_min = w_max = 1, the box
//! [0, 1]^m, n = n_η.

use equal_power::population::Instance;
use equal_power::search::{
    AlphaDraw, CellDraw, Draw, GammaDraw, PopulationDraw, Populations, Space, TypeDraw, GRID,
    MAX_TYPES,
};
use std::ops::RangeInclusive;

use proptest::collection::vec;
use proptest::prelude::*;

/// One type: a grid point (or, in a ball, a point on the sphere a quarter of the time).
fn type_draw(m: usize) -> impl Strategy<Value = TypeDraw> {
    let rim = prop::option::weighted(0.25, 0..2 * m);
    (vec(0..=GRID, m), rim, vec(0..=GRID, m), 1..=8u32).prop_map(|(y, rim, w, mass)| TypeDraw {
        y,
        rim,
        w,
        mass,
    })
}

/// One cell: two grid indices per axis, its weights, its mass.
fn cell_draw(m: usize) -> impl Strategy<Value = CellDraw> {
    (vec((0..=GRID, 0..=GRID), m), vec(0..=GRID, m), 1..=4u32)
        .prop_map(|(corners, w, mass)| CellDraw { corners, w, mass })
}

fn population(m: usize, density: bool) -> BoxedStrategy<PopulationDraw> {
    if density {
        vec(cell_draw(m), Space::cells()).prop_map(PopulationDraw::Density).boxed()
    } else {
        vec(type_draw(m), 1..=MAX_TYPES).prop_map(PopulationDraw::Finite).boxed()
    }
}

/// α: a decaying schedule, and in the whole space also a constant or a
/// multiple of √n up to the top of Lemma 5.1's range.
fn alpha(space: Space) -> BoxedStrategy<AlphaDraw> {
    let schedule = (1..=10u32, 0..=8u32, space.schedule_sixteenths())
        .prop_map(|(k, decades, sixteenths)| AlphaDraw::Schedule { k, decades, sixteenths });
    if !space.any_alpha() {
        return schedule.boxed();
    }
    prop_oneof![
        2 => schedule,
        1 => (1..=10u32, 0..=8u32).prop_map(|(k, decades)| AlphaDraw::Constant { k, decades }),
        1 => (1..=10u32, 0..=8u32).prop_map(|(k, decades)| AlphaDraw::RangeTop { k, decades }),
    ]
    .boxed()
}

fn gamma() -> impl Strategy<Value = GammaDraw> {
    prop_oneof![
        (1..=GRID).prop_map(GammaDraw::Sixteenths),
        (1..=12u32).prop_map(GammaDraw::PowerOfTen)
    ]
}

/// w_max / w_min in sixteenths: equal weights, then each spread bucket, alike.
fn spread() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(GRID),
        GRID + 1..=2 * GRID,
        2 * GRID + 1..=10 * GRID,
        10 * GRID + 1..=17 * GRID
    ]
}

/// Returns the draws of a space.
pub fn draw(space: Space) -> impl Strategy<Value = Draw> {
    draw_in(space, None)
}

/// Returns the draws of a space with m in `issues`, when given.
fn draw_in(space: Space, issues: Option<RangeInclusive<usize>>) -> impl Strategy<Value = Draw> {
    let density = match space.populations {
        Populations::Finite => Just(false).boxed(),
        Populations::Density => Just(true).boxed(),
        Populations::Both => prop::bool::weighted(0.2).boxed(),
    };
    density.prop_flat_map(move |density| {
        // A two-issue density costs seconds (a graded rule of thousands of
        // nodes): a quarter of the densities, as in the search.
        let issues = match (&issues, density) {
            (Some(range), _) => range.clone().boxed(),
            (None, true) => prop_oneof![3 => Just(1usize), 1 => Just(2usize)].boxed(),
            (None, false) => Space::issues(false).boxed(),
        };
        issues.prop_flat_map(move |m| {
            let shape = (population(m, density), any::<bool>(), -2..=2i32);
            let weights = (1..=9u32, -3..=3i32, spread());
            let model = (alpha(space), gamma(), space.n_decades());
            (shape, weights, model).prop_map(
                move |(
                    (population, ball, chi_scale),
                    (w_mantissa, w_decade, spread),
                    (alpha, gamma, n_decades),
                )| Draw {
                    m,
                    ball,
                    chi_scale,
                    w_mantissa,
                    w_decade,
                    spread,
                    population,
                    alpha,
                    gamma,
                    n_decades,
                },
            )
        })
    })
}

/// Returns the instances of a space.
pub fn instance(space: Space) -> impl Strategy<Value = Instance> {
    draw(space).prop_map(|d| {
        let name = format!("property m={}", d.m);
        d.instance(name)
    })
}

/// Returns the instances of a space in one issue: the densities of a
/// property that solves each draw three times.
pub fn instance_in_one_issue(space: Space) -> impl Strategy<Value = Instance> {
    draw_in(space, Some(1..=1)).prop_map(|d| d.instance("property m=1".into()))
}
