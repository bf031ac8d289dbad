//! `cell-minify`: serves [`cell_proto::minify::Service`] to the host that started it.
//!
//! Each request carries a page's HTML as a blob (through the shared heap when large); the
//! page is minified by [`cell_minify::minify`] and goes back as a blob. The cell makes no
//! callback. A page that cannot be minified is an answer of the call (a remote error with the
//! reason), not a failure of the cell.
//!
//! `minify-html` recurses once per nesting level of a page, and the link's threads have a
//! default stack, so no page is minified on them: a page whose [`cell_minify::stack_needed`]
//! fits [`POOL_STACK`] goes to one of a few threads started once with that stack (nearly
//! every page: a 10,000-element page needs about 30 MB), and a page needing more gets a
//! thread of its own with the stack it needs. No page can overflow its thread's stack.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};

use cell_minify::MinifyError;
use cell_proto::{MinifiedHtml, MinifyHtml, minify};
use rpc::{Connection, RpcError, WeakConnection};

/// Pool threads: as many as the link serves requests at once (`rpc::Config`'s
/// `handler_threads`), so no request waits for a free one.
const THREADS: usize = 4;

/// The pool threads' stack: address space reserved, touched only as deep as a page goes.
const POOL_STACK: usize = 256 << 20;

/// One page to minify, and where its answer goes.
type Job = (String, Sender<Result<String, MinifyError>>);

struct MinifyCell {
    connection: OnceLock<WeakConnection>,
    pool: Sender<Job>,
}

impl MinifyCell {
    fn connection(&self) -> Result<Connection, RpcError> {
        self.connection
            .get()
            .and_then(WeakConnection::upgrade)
            .ok_or_else(|| RpcError::remote("the minify cell is not connected"))
    }

    /// `html` minified on a thread whose stack it cannot overflow.
    fn minify(&self, output: &str, html: String) -> Result<String, RpcError> {
        let stack = cell_minify::stack_needed(&html);
        let (answer, wait) = mpsc::channel();
        if stack <= POOL_STACK {
            if self.pool.send((html, answer)).is_err() {
                return Err(RpcError::remote("the minify cell's threads are gone"));
            }
        } else {
            let spawned = std::thread::Builder::new()
                .name("minify-deep".into())
                .stack_size(stack)
                .spawn(move || answer.send(cell_minify::minify(&html)));
            if let Err(error) = spawned {
                return Err(RpcError::remote(format!(
                    "{output} nests too deeply, or is too large, to minify here: it may need \
                     {} MB of stack, which the system refused ({error})",
                    stack >> 20
                )));
            }
        }
        match wait.recv() {
            Ok(minified) => minified.map_err(|error| RpcError::remote(error.to_string())),
            Err(_) => Err(RpcError::remote("a minify thread stopped before answering")),
        }
    }
}

impl minify::Service for MinifyCell {
    async fn html(&self, request: MinifyHtml) -> Result<MinifiedHtml, RpcError> {
        let connection = self.connection()?;
        // Copied out of the shared heap before parsing: the peer can write there (the `rpc`
        // docs), and a parser should not see bytes change under it.
        let bytes = connection.open_blob(request.html).await?.into_vec();
        let html = String::from_utf8(bytes).map_err(|error| {
            RpcError::remote(format!(
                "{}: the HTML sent is not UTF-8 (byte {})",
                request.output,
                error.utf8_error().valid_up_to()
            ))
        })?;
        let minified = self.minify(&request.output, html)?;
        Ok(MinifiedHtml { html: connection.blob(minified.as_bytes())? })
    }
}

/// Starts the pool threads, each taking jobs from the one queue until the cell exits.
fn start_pool() -> std::io::Result<Sender<Job>> {
    let (jobs, queue) = mpsc::channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    for n in 0..THREADS {
        let queue = queue.clone();
        std::thread::Builder::new()
            .name(format!("minify-{n}"))
            .stack_size(POOL_STACK)
            .spawn(move || work(&queue))?;
    }
    Ok(jobs)
}

fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only to take one job, never while minifying.
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok((html, answer)) = job else { return };
        let _ = answer.send(cell_minify::minify(&html));
    }
}

fn main() {
    let pool = match start_pool() {
        Ok(pool) => pool,
        Err(error) => {
            eprintln!("cell-minify: cannot start the minify threads: {error}");
            std::process::exit(1);
        }
    };
    let cell = Arc::new(minify::Server(MinifyCell { connection: OnceLock::new(), pool }));
    let served = cell.clone();
    if let Err(error) = rpc::cell::serve_with(served, |connection| {
        let _ = cell.0.connection.set(connection.downgrade());
    }) {
        eprintln!("cell-minify: {error}");
        std::process::exit(1);
    }
}
