//! Any text as a BibTeX (first byte even) or XML (odd) file that `load_data` reads through the
//! data cell (`cell_data::read`, as the cell runs it): a value or an error, never a panic out
//! of `read`, a hang or a stack overflow; an error placed at a line names a line of the text.
//! nom-bibtex 0.6 panics on some malformed texts, which `read` catches and answers as an
//! error, as the cell does: libFuzzer's panic hook, which would abort on a caught panic too,
//! is skipped on the reading thread, and the error must then name the library.
#![no_main]

use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver, Sender};

use cell_data::{DataFormat, ReadError, Value};
use libfuzzer_sys::fuzz_target;

type Job = (DataFormat, String, Sender<Result<Value, ReadError>>);

/// The reading thread, made once (a thread per input would cost more than most reads).
fn reader() -> &'static Sender<Job> {
    static READER: OnceLock<Sender<Job>> = OnceLock::new();
    READER.get_or_init(|| {
        // On the reading thread a panic unwinds to `read`, whose answer is checked below; a
        // panic anywhere else (this file's code) still aborts.
        let libfuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some("data-read") {
                libfuzzer_hook(info);
            }
        }));
        let (jobs, received): (Sender<Job>, Receiver<Job>) = mpsc::channel();
        std::thread::Builder::new()
            .name("data-read".into())
            .spawn(move || {
                for (format, text, answer) in received {
                    answer.send(cell_data::read(&text, format)).expect("the fuzz target waits");
                }
            })
            .expect("a reading thread");
        jobs
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&format, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let format = if format & 1 == 0 { DataFormat::Bibtex } else { DataFormat::Xml };
    let (answer, result) = mpsc::channel();
    reader().send((format, text.to_string(), answer)).expect("the reading thread runs");
    if let Err(error) = result.recv().expect("the reading thread answers") {
        if let Some((line, column)) = error.position {
            let lines = text.split('\n').count();
            assert!(line >= 1 && line as usize <= lines, "{error}");
            assert!(column >= 1, "{error}");
        }
    }
});
