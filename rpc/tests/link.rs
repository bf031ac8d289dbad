//! Calls over an in-process link: the protocol's behaviour, one test per property.

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::echo::{echo, provider};
use common::*;
use rpc::{Config, RpcError};

#[test]
fn a_unary_call_returns_the_reply() {
    let link = link(Config::default());
    let client = echo::Client::new(link.host.clone());
    assert_eq!(rpc::block_on(client.echo(&b"hello".to_vec())).unwrap(), b"hello".to_vec());
    assert_eq!(rpc::block_on(client.double(&21)).unwrap(), 42);
    // And the other way: the cell calls the host.
    let back = provider::Client::new(link.cell.clone());
    assert_eq!(rpc::block_on(back.lookup(&"x".into())).unwrap(), "value of x");
}

#[test]
fn ten_thousand_pipelined_calls_complete_with_replies_out_of_order() {
    let link = link(Config::default());
    let client = echo::Client::new(link.host.clone());
    // Call 0 first, then the doubles 1 to 10,000. Call 0's handler answers only once 100 of
    // the later calls have returned, so its reply is sent after theirs.
    let mut calls: Vec<Pinned<'_>> = vec![Box::pin(client.after_doubles(&100))];
    for i in 1..=10_000u64 {
        calls.push(Box::pin(client.double(&i)));
    }
    let (results, arrivals) = join_all_noting_arrivals(calls);
    let seen = *results[0].as_ref().unwrap();
    assert!(seen >= 100, "the first call saw only {seen} later ones answered");
    for (i, result) in results.into_iter().enumerate().skip(1) {
        assert_eq!(result.unwrap(), i as u64 * 2);
    }
    // The order in which replies reached waiting calls, as the link woke them.
    let first = arrivals.iter().position(|&i| i == 0).expect("call 0 waited for its reply");
    assert!(
        arrivals[..first].iter().any(|&i| i > 0),
        "no later call's reply arrived before call 0's: replies came in request order"
    );
}

type Pinned<'a> = std::pin::Pin<Box<dyn Future<Output = Result<u64, RpcError>> + 'a>>;

/// Like `join_all`, giving each future a waker of its own that notes the future's index when
/// the link wakes it (its reply arrived): the results, and the indices in waking order.
fn join_all_noting_arrivals(
    mut futures: Vec<Pinned<'_>>,
) -> (Vec<Result<u64, RpcError>>, Vec<usize>) {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    struct Noting {
        index: usize,
        arrivals: Arc<Mutex<Vec<usize>>>,
        outer: Waker,
    }
    impl Wake for Noting {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.arrivals.lock().unwrap().push(self.index);
            self.outer.wake_by_ref();
        }
    }
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let mut outputs: Vec<Option<Result<u64, RpcError>>> = futures.iter().map(|_| None).collect();
    let mut wakers: Vec<Option<Waker>> = futures.iter().map(|_| None).collect();
    rpc::block_on(std::future::poll_fn(|cx| {
        let mut pending = false;
        for (index, future) in futures.iter_mut().enumerate() {
            if outputs[index].is_some() {
                continue;
            }
            let waker = wakers[index].get_or_insert_with(|| {
                let arrivals = arrivals.clone();
                Waker::from(Arc::new(Noting { index, arrivals, outer: cx.waker().clone() }))
            });
            match future.as_mut().poll(&mut Context::from_waker(waker)) {
                Poll::Ready(v) => outputs[index] = Some(v),
                Poll::Pending => pending = true,
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(()) }
    }));
    let arrivals = arrivals.lock().unwrap().clone();
    (outputs.into_iter().map(|o| o.expect("done")).collect(), arrivals)
}

#[test]
fn a_burst_of_requests_that_never_wait_is_served_by_at_most_handler_threads_threads() {
    let link = link(Config { handler_threads: 2, ..Config::default() });
    let client = echo::Client::new(link.host.clone());
    let calls: Vec<_> = (0..2_000u64).map(|i| Box::pin(client.double(&i))).collect();
    for (i, result) in join_all(calls).into_iter().enumerate() {
        assert_eq!(result.unwrap(), i as u64 * 2);
    }
    let threads = link.cell_service.0.doubled_on.lock().unwrap().len();
    assert!((1..=2).contains(&threads), "served on {threads} threads");
}

