//! A chain of a thousand derived queries, computed cold, revalidated and cut off early, on a
//! thread with a bounded stack.
//!
//! A cold computation of a chain recurses through the chain's futures (revalidation does not:
//! it walks an explicit stack). Measured at depth 1,000: about 2 MiB in release builds (see
//! `stack_used_kb` in `examples/workloads.rs`, run on the 8 MiB main thread) and about 10 MiB
//! in debug builds, whose futures and poll frames are unoptimized. So the test gives the
//! chain the main thread's 8 MiB in release builds and 32 MiB in debug builds.

use crate::common::*;

const DEPTH: u32 = 1000;

fn chain_db() -> Db {
    Db::new(vec![query("chain", |db, i| {
        Box::pin(async move {
            if i == 0 { Ok(db.num(0)? % 2) } else { Ok(db.q("chain").get(db, i - 1).await? + 1) }
        })
    })])
}

#[test]
fn a_thousand_deep_chain_fits_in_a_main_thread_sized_stack() {
    let stack_mib = if cfg!(debug_assertions) { 32 } else { 8 };
    let worker = std::thread::Builder::new().stack_size(stack_mib << 20).spawn(|| {
        let db = chain_db();
        db.set_num(0, 2);
        let top = DEPTH - 1;
        assert_eq!(db.get("chain", top).unwrap(), top as u64);
        assert_eq!(db.take_log().len(), DEPTH as usize);
        db.set_num(0, 3); // parity flips: every link recomputes
        assert_eq!(db.get("chain", top).unwrap(), top as u64 + 1);
        assert_eq!(db.take_log().len(), DEPTH as usize);
        db.set_num(0, 5); // parity kept: one recompute, the rest revalidated
        assert_eq!(db.get("chain", top).unwrap(), top as u64 + 1);
        assert_eq!(db.take_log(), logged(&["chain(0)"]));
    });
    worker.expect("spawn").join().expect("no stack overflow");
}
