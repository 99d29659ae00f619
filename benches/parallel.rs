//! The suite runner on 1 and 2 threads, side by side in one run: the
//! speed-up reported in reports/PERFORMANCE.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use equal_power::families::{default_suite, SUITE_SEED};
use equal_power::lemmas;
use equal_power::numeric::Context;
use equal_power::runner;
use equal_power::shard::Shard;

fn suite_threads(c: &mut Criterion) {
    let ctx = Context::new(256).unwrap();
    let lemmas = lemmas::registry();
    // The finite families: 75% of the suite's instances, none dominated by
    // one slow density, so the split across threads is even.
    let members: Vec<_> = default_suite(SUITE_SEED)
        .into_iter()
        .filter(|m| matches!(m.family, "triangle" | "random-finite" | "one-dimensional"))
        .collect();
    let mut group = c.benchmark_group(format!("suite_threads ({} instances)", members.len()));
    group.sample_size(10);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(threads), &threads, |b, _| {
            b.iter(|| pool.install(|| runner::run_records(&ctx, &members, &lemmas, Shard::WHOLE)))
        });
    }
    group.finish();
}

criterion_group!(benches, suite_threads);
criterion_main!(benches);
