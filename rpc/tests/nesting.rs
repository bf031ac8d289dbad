//! Which call a nested request belongs to, when one process talks to several peers.
//!
//! Request ids are numbered by each link's caller, so a parent id means something only on the
//! link it came from. The host serves a markdown cell's callback by calling the template cell:
//! that second call must not carry the markdown request's id as its parent, or the template
//! cell takes it for a callback nested in one of its own calls with the same number.

mod common;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use common::RawPeer;
use rpc::frame::{Frame, Kind};
use rpc::{BoxFuture, Config, Connection, Dispatcher, RpcError};

const RELAY: u32 = 7;
const ECHO: u32 = 8;

/// Serves `RELAY` by calling `ECHO` on another link with the same payload.
struct Relay {
    onward: OnceLock<Connection>,
}

impl Dispatcher for Relay {
    fn dispatch<'a>(
        &'a self,
        method_id: u32,
        payload: Vec<u8>,
    ) -> Option<BoxFuture<'a, Result<Vec<u8>, RpcError>>> {
        (method_id == RELAY).then(|| {
            let future: BoxFuture<'a, _> = Box::pin(async move {
                let onward = self.onward.get().expect("the onward link is set");
                onward.call(ECHO, payload).await
            });
            future
        })
    }
}

fn request(request_id: u64, parent_id: u64, method_id: u32, payload: &[u8]) -> Frame {
    Frame { kind: Kind::Request, request_id, parent_id, method_id, payload: payload.to_vec() }
}

fn config() -> Config {
    Config { call_timeout: Duration::from_secs(5), ..Config::default() }
}

#[test]
fn a_call_made_while_serving_another_links_request_carries_no_parent() {
    let relay = Arc::new(Relay { onward: OnceLock::new() });
    let (_first, mut caller) = RawPeer::connect_with(config(), Some(relay.clone()));
    let (second, mut callee) = RawPeer::connect(config());
    relay.onward.set(second).ok().expect("set once");

    // The caller's request 5 is served by calling the callee on the other link.
    caller.send_raw(&request(5, 0, RELAY, b"ping").encode());
    let onward = callee.read_frame().expect("the relayed request");
    assert_eq!((onward.kind, onward.method_id), (Kind::Request, ECHO));
    assert_eq!(
        onward.parent_id, 0,
        "request 5 belongs to the first link; naming it as the parent on the second link would \
         deliver this request into the callee's own call 5"
    );
    assert_eq!(onward.payload, b"ping");

    let answer = Frame {
        kind: Kind::Response,
        request_id: onward.request_id,
        parent_id: 0,
        method_id: ECHO,
        payload: b"pong".to_vec(),
    };
    callee.send_raw(&answer.encode());
    let reply = caller.read_frame().expect("the relay's reply");
    assert_eq!(
        (reply.kind, reply.request_id, reply.payload),
        (Kind::Response, 5, b"pong".to_vec())
    );
}

/// A handler that never finishes.
struct Forever;

impl Dispatcher for Forever {
    fn dispatch<'a>(
        &'a self,
        _method_id: u32,
        _payload: Vec<u8>,
    ) -> Option<BoxFuture<'a, Result<Vec<u8>, RpcError>>> {
        let future: BoxFuture<'a, _> = Box::pin(std::future::pending());
        Some(future)
    }
}

#[test]
fn a_request_nested_in_a_call_that_ends_first_is_answered_with_an_error() {
    let (connection, mut peer) = RawPeer::connect(config());
    let caller = std::thread::spawn(move || {
        let forever = Forever;
        rpc::block_on(connection.call_with(1, b"go".to_vec(), &forever))
    });
    let call = peer.read_frame().expect("our call");
    // The peer makes a callback inside our call, then answers the call before we answer it:
    // the callback can no longer be served, and the peer must hear so rather than wait.
    peer.send_raw(&request(77, call.request_id, 3, b"").encode());
    let done = Frame {
        kind: Kind::Response,
        request_id: call.request_id,
        parent_id: 0,
        method_id: 1,
        payload: b"done".to_vec(),
    };
    peer.send_raw(&done.encode());
    assert_eq!(caller.join().unwrap().expect("the call succeeds"), b"done");
    let refusal = peer.read_frame().expect("an answer to request 77, not silence");
    assert_eq!((refusal.kind, refusal.request_id), (Kind::Error, 77));
    let message = String::from_utf8_lossy(&refusal.payload).into_owned();
    assert!(message.contains("ended before serving it"), "{message}");
}
