//! workloads: the incremental-runtime anchor workloads (W1..W5, X1, X2) run against this
//! crate, printing the same lines as the team's anchors (the same workloads against salsa and
//! picante 1.0, kept beside this repository), so that a side-by-side script can put the
//! three side by side.
//!
//!   cargo run --release -p picante --example workloads -- w1|w2|w3|w4|w5|x1|x2   one workload
//!   cargo run --release -p picante --example workloads -- all      one process per workload
//!   cargo run --release -p picante --example workloads -- runs K   K rounds, then medians
//!
//! Output line format (the prefix is fixed; extra `key=value` fields follow):
//!   NAME n=N median_ns_per_op=X samples=S ... execs_per_op=E peak_rss_kb=P base_rss_kb=B
//!
//! The definitions, sizes, sample counts and timing are the anchors'; only the executor differs:
//! each timed batch runs under one `pollster::block_on` instead of a current-thread tokio
//! runtime. The database is declared with the macros (`#[picante::input]`, `tracked`, `db`), as
//! a picante 1.0 user writes it; the picante anchor writes its database by hand with plain
//! `InputIngredient<u32, u64>` cells. Here a cell is an input entity (its key interned, its
//! fields stored in the input's slot); a field read costs what the plain `get` costs, and a
//! timed edit is a `set_value`, one `set` as before. What the entity adds is memory: the key
//! interner (about 1 MB more peak RSS at 10,000 cells). Unlike the
//! anchors, which run each workload on a thread with a 256 MiB stack, this program runs them on
//! the main thread (default 8 MiB stack) and reports the deepest stack it used as
//! `stack_used_kb` (for W3 and W4 this includes the cold 1,000-deep computation).
//!
//! Sizes can be overridden with env vars ANCHOR_N (default 10000) and ANCHOR_D (default 1000).

use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use picante::{Durability, PicanteResult};

// ---------------------------------------------------------------------------------------------
// Execution counter (thread-local, non-atomic: ~1 ns, does not perturb the figures).
// The current-thread runtime polls every query future on the workload thread.
// ---------------------------------------------------------------------------------------------

thread_local! {
    static EXECS: Cell<u64> = const { Cell::new(0) };
}

#[inline(always)]
fn bump() {
    EXECS.with(|c| c.set(c.get() + 1));
}

fn execs() -> u64 {
    EXECS.with(|c| c.get())
}

// ---------------------------------------------------------------------------------------------
// Picante definitions, with the macros (what a picante 1.0 user writes).
// ---------------------------------------------------------------------------------------------

/// Input cells holding one integer, keyed by index (salsa-anchor: `Val`).
#[picante::input]
struct Val {
    #[key]
    id: u32,
    value: u64,
}

/// The list of cells the fan-in query sums (salsa-anchor: `Roots`). Arc so that reading it
/// (which clones the field) is O(1), like salsa's `returns(ref)`.
#[picante::input]
struct Roots {
    #[key]
    id: u32,
    items: Arc<Vec<Val>>,
}

/// W1/W2/X1: one derived query per input, returns value * 2.
#[picante::tracked]
#[inline(never)]
async fn double<DB: HasValIngredient>(db: &DB, v: Val) -> PicanteResult<u64> {
    bump();
    Ok(v.value(db)? * 2)
}

/// W3: q_0 reads the input; q_i = q_{i-1} + 1. The key `(root, i)` is the plain-key
/// equivalent of salsa-anchor's interned `Link { root, i }`.
#[picante::tracked]
#[inline(never)]
async fn chain<DB: HasValIngredient + HasChainQuery>(
    db: &DB,
    root: Val,
    i: u32,
) -> PicanteResult<u64> {
    bump();
    note_stack();
    if i == 0 { root.value(db) } else { Ok(chain(db, root, i - 1).await? + 1) }
}

