//! Shared pieces of the side-by-side benchmarks: run mode, repetition, medians, and a table
//! printer that shows gorust and its peer on the same row with the ratio.
//!
//! Every bench binary runs each workload on gorust and on its peer(s) in one process,
//! alternating, `runs()` times, and prints medians. Under `cargo bench` (which passes
//! `--bench`) it runs full size; under `cargo test --benches` (no `--bench`) it runs a tiny
//! size once, so CI checks that the benches work without spending minutes on them.

use std::time::{Duration, Instant};

/// True when invoked by `cargo bench` (full size); false under `cargo test` (smoke size).
pub fn full() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Scales a full-size count down for smoke runs.
pub fn size(full_size: usize) -> usize {
    if full() {
        full_size
    } else {
        (full_size / 1000).max(10)
    }
}

/// How many alternating runs to take the median of (7 in full mode, `GORUST_BENCH_RUNS`
/// overrides).
pub fn runs() -> usize {
    if let Ok(v) = std::env::var("GORUST_BENCH_RUNS")
        && let Ok(n) = v.parse::<usize>()
    {
        return n.max(1);
    }
    if full() { 7 } else { 1 }
}

/// Median of a set of durations.
pub fn median(mut v: Vec<Duration>) -> Duration {
    assert!(!v.is_empty(), "median of nothing");
    v.sort_unstable();
    v[v.len() / 2]
}

/// Times `f` once.
pub fn time<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t0 = Instant::now();
    let v = f();
    (t0.elapsed(), v)
}

/// Prints the bench header: what machine, toolchain and commit the figures come from.
pub fn header(title: &str) {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    println!("## {title}");
    println!(
        "machine: {cpus} CPUs; {}; commit {}; mode: {} ({} run(s), medians)",
        rustc.trim(),
        commit.trim(),
        if full() { "full" } else { "smoke" },
        runs()
    );
    println!();
    println!("| workload | gorust | peer | peer value | gorust/peer |");
    println!("|---|---|---|---|---|");
}

/// Prints one row: gorust's value against a peer's, with the ratio (lower is better for
/// both: times or bytes).
pub fn row(workload: &str, unit: &str, gorust: f64, peer: &str, peer_value: f64) {
    let ratio = if peer_value > 0.0 {
        gorust / peer_value
    } else {
        f64::NAN
    };
    println!("| {workload} | {gorust:.1} {unit} | {peer} | {peer_value:.1} {unit} | {ratio:.2} |");
}

/// Nanoseconds per operation of a duration over `ops` operations.
pub fn ns_per(d: Duration, ops: usize) -> f64 {
    d.as_nanos() as f64 / ops.max(1) as f64
}
