//! Calls to a real cell process (`rpc-echo-cell`), spawned the way the host spawns cells.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Host;
use common::echo::{echo, provider};
use rpc::{Config, Dispatcher, RpcError};

fn spawn_cell() -> (std::process::Child, rpc::Connection, Arc<provider::Server<Host>>) {
    let host = Arc::new(provider::Server(Host::default()));
    let dispatcher: Arc<dyn Dispatcher> = host.clone();
    let (child, connection) = rpc::cell::spawn(
        Path::new(env!("CARGO_BIN_EXE_rpc-echo-cell")),
        &[],
        Config::default(),
        Some(dispatcher),
    )
    .expect("the echo cell starts");
    let _ = host.0.connection.set(connection.downgrade());
    (child, connection, host)
}

#[test]
fn a_cell_process_serves_a_real_service_with_callbacks_into_the_host() {
    let (mut child, connection, host) = spawn_cell();
    let client = echo::Client::new(connection.clone());
    assert_eq!(rpc::block_on(client.echo(&vec![7u8; 1000])).unwrap(), vec![7u8; 1000]);
    // A callback from the cell process, served inside this thread's call.
    let caller = std::thread::current().id();
    assert_eq!(rpc::block_on(client.ask_host(&"page".into())).unwrap(), "cell got: value of page");
    assert_eq!(*host.0.lookups.lock().unwrap(), vec![caller]);
    assert_eq!(rpc::block_on(client.hop(&3)).unwrap(), vec!["host", "cell", "host", "cell"]);
    // Closing the connection ends the cell: it never outlives its host's link.
    drop(client);
    drop(connection);
    drop(host);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "the cell exits cleanly: {status}");
            break;
        }
        assert!(Instant::now() < deadline, "the cell outlived its connection");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn killing_the_cell_mid_call_fails_the_call_with_peer_closed_within_a_second() {
    let (mut child, connection, _host) = spawn_cell();
    let client = echo::Client::new(connection.clone());
    assert_eq!(rpc::block_on(client.double(&4)).unwrap(), 8);
    let pid = child.id() as i32;
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        Instant::now()
    });
    let err = rpc::block_on(client.hang(&1)).unwrap_err();
    let failed_at = Instant::now();
    let killed_at = killer.join().unwrap();
    assert!(matches!(err, RpcError::PeerClosed { .. }), "{err:?}");
    assert!(
        failed_at.duration_since(killed_at) < Duration::from_secs(1),
        "took {:?}",
        failed_at - killed_at
    );
    let _ = child.wait();
}

#[test]
fn a_missing_cell_binary_is_an_error_that_names_it() {
    let err =
        rpc::cell::spawn(Path::new("/nonexistent/cell-nothing"), &[], Config::default(), None)
            .err()
            .expect("cannot start");
    assert!(err.to_string().contains("/nonexistent/cell-nothing"), "{err}");
}

#[test]
fn a_cell_runs_in_a_process_group_of_its_own_so_a_terminals_ctrl_c_reaches_only_the_host() {
    let (mut child, connection, _host) = spawn_cell();
    let pid = child.id() as i32;
    // SAFETY: getpgid(2) only reads another process's group id.
    let group = unsafe { libc::getpgid(pid) };
    // SAFETY: as above, for this process.
    let ours = unsafe { libc::getpgid(0) };
    assert_eq!(group, pid, "the cell leads a group of its own");
    assert_ne!(group, ours, "not the test's (the terminal's) group");
    drop(connection);
    let _ = child.wait();
}

#[test]
fn a_descriptor_handed_to_a_cell_is_open_in_it_under_the_named_flag_and_stays_open_here() {
    use std::os::fd::AsFd;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let raw = std::os::fd::AsRawFd::as_raw_fd(&listener);
    let host = Arc::new(provider::Server(Host::default()));
    let (mut child, connection) = rpc::cell::spawn_inheriting(
        Path::new(env!("CARGO_BIN_EXE_rpc-echo-cell")),
        &[],
        &[("--listen-fd", listener.as_fd())],
        Config::default(),
        Some(host),
    )
    .expect("the echo cell starts");
    let pid = child.id();
    // The flag names the descriptor on the cell's command line…
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let args: Vec<String> =
        cmdline.split(|&b| b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    let at = args.iter().position(|a| a == "--listen-fd").expect("the flag is passed");
    assert_eq!(args[at + 1], raw.to_string());
    // …and that descriptor in the cell is our socket (the same inode), not another file.
    let theirs = std::fs::read_link(format!("/proc/{pid}/fd/{raw}")).expect("open in the cell");
    let here = std::fs::read_link(format!("/proc/self/fd/{raw}")).unwrap();
    assert_eq!(theirs, here);
    assert!(here.to_string_lossy().starts_with("socket:["), "{here:?}");
    // Still ours after the cell is gone: a restarted cell can be handed the same socket.
    drop(connection);
    let _ = child.wait();
    assert!(listener.local_addr().is_ok());
}
