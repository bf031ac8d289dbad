//! [`HttpServer`]: the http cell started, fed and kept running.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use cell_proto::{BuildProblem, HttpConfig, SiteChange, http};
use parking_lot::Mutex;
use rpc::Connection;

use super::content::{ContentService, ServeState, Served};
use crate::cells::CellError;
use crate::db::Database;
use crate::{BuildReport, HostError, Site};

/// Times a crashed cell is started again, in a row, before the server gives up (a cell that
/// dies on start would otherwise be restarted forever).
const RESTARTS: u32 = 5;

/// The site served over HTTP by the http cell.
///
/// Start it after the first build; call [`rebuilt`](Self::rebuilt) after each later build.
/// The host holds the listening socket and hands it to the cell, so a crashed cell is
/// restarted on the same socket: a client connecting meanwhile waits in its queue and is
/// answered by the new cell (the pages' event streams reconnect by themselves). Dropping it
/// stops serving.
///
/// # Examples
///
/// ```no_run
/// use host::{HttpServer, Site};
/// let site = Site::open(std::path::Path::new("examples/site"))?;
/// let report = site.build(4)?;
/// let server = HttpServer::start(&site, cell_proto::HttpConfig::new("127.0.0.1:0"), &report)?;
/// println!("serving on http://{}/", server.address());
/// // … after each rebuild:
/// let report = site.build(4)?;
/// server.rebuilt(&site, &report)?;
/// # Ok::<(), host::HostError>(())
/// ```
pub struct HttpServer {
    shared: Arc<Shared>,
    address: String,
}

struct Shared {
    db: Arc<Database>,
    state: Arc<ServeState>,
    /// The configuration, with the bound address once known (a restart binds the same port).
    config: Mutex<HttpConfig>,
    /// The errors of the last build, sent again to a restarted cell.
    errors: Mutex<Vec<BuildProblem>>,
    stopping: AtomicBool,
    /// Times the cell was started again after it stopped.
    restarts: AtomicU32,
}

impl HttpServer {
    /// Starts the http cell on `config.address` and serves the site as `report`'s build left
    /// it.
    ///
    /// # Errors
    ///
    /// [`HostError::Cell`] when the cell cannot be started, the address cannot be bound, or
    /// the site is already being served.
    pub fn start(
        site: &Site,
        config: HttpConfig,
        report: &BuildReport,
    ) -> Result<HttpServer, HostError> {
        let listener = std::net::TcpListener::bind(&config.address).map_err(|error| {
            HostError::Cell(CellError::Call {
                name: "cell-http",
                error: rpc::RpcError::remote(format!(
                    "cannot listen on {}: {error}",
                    config.address
                )),
            })
        })?;
        HttpServer::start_on(site, listener, config, report)
    }

    /// Like [`start`](Self::start), on a socket the caller bound (`config.address` is then
    /// not used).
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    pub fn start_on(
        site: &Site,
        listener: std::net::TcpListener,
        mut config: HttpConfig,
        report: &BuildReport,
    ) -> Result<HttpServer, HostError> {
        let (db, cas, output) = site.serving_parts();
        let state = Arc::new(ServeState::default());
        let fail =
            |error: rpc::RpcError| HostError::Cell(CellError::Call { name: "cell-http", error });
        let dispatcher = Arc::new(cell_proto::content::Server(ContentService(state.clone())));
        db.cells
            .http
            .dispatcher
            .set(dispatcher)
            .map_err(|_| fail(rpc::RpcError::remote("this site is already being served")))?;
        *state.served.write() =
            Some(Arc::new(Served::new(db.clone(), cas, output, None).map_err(fail)?));
        if let Ok(bound) = listener.local_addr() {
            config.address = bound.to_string();
        }
        *db.cells.http.listener.lock() = Some(listener);
        let shared = Arc::new(Shared {
            db,
            state,
            config: Mutex::new(config),
            errors: Mutex::new(problems(report)),
            stopping: AtomicBool::new(false),
            restarts: AtomicU32::new(0),
        });
        let connection = shared.start_cell()?;
        let address = shared.config.lock().address.clone();
        let watcher = shared.clone();
        std::thread::Builder::new()
            .name("http-cell-watch".into())
            .spawn(move || watcher.keep_running(connection))
            .map_err(|e| fail(rpc::RpcError::Io(format!("cannot start a thread: {e}"))))?;
        Ok(HttpServer { shared, address })
    }

