//! Many threads putting the same and different blobs at once.

mod common;

use std::collections::BTreeMap;
use std::sync::Barrier;

use cas::ContentHash;
use common::{TempDir, blob_files, bytes, files_under, open_clean};

/// The content of blob number `n`: mostly small, every 97th large enough to be memory-mapped on
/// the way back.
fn content(n: u64) -> Vec<u8> {
    let len = if n.is_multiple_of(97) { 100_000 } else { (n as usize * 37) % 5000 };
    bytes(n, len)
}

#[test]
fn eight_threads_putting_a_thousand_overlapping_blobs_store_one_copy_each() {
    const THREADS: u64 = 8;
    const PUTS: u64 = 1000;
    let dir = TempDir::new("threads");
    let cas = open_clean(dir.path());
    let barrier = Barrier::new(THREADS as usize);

    // Thread t puts blobs t*250 .. t*250+1000: each blob is put by up to four threads, and the
    // threads walk their ranges in different directions to meet in the middle.
    let results: Vec<Vec<(u64, ContentHash)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (cas, barrier) = (&cas, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    let mut out = Vec::new();
                    for i in 0..PUTS {
                        let i = if t % 2 == 0 { i } else { PUTS - 1 - i };
                        let n = t * 250 + i;
                        out.push((n, cas.put(&content(n)).expect("put under contention")));
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut expected = BTreeMap::new();
    for (n, hash) in results.into_iter().flatten() {
        assert_eq!(hash, ContentHash::of(&content(n)));
        expected.insert(hash, n);
    }
    let distinct = (THREADS - 1) * 250 + PUTS;
    assert_eq!(expected.len() as u64, distinct);
    assert_eq!(blob_files(dir.path()).len() as u64, distinct, "one file per distinct blob");
    for (hash, n) in &expected {
        assert_eq!(&*cas.get(hash).unwrap().unwrap(), &content(*n)[..]);
    }
    assert!(files_under(dir.path(), "tmp").is_empty());
    assert!(cas.warnings().is_empty());
}

#[test]
fn threads_putting_and_naming_while_one_flushes_lose_nothing() {
    let dir = TempDir::new("threads-names");
    let cas = open_clean(dir.path());
    std::thread::scope(|scope| {
        for t in 0..4u64 {
            let cas = &cas;
            scope.spawn(move || {
                for i in 0..200 {
                    let hash = cas.put(&bytes(t * 1000 + i, 64)).unwrap();
                    cas.set_name(&format!("{t}/{i}"), hash);
                    if i % 50 == 0 {
                        cas.flush().unwrap();
                    }
                }
            });
        }
    });
    cas.flush().unwrap();
    drop(cas);
    let cas = open_clean(dir.path());
    assert_eq!(cas.name_count(), 800);
    assert_eq!(cas.get_name("3/199"), Some(ContentHash::of(&bytes(3199, 64))));
}

#[test]
fn gc_from_another_handle_beside_streaming_puts_breaks_no_put() {
    // gc must not delete the temporary file of a put in flight, even one made through another
    // handle of the same process; the streamed puts keep a temporary file open for a while.
    let dir = TempDir::new("threads-gc");
    let cas = open_clean(dir.path());
    let collector = open_clean(dir.path());
    let live: Vec<ContentHash> = (0..20).map(|i| cas.put(&bytes(i, 300)).unwrap()).collect();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let putters: Vec<_> = (0..3u64)
            .map(|t| {
                let cas = &cas;
                scope.spawn(move || {
                    for i in 0..30 {
                        let data = bytes(t * 100 + i, cas::STREAM_BUFFER_SIZE * 2 + 5);
                        let hash = cas.put_reader(&data[..]).expect("put beside gc");
                        assert_eq!(hash, ContentHash::of(&data));
                        cas.put(&bytes(i % 20, 300)).expect("put beside gc");
                    }
                })
            })
            .collect();
        scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                collector.gc(live.iter().copied()).unwrap();
            }
        });
        for putter in putters {
            putter.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    for (i, hash) in live.iter().enumerate() {
        assert_eq!(&*cas.get(hash).unwrap().unwrap(), &bytes(i as u64, 300)[..]);
    }
    assert!(files_under(dir.path(), "tmp").is_empty());
}
