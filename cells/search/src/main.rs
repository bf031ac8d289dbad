//! `cell-search`: serves [`cell_proto::search::Service`] to the host that started it.
//!
//! The host sends every document of the index in one request; the cell builds the index with
//! [`cell_search::build_elasticlunr`] and answers its JSON. It makes no callback: the host
//! read (and tracked) everything the documents hold before asking. A request the library
//! cannot build is an answer of the call (`ElasticlunrReply::Problem`), not a failure of the
//! cell.

use std::sync::Arc;

use cell_proto::{ElasticlunrReply, ElasticlunrRequest, search};
use rpc::RpcError;

struct SearchCell;

impl search::Service for SearchCell {
    async fn elasticlunr(&self, request: ElasticlunrRequest) -> Result<ElasticlunrReply, RpcError> {
        Ok(match cell_search::build_elasticlunr(&request) {
            Ok(json) => ElasticlunrReply::Index(json),
            Err(error) => ElasticlunrReply::Problem(error.to_string()),
        })
    }
}

fn main() {
    if let Err(error) = rpc::cell::serve(Arc::new(search::Server(SearchCell))) {
        eprintln!("cell-search: {error}");
        std::process::exit(1);
    }
}