/// W4: q_0 = input % 2 (edits that keep the parity produce an equal value => early cutoff).
#[picante::tracked]
#[inline(never)]
async fn parity<DB: HasValIngredient>(db: &DB, v: Val) -> PicanteResult<u64> {
    bump();
    Ok(v.value(db)? % 2)
}

/// W4: downstream chain c_1..c_D; c_1 reads q_0 = parity(input), c_i = c_{i-1} + 1.
#[picante::tracked]
#[inline(never)]
async fn downstream<DB: HasParityQuery + HasDownstreamQuery>(
    db: &DB,
    root: Val,
    i: u32,
) -> PicanteResult<u64> {
    bump();
    note_stack();
    let prev = if i <= 1 { parity(db, root).await? } else { downstream(db, root, i - 1).await? };
    Ok(prev + 1)
}

/// W5: one derived query summing all inputs (N + 1 dependency edges).
#[picante::tracked]
#[inline(never)]
async fn sum_all<DB: HasValIngredient + HasRootsIngredient>(
    db: &DB,
    roots: Roots,
) -> PicanteResult<u64> {
    bump();
    let items = roots.items(db)?;
    let mut s = 0u64;
    for v in items.iter() {
        s = s.wrapping_add(v.value(db)?);
    }
    Ok(s)
}

/// The database: a runtime, the ingredient registry and one field per ingredient.
#[picante::db(inputs(Val, Roots), tracked(double, chain, parity, downstream, sum_all))]
struct Db {}

// ---------------------------------------------------------------------------------------------
// Measurement helpers.
// ---------------------------------------------------------------------------------------------

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|s| s.replace('_', "").parse().ok()).unwrap_or(default)
}

fn n() -> usize {
    env_usize("ANCHOR_N", 10_000)
}

fn d() -> usize {
    env_usize("ANCHOR_D", 1_000)
}

fn proc_status_kb(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix(key) {
            let rest = rest.trim_start_matches(':').trim();
            return rest.split_whitespace().next().and_then(|x| x.parse().ok()).unwrap_or(0);
        }
    }
    0
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let m = v.len() / 2;
    if v.len() % 2 == 1 { v[m] } else { (v[m - 1] + v[m]) / 2.0 }
}

struct Result {
    name: &'static str,
    n: usize,
    samples: Vec<f64>,
    execs: u64,
    ops: u64,
}

fn report(r: Result, base_rss_kb: u64) {
    let first = r.samples[0];
    let mut s = r.samples;
    let count = s.len();
    let med = median(&mut s);
    let min = s[0];
    let max = s[count - 1];
    println!(
        "{} n={} median_ns_per_op={:.1} samples={} min_ns_per_op={:.1} max_ns_per_op={:.1} first_sample_ns_per_op={:.1} execs_per_op={:.3} peak_rss_kb={} base_rss_kb={} stack_used_kb={}",
        r.name,
        r.n,
        med,
        count,
        min,
        max,
        first,
        r.execs as f64 / r.ops as f64,
        proc_status_kb("VmHWM"),
        base_rss_kb,
        stack_used_kb(),
    );
}

/// Runs `fut` to completion on this thread.
fn block_on<F: Future>(fut: F) -> F::Output {
    pollster::block_on(fut)
}

