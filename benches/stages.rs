//! Benchmarks of every stage, measured for reports/PERFORMANCE.md: the
//! fixed point over K × m × precision (each grid point prints its iteration
//! count once), the agent programs, and one full instance evaluation of
//! every lemma, and the certified evaluation against the float one on the
//! same instances. Run with `cargo bench --bench stages`.
//!
//! The times are this thread's CPU time ([`ThreadCpu`]), not wall time: the
//! machine's cores are shared, and the stages run on one thread.
//!
//! Before criterion starts, the bench solves K = 10000, m = 6 at 256 bits
//! once and prints its time, iterations and the process's peak resident
//! memory (VmHWM) before and after. `STAGES_PROBE=K,m,prec` does only that,
//! for the instance named, and exits: one fresh process per measurement, so
//! the peaks of different sizes do not mask each other.

mod common;

use std::cell::Cell;
use std::time::{Duration, Instant};

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};

use common::population;
use equal_power::equilibrium::{self, FixedPoint, Params, Type};
use equal_power::lemmas;
use equal_power::numeric::Context;
use equal_power::{agent, enclosure, runner, solved};

/// The fixed-point grid of issue 6: K types, m issues, precision in bits.
const TYPE_COUNTS: [usize; 4] = [10, 100, 1000, 10000];
const ISSUE_COUNTS: [usize; 2] = [1, 6];
const PRECISIONS: [u32; 3] = [64, 256, 1024];

/// Everything the fixed-point solver takes, at one precision.
struct Problem {
    ctx: Context,
    params: Params,
    types: Vec<Type>,
    start: rug::Float,
}

impl Problem {
    fn new(k: usize, m: usize, prec: u32) -> Problem {
        let ctx = Context::new(prec).unwrap();
        let inst = population(k, m);
        let params = Params::of(&ctx, &inst);
        let types = equilibrium::types_of(&ctx, &inst.population, 0);
        let start = equilibrium::start_value(&ctx, &inst.start, &params);
        Problem { ctx, params, types, start }
    }

    fn solve(&self) -> FixedPoint {
        equilibrium::solve_fixed_point(&self.ctx, &self.types, &self.params, &self.start).unwrap()
    }
}

/// Returns a field of /proc/self/status in kB (VmHWM: the peak resident set).
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Returns the time this thread has run on a CPU, in seconds, from
/// /proc/thread-self/schedstat (updated at every tick, about 4 ms here).
fn cpu_seconds() -> Option<f64> {
    cpu_nanos().map(|ns| ns as f64 * 1e-9)
}

/// Returns the time this thread has run on a CPU, in nanoseconds.
fn cpu_nanos() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Criterion's measurement of this thread's CPU time.
///
/// The machine's two cores are shared with other jobs, whose load stretches
/// wall time by up to a factor of two; the stages run on one thread, so the
/// time that thread spends on a CPU is what they cost. Every sample is tens
/// of milliseconds or more, well above the 4 ms granularity.
struct ThreadCpu;

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        cpu_nanos().expect("/proc/thread-self/schedstat is readable")
    }

    fn end(&self, started: u64) -> u64 {
        self.start() - started
    }

    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }

    fn zero(&self) -> u64 {
        0
    }

    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

/// Formats nanoseconds of CPU time as criterion formats wall time.
struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = match typical {
            t if t < 1e3 => (1.0, "ns"),
            t if t < 1e6 => (1e-3, "µs"),
            t if t < 1e9 => (1e-6, "ms"),
            _ => (1e-9, "s"),
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }

    fn scale_throughputs(
        &self,
        _: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let per_run = match *throughput {
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) | Throughput::Elements(n) => n,
        };
        values.iter_mut().for_each(|v| *v = per_run as f64 * 1e9 / *v);
        "elem/s"
    }

    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "ns"
    }
}

/// Solves one instance in this process and prints its time, iterations and memory.
fn probe(k: usize, m: usize, prec: u32) {
    let before = status_kb("VmHWM:");
    let problem = Problem::new(k, m, prec);
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let fp = problem.solve();
    let elapsed = started.elapsed();
    let cpu = cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
    let residual = fp.residual.to_f64();
    let kb = |v: Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
    let on_cpu = cpu.map_or("?".to_string(), |v| format!("{v:.3}"));
    let per_step =
        cpu.map_or("?".to_string(), |v| format!("{:.2}", v * 1e6 / (fp.iterations * k * m) as f64));
    println!(
        "probe K={k} m={m} prec={prec}: {:.3} s wall, {on_cpu} s on CPU, {} iterations, \
         {per_step} µs on CPU per iteration per K·m, residual {residual:.3e}, \
         VmHWM {} kB before building the instance, {} kB after the solve",
        elapsed.as_secs_f64(),
        fp.iterations,
        kb(before),
        kb(status_kb("VmHWM:")),
    );
}