#[test]
fn busy_handlers_run_in_parallel_on_up_to_handler_threads_threads() {
    use std::sync::atomic::Ordering;
    let link = link(Config { handler_threads: 4, ..Config::default() });
    let client = echo::Client::new(link.host.clone());
    // Each `meet` returns only once four run at once (or after five seconds, seeing fewer).
    // Twice as many calls as threads: with a fifth thread, five would meet.
    let calls: Vec<_> = (0..8).map(|_| Box::pin(client.meet(&4))).collect();
    for result in join_all(calls) {
        assert_eq!(result.unwrap(), 4, "four handlers ran at once");
    }
    let most = link.cell_service.0.most_meeting.load(Ordering::SeqCst);
    assert_eq!(most, 4, "at most handler_threads (4) handlers ran at once");
}

#[test]
fn handlers_waiting_on_their_callbacks_never_starve_the_link_of_a_reader() {
    // One thread kept, and every handler waits for the host's answer to its callback: each
    // wait must bring another thread to read that answer.
    let link = link(Config { handler_threads: 1, ..Config::default() });
    let client = echo::Client::new(link.host.clone());
    let calls: Vec<_> = (0..64).map(|i| Box::pin(client.ask_host(&format!("k{i}")))).collect();
    for (i, result) in join_all(calls).into_iter().enumerate() {
        assert_eq!(result.unwrap(), format!("cell got: value of k{i}"));
    }
    // And the link still serves afterwards, with the extra threads gone or idle.
    assert_eq!(rpc::block_on(client.double(&4)).unwrap(), 8);
}

#[test]
fn nested_callbacks_run_inside_the_awaiting_call_at_any_depth() {
    let link = link(Config::default());
    let client = echo::Client::new(link.host.clone());
    // host -> cell.hop(5) -> host.hop(4) -> cell.hop(3) -> host.hop(2) -> cell.hop(1) -> host.hop(0)
    let path = rpc::block_on(client.hop(&5)).unwrap();
    assert_eq!(path, vec!["host", "cell", "host", "cell", "host", "cell"]);

    // The host's handler for a callback runs on the thread awaiting the call, inside it.
    let caller = std::thread::current().id();
    let answer = rpc::block_on(client.ask_host(&"k".into())).unwrap();
    assert_eq!(answer, "cell got: value of k");
    assert_eq!(*link.host_service.0.lookups.lock().unwrap(), vec![caller]);
}

#[test]
fn a_callback_that_errors_fails_with_its_message() {
    let link = link(Config::default());
    let client = echo::Client::new(link.host.clone());
    let err = rpc::block_on(client.ask_host(&"bad key".into())).unwrap_err();
    assert_eq!(err, RpcError::Remote("no value for bad key".into()));
    // The link is fine afterwards.
    assert_eq!(rpc::block_on(client.ask_host(&"ok".into())).unwrap(), "cell got: value of ok");
}

#[test]
fn a_handler_error_reaches_the_caller() {
    let link = link(Config::default());
    let client = echo::Client::new(link.host.clone());
    let err = rpc::block_on(client.fail(&"no such page".into())).unwrap_err();
    assert_eq!(err, RpcError::Remote("no such page".into()));
}

#[test]
fn a_handler_that_panics_fails_its_call_and_the_link_keeps_serving() {
    let link = link(Config { handler_threads: 1, ..Config::default() });
    let client = echo::Client::new(link.host.clone());
    for _ in 0..3 {
        let error = rpc::block_on(client.explode(&"boom".into())).unwrap_err();
        assert!(
            matches!(&error, RpcError::Remote(message) if message.contains("panicked: boom")),
            "{error:?}"
        );
    }
    assert_eq!(rpc::block_on(client.double(&2)).unwrap(), 4);
}

#[test]
fn an_unknown_method_is_an_error_not_a_hang() {
    let link = link(Config::default());
    let err = rpc::block_on(link.host.call(0xdead_beef, vec![])).unwrap_err();
    assert_eq!(err, RpcError::UnknownMethod { method_id: 0xdead_beef });
}

#[test]
fn a_payload_of_the_wrong_type_is_a_decode_error() {
    let link = link(Config::default());
    let err = rpc::block_on(link.host.call(echo::methods::double, vec![0xff; 3])).unwrap_err();
    assert!(matches!(err, RpcError::Decode(_)), "{err:?}");
}

