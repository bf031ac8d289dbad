//! Model-based stress test: random edits and concurrent queries over a few hundred inputs and
//! a three-layer graph of derived queries with dynamic dependencies must always agree with a
//! from-scratch evaluation, and recompute only what the edits can have affected.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use picante::{Durability, InputBatch};

use crate::common::*;

const N: u32 = 300; // inputs num(0..N)
const L1: u32 = 120;
const L2: u32 = 60;
const L3: u32 = 20;
const THREADS: usize = 4;

fn l1_inputs(k: u32) -> [u32; 3] {
    [(k * 7) % N, (k * 13 + 1) % N, (k * 31 + 5) % N]
}

fn graph_db() -> Db {
    Db::new(vec![
        query("l1", |db, k| {
            Box::pin(async move {
                let mut s = 0;
                for i in l1_inputs(k) {
                    s += db.num(i)?;
                }
                Ok(s % 7)
            })
        }),
        query("l2", |db, k| {
            Box::pin(async move {
                let x = db.q("l1").get(db, k % L1).await?;
                if x % 2 == 0 {
                    Ok(x + db.q("l1").get(db, (k * 3 + 1) % L1).await?)
                } else {
                    Ok(x + db.num((k * 17 + 3) % N)? % 7)
                }
            })
        }),
        query("l3", |db, k| {
            Box::pin(async move {
                let mut s = 0;
                for j in 0..4 {
                    s += db.q("l2").get(db, (k * 5 + j * 11) % L2).await?;
                }
                Ok(s)
            })
        }),
    ])
}

/// From-scratch evaluation: each query's value and the inputs it reads, transitively.
struct Model<'a>(&'a [u64]);

impl Model<'_> {
    fn l1(&self, k: u32) -> (u64, BTreeSet<u32>) {
        let ins = l1_inputs(k);
        (ins.iter().map(|&i| self.0[i as usize]).sum::<u64>() % 7, ins.into_iter().collect())
    }

    fn l2(&self, k: u32) -> (u64, BTreeSet<u32>) {
        let (x, mut reads) = self.l1(k % L1);
        if x % 2 == 0 {
            let (y, more) = self.l1((k * 3 + 1) % L1);
            reads.extend(more);
            (x + y, reads)
        } else {
            let i = (k * 17 + 3) % N;
            reads.insert(i);
            (x + self.0[i as usize] % 7, reads)
        }
    }

    fn l3(&self, k: u32) -> (u64, BTreeSet<u32>) {
        let mut reads = BTreeSet::new();
        let mut s = 0;
        for j in 0..4 {
            let (v, r) = self.l2((k * 5 + j * 11) % L2);
            s += v;
            reads.extend(r);
        }
        (s, reads)
    }

    /// Every query, by its log name, with its value and transitive input reads.
    fn all(&self) -> HashMap<String, (u64, BTreeSet<u32>)> {
        let mut out = HashMap::new();
        for k in 0..L1 {
            out.insert(format!("l1({k})"), self.l1(k));
        }
        for k in 0..L2 {
            out.insert(format!("l2({k})"), self.l2(k));
        }
        for k in 0..L3 {
            out.insert(format!("l3({k})"), self.l3(k));
        }
        out
    }
}

