//! A CSV reader for `load_data`: RFC 4180 quoting, read the way Zola's (the `csv` crate's
//! default reader) reads a file, so that a Zola site's CSV gives the same headers and records.
//!
//! - Records end at `\n`, `\r\n` or a lone `\r`; empty lines are skipped (a line holding only
//!   spaces is a record of one field).
//! - Fields are separated by `,` and never trimmed. A field that starts with `"` is quoted: it
//!   runs to the next lone `"`, may hold commas and line breaks, and `""` in it is one `"`.
//!   A `"` anywhere else is an ordinary character (`5" nail`), and text right after a closing
//!   quote joins the field (`"a"b` is `ab`), as the `csv` crate reads them.
//! - The first record is the header; every record must have as many fields as it (the `csv`
//!   crate's default, which Zola keeps), else it is an error at the record's line.
//! - A UTF-8 byte order mark at the start is dropped.
//!
//! One difference: a quoted field still open at the end of the text is an error at its
//! opening quote. The `csv` crate takes the rest of the file as that field, which hides the
//! mistake in a page rather than showing it.
//!
//! ```text
//! name,notes          headers: ["name", "notes"]
//! Bramley,"big, sour" records: [["Bramley", "big, sour"],
//! Cox,"say ""cox"""             ["Cox", "say \"cox\""]]
//! ```
//!
//! The text is untrusted: the reader makes one pass over it, with no recursion, and each
//! field's text is copied once.

use std::fmt;

/// A CSV text read: its first record, and the others.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Csv {
    pub(crate) headers: Vec<String>,
    pub(crate) records: Vec<Vec<String>>,
}

/// What is wrong with a CSV text, and where (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsvError {
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) kind: CsvErrorKind,
}

/// The kinds of [`CsvError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CsvErrorKind {
    /// A record whose number of fields is not the header's.
    UnequalLengths {
        /// 1-based, not counting the header.
        record: usize,
        fields: usize,
        headers: usize,
    },
    /// A quoted field never closed.
    UnclosedQuote,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            CsvErrorKind::UnequalLengths { record, fields, headers } => write!(
                f,
                "record {record} has {fields} field{}, but the header has {headers} (every \
                 record needs one field per header; quote a field that holds a comma)",
                if fields == 1 { "" } else { "s" }
            ),
            CsvErrorKind::UnclosedQuote => f.write_str(
                "a quoted field is never closed (a `\"` in a quoted field is written `\"\"`)",
            ),
        }
    }
}

/// Where the reader is within a record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field (after a comma, or at the start of a record).
    FieldStart,
    /// In an unquoted field, or after a quoted one's closing quote.
    Unquoted,
    /// Inside quotes.
    Quoted,
    /// Just after a `"` inside quotes: the closing quote, or the first of `""`.
    QuoteInQuoted,
}

/// Reads `text` (see the module's documentation).
///
/// # Errors
///
/// A record with another number of fields than the header, or a quoted field never closed.
pub(crate) fn parse(text: &str) -> Result<Csv, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut csv = Csv::default();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut state = State::FieldStart;
    // Whether the current record has begun (a record that has not is an empty line).
    let mut in_record = false;
    let (mut line, mut column) = (1u32, 0u32);
    let mut record_line = 1u32;
    let mut quote_at = (1u32, 1u32);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        column += 1;
        let position = (line, column);
        if c == '\n' || (c == '\r' && chars.peek() != Some(&'\n')) {
            line += 1;
            column = 0;
        }
        let ends_record = c == '\n' || c == '\r';
        match state {
            State::Quoted => match c {
                '"' => state = State::QuoteInQuoted,
                _ => field.push(c),
            },
            State::QuoteInQuoted if c == '"' => {
                field.push('"');
                state = State::Quoted;
            }
            State::FieldStart | State::Unquoted | State::QuoteInQuoted => {
                if ends_record {
                    // `\r\n` is one terminator: its `\r` ends the record, its `\n` then
                    // finds no record begun, like an empty line.
                    if in_record {
                        record.push(std::mem::take(&mut field));
                        finish(&mut csv, std::mem::take(&mut record), record_line)?;
                        in_record = false;
                    }
                    state = State::FieldStart;
                    continue;
                }
                if !in_record {
                    in_record = true;
                    record_line = position.0;
                }
                match c {
                    ',' => {
                        record.push(std::mem::take(&mut field));
                        state = State::FieldStart;
                    }
                    '"' if state == State::FieldStart => {
                        quote_at = position;
                        state = State::Quoted;
                    }
                    _ => {
                        field.push(c);
                        state = State::Unquoted;
                    }
                }
            }
        }
    }
    if state == State::Quoted {
        let (line, column) = quote_at;
        return Err(CsvError { line, column, kind: CsvErrorKind::UnclosedQuote });
    }
    if in_record {
        record.push(field);
        finish(&mut csv, record, record_line)?;
    }
    Ok(csv)
}

