//! `cell-sass`: serves [`cell_proto::sass::Service`] to the host that started it.
//!
//! Each compile runs on a thread of its own with a large stack (grass recurses once per
//! nesting level of a stylesheet, and a deep one must not overflow the link thread's), while
//! the handler's thread answers its reads: a callback to the host must be made while the
//! compile's handler is being polled (`rpc`'s scope is per poll and per thread), so that the
//! host serves it inside its `compile` call, where it is recorded as a dependency of the
//! stylesheet. The compile thread asks, the handler's thread calls the host and hands the
//! answer back.
//!
//! A stylesheet can loop for ever (`@while true {}` is valid Sass). A compile that has not
//! finished in [`time_limit`] is answered as a problem of its stylesheet, and the process
//! then exits (a thread cannot be stopped; the host starts a new cell for the next call).

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use cell_proto::{CompileSass, SassProblem, SassReply, sass, sass_host};
use cell_sass::SassFiles;
use rpc::{RpcError, WeakConnection};

/// How long one compile may take, from `DODECA_SASS_TIME_LIMIT` (seconds) if set, else 60 s:
/// well under the host's call timeout (120 s), so the answer names the stylesheet. Large
/// frameworks (Bootstrap) compile in well under a second.
fn time_limit() -> Duration {
    let seconds = std::env::var("DODECA_SASS_TIME_LIMIT").ok().and_then(|s| s.parse().ok());
    Duration::from_secs_f64(seconds.unwrap_or(60.0))
}

struct Sass {
    connection: OnceLock<WeakConnection>,
}

/// What the compile thread tells the handler's thread.
enum Event {
    Read(String, Sender<Result<Option<String>, String>>),
    IsDir(String, Sender<Result<bool, String>>),
    Done(Result<cell_proto::CompiledCss, cell_sass::SassError>),
}

/// The compile thread's view of the host: each read handed to the handler's thread.
struct Asker(Sender<Event>);

impl SassFiles for Asker {
    fn read(&self, path: &str) -> Result<Option<String>, String> {
        let (answer, wait) = mpsc::channel();
        self.0.send(Event::Read(path.to_string(), answer)).map_err(|_| "the compile ended")?;
        wait.recv().map_err(|_| "the compile ended".to_string())?
    }

    fn is_dir(&self, path: &str) -> Result<bool, String> {
        let (answer, wait) = mpsc::channel();
        self.0.send(Event::IsDir(path.to_string(), answer)).map_err(|_| "the compile ended")?;
        wait.recv().map_err(|_| "the compile ended".to_string())?
    }
}

/// The host's own message reads best unwrapped.
fn message(error: RpcError) -> String {
    match error {
        RpcError::Remote(message) => message,
        other => other.to_string(),
    }
}

fn problem(path: &str, message: String) -> SassReply {
    SassReply::Problem(SassProblem { file: path.to_string(), line: None, column: None, message })
}

impl sass::Service for Sass {
    async fn compile(&self, request: CompileSass) -> Result<SassReply, RpcError> {
        let connection = self
            .connection
            .get()
            .and_then(WeakConnection::upgrade)
            .ok_or_else(|| RpcError::remote("the sass cell is not connected"))?;
        let host = sass_host::Client::new(connection);
        let (events, received) = mpsc::channel();
        let path = request.path.clone();
        let done = events.clone();
        std::thread::Builder::new()
            .name("sass-compile".into())
            .stack_size(cell_sass::COMPILE_STACK)
            .spawn(move || {
                let result = cell_sass::compile(&path, &Asker(events));
                let _ = done.send(Event::Done(result));
            })
            .map_err(|e| RpcError::remote(format!("cannot start a compile thread: {e}")))?;
        let limit = time_limit();
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match received.recv_timeout(left) {
                Ok(Event::Read(path, answer)) => {
                    let text = rpc::block_on(host.read(&path)).map(|file| file.text);
                    let _ = answer.send(text.map_err(message));
                }
                Ok(Event::IsDir(path, answer)) => {
                    let _ = answer.send(rpc::block_on(host.is_dir(&path)).map_err(message));
                }
                // A problem in the stylesheet is an answer, not a failed call: the host
                // places it in the file.
                Ok(Event::Done(Ok(compiled))) => return Ok(SassReply::Compiled(compiled)),
                Ok(Event::Done(Err(error))) => return Ok(SassReply::Problem(error.to_problem())),
                Err(RecvTimeoutError::Timeout) => {
                    exit_soon();
                    return Ok(problem(
                        &request.path,
                        format!(
                            "did not compile in {} s (a loop that never ends, such as `@while`?)",
                            limit.as_secs_f64()
                        ),
                    ));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Ok(problem(&request.path, "the compile thread died".into()));
                }
            }
        }
    }
}

/// Exits the process after the answer has had time to go out: the compile thread that
/// overran cannot be stopped otherwise.
fn exit_soon() {
    let _ = std::thread::Builder::new().name("sass-exit".into()).spawn(|| {
        std::thread::sleep(Duration::from_millis(500));
        std::process::exit(0);
    });
}

fn main() {
    let cell = Arc::new(sass::Server(Sass { connection: OnceLock::new() }));
    let served = cell.clone();
    if let Err(error) = rpc::cell::serve_with(served, |connection| {
        let _ = cell.0.connection.set(connection.downgrade());
    }) {
        eprintln!("cell-sass: {error}");
        std::process::exit(1);
    }
}