    /// The address served (`127.0.0.1:PORT`, with the real port when 0 was asked for).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// After a rebuild: serves the new build and tells the open pages what changed.
    ///
    /// # Errors
    ///
    /// [`HostError::Cell`] when the new build's outputs cannot be listed, or the cell cannot
    /// be told (it is restarted meanwhile; the pages reconnect and reload then).
    pub fn rebuilt(&self, site: &Site, report: &BuildReport) -> Result<(), HostError> {
        let fail =
            |error: rpc::RpcError| HostError::Cell(CellError::Call { name: "cell-http", error });
        let (db, cas, output) = site.serving_parts();
        // While the site has errors, the last build without any keeps answering for what
        // fails now.
        let fallback = match (report.errors.is_empty(), self.shared.state.served.read().clone()) {
            (false, Some(previous)) => Some(previous.fallback().cloned().unwrap_or(previous)),
            _ => None,
        };
        let listing = std::time::Instant::now();
        let served = Arc::new(Served::new(db, cas, output, fallback).map_err(fail)?);
        if std::env::var_os("DODECA_PHASES").is_some() {
            eprintln!("phase serve listing: {:.2} ms", listing.elapsed().as_secs_f64() * 1e3);
        }
        let revision = served.revision();
        debug_assert!(Arc::ptr_eq(served.database(), &self.shared.db), "another site's database");
        *self.shared.state.served.write() = Some(served);
        let errors = problems(report);
        *self.shared.errors.lock() = errors.clone();
        let (routes, assets) = changed_paths(&report.written_files);
        let change = SiteChange { revision, routes, assets, errors };
        let link = self.shared.state.link.lock().as_ref().and_then(rpc::WeakConnection::upgrade);
        let link =
            link.ok_or_else(|| fail(rpc::RpcError::remote("the http cell is restarting")))?;
        rpc::block_on(http::Client::new(link).notify(&change)).map_err(fail)
    }

    /// How many times the cell was started again after it stopped (crashed, killed).
    pub fn restarts(&self) -> u32 {
        self.shared.restarts.load(Ordering::Acquire)
    }

    /// The http cell's process id, while it runs (for tests that kill it).
    pub fn cell_pid(&self) -> Option<u32> {
        self.shared.db.cells.pid("cell-http")
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Release);
        // The served snapshot holds the database, whose http slot holds the content service
        // holding the snapshot: let go of it, or neither is ever freed.
        *self.shared.state.served.write() = None;
        // Ours closes now; the cell's copy goes with the cell.
        self.shared.db.cells.http.listener.lock().take();
        if let Some(link) = self.shared.state.link.lock().take().and_then(|l| l.upgrade()) {
            // The watcher wakes and leaves; the cell exits with its link, closing the socket.
            link.close("the server is stopping");
        }
    }
}

impl Shared {
    /// Starts (or restarts) the cell and has it listen; records the bound address.
    fn start_cell(&self) -> Result<Connection, HostError> {
        let cells = &self.db.cells;
        let connection = cells.connection(&cells.http).map_err(HostError::Cell)?;
        *self.state.link.lock() = Some(connection.downgrade());
        let config = self.config.lock().clone();
        let client = http::Client::new(connection.clone());
        let started = rpc::block_on(client.start(&config))
            .map_err(|error| HostError::Cell(CellError::Call { name: "cell-http", error }))?;
        self.config.lock().address = started.address;
        Ok(connection)
    }

    /// Waits for the cell's link to close and, unless stopping, starts the cell again on the
    /// same address and tells it the current errors.
    fn keep_running(&self, mut connection: Connection) {
        let mut failures = 0;
        loop {
            let reason = connection.wait_closed();
            drop(connection);
            if self.stopping.load(Ordering::Acquire) {
                return;
            }
            eprintln!("warning: the http cell stopped ({reason}); restarting it");
            connection = loop {
                match self.start_cell() {
                    Ok(connection) => break connection,
                    Err(error) if failures < RESTARTS => {
                        failures += 1;
                        eprintln!("warning: restarting the http cell: {error}");
                        // Clients wait in the socket's queue meanwhile; a pause before trying
                        // again, growing, for a cause that may pass (no memory, no process
                        // slots).
                        std::thread::sleep(Duration::from_millis(100 << failures));
                    }
                    Err(error) => {
                        eprintln!("error: the http cell cannot be restarted: {error}");
                        return;
                    }
                }
            };
            failures = 0;
            self.restarts.fetch_add(1, Ordering::AcqRel);
            let revision = self.state.served.read().as_ref().map_or(0, |s| s.revision());
            let errors = self.errors.lock().clone();
            let change = SiteChange { revision, routes: Vec::new(), assets: Vec::new(), errors };
            let _ = rpc::block_on(http::Client::new(connection.clone()).notify(&change));
        }
    }
}

/// The build's errors as the browser shows them.
fn problems(report: &BuildReport) -> Vec<BuildProblem> {
    report
        .errors
        .iter()
        .map(|error| BuildProblem {
            file: error.file.display().to_string(),
            line: error.line,
            column: error.column,
            message: error.message.clone(),
            snippet: error.snippet.clone(),
        })
        .collect()
}

/// Outputs written (`blog/first/index.html`, `css/site.css`) as the URL paths of pages
/// (`/blog/first/`) and of other files (`/css/site.css`).
fn changed_paths(written: &[String]) -> (Vec<String>, Vec<String>) {
    let mut routes = Vec::new();
    let mut assets = Vec::new();
    for output in written {
        match output.strip_suffix("index.html") {
            Some(route) if route.is_empty() || route.ends_with('/') => {
                routes.push(format!("/{route}"));
            }
            _ => assets.push(format!("/{output}")),
        }
    }
    (routes, assets)
}

#[cfg(test)]
mod tests {
    use super::changed_paths;

    #[test]
    fn written_outputs_become_routes_and_assets() {
        let written = ["index.html".into(), "blog/first/index.html".into(), "css/site.css".into()];
        let (routes, assets) = changed_paths(&written);
        assert_eq!(routes, ["/", "/blog/first/"]);
        assert_eq!(assets, ["/css/site.css"]);
    }
}
