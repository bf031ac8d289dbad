//! What a site's database holds after a build, per query: slots, values, their encoded bytes
//! (what the saved database spends on them) and dependency edges.
//!
//! `cargo run --release -p host --example db-stats -- SITE` (the cells next to the examples'
//! directory, as `cargo build --release --workspace --bins` puts them).

fn main() {
    let Some(dir) = std::env::args().nth(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: db-stats SITE");
        std::process::exit(2);
    };
    let exe = std::env::current_exe().expect("exe");
    let cells = exe.parent().and_then(std::path::Path::parent).expect("target dir").to_path_buf();
    let site =
        host::Site::open_with(&dir, host::Cells::in_dirs(vec![cells.clone()])).expect("open");
    site.build(2).expect("build");
    for s in site.database_stats() {
        println!(
            "{:>22} {:>8} slots={:>6} values={:>6} bytes={:>9} edges={:>7}",
            s.name, s.role, s.slots, s.values, s.bytes, s.edges
        );
    }
    // Saving and loading, timed (a few times: the first of each pays for page faults).
    let saved = std::env::temp_dir().join(format!("db-stats-{}.bin", std::process::id()));
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let bytes = site.save_database(&saved).expect("save");
        let save_ms = t.elapsed().as_secs_f64() * 1e3;
        let fresh =
            host::Site::open_with(&dir, host::Cells::in_dirs(vec![cells.clone()])).expect("open");
        let t = std::time::Instant::now();
        let loaded = fresh.load_database(&saved).expect("load");
        let load_ms = t.elapsed().as_secs_f64() * 1e3;
        assert!(loaded.loaded && loaded.warnings.is_empty(), "{loaded:?}");
        println!("save_ms={save_ms:.1} load_ms={load_ms:.1} bytes={bytes}");
        fresh.close_for_exit();
    }
    let _ = std::fs::remove_file(&saved);
}
