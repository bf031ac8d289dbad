//! `cell-data`: serves [`cell_proto::data::Service`] to the host that started it.
//!
//! Each request carries a text (as a blob, through the shared heap when large) and its
//! format; the work is [`cell_data::read`], and the value goes back as the bytes of a
//! [`cell_proto::WireValue`], in a blob. The cell makes no callback: the host found and read
//! the file (a tracked read) before asking. A text that does not parse is an answer of the
//! call (`DataReply::Problem`), not a failure of the cell.

use std::sync::{Arc, OnceLock};

use cell_proto::{DataProblem, DataReply, ReadData, data};
use rpc::{Connection, RpcError, WeakConnection};

struct DataCell {
    connection: OnceLock<WeakConnection>,
}

impl DataCell {
    fn connection(&self) -> Result<Connection, RpcError> {
        self.connection
            .get()
            .and_then(WeakConnection::upgrade)
            .ok_or_else(|| RpcError::remote("the data cell is not connected"))
    }
}

impl data::Service for DataCell {
    async fn read(&self, request: ReadData) -> Result<DataReply, RpcError> {
        let connection = self.connection()?;
        // Copied out of the shared heap before parsing: the peer can write there (the `rpc`
        // docs), and a parser should not see bytes change under it.
        let bytes = connection.open_blob(request.text).await?.into_vec();
        let Ok(text) = String::from_utf8(bytes) else {
            let message = "the text is not UTF-8".to_string();
            return Ok(DataReply::Problem(DataProblem { message, position: None }));
        };
        Ok(match cell_data::read(&text, request.format) {
            Ok(value) => DataReply::Value(connection.blob(value.to_wire().as_bytes())?),
            Err(error) => {
                DataReply::Problem(DataProblem { message: error.message, position: error.position })
            }
        })
    }
}

fn main() {
    let cell = Arc::new(data::Server(DataCell { connection: OnceLock::new() }));
    let served = cell.clone();
    if let Err(error) = rpc::cell::serve_with(served, |connection| {
        let _ = cell.0.connection.set(connection.downgrade());
    }) {
        eprintln!("cell-data: {error}");
        std::process::exit(1);
    }
}
