//! The cell supervisor: finds cell binaries, starts them lazily, restarts a crashed one and
//! retries the failed call once.

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use rpc::{Connection, RpcError};

/// The flag that names the listening socket on the http cell's command line.
const LISTEN_FD_ARG: &str = "--listen-fd";

/// Why a cell could not serve a call.
#[derive(Clone, Debug)]
pub enum CellError {
    /// No binary for the cell in any searched directory.
    Missing {
        /// The binary's name.
        name: &'static str,
        /// Where we looked.
        searched: Vec<PathBuf>,
    },
    /// The call failed (after one restart, if the cell had died).
    Call {
        /// The cell.
        name: &'static str,
        /// How.
        error: RpcError,
    },
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CellError::Missing { name, searched } => {
                let dirs: Vec<String> = searched.iter().map(|d| d.display().to_string()).collect();
                write!(
                    f,
                    "cell binary `{name}` not found (looked in {}); build it with `cargo build --release -p {name}` or set DODECA_CELL_PATH",
                    dirs.join(", ")
                )
            }
            CellError::Call { name, error } => write!(f, "cell `{name}`: {error}"),
        }
    }
}

impl std::error::Error for CellError {}

/// One kind of cell and its running process, if started.
pub(crate) struct CellSlot {
    pub(crate) name: &'static str,
    running: Mutex<Option<Running>>,
    /// Serves the cell's own requests (those not nested in one of our calls): only the http
    /// cell makes any (`content::find`), set before it is started.
    pub(crate) dispatcher: std::sync::OnceLock<std::sync::Arc<dyn rpc::Dispatcher>>,
    /// A listening socket handed to each process started in this slot (the http cell's,
    /// bound by the host): it stays open here across the cell's restarts, so a client that
    /// connects while the cell restarts waits in its queue instead of being refused.
    pub(crate) listener: Mutex<Option<std::net::TcpListener>>,
}

struct Running {
    child: Child,
    connection: Connection,
}

impl CellSlot {
    pub(crate) fn new(name: &'static str) -> CellSlot {
        CellSlot {
            name,
            running: Mutex::new(None),
            dispatcher: std::sync::OnceLock::new(),
            listener: Mutex::new(None),
        }
    }
}

/// Starts and keeps the cells of one site.
pub struct Cells {
    search: Vec<PathBuf>,
    config: rpc::Config,
    /// Arguments for the template cell (`--no-read-memo`).
    template_args: Vec<&'static str>,
    pub(crate) template: CellSlot,
    pub(crate) markdown: CellSlot,
    pub(crate) sass: CellSlot,
    pub(crate) http: CellSlot,
    /// The image cell (`get_image_metadata`, `resize_image`), started on a site's first call.
    pub(crate) image: CellSlot,
    /// The search cell (an elasticlunr search index), started on a site's first call.
    pub(crate) search_index: CellSlot,
    /// The data cell (`load_data` of BibTeX and XML), started on a site's first call.
    pub(crate) data: CellSlot,
    /// The minify cell (`minify_html`), started on a site's first page to minify.
    pub(crate) minify: CellSlot,
    /// Calls that failed because a cell did (it could not start, died twice, let a call time
    /// out or broke the protocol), as opposed to answering with an error of its input.
    failures: AtomicU64,
}

