//! Real processes: two putting at once, and one killed in the middle of a put.
//!
//! The children are this test binary itself, re-run with a filter that selects
//! `spawned_child_entry_point`, which does its work only when `CAS_TEST_CHILD` is set.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cas::{Cas, ContentHash};
use common::{TempDir, blob_files, bytes, files_under, open_clean};

const ROLE: &str = "CAS_TEST_CHILD";
const DIR: &str = "CAS_TEST_DIR";
const SEED: &str = "CAS_TEST_SEED";
const READY: &str = "cas-child-ready";

fn spawn_child(role: &str, dir: &Path, seed: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["spawned_child_entry_point", "--exact", "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env(DIR, dir)
        .env(SEED, seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("re-run the test binary as a child process")
}

/// Blob `n` of the shared set (put by both processes), or of a process's own set.
fn shared(n: u64) -> Vec<u8> {
    bytes(n, 100 + (n as usize * 131) % 70_000)
}

const SHARED: u64 = 300;

#[test]
fn spawned_child_entry_point() {
    let Ok(role) = std::env::var(ROLE) else { return };
    let dir = std::path::PathBuf::from(std::env::var(DIR).unwrap());
    let seed: u64 = std::env::var(SEED).unwrap().parse().unwrap();
    match role.as_str() {
        "put-many" => {
            let cas = Cas::open(&dir).unwrap();
            // Start together: wait for the parent's signal file.
            let deadline = Instant::now() + Duration::from_secs(30);
            while !dir.join("go").exists() {
                assert!(Instant::now() < deadline, "the parent never said go");
                std::thread::sleep(Duration::from_millis(1));
            }
            for i in 0..SHARED {
                // The two children walk the shared set in opposite directions.
                let n = if seed == 0 { i } else { SHARED - 1 - i };
                assert_eq!(cas.put(&shared(n)).unwrap(), ContentHash::of(&shared(n)));
                let own = bytes(1_000_000 * (seed + 1) + i, 1000);
                assert_eq!(cas.put(&own).unwrap(), ContentHash::of(&own));
            }
        }
        "hang-in-put" => {
            // A reader that yields more than one buffer of data, then announces itself and blocks
            // until the parent kills the process: the put is cut off before its rename.
            struct Hanging(Vec<u8>, usize);
            impl Read for Hanging {
                fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                    if self.1 == self.0.len() {
                        println!("{READY}");
                        // Bounded, so that a parent that fails before killing us cannot leave a
                        // process behind forever.
                        std::thread::sleep(Duration::from_secs(60));
                        panic!("the parent did not kill this process within 60 s");
                    }
                    let n = buf.len().min(self.0.len() - self.1);
                    buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
                    self.1 += n;
                    Ok(n)
                }
            }
            let cas = Cas::open(&dir).unwrap();
            let data = bytes(seed, cas::STREAM_BUFFER_SIZE + 1000);
            cas.put_reader(Hanging(data, 0)).unwrap();
            unreachable!("the parent kills this process during the put");
        }
        other => panic!("unknown child role {other:?}"),
    }
}

#[test]
fn two_processes_putting_concurrently_store_one_copy_each() {
    let dir = TempDir::new("two-processes");
    drop(open_clean(dir.path()));
    let children = [spawn_child("put-many", dir.path(), 0), spawn_child("put-many", dir.path(), 1)];
    std::fs::write(dir.path().join("go"), b"").unwrap();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a child process failed (see its output)");
    }

    let cas = open_clean(dir.path());
    let mut expected = BTreeSet::new();
    for n in 0..SHARED {
        let hash = ContentHash::of(&shared(n));
        assert_eq!(&*cas.get(&hash).unwrap().unwrap(), &shared(n)[..]);
        expected.insert(cas.path_of(&hash));
        for seed in 0..2 {
            let own = bytes(1_000_000 * (seed + 1) + n, 1000);
            let hash = ContentHash::of(&own);
            assert_eq!(&*cas.get(&hash).unwrap().unwrap(), &own[..]);
            expected.insert(cas.path_of(&hash));
        }
    }
    let on_disk: BTreeSet<_> = blob_files(dir.path()).into_iter().collect();
    assert_eq!(on_disk, expected, "exactly one file per blob");
    assert!(files_under(dir.path(), "tmp").is_empty());
}

#[test]
fn put_killed_before_rename_leaves_no_blob_and_gc_removes_its_temporary_file() {
    let dir = TempDir::new("killed-put");
    drop(open_clean(dir.path()));
    let mut child = spawn_child("hang-in-put", dir.path(), 42);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let read = stdout.read_line(&mut line).unwrap();
        assert!(read > 0, "the child exited before it was ready");
        // The test harness may have printed "test ... " on the same line.
        if line.contains(READY) {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let cas = open_clean(dir.path());
    let hash = ContentHash::of(&bytes(42, cas::STREAM_BUFFER_SIZE + 1000));
    assert!(!cas.contains(&hash));
    assert!(cas.get(&hash).unwrap().is_none());
    assert!(blob_files(dir.path()).is_empty());
    let leftovers = files_under(dir.path(), "tmp");
    assert_eq!(leftovers.len(), 1, "the killed put's temporary file: {leftovers:?}");
    let name = leftovers[0].file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with(&format!("{}-", child.id())), "{name}");

    let report = cas.gc([]).unwrap();
    assert_eq!(report.temp_files_removed, 1);
    assert_eq!(report.bytes_freed, cas::STREAM_BUFFER_SIZE as u64);
    assert!(files_under(dir.path(), "tmp").is_empty());
}
