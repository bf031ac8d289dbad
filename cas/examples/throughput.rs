//! Throughput of the blob store against the limits it cannot beat, measured in the same run.
//!
//! ```text
//! cargo run --release -p cas --example throughput
//! ```
//!
//! For 4 KiB, 1 MiB and 64 MiB blobs it prints one line per figure:
//!
//! - `blake3_hash` and `fs_write_rename`: the limits, raw `blake3` hashing of the bytes and a
//!   plain `std::fs::write` to a temporary name plus `rename`;
//! - `cas_put_cold`: putting blobs the store does not hold, against hash + write time
//!   (target: ratio at most 1.25);
//! - `cas_put_existing`: putting them again, against hash time alone (target: at most 1.10);
//! - `cas_get`: getting them and reading every byte, against opening, memory-mapping and reading
//!   the same files directly (target: memory-map speed, ratio about 1);
//! - `cas_put_cold_synced`: the same with `sync_blobs(true)`, against write + `fsync` + rename.
//!
//! `ratio` is the store's time over the baseline's time (lower is better). Where the store's
//! layout itself needs system calls the baseline does not make, the line also gives `floor`, the
//! baseline plus those calls, and the ratio against it: for a cold put, a directory per hash
//! prefix (`blobs/<first four hex digits>/`, which a young store creates for nearly every blob);
//! for a put of an existing blob, the `stat` that finds it. Each figure is the
//! median of several rounds; every round works on fresh files, and set-up (generating bytes,
//! opening stores, deleting files) is outside the timed regions. The baseline and the store run
//! alternately within a round, so both see the same page-cache and writeback conditions.

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cas::{Cas, ContentHash};

struct Scenario {
    label: &'static str,
    size: usize,
    blobs: usize,
    synced_blobs: usize,
}

const SCENARIOS: [Scenario; 3] = [
    Scenario { label: "4KiB", size: 4 << 10, blobs: 2048, synced_blobs: 200 },
    Scenario { label: "1MiB", size: 1 << 20, blobs: 64, synced_blobs: 16 },
    Scenario { label: "64MiB", size: 64 << 20, blobs: 2, synced_blobs: 1 },
];

const ROUNDS: usize = 5;
const SYNCED_ROUNDS: usize = 3;

fn main() {
    let root = std::env::temp_dir().join(format!("cas-throughput-{}", std::process::id()));
    fs::create_dir_all(&root).expect("create the benchmark directory");
    for scenario in &SCENARIOS {
        run(scenario, &root);
    }
    fs::remove_dir_all(&root).expect("remove the benchmark directory");
}

