//! The data cell's service: a data file of `load_data` read in one of the formats whose
//! parsers are field libraries (BibTeX, XML), answered as a value.
//!
//! The host finds the file, reads it through its input (so the caller depends on it), checks
//! that it is UTF-8 text and sends that text; the cell parses it and answers the value
//! templates see, as Zola 0.22 gives it, encoded as a [`WireValue`](crate::WireValue) (the
//! bytes of the reply's blob). A text that does not parse is an answer of the call
//! ([`DataReply::Problem`]), not a failure of the cell. The cell makes no callback, so a
//! reply is a pure function of the request.

use facet::Facet;

/// The formats the data cell reads.
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum DataFormat {
    /// BibTeX: `{preambles, comments, variables, bibliographies}`, every leaf a string.
    Bibtex,
    /// XML: `{root_name: ...}`, attributes as `@name`, text as `#text` beside attributes,
    /// repeated elements as lists, numbers and booleans inferred from text.
    Xml,
}

/// A text to read.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct ReadData {
    /// Its format.
    pub format: DataFormat,
    /// The text, UTF-8 (through the shared heap when large).
    pub text: rpc::Blob,
}

rpc::facet_payload!(ReadData);

/// Why a text could not be read.
#[derive(Facet, Clone, Debug, PartialEq, Eq)]
pub struct DataProblem {
    /// What is wrong, in a sentence (no position in it).
    pub message: String,
    /// Where: 1-based line and column (in characters), when the parser says.
    pub position: Option<(u32, u32)>,
}

/// What reading a text gave.
#[derive(Facet, Clone, Debug, PartialEq)]
#[repr(u8)]
pub enum DataReply {
    /// The value, the bytes of a [`WireValue`](crate::WireValue).
    Value(rpc::Blob),
    /// Why there is none.
    Problem(DataProblem),
}

rpc::facet_payload!(DataReply);

rpc::service! {
    /// The data cell: reads BibTeX and XML texts into values.
    pub mod data: "Data" {
        /// The text read in its format; a text that does not parse is an answer, not a
        /// failed call.
        fn read(request: ReadData) -> DataReply;
    }
}
