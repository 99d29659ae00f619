//! Benchmarks of the stages: the fixed point, the agent programs, and one
//! full evaluation of every lemma. Run with `cargo bench`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod common;

use common::population;
use equal_power::equilibrium::{self, Params};
use equal_power::lemmas;
use equal_power::numeric::Context;
use equal_power::population::Instance;
use equal_power::search::{self, PopulationDraw, Populations, Regime, Space, TypeDraw};
use equal_power::{agent, runner, solved};

fn fixed_point(c: &mut Criterion) {
    let mut group = c.benchmark_group("fixed_point");
    group.sample_size(10);
    for (k, m, prec) in [(10, 1, 256), (100, 6, 64), (100, 6, 256), (100, 6, 1024), (1000, 6, 256)]
    {
        let ctx = Context::new(prec).unwrap();
        let inst = population(k, m);
        let params = Params::of(&ctx, &inst);
        let types = equilibrium::types_of(&ctx, &inst.population, 0);
        let start = equilibrium::start_value(&ctx, &inst.start, &params);
        let id = BenchmarkId::from_parameter(format!("K={k} m={m} prec={prec}"));
        group.bench_with_input(id, &types, |b, types| {
            b.iter(|| equilibrium::solve_fixed_point(&ctx, types, &params, &start).unwrap())
        });
    }
    group.finish();
}

fn programs_and_lemmas(c: &mut Criterion) {
    let ctx = Context::new(256).unwrap();
    let inst = population(100, 6);
    let s = solved::solve(&ctx, &inst).unwrap();
    let mut group = c.benchmark_group("per_instance");
    group.sample_size(10);
    group.bench_function("agent programs K=100 m=6", |b| {
        b.iter(|| agent::solve_all(&ctx, &s.types, &s.eq, &s.params).unwrap())
    });
    group.bench_function("all 17 lemmas K=100 m=6", |b| {
        b.iter(|| {
            for lemma in lemmas::registry() {
                (lemma.evaluate)(&s).unwrap();
            }
        })
    });
    group.finish();
}

/// One point of the most expensive rate sweep (the two-issue density, whose
/// graded quadrature has thousands of nodes): its cost in n and in precision.
fn rate_sweep_point(c: &mut Criterion) {
    let sweep = equal_power::rates::default_sweeps()
        .into_iter()
        .find(|s| s.family == "density m=2" && s.schedule.0 == "n^(-7/8)")
        .expect("the density sweep exists");
    let mut group = c.benchmark_group("rate_sweep_point");
    group.sample_size(10);
    for (decade, prec) in [(8u32, 256u32), (32, 256), (8, 512)] {
        let ctx = Context::new(prec).unwrap();
        let id = BenchmarkId::from_parameter(format!("density m=2 n=1e{decade} prec={prec}"));
        group.bench_function(id, |b| {
            b.iter(|| equal_power::rates::sweep_rows(&ctx, &sweep, &[decade], &|_| {}).unwrap())
        });
    }
    group.finish();
}

/// Eight instances of the search's space with K = 50 types in m = 6 issues:
/// the regimes in turn, every other parameter drawn as the search draws it.
fn search_draws_k50_m6() -> Vec<Instance> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let regimes = [Regime::Anywhere, Regime::NormalAgents, Regime::EtaAtLeastOne];
    (0..8)
        .map(|k| {
            let space = Space { populations: Populations::Finite, regime: regimes[k % 3] };
            let mut draw = search::random_draw(&mut rng, space);
            draw.m = 6;
            let grid = |rng: &mut ChaCha8Rng| (0..6).map(|_| rng.gen_range(0..=16)).collect();
            let types = (0..50)
                .map(|_| {
                    let (y, w) = (grid(&mut rng), grid(&mut rng));
                    TypeDraw { y, rim: None, w, mass: rng.gen_range(1..=8) }
                })
                .collect();
            draw.population = PopulationDraw::Finite(types);
            draw.instance(format!("bench draw {k}"))
        })
        .collect()
}

/// The search's cost per instance at K = 50 types, m = 6, in instances per
/// second: every instance evaluated at full precision (256 bits), beside
/// the search's own path, which screens at 64 bits plus ⌈log2 n⌉/2 and
/// evaluates again at 256 bits only what the screening cannot settle. Both
/// go through the runner, which adds ⌈log2 n⌉ bits to each.
fn search_instance(c: &mut Criterion) {
    let instances = search_draws_k50_m6();
    let lemmas = lemmas::registry();
    let full = Context::new(256).unwrap();
    let confirmed = instances
        .iter()
        .filter(|i| search::screen_then_confirm(&full, &lemmas, i).unwrap().1)
        .count();
    eprintln!("search_instance: {confirmed} of {} instances need confirmation", instances.len());

    let mut group = c.benchmark_group("search_instance K=50 m=6");
    group.sample_size(10);
    group.throughput(Throughput::Elements(instances.len() as u64));
    group.bench_function("full precision (256 bits)", |b| {
        b.iter(|| {
            for inst in &instances {
                runner::run_one(&full, "bench", inst, &lemmas).unwrap();
            }
        })
    });
    group.bench_function("screened, confirmed at 256 bits when unsettled", |b| {
        b.iter(|| {
            for inst in &instances {
                search::screen_then_confirm(&full, &lemmas, inst).unwrap();
            }
        })
    });
    group.finish();
}

criterion_group!(benches, fixed_point, programs_and_lemmas, rate_sweep_point, search_instance);
criterion_main!(benches);
