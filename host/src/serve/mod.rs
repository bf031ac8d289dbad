//! Serving a site over HTTP through the http cell (`cells/http`), for `dodeca-host serve`.
//!
//! - `content`: the host's side of `cell_proto::content`: a URL path to an output (a page
//!   rendered by the `render` query, a static file from the CAS), read from a snapshot of the
//!   database at the last completed build, so a request never sees half a rebuild; nearest
//!   routes for a path that is not there.
//! - `eval`: the host's side of `content::eval`, the devtools endpoint: an expression
//!   evaluated by the template cell in the context a route's template is rendered with, read
//!   from the same snapshot.
//! - `cell`: [`HttpServer`]: starts the cell through the cell supervisor, publishes a new
//!   snapshot and pushes a [`SiteChange`](cell_proto::SiteChange) after each rebuild, and
//!   restarts a crashed cell on the same address.
//!
//! - `command`: the `serve` command's loop ([`serve`]): build, [`HttpServer::start`], then
//!   for each batch of file changes `content_changed` (or a rescan), `build_loaded`,
//!   [`HttpServer::rebuilt`], until Ctrl-C or `SIGTERM`, which save the cache.
//! - `signals`: those two signals caught (a flag and a self-pipe).

mod cell;
mod command;
pub(crate) mod content;
mod eval;
mod signals;

pub use cell::HttpServer;
pub use command::{DEFAULT_PORT, ServeOptions, serve};