thread_local! {
    /// Address of a local in `run_one`, and the lowest address seen in a chain query.
    static STACK_TOP: Cell<usize> = const { Cell::new(0) };
    static STACK_LOW: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Notes how deep the stack is here (stacks grow down on every platform we run on).
#[inline(always)]
fn note_stack() {
    let here = 0u8;
    let addr = std::ptr::addr_of!(here) as usize;
    STACK_LOW.with(|low| low.set(low.get().min(addr)));
}

fn stack_used_kb() -> usize {
    let top = STACK_TOP.with(|t| t.get());
    let low = STACK_LOW.with(|l| l.get());
    if low == usize::MAX { 0 } else { top.saturating_sub(low) / 1024 }
}

/// Inputs 0..n with value i (salsa-anchor: `new_vals`). Each set bumps the revision.
fn new_vals(db: &Db, n: usize) -> Vec<Val> {
    (0..n).map(|i| Val::new(db, i as u32, i as u64).expect("set")).collect()
}

async fn read_all(db: &Db, vals: &[Val]) -> u64 {
    let mut s = 0u64;
    for &v in vals {
        s = s.wrapping_add(double(black_box(db), black_box(v)).await.unwrap());
    }
    s
}

fn expected_double_sum(n: usize) -> u64 {
    (0..n as u64).map(|i| i * 2).sum()
}

// ---------------------------------------------------------------------------------------------
// Workloads (definitions, sizes and sample counts identical to salsa-anchor).
// ---------------------------------------------------------------------------------------------

/// W1 cold chain: N inputs, N derived queries (value*2); time to compute all N the first time
/// in a fresh database. ns per query. Database + input creation and drop are untimed.
fn w1() -> Result {
    let n = n();
    let reps = 31;
    let mut samples = Vec::with_capacity(reps);
    let mut ex = 0;
    for _ in 0..reps {
        let db = Db::new();
        let vals = new_vals(&db, n);
        let e0 = execs();
        let t = Instant::now();
        let s = block_on(read_all(&db, &vals));
        let el = t.elapsed();
        ex += execs() - e0;
        assert_eq!(black_box(s), expected_double_sum(n));
        samples.push(el.as_nanos() as f64 / n as f64);
        drop((vals, db));
    }
    Result { name: "W1_cold_chain", n, samples, execs: ex, ops: (reps * n) as u64 }
}

/// W2 warm hit: after W1, read all N derived queries again in the same revision (memo hit).
fn w2() -> Result {
    let n = n();
    let db = Db::new();
    let vals = new_vals(&db, n);
    assert_eq!(block_on(read_all(&db, &vals)), expected_double_sum(n)); // W1 (untimed here)
    let samples_n = 51;
    let passes = 20;
    let mut samples = Vec::with_capacity(samples_n);
    let e0 = execs();
    for _ in 0..samples_n {
        let t = Instant::now();
        let s = block_on(async {
            let mut s = 0u64;
            for _ in 0..passes {
                s = s.wrapping_add(read_all(&db, &vals).await);
            }
            s
        });
        let el = t.elapsed();
        black_box(s);
        samples.push(el.as_nanos() as f64 / (passes * n) as f64);
    }
    let ex = execs() - e0;
    Result { name: "W2_warm_hit", n, samples, execs: ex, ops: (samples_n * passes * n) as u64 }
}

/// W3 single edit revalidate: chain q_0..q_{D-1}; per edit: set input (new value), read q_{D-1}.
/// Every edit changes every value, so all D queries re-execute. ns per edit.
fn w3() -> Result {
    let dd = d();
    let db = Db::new();
    let root = Val::new(&db, 0, 0).expect("set");
    let top = (dd - 1) as u32;
    assert_eq!(block_on(chain(&db, root, top)).unwrap(), top as u64);
    let samples_n = 31;
    let edits = 20;
    let mut samples = Vec::with_capacity(samples_n);
    let mut v = 0u64;
    let e0 = execs();
    for _ in 0..samples_n {
        let t = Instant::now();
        let s = block_on(async {
            let mut s = 0u64;
            for _ in 0..edits {
                v += 1;
                root.set_value(&db, v).expect("set");
                s = s.wrapping_add(chain(black_box(&db), root, top).await.unwrap());
            }
            s
        });
        let el = t.elapsed();
        black_box(s);
        samples.push(el.as_nanos() as f64 / edits as f64);
    }
    let ex = execs() - e0;
    assert_eq!(block_on(chain(&db, root, top)).unwrap(), v + top as u64);
    Result {
        name: "W3_single_edit_revalidate",
        n: dd,
        samples,
        execs: ex,
        ops: (samples_n * edits) as u64,
    }
}

/// W4 early cutoff: q_0 = input % 2, downstream chain c_1..c_D; per edit: input 2 <-> 4
/// (parity kept), read c_D. q_0 re-executes, returns an equal value (early cutoff keeps its
/// changed_at), and c_1..c_D are revalidated without re-executing. ns per edit.
fn w4() -> Result {
    let dd = d();
    let db = Db::new();
    let root = Val::new(&db, 0, 2).expect("set");
    let top = dd as u32;
    assert_eq!(block_on(downstream(&db, root, top)).unwrap(), top as u64);
    let samples_n = 31;
    let edits = 50;
    let mut samples = Vec::with_capacity(samples_n);
    let mut v = 2u64;
    let e0 = execs();
    for _ in 0..samples_n {
        let t = Instant::now();
        let s = block_on(async {
            let mut s = 0u64;
            for _ in 0..edits {
                v = if v == 2 { 4 } else { 2 };
                root.set_value(&db, v).expect("set");
                s = s.wrapping_add(downstream(black_box(&db), root, top).await.unwrap());
            }
            s
        });
        let el = t.elapsed();
        assert_eq!(s, top as u64 * edits as u64);
        samples.push(el.as_nanos() as f64 / edits as f64);
    }
    let ex = execs() - e0;
    Result { name: "W4_early_cutoff", n: dd, samples, execs: ex, ops: (samples_n * edits) as u64 }
}

/// W5 fan-in: one query summing N inputs; per edit: set one input (+1), read the sum.
/// The edited index walks the inputs with stride 7919 (prime), so positions are spread out.
fn w5() -> Result {
    let n = n();
    let db = Db::new();
    let vals = new_vals(&db, n);
    let roots = Roots::new(&db, 0, Arc::new(vals.clone())).expect("set");
    let mut expected = (0..n as u64).sum::<u64>();
    assert_eq!(block_on(sum_all(&db, roots)).unwrap(), expected);
    let samples_n = 31;
    let edits = 20;
    let mut samples = Vec::with_capacity(samples_n);
    let mut k = 0usize;
    let mut cur: Vec<u64> = (0..n as u64).collect();
    let e0 = execs();
    for _ in 0..samples_n {
        let t = Instant::now();
        let s = block_on(async {
            let mut s = 0u64;
            for _ in 0..edits {
                k = (k + 7919) % n;
                cur[k] += 1;
                vals[k].set_value(&db, cur[k]).expect("set");
                s = s.wrapping_add(sum_all(black_box(&db), roots).await.unwrap());
            }
            s
        });
        let el = t.elapsed();
        expected += edits as u64;
        assert_eq!(block_on(sum_all(&db, roots)).unwrap(), expected);
        black_box(s);
        samples.push(el.as_nanos() as f64 / edits as f64);
    }
    let ex = execs() - e0;
    Result { name: "W5_fan_in", n, samples, execs: ex, ops: (samples_n * edits) as u64 }
}

/// X1 (extra) revalidate after an unrelated edit: W1 state, then set an input nobody reads
/// (new revision) and read all N again. Each memo is deep-verified (1 input edge), none
/// re-executes. ns per query (the unrelated set is amortized over N).
fn x1() -> Result {
    revalidate("X1_revalidate_unrelated_edit", Durability::Low)
}

/// X2 (extra) same as X1 but the N inputs are HIGH durability and the edit is LOW: the
/// durability shortcut verifies each memo without walking its edges. ns per query.
fn x2() -> Result {
    revalidate("X2_revalidate_high_durability", Durability::High)
}

fn revalidate(name: &'static str, durability: Durability) -> Result {
    let n = n();
    let db = Db::new();
    let vals: Vec<Val> = (0..n)
        .map(|i| Val::new_with_durability(&db, i as u32, i as u64, durability).expect("set"))
        .collect();
    let unrelated = Val::new(&db, n as u32, 0).expect("set"); // a Val no query reads (LOW)
    assert_eq!(block_on(read_all(&db, &vals)), expected_double_sum(n));
    let samples_n = 51;
    let passes = 5;
    let mut samples = Vec::with_capacity(samples_n);
    let mut v = 0;
    let e0 = execs();
    for _ in 0..samples_n {
        let t = Instant::now();
        let s = block_on(async {
            let mut s = 0u64;
            for _ in 0..passes {
                v += 1;
                unrelated.set_value(&db, v).expect("set");
                s = s.wrapping_add(read_all(&db, &vals).await);
            }
            s
        });
        let el = t.elapsed();
        assert_eq!(s, expected_double_sum(n) * passes as u64);
        samples.push(el.as_nanos() as f64 / (passes * n) as f64);
    }
    let ex = execs() - e0;
    Result { name, n, samples, execs: ex, ops: (samples_n * passes * n) as u64 }
}

// ---------------------------------------------------------------------------------------------
// Driver.
// ---------------------------------------------------------------------------------------------

const WORKLOADS: &[&str] = &["w1", "w2", "w3", "w4", "w5", "x1", "x2"];

fn run_one(w: &str) {
    let base = proc_status_kb("VmRSS");
    // On the main thread, with its default stack: deep chains must fit in it.
    let top = 0u8;
    STACK_TOP.with(|t| t.set(std::ptr::addr_of!(top) as usize));
    let r = match w {
        "w1" => w1(),
        "w2" => w2(),
        "w3" => w3(),
        "w4" => w4(),
        "w5" => w5(),
        "x1" => x1(),
        "x2" => x2(),
        other => panic!("unknown workload {other}"),
    };
    report(r, base);
}

fn spawn(w: &str) -> String {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe).arg(w).output().expect("spawn workload");
    assert!(out.status.success(), "workload {w} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn field(line: &str, key: &str) -> f64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cmd = args.get(1).map(String::as_str).unwrap_or("all");
    match cmd {
        "all" => {
            for w in WORKLOADS {
                println!("{}", spawn(w));
            }
        }
        "runs" => {
            let k: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
            let mut lines: Vec<Vec<String>> = vec![Vec::new(); WORKLOADS.len()];
            for run in 1..=k {
                let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
                println!("# run {run}/{k} (loadavg at start: {})", load.trim());
                for (i, w) in WORKLOADS.iter().enumerate() {
                    let l = spawn(w);
                    println!("{l}");
                    lines[i].push(l);
                }
            }
            println!("# median over {k} process runs (this workspace's picante)");
            for ls in &lines {
                let name = ls[0].split_whitespace().next().unwrap();
                let n = field(&ls[0], "n") as u64;
                let mut med: Vec<f64> = ls.iter().map(|l| field(l, "median_ns_per_op")).collect();
                if med.iter().any(|m| m.is_nan()) {
                    println!("{name} n={n} median_ns_per_op=unsupported runs={k}");
                    continue;
                }
                let mut rss: Vec<f64> = ls.iter().map(|l| field(l, "peak_rss_kb")).collect();
                let mut ex: Vec<f64> = ls.iter().map(|l| field(l, "execs_per_op")).collect();
                let spread = format!(
                    "{:.1}..{:.1}",
                    med.iter().cloned().fold(f64::INFINITY, f64::min),
                    med.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                );
                println!(
                    "{} n={} median_ns_per_op={:.1} runs={} run_range_ns={} execs_per_op={:.3} peak_rss_kb={:.0}",
                    name,
                    n,
                    median(&mut med),
                    k,
                    spread,
                    median(&mut ex),
                    median(&mut rss)
                );
            }
        }
        w if WORKLOADS.contains(&w) => run_one(w),
        other => {
            eprintln!("usage: workloads [all | runs K | {}]  (got {other})", WORKLOADS.join(" | "));
            std::process::exit(2);
        }
    }
}