fn fixed_point(c: &mut Criterion<ThreadCpu>) {
    let mut group = c.benchmark_group("fixed_point");
    group.sample_size(10);
    for m in ISSUE_COUNTS {
        for k in TYPE_COUNTS {
            for prec in PRECISIONS {
                // Solves of 30 ms to seconds: criterion's floor of 10 flat
                // samples (one solve each once a solve exceeds 0.1 s) and no
                // separate warm-up, rather than the 55 solves of linear sampling.
                let slow = k * m >= 6_000;
                if slow {
                    group.sampling_mode(SamplingMode::Flat);
                    group.warm_up_time(Duration::from_millis(1));
                    group.measurement_time(Duration::from_secs(1));
                } else {
                    group.sampling_mode(SamplingMode::Auto);
                    group.warm_up_time(Duration::from_secs(1));
                    group.measurement_time(Duration::from_secs(3));
                }

                let problem = Problem::new(k, m, prec);
                let reported = Cell::new(false);
                let id = BenchmarkId::from_parameter(format!("K={k} m={m} prec={prec}"));
                group.bench_function(id, |b| {
                    // Once per grid point, and only for a point that runs.
                    if !reported.replace(true) {
                        let iterations = problem.solve().iterations;
                        println!("fixed_point K={k} m={m} prec={prec}: {iterations} iterations");
                    }
                    b.iter(|| problem.solve())
                });
            }
        }
    }
    group.finish();
}

fn agent_programs(c: &mut Criterion<ThreadCpu>) {
    let ctx = Context::new(256).unwrap();
    let s = solved::solve(&ctx, &population(1000, 6)).unwrap();
    let mut group = c.benchmark_group("agent_programs");
    group.sample_size(10);
    group.bench_function("K=1000 m=6 prec=256", |b| {
        b.iter(|| agent::solve_all(&ctx, &s.types, &s.eq, &s.params).unwrap())
    });
    group.finish();
}

fn instance_evaluation(c: &mut Criterion<ThreadCpu>) {
    let ctx = Context::new(256).unwrap();
    let inst = population(100, 6);
    let lemmas = lemmas::registry();
    let mut group = c.benchmark_group("instance_evaluation");
    group.sample_size(10);
    let id = format!("solve + {} lemmas K=100 m=6 prec=256", lemmas.len());
    group.bench_function(id, |b| {
        b.iter(|| {
            let s = solved::solve(&ctx, &inst).unwrap();
            lemmas.iter().map(|l| (l.evaluate)(&s).unwrap().verdict()).collect::<Vec<_>>()
        })
    });
    group.finish();
}

/// The instances on which the certified path is set against the float one.
const CERTIFIED_SIZES: [(usize, usize); 5] = [(10, 1), (10, 6), (100, 1), (100, 6), (1000, 6)];

/// The float evaluation of every lemma against the certified one, on the
/// same solved instance, side by side in one group: the enclosure alone,
/// and the enclosure with every lemma's certified statement (including any
/// retries at a higher precision, as the suite runs it).
fn certified_evaluation(c: &mut Criterion<ThreadCpu>) {
    let ctx = Context::new(256).unwrap();
    let lemmas = lemmas::registry();
    let mut group = c.benchmark_group("certified_evaluation");
    group.sample_size(10);
    for (k, m) in CERTIFIED_SIZES {
        let s = solved::solve(&ctx, &population(k, m)).unwrap();
        let size = format!("K={k} m={m} prec=256");
        group.bench_function(format!("float {size}"), |b| {
            b.iter(|| {
                lemmas.iter().map(|l| (l.evaluate)(&s).unwrap().verdict()).collect::<Vec<_>>()
            })
        });
        group.bench_function(format!("enclosure {size}"), |b| {
            b.iter(|| enclosure::enclose(&s).unwrap().inflations)
        });
        group.bench_function(format!("certified {size}"), |b| {
            b.iter(|| runner::certify_instance(&ctx, &s, &lemmas).len())
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = fixed_point, agent_programs, instance_evaluation, certified_evaluation
}

fn main() {
    if let Ok(spec) = std::env::var("STAGES_PROBE") {
        let v: Vec<usize> = spec.split(',').map(|s| s.trim().parse().unwrap()).collect();
        probe(v[0], v[1], v[2] as u32);
        return;
    }

    // First, in a fresh process, the peak memory of the largest 256-bit solve.
    probe(10000, 6, 256);

    benches();
    Criterion::default().configure_from_args().final_summary();
}