impl Cells {
    /// Cells found in `DODECA_CELL_PATH` (colon-separated) or next to this executable.
    pub fn from_environment() -> Cells {
        let mut search: Vec<PathBuf> = std::env::var_os("DODECA_CELL_PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        if let Some(dir) =
            std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf))
        {
            search.push(dir);
        }
        Cells::in_dirs(search)
    }

    /// Cells found in `search`, in order.
    pub fn in_dirs(search: Vec<PathBuf>) -> Cells {
        Cells {
            search,
            config: rpc::Config {
                call_timeout: Duration::from_secs(120),
                ..rpc::Config::default()
            },
            template_args: Vec::new(),
            template: CellSlot::new("cell-template"),
            markdown: CellSlot::new("cell-markdown"),
            sass: CellSlot::new("cell-sass"),
            http: CellSlot::new("cell-http"),
            image: CellSlot::new("cell-image"),
            search_index: CellSlot::new("cell-search"),
            data: CellSlot::new("cell-data"),
            minify: CellSlot::new("cell-minify"),
            failures: AtomicU64::new(0),
        }
    }

    /// Has the template cell ask the host for every read, keeping no memo of the revision's
    /// answers: slower, and for tests that check both ways record the same dependencies.
    pub fn without_read_memo(mut self) -> Cells {
        self.template_args = vec!["--no-read-memo"];
        self
    }

    /// Each cell's name and the binary it would start (`None` when not found), for the cache's
    /// version (`cache/version.rs`).
    pub(crate) fn binaries(&self) -> Vec<(&'static str, Option<PathBuf>)> {
        // The image cell's too: a saved `resized` memo names bytes it made; the search cell's,
        // whose index a saved `search_index` memo holds; the data cell's, whose values saved
        // `loaded` memos hold; and the minify cell's, whose bytes a saved `render` memo's hash
        // is of.
        [
            self.markdown.name,
            self.template.name,
            self.sass.name,
            self.image.name,
            self.search_index.name,
            self.data.name,
            self.minify.name,
        ]
        .into_iter()
        .map(|name| (name, self.locate(name).ok()))
        .collect()
    }

    fn locate(&self, name: &'static str) -> Result<PathBuf, CellError> {
        self.search
            .iter()
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
            .ok_or_else(|| CellError::Missing { name, searched: self.search.clone() })
    }

    /// The slot's connection, starting the cell if it is not running.
    pub(crate) fn connection(&self, slot: &CellSlot) -> Result<Connection, CellError> {
        let mut running = slot.running.lock();
        if let Some(r) = running.as_ref()
            && !r.connection.is_closed()
        {
            return Ok(r.connection.clone());
        }
        if let Some(dead) = running.take() {
            reap(dead);
        }
        let program = self.locate(slot.name)?;
        let args: &[&str] =
            if std::ptr::eq(slot, &self.template) { &self.template_args } else { &[] };
        let listener = slot.listener.lock();
        let inherited: Vec<(&str, std::os::fd::BorrowedFd<'_>)> =
            listener.iter().map(|l| (LISTEN_FD_ARG, std::os::fd::AsFd::as_fd(l))).collect();
        let (child, connection) = rpc::cell::spawn_inheriting(
            &program,
            args,
            &inherited,
            self.config.clone(),
            slot.dispatcher.get().cloned(),
        )
        .map_err(|error| CellError::Call { name: slot.name, error })?;
        drop(listener);
        *running = Some(Running { child, connection: connection.clone() });
        Ok(connection)
    }

    /// Starts the slots' cells that are not running, each on a thread of its own, and
    /// returns once all have started (or failed to: the first call reports why).
    pub(crate) fn start(&self, slots: &[&CellSlot]) {
        std::thread::scope(|scope| {
            for slot in slots {
                scope.spawn(|| {
                    let _ = self.connection(slot);
                });
            }
        });
    }

    /// Stops the slot's cell if `connection` is still the one running (another caller may
    /// have restarted it already).
    fn discard(&self, slot: &CellSlot, connection: &Connection) {
        let mut running = slot.running.lock();
        let same = running.as_ref().is_some_and(|r| same_link(&r.connection, connection));
        if same && let Some(dead) = running.take() {
            reap(dead);
        }
    }

    /// Runs `call` on the slot's cell; if the link fails (the cell crashed or was killed),
    /// restarts the cell and runs `call` once more. A call that times out stops the cell.
    pub(crate) async fn call<T, F, Fut>(&self, slot: &CellSlot, call: F) -> Result<T, CellError>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = Result<T, RpcError>>,
    {
        let result = self.call_with_restart(slot, call).await;
        if let Err(CellError::Call { error, .. }) = &result
            && !matches!(error, RpcError::Remote(_))
        {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// How many calls failed because a cell did (see [`Cells::call`]) since these cells were
    /// made: a query that read such a failure may have made something of it (a listing
    /// without the section it could not parse), which the next process must not take as
    /// an answer of the site's files.
    pub(crate) fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    async fn call_with_restart<T, F, Fut>(&self, slot: &CellSlot, call: F) -> Result<T, CellError>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = Result<T, RpcError>>,
    {
        let connection = self.connection(slot)?;
        match call(connection.clone()).await {
            Err(error) if error.is_link_failure() => {
                self.discard(slot, &connection);
                let connection = self.connection(slot)?;
                call(connection).await.map_err(|error| CellError::Call { name: slot.name, error })
            }
            // A cell that let a call time out is hung (stopped, stuck in a loop): kept, it
            // would make every later call wait the whole timeout too. It is stopped, so the
            // calls still waiting on it fail over to a new one, and the next call starts one.
            // This call is not retried: what hung the cell may be in its request.
            Err(error @ RpcError::Timeout { .. }) => {
                self.discard(slot, &connection);
                Err(CellError::Call { name: slot.name, error })
            }
            other => other.map_err(|error| CellError::Call { name: slot.name, error }),
        }
    }

    /// The process id of a running cell (for tests that kill it).
    pub fn pid(&self, name: &str) -> Option<u32> {
        self.slots()
            .into_iter()
            .find(|slot| slot.name == name)
            .and_then(|slot| slot.running.lock().as_ref().map(|r| r.child.id()))
    }

    /// Every cell's slot.
    fn slots(&self) -> [&CellSlot; 8] {
        [
            &self.template,
            &self.markdown,
            &self.sass,
            &self.http,
            &self.image,
            &self.search_index,
            &self.data,
            &self.minify,
        ]
    }
}

fn same_link(a: &Connection, b: &Connection) -> bool {
    a.downgrade().ptr_eq(&b.downgrade())
}

/// Closes the link and waits (briefly) for the process, killing it if it lingers.
fn reap(running: Running) {
    reap_all(vec![running]);
}

/// Closes each cell's link, then waits for them all to exit (a cell exits when its link
/// closes), killing any still running after two seconds. Waited for together and polled
/// finely: an exit takes well under a millisecond, and polling every 5 ms, one cell after the
/// other, cost each CLI run about 10 ms at its end.
fn reap_all(running: Vec<Running>) {
    let mut children = Vec::with_capacity(running.len());
    for Running { child, connection } in running {
        connection.close("the host is stopping this cell");
        drop(connection);
        children.push(child);
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut pause = Duration::from_micros(50);
    while !children.is_empty() && Instant::now() < deadline {
        children.retain_mut(|child| !matches!(child.try_wait(), Ok(Some(_))));
        if !children.is_empty() {
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
    }
    for mut child in children {
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Cells {
    /// Stops every running cell (each is started again if called later).
    pub(crate) fn stop_all(&self) {
        let running: Vec<Running> =
            self.slots().iter().filter_map(|s| s.running.lock().take()).collect();
        reap_all(running);
    }
}

impl Drop for Cells {
    fn drop(&mut self) {
        self.stop_all();
    }
}
