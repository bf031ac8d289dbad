//! What every fault family shares: the binaries under test, the seeded randomness, the tally
//! of injections per fault kind, and the suite's settings.

pub mod process;
pub mod site;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The suite's settings, read once from the environment.
pub struct Settings {
    /// The run's seed: `DODECA_FAULT_SEED`, or one taken from the clock (and printed).
    pub seed: u64,
    /// `DODECA_FAULTS_SLOW=1`: many injections per kind, and the kinds that wait for the
    /// host's call timeout.
    pub slow: bool,
}

pub fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let seed = match std::env::var("DODECA_FAULT_SEED") {
            Ok(text) => text
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("DODECA_FAULT_SEED must be a number, not {text:?}")),
            Err(_) => {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
                now.map(|d| d.as_nanos() as u64).unwrap_or(1) ^ u64::from(std::process::id())
            }
        };
        let slow = std::env::var("DODECA_FAULTS_SLOW").is_ok_and(|v| !v.is_empty() && v != "0");
        Settings { seed, slow }
    })
}

/// Injections per fault kind: a few by default (the suite stays well under two minutes on two
/// cores), many with `DODECA_FAULTS_SLOW=1`.
pub fn injections(default: usize, slow: usize) -> usize {
    if settings().slow { slow } else { default }
}

/// A small, fast generator (splitmix64): the suite's only source of randomness, so that one
/// seed replays every choice.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator of one fault family: the run's seed mixed with the family's name, so
    /// that running one family alone (a filter) replays the same choices.
    pub fn for_family(name: &str) -> Rng {
        let mut state = settings().seed;
        for byte in name.bytes() {
            state = (state ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
        Rng(state)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A fraction in `0.0..1.0`.
    pub fn fraction(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The count of one fault kind, and why each lost injection was lost.
#[derive(Default)]
struct Count {
    injected: usize,
    survived: usize,
    lost: Vec<String>,
    skipped: Option<String>,
}

/// Every kind's count, in the order the kinds were first seen.
static TALLY: Mutex<Vec<(String, Count)>> = Mutex::new(Vec::new());

fn with_count<T>(kind: &str, f: impl FnOnce(&mut Count) -> T) -> T {
    let mut tally = TALLY.lock().unwrap_or_else(|e| e.into_inner());
    if !tally.iter().any(|(k, _)| k == kind) {
        tally.push((kind.to_string(), Count::default()));
    }
    let count = tally.iter_mut().find(|(k, _)| k == kind).map(|(_, c)| c).expect("just added");
    f(count)
}

/// Records one injection of `kind` and what came of it: `Ok` survived, `Err(why)` lost.
pub fn record(kind: &str, outcome: Result<(), String>) {
    with_count(kind, |count| {
        count.injected += 1;
        match outcome {
            Ok(()) => count.survived += 1,
            Err(why) => count.lost.push(why),
        }
    });
}

/// Records that `kind` was not injected in this run, and why (printed on its line).
pub fn skip(kind: &str, why: &str) {
    with_count(kind, |count| count.skipped = Some(why.to_string()));
}

/// Prints one line per fault kind and every loss in full; returns whether nothing was lost.
pub fn report() -> bool {
    let tally = TALLY.lock().unwrap_or_else(|e| e.into_inner());
    let mut sound = true;
    // Kinds injected first, then those this run skipped.
    let injected = tally.iter().filter(|(_, c)| c.injected > 0);
    let skipped = tally.iter().filter(|(_, c)| c.injected == 0);
    for (kind, count) in injected.chain(skipped) {
        let mut line = format!(
            "fault {kind}: injected {}, survived {}, lost {}",
            count.injected,
            count.survived,
            count.lost.len()
        );
        if let Some(why) = &count.skipped
            && count.injected == 0
        {
            line.push_str(&format!(" (skipped: {why})"));
        }
        println!("{line}");
        sound &= count.lost.is_empty();
    }
    for (kind, count) in tally.iter() {
        for why in &count.lost {
            println!("\nLOST fault {kind}: {why}");
        }
    }
    // libtest's summary line, one "test" per kind, so that totals read from test output
    // (`.ci/run`'s last line) count the kinds too.
    let lost = tally.iter().filter(|(_, c)| !c.lost.is_empty()).count();
    let skipped = tally.iter().filter(|(_, c)| c.injected == 0).count();
    println!(
        "\ntest result: {}. {} passed; {lost} failed; {skipped} ignored; 0 measured; 0 filtered out",
        if sound { "ok" } else { "FAILED" },
        tally.len() - lost - skipped,
    );
    sound
}

/// The directory of the binaries under test: the target directory's profile directory, next
/// to this test executable (`target/debug/deps/faults-…` -> `target/debug`), as
/// `host/tests/common` finds the cells.
pub fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test binary's path");
        let dir = exe.parent().and_then(Path::parent).expect("the target directory").to_path_buf();
        // Cargo builds a package's own binaries for its tests, not other packages' binaries:
        // build the host and the two cells here. Always asked (a no-op when they are fresh),
        // so that a stale binary is never the one tested.
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["build", "-q", "-p", "host", "-p", "cell-template", "-p", "cell-markdown"]);
        if dir.file_name().is_some_and(|name| name == "release") {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("run cargo");
        assert!(status.success(), "building dodeca-host and the cells failed");
        dir
    })
}

/// The real `dodeca-host`.
pub fn host_binary() -> PathBuf {
    bin_dir().join("dodeca-host")
}

/// The impostor cell (this package's binary).
pub fn impostor_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_faults-impostor"))
}

/// A fresh scratch directory for one family, removed by [`Scratch`]'s drop unless the run
/// lost something (then kept, and named, to look at).
pub struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let base = std::env::var_os("DODECA_FAULTS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let path = base.join(format!("dodeca-faults-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Scratch { path: path.canonicalize().unwrap() }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let lost = TALLY.lock().map(|t| t.iter().any(|(_, c)| !c.lost.is_empty())).unwrap_or(true);
        if lost || std::thread::panicking() {
            eprintln!("kept {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Whether this process runs as root (where permission bits do not stop writes).
pub fn is_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