fn run(scenario: &Scenario, root: &Path) {
    let blobs: Vec<Vec<u8>> =
        (0..scenario.blobs).map(|i| bytes(i as u64 + 1, scenario.size)).collect();
    let total = (scenario.size * scenario.blobs) as f64;
    let mut hash = Vec::new();
    let mut write = Vec::new();
    let mut cold = Vec::new();
    let mut existing = Vec::new();
    let mut get = Vec::new();
    let mut mmap_read = Vec::new();
    let mut sharded_write = Vec::new();
    let mut stat = Vec::new();
    // Distinct per blob except where two hashes share a prefix, as in the store.
    let shard_names: Vec<String> =
        blobs.iter().map(|blob| ContentHash::of(blob).to_string()[..4].to_string()).collect();

    for round in 0..ROUNDS {
        hash.push(time(|| {
            for blob in &blobs {
                black_box(ContentHash::of(blob));
            }
        }));

        let plain = fresh_dir(root, &format!("plain-{round}"));
        let sharded = fresh_dir(root, &format!("sharded-{round}"));
        let store_dir = fresh_dir(root, &format!("store-{round}"));
        let cas = Cas::open(&store_dir).unwrap();
        let mut hashes = Vec::with_capacity(blobs.len());
        // The three write phases, in an order that rotates with the round, so that none always
        // meets another's writeback.
        for phase in 0..3 {
            settle_writeback();
            match (phase + round) % 3 {
                0 => write.push(time(|| {
                    for (i, blob) in blobs.iter().enumerate() {
                        let temp = plain.join(format!("{i}.tmp"));
                        fs::write(&temp, blob).unwrap();
                        fs::rename(&temp, plain.join(i.to_string())).unwrap();
                    }
                })),
                1 => sharded_write.push(time(|| {
                    // The layout's own cost: a directory per hash prefix, as the store makes.
                    for (blob, shard) in blobs.iter().zip(&shard_names) {
                        let dir = sharded.join(shard);
                        let _ = fs::create_dir(&dir);
                        let temp = sharded.join("blob.tmp");
                        fs::write(&temp, blob).unwrap();
                        fs::rename(&temp, dir.join(shard)).unwrap();
                    }
                })),
                _ => cold.push(time(|| {
                    for blob in &blobs {
                        hashes.push(cas.put(blob).unwrap());
                    }
                })),
            }
        }
        stat.push(time(|| {
            for hash in &hashes {
                black_box(fs::metadata(cas.path_of(hash)).unwrap());
            }
        }));
        existing.push(time(|| {
            for blob in &blobs {
                black_box(cas.put(blob).unwrap());
            }
        }));

        let mut sums = (0, 0);
        for phase in 0..2 {
            if (phase + round) % 2 == 0 {
                mmap_read.push(time(|| {
                    for i in 0..blobs.len() {
                        let file = fs::File::open(plain.join(i.to_string())).unwrap();
                        // SAFETY: the benchmark's own file, which nothing changes while mapped.
                        let map = unsafe { memmap2::Mmap::map(&file) }.unwrap();
                        sums.0 += touch(&map);
                    }
                }));
            } else {
                get.push(time(|| {
                    for hash in &hashes {
                        sums.1 += touch(&cas.get(hash).unwrap().unwrap());
                    }
                }));
            }
        }
        // Both read the same bytes: a check that neither read was skipped.
        assert_eq!(sums.0, sums.1);

        drop(cas);
        fs::remove_dir_all(&plain).unwrap();
        fs::remove_dir_all(&sharded).unwrap();
        fs::remove_dir_all(&store_dir).unwrap();
    }

    let mut synced_write = Vec::new();
    let mut synced_cold = Vec::new();
    let synced = &blobs[..scenario.synced_blobs];
    for round in 0..SYNCED_ROUNDS {
        let plain = fresh_dir(root, &format!("plain-synced-{round}"));
        settle_writeback();
        synced_write.push(time(|| {
            for (i, blob) in synced.iter().enumerate() {
                let temp = plain.join(format!("{i}.tmp"));
                let file = fs::File::create(&temp).unwrap();
                std::io::Write::write_all(&mut &file, blob).unwrap();
                file.sync_data().unwrap();
                fs::rename(&temp, plain.join(i.to_string())).unwrap();
            }
        }));
        let store_dir = fresh_dir(root, &format!("store-synced-{round}"));
        let cas = Cas::builder(&store_dir).sync_blobs(true).open().unwrap();
        settle_writeback();
        synced_cold.push(time(|| {
            for blob in synced {
                black_box(cas.put(blob).unwrap());
            }
        }));
        drop(cas);
        fs::remove_dir_all(&plain).unwrap();
        fs::remove_dir_all(&store_dir).unwrap();
    }

    let size = scenario.label;
    let (hash, write, sharded_write) = (median(hash), median(write), median(sharded_write));
    let (cold, existing, stat) = (median(cold), median(existing), median(stat));
    let (get, mmap_read) = (median(get), median(mmap_read));
    let synced_total = (scenario.size * scenario.synced_blobs) as f64;
    let (synced_cold, synced_write) = (median(synced_cold), median(synced_write));
    println!("blake3_hash size={size} mb_per_s={:.0}", rate(total, hash));
    println!("fs_write_rename size={size} mb_per_s={:.0}", rate(total, write));
    let cold_floor = ("hash+mkdir+write", hash + sharded_write);
    compare(
        "cas_put_cold",
        size,
        total,
        cold,
        ("hash+write", hash + write),
        Some(1.25),
        cold_floor,
    );
    let existing_floor = ("hash+stat", hash + stat);
    compare("cas_put_existing", size, total, existing, ("hash", hash), Some(1.10), existing_floor);
    let get_floor = ("mmap_read", mmap_read);
    compare("cas_get", size, total, get, ("mmap_read", mmap_read), Some(1.10), get_floor);
    let synced_baseline = ("write+fsync+rename", synced_write);
    compare(
        "cas_put_cold_synced",
        size,
        synced_total,
        synced_cold,
        synced_baseline,
        None,
        synced_baseline,
    );
}

/// Prints one figure: the store's rate, the baseline's rate and the ratio of their times
/// against the target, and the ratio against the floor (the baseline plus the syscalls the
/// layout itself requires), when that differs from the baseline.
fn compare(
    name: &str,
    size: &str,
    bytes: f64,
    elapsed: Duration,
    (baseline, baseline_elapsed): (&str, Duration),
    target: Option<f64>,
    (floor, floor_elapsed): (&str, Duration),
) {
    let ratio = elapsed.as_secs_f64() / baseline_elapsed.as_secs_f64();
    let verdict = match target {
        Some(target) if ratio <= target => format!(" target<={target:.2} met"),
        Some(target) => format!(" target<={target:.2} missed"),
        None => String::new(),
    };
    let floor = if floor == baseline {
        String::new()
    } else {
        let ratio = elapsed.as_secs_f64() / floor_elapsed.as_secs_f64();
        format!(" floor={floor} ratio={ratio:.2}")
    };
    println!(
        "{name} size={size} mb_per_s={:.0} baseline={baseline} mb_per_s={:.0} ratio={ratio:.2}{verdict}{floor}",
        rate(bytes, elapsed),
        rate(bytes, baseline_elapsed),
    );
}

/// Writes dirty pages back before a timed write, so that each write phase starts from the same
/// state instead of paying for the previous phase's writeback.
fn settle_writeback() {
    let _ = std::process::Command::new("sync").status();
}

fn time(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn rate(bytes: f64, elapsed: Duration) -> f64 {
    bytes / elapsed.as_secs_f64() / 1e6
}

fn fresh_dir(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Reads every byte (summing them as u64 words), so that a lazily mapped blob is really read.
fn touch(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    let sum = chunks
        .by_ref()
        .map(|chunk| u64::from_le_bytes(chunk.try_into().unwrap()))
        .fold(0u64, u64::wrapping_add);
    chunks.remainder().iter().fold(sum, |sum, &b| sum.wrapping_add(u64::from(b)))
}

/// Distinct, incompressible bytes (xorshift).
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}