/// xorshift64*: deterministic, dependency-free randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// All query names in an order shuffled by `seed`.
fn shuffled_queries(seed: u64) -> Vec<(&'static str, u32)> {
    let mut all: Vec<(&'static str, u32)> = (0..L3)
        .map(|k| ("l3", k))
        .chain((0..L2).map(|k| ("l2", k)))
        .chain((0..L1).map(|k| ("l1", k)))
        .collect();
    let mut rng = Rng(seed | 1);
    for i in (1..all.len()).rev() {
        all.swap(i, rng.below(i as u64 + 1) as usize);
    }
    all
}

/// Reads every query on `THREADS` threads at once (each in its own order), checking values.
fn read_everything_concurrently(db: &Arc<Db>, nums: &[u64], round: u64) {
    let expected = Arc::new(Model(nums).all());
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (db, expected) = (db.clone(), expected.clone());
            std::thread::spawn(move || {
                for (name, k) in shuffled_queries(round * 31 + t as u64) {
                    let got = db.get(name, k).unwrap();
                    let want = expected[&format!("{name}({k})")].0;
                    assert_eq!(got, want, "{name}({k}) in round {round}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn random_edits_and_concurrent_queries_agree_with_a_from_scratch_model() {
    let db = Arc::new(graph_db());
    let mut rng = Rng(0x5eed);
    let mut nums: Vec<u64> = (0..N).map(|_| rng.below(20)).collect();
    let mut batch = InputBatch::new();
    for (i, v) in nums.iter().enumerate() {
        batch.set(&db.num, i as u32, *v);
    }
    batch.commit(&*db).unwrap();
    read_everything_concurrently(&db, &nums, 0);
    db.take_log();

    for round in 1..=60u64 {
        // Edit a few inputs, sometimes as a batch, sometimes one by one, sometimes to the same
        // value (a no-op).
        let before = Model(&nums).all();
        let mut edited = BTreeSet::new();
        let count = 1 + rng.below(4);
        let mut batch = InputBatch::new();
        let use_batch = rng.below(2) == 0;
        for _ in 0..count {
            let i = rng.below(N as u64) as u32;
            let v = if rng.below(5) == 0 { nums[i as usize] } else { rng.below(20) };
            // A durability change alone also counts as an edit of that input.
            edited.insert(i);
            nums[i as usize] = v;
            // Random durabilities: revalidation may take the durability shortcut, and must
            // never let it hide a change.
            let durability = Durability::ALL[rng.below(3) as usize];
            if use_batch {
                batch.set_with_durability(&db.num, i, v, durability);
            } else {
                db.num.set_with_durability(&*db, i, v, durability).unwrap();
            }
        }
        if use_batch {
            batch.commit(&*db).unwrap();
        }

        read_everything_concurrently(&db, &nums, round);

        // Only queries that read an edited input (before the edit) may have run, each once.
        let log = db.take_log();
        let mut seen = BTreeSet::new();
        for name in &log {
            assert!(seen.insert(name.clone()), "{name} ran twice in round {round}");
            let reads = &before[name].1;
            assert!(
                reads.iter().any(|i| edited.contains(i)),
                "{name} ran in round {round} but reads none of the edited inputs {edited:?}"
            );
        }
    }
}

#[test]
fn edits_racing_with_queries_settle_to_the_model() {
    let db = Arc::new(graph_db());
    let nums = Arc::new(Mutex::new(vec![0u64; N as usize]));
    for round in 0..8u64 {
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (db, nums) = (db.clone(), nums.clone());
                std::thread::spawn(move || {
                    let mut rng = Rng(round * 1000 + t as u64 + 1);
                    for _ in 0..150 {
                        if rng.below(3) == 0 {
                            let i = rng.below(N as u64) as u32;
                            let v = rng.below(20);
                            // The model and the database change together, in the same order.
                            let mut nums = nums.lock().unwrap();
                            nums[i as usize] = v;
                            db.set_num(i, v);
                        } else {
                            let (name, k) = match rng.below(3) {
                                0 => ("l3", rng.below(L3 as u64) as u32),
                                1 => ("l2", rng.below(L2 as u64) as u32),
                                _ => ("l1", rng.below(L1 as u64) as u32),
                            };
                            db.get(name, k).expect("no error while racing");
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let snapshot = nums.lock().unwrap().clone();
        read_everything_concurrently(&db, &snapshot, 100 + round);
    }
}

/// Most inputs high durability and never edited, a few moved to low (often keeping their
/// value, so readers recompute to equal values at a lower durability) and then edited: every
/// read must still agree with the model, whatever the durability shortcut skips.
#[test]
fn durability_moves_and_low_edits_never_hide_a_change() {
    let db = Arc::new(graph_db());
    let mut rng = Rng(0xd0_0d);
    let mut nums: Vec<u64> = (0..N).map(|_| rng.below(20)).collect();
    let mut low: Vec<u32> = Vec::new();
    let mut batch = InputBatch::new();
    for (i, v) in nums.iter().enumerate() {
        batch.set_with_durability(&db.num, i as u32, *v, Durability::High);
    }
    batch.commit(&*db).unwrap();
    read_everything_concurrently(&db, &nums, 0);

    for round in 1..=150u64 {
        if low.is_empty() || rng.below(3) == 0 {
            // Move one input to low durability; half the time with the same value.
            let i = rng.below(N as u64) as u32;
            if rng.below(2) == 0 {
                nums[i as usize] = rng.below(20);
            }
            db.num.set_with_durability(&*db, i, nums[i as usize], Durability::Low).unwrap();
            if !low.contains(&i) {
                low.push(i);
            }
        } else {
            // Edit only low inputs: high-durability memos may skip revalidation, and must
            // still see every edit of what they read now.
            for _ in 0..1 + rng.below(3) {
                let i = low[rng.below(low.len() as u64) as usize];
                nums[i as usize] = rng.below(20);
                db.num.set_with_durability(&*db, i, nums[i as usize], Durability::Low).unwrap();
            }
        }
        read_everything_concurrently(&db, &nums, round);
    }
}
