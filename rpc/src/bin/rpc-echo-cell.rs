//! A minimal cell serving the `Echo` service of rpc's tests: the real process that the
//! cross-process tests and the benchmark spawn.

use std::sync::Arc;

#[path = "../../tests/common/echo.rs"]
#[allow(dead_code, missing_docs)]
mod services;

use services::{EchoCell, echo};

fn main() {
    let cell = Arc::new(echo::Server(EchoCell::default()));
    let served = cell.clone();
    match rpc::cell::serve_with(served, |connection| {
        let _ = cell.0.connection.set(connection.downgrade());
    }) {
        Ok(_) => {}
        Err(error) => {
            eprintln!("rpc-echo-cell: {error}");
            std::process::exit(1);
        }
    }
}
