//! `cell-http`: serves [`cell_proto::http::Service`] to the host that started it, and asks
//! the host for each response (and each devtools evaluation) through
//! [`cell_proto::content`].

use std::net::TcpListener;
use std::sync::{Arc, Mutex, OnceLock};

use cell_http::{Body, Content, ContentSource, Reply, Server};
use cell_proto::{
    ContentReply, ContentRequest, EvalReply, EvalRequest, HttpConfig, SiteChange, Started, content,
    http,
};
use rpc::{Connection, RpcError, WeakConnection};

/// The flag naming the listening socket the host hands over (`rpc::cell::spawn_inheriting`).
const LISTEN_FD_ARG: &str = "--listen-fd";

struct Cell {
    host: Arc<OnceLock<WeakConnection>>,
    server: Mutex<Option<Server>>,
    /// The host's listening socket, until `start` serves on it. The host keeps its own copy,
    /// so connections made while this cell restarts wait in its queue instead of being
    /// refused. Without one (the cell started by hand), `start` binds the configured address.
    listener: Mutex<Option<TcpListener>>,
}

impl http::Service for Cell {
    async fn start(&self, config: HttpConfig) -> Result<Started, RpcError> {
        let mut server = self.server.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(server) = server.as_ref() {
            return Err(RpcError::remote(format!("already serving on {}", server.address())));
        }
        let source = Arc::new(Host { link: self.host.clone() });
        let handed = self.listener.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        let started = match handed {
            Some(listener) => Server::serve(listener, &config, source),
            None => Server::start(&config, source),
        }
        .map_err(|e| RpcError::remote(e.to_string()))?;
        let address = started.address().to_string();
        *server = Some(started);
        Ok(Started { address })
    }

    async fn notify(&self, change: SiteChange) -> Result<(), RpcError> {
        let server = self.server.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match server.as_ref() {
            Some(server) => {
                server.notify(&change);
                Ok(())
            }
            None => Err(RpcError::remote("notify before start")),
        }
    }
}

/// The host, as the server's source of content. Requests are made from the connection
/// threads, outside any handler of the host's calls, so they reach the host's dispatcher
/// (not nested in a call), which serves them from its snapshot of the last build.
struct Host {
    link: Arc<OnceLock<WeakConnection>>,
}

impl Host {
    fn connection(&self) -> Result<Connection, String> {
        self.link
            .get()
            .and_then(WeakConnection::upgrade)
            .ok_or_else(|| "no link to the host".into())
    }

    fn open(connection: &Connection, blob: rpc::Blob) -> Result<Body, String> {
        let bytes = rpc::block_on(connection.open_blob(blob)).map_err(|e| e.to_string())?;
        Ok(Box::new(bytes))
    }
}

impl ContentSource for Host {
    fn find(&self, request: &ContentRequest) -> Result<Reply, String> {
        let connection = self.connection()?;
        let client = content::Client::new(connection.clone());
        let answer = rpc::block_on(client.find(request)).map_err(|e| e.to_string())?;
        let content = match answer.reply {
            ContentReply::Found(found) => Content::Found {
                file: found.file,
                body: Host::open(&connection, found.body)?,
                etag: found.etag,
                page: found.page,
            },
            ContentReply::NotModified(etag) => Content::NotModified(etag),
            ContentReply::Redirect(to) => Content::Redirect(to),
            ContentReply::NotFound(missing) => Content::NotFound {
                page: missing.page.map(|page| Host::open(&connection, page)).transpose()?,
                suggestions: missing.suggestions,
            },
        };
        Ok(Reply { revision: answer.revision, content })
    }

    fn eval(&self, request: &EvalRequest) -> Result<EvalReply, String> {
        let client = content::Client::new(self.connection()?);
        rpc::block_on(client.eval(request)).map_err(|e| e.to_string())
    }
}

fn main() {
    // SAFETY: read once, here, before anything else in this process opens descriptors; the
    // host handed this one to exactly this process.
    let listener = match unsafe { rpc::cell::inherited_fd(LISTEN_FD_ARG) } {
        Ok(fd) => fd.map(TcpListener::from),
        Err(error) => {
            eprintln!("cell-http: {error}");
            std::process::exit(1);
        }
    };
    let cell = Arc::new(http::Server(Cell {
        host: Arc::default(),
        server: Mutex::default(),
        listener: Mutex::new(listener),
    }));
    let link = cell.0.host.clone();
    let served = rpc::cell::serve_with(cell, |connection| {
        let _ = link.set(connection.downgrade());
    });
    // The link closed (the host left): the listening socket goes with the process.
    if let Err(error) = served {
        eprintln!("cell-http: {error}");
        std::process::exit(1);
    }
}