/// Adds `record` (which began on `line`) as the header or as a record.
fn finish(csv: &mut Csv, record: Vec<String>, line: u32) -> Result<(), CsvError> {
    if csv.headers.is_empty() && csv.records.is_empty() {
        csv.headers = record;
        return Ok(());
    }
    if record.len() != csv.headers.len() {
        let kind = CsvErrorKind::UnequalLengths {
            record: csv.records.len() + 1,
            fields: record.len(),
            headers: csv.headers.len(),
        };
        return Err(CsvError { line, column: 1, kind });
    }
    csv.records.push(record);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let csv = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        (csv.headers, csv.records)
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_first_record_is_the_header_and_the_others_records() {
        let (headers, records) = read("Number,Title\n1,Gutenberg\n2,Printing");
        assert_eq!(headers, strings(&["Number", "Title"]));
        assert_eq!(records, [strings(&["1", "Gutenberg"]), strings(&["2", "Printing"])]);
    }

    #[test]
    fn records_end_at_lf_crlf_or_cr_and_empty_lines_are_skipped() {
        for text in
            ["a,b\n1,2\n", "a,b\r\n1,2\r\n", "a,b\r1,2\r", "\n\na,b\n\n\r\n1,2\n\n", "a,b\n1,2"]
        {
            let (headers, records) = read(text);
            assert_eq!(headers, strings(&["a", "b"]), "{text:?}");
            assert_eq!(records, [strings(&["1", "2"])], "{text:?}");
        }
        // Spaces make a line a record, and fields are never trimmed.
        assert_eq!(read("a\n \n").1, [strings(&[" "])]);
        assert_eq!(read(" a , b \n").0, strings(&[" a ", " b "]));
    }

    #[test]
    fn quoted_fields_hold_commas_line_breaks_and_doubled_quotes() {
        let (headers, records) = read("k,v\n\"a, b\",\"line\nbreak\"\n\"say \"\"hi\"\"\",\"\"\n");
        assert_eq!(headers, strings(&["k", "v"]));
        assert_eq!(records, [strings(&["a, b", "line\nbreak"]), strings(&["say \"hi\"", ""])]);
        // A CRLF inside quotes is kept as written.
        assert_eq!(read("a\n\"x\r\ny\"\n").1, [strings(&["x\r\ny"])]);
    }

    #[test]
    fn quotes_elsewhere_read_as_the_csv_crate_reads_them() {
        // A quote inside an unquoted field is a character; text after a closing quote joins
        // the field; spaces before a quote make it unquoted.
        assert_eq!(read("a,b\n5\" nail,x\n").1, [strings(&["5\" nail", "x"])]);
        assert_eq!(read("a\n\"a\\\"b\"\n").1, [strings(&["a\\b\""])]);
        assert_eq!(read("a\n\"ab\"cd\n").1, [strings(&["abcd"])]);
        assert_eq!(read("a\n  \"a\"  \n").1, [strings(&["  \"a\"  "])]);
    }

    #[test]
    fn empty_fields_and_texts() {
        assert_eq!(read(""), (vec![], vec![]));
        assert_eq!(read("\n\r\n"), (vec![], vec![]));
        assert_eq!(read("a,b\n"), (strings(&["a", "b"]), vec![]));
        assert_eq!(read(",\n,\n").1, [strings(&["", ""])]);
        assert_eq!(read("a,b,\n1,2,\n").1, [strings(&["1", "2", ""])]);
    }

    #[test]
    fn a_byte_order_mark_at_the_start_is_dropped() {
        assert_eq!(read("\u{feff}a,b\n1,2\n").0, strings(&["a", "b"]));
        assert_eq!(read("a,\u{feff}b\n").0, strings(&["a", "\u{feff}b"]));
    }

    #[test]
    fn a_record_of_another_length_is_an_error_at_its_line() {
        let error = parse("Number,Title\n1,Gutenberg\n\n3,Typewriter,Extra\n").unwrap_err();
        assert_eq!((error.line, error.column), (4, 1));
        assert_eq!(error.kind, CsvErrorKind::UnequalLengths { record: 2, fields: 3, headers: 2 });
        assert!(error.to_string().starts_with("record 2 has 3 fields, but the header has 2"));
        // A record spanning lines is placed at the line it starts on.
        let error = parse("a,b\n\"x\ny\"\n").unwrap_err();
        assert_eq!((error.line, error.column), (2, 1));
        let error = parse("a,b\r\n1,2\r\n3\r\n").unwrap_err();
        assert_eq!(error.line, 3);
    }

    #[test]
    fn a_quote_never_closed_is_an_error_at_the_quote() {
        let error = parse("a,b\n1,\"two\n3,4\n").unwrap_err();
        assert_eq!(error.kind, CsvErrorKind::UnclosedQuote);
        assert_eq!((error.line, error.column), (2, 3));
        // Columns count characters, not bytes.
        let error = parse("é,\"").unwrap_err();
        assert_eq!((error.line, error.column), (1, 3));
    }

    #[test]
    fn hostile_texts_end_quickly_and_never_panic() {
        let many = ",".repeat(100_000);
        assert_eq!(read(&many).0.len(), 100_001);
        let quotes = "\"".repeat(100_001);
        assert!(parse(&quotes).is_err());
        for text in ["\"", "\"\"\"", "\r", "\r\r\n\"", "\u{feff}", "a\n\"", "\0,\u{10ffff}"] {
            let _ = parse(text);
        }
    }
}