#[test]
fn a_call_without_a_reply_times_out_and_cancels_the_handler() {
    use std::sync::atomic::Ordering;
    let link = link(quick_timeouts());
    let client = echo::Client::new(link.host.clone());
    let started = Instant::now();
    let err = rpc::block_on(client.hang(&1)).unwrap_err();
    assert_eq!(err, RpcError::Timeout { after: Duration::from_millis(300) });
    assert!(started.elapsed() < Duration::from_secs(10));
    let hanging = &link.cell_service.0.hanging;
    assert!(eventually(|| hanging.load(Ordering::SeqCst) == 0), "the handler was dropped");
    assert_eq!(rpc::block_on(client.double(&3)).unwrap(), 6);
}

#[test]
fn dropping_a_call_cancels_its_handler_on_the_peer() {
    use std::sync::atomic::Ordering;
    let link = link(Config::default());
    let client = echo::Client::new(link.host.clone());
    let hanging = &link.cell_service.0.hanging;
    for _ in 0..3 {
        let mut hung = Box::pin(client.hang(&1));
        let waker = std::task::Waker::noop();
        assert!(hung.as_mut().poll(&mut std::task::Context::from_waker(waker)).is_pending());
        assert!(eventually(|| hanging.load(Ordering::SeqCst) == 1), "the handler started");
        drop(hung);
        assert!(eventually(|| hanging.load(Ordering::SeqCst) == 0), "the handler was dropped");
    }
    assert_eq!(rpc::block_on(client.double(&2)).unwrap(), 4);
}

#[test]
fn closing_one_side_fails_the_others_calls_at_once() {
    let link = link(Config::default());
    let client = echo::Client::new(link.host.clone());
    let cell = link.cell.clone();
    let closer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        cell.close("shutting down for the test");
    });
    let err = rpc::block_on(client.hang(&1)).unwrap_err();
    closer.join().unwrap();
    match err {
        RpcError::PeerClosed { reason } => assert!(reason.contains("shutting down"), "{reason}"),
        other => panic!("expected PeerClosed, got {other:?}"),
    }
    assert!(matches!(rpc::block_on(client.double(&1)), Err(RpcError::PeerClosed { .. })));
}

#[test]
fn an_oversized_frame_closes_the_link_with_a_goodbye_saying_why() {
    let (host, mut peer) = RawPeer::connect(Config { max_frame: 4096, ..Config::default() });
    // A length prefix far above the maximum: refused before any allocation.
    peer.send_raw(&(1u32 << 30).to_le_bytes());
    let goodbye = peer.goodbye().expect("a goodbye");
    assert!(goodbye.contains("exceeds the 4096-byte maximum"), "{goodbye}");
    assert!(matches!(rpc::block_on(host.call(1, vec![])), Err(RpcError::PeerClosed { .. })));
}

#[test]
fn garbage_after_the_hello_closes_the_link_without_panicking() {
    let (host, mut peer) = RawPeer::connect(Config::default());
    // A plausible length, then a header with an unknown kind.
    let mut garbage = 30u32.to_le_bytes().to_vec();
    garbage.extend([0xee; 30]);
    peer.send_raw(&garbage);
    let goodbye = peer.goodbye().expect("a goodbye");
    assert!(goodbye.contains("unknown frame kind"), "{goodbye}");
    assert!(
        host.is_closed() || {
            std::thread::sleep(Duration::from_millis(100));
            host.is_closed()
        }
    );
}

#[test]
fn a_peer_that_never_says_hello_is_refused() {
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let config = Config { hello_timeout: Duration::from_millis(200), ..Config::default() };
    let err = rpc::Connection::new(a, rpc::Side::Host, config, None).err().expect("no hello");
    assert!(matches!(err, RpcError::Protocol(_)), "{err:?}");
    drop(b);
}

#[test]
fn a_reply_to_a_request_never_made_closes_the_link_at_once_instead_of_leaving_calls_to_time_out() {
    let (host, mut peer) = RawPeer::connect(Config::default());
    let caller = std::thread::spawn(move || rpc::block_on(host.call(1, b"waiting".to_vec())));
    let request = peer.read_frame().expect("our call");
    // An answer to an id the host never used (ours are odd from 1, and only one was issued).
    let forged = rpc::frame::Frame {
        kind: rpc::frame::Kind::Response,
        request_id: request.request_id + 200,
        parent_id: 0,
        method_id: 1,
        payload: Vec::new(),
    };
    peer.send_raw(&forged.encode());
    let goodbye = peer.goodbye().expect("a goodbye");
    assert!(goodbye.contains("never made on this link"), "{goodbye}");
    // The call waiting for its real reply fails now, not at its timeout.
    assert!(matches!(caller.join().unwrap(), Err(RpcError::PeerClosed { .. })));
}
