//! Any text as a stylesheet, compiled as the sass cell compiles it (`cell_sass::compile`, on
//! a thread with the cell's stack, `cell_sass::COMPILE_STACK`): the first byte picks the
//! syntax (even `sass/fuzz.scss`, odd `sass/fuzz.sass`, the indented one), and the site has
//! no other Sass file, so every `@import` or `@use` of another is missing. CSS or an error,
//! never a panic out of `compile`, a stack overflow (the nesting bound) or an error placed
//! outside the file. A panic of grass is caught by `compile` (`catch_unwind`) and answered as
//! an error, as in the cell: libFuzzer's panic hook, which would abort on it, is skipped on
//! the compile thread, and the error must then name the panic. A stylesheet that loops for ever is a timeout here; the
//! cell's binary bounds each compile's time instead.
#![no_main]

use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver, Sender};

use cell_proto::CompiledCss;
use cell_sass::{SassError, SassFiles};
use libfuzzer_sys::fuzz_target;

/// The one Sass file of the site.
struct OneFile {
    path: &'static str,
    text: String,
}

impl SassFiles for OneFile {
    fn read(&self, path: &str) -> Result<Option<String>, String> {
        Ok((path == self.path).then(|| self.text.clone()))
    }

    fn is_dir(&self, path: &str) -> Result<bool, String> {
        Ok(path == "sass")
    }
}

/// LeakSanitizer off for this target: grass 0.13.4 leaks a stylesheet's top-level scope (a
/// reference cycle) whenever it declares a mixin, so every seed would stop the run as a leak
/// (README, "Findings"). Read by LSan at start, as `-detect_leaks=0` would be given.
#[unsafe(no_mangle)]
pub extern "C" fn __lsan_default_options() -> *const std::ffi::c_char {
    c"detect_leaks=0".as_ptr()
}

type Job = (&'static str, String, Sender<Result<CompiledCss, SassError>>);

/// The compile thread, made once (a thread per input would cost more than most compiles).
fn compiler() -> &'static Sender<Job> {
    static COMPILER: OnceLock<Sender<Job>> = OnceLock::new();
    COMPILER.get_or_init(|| {
        // libFuzzer's hook aborts on any panic, even one `compile` catches; on the compile
        // thread the panic unwinds to `compile` instead, whose answer is checked below. A
        // panic anywhere else (this file's code) still aborts.
        let libfuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some("sass-compile") {
                libfuzzer_hook(info);
            }
        }));
        let (jobs, received): (Sender<Job>, Receiver<Job>) = mpsc::channel();
        std::thread::Builder::new()
            .name("sass-compile".into())
            .stack_size(cell_sass::COMPILE_STACK)
            .spawn(move || {
                for (path, text, answer) in received {
                    let compiled = cell_sass::compile(path, &OneFile { path, text });
                    answer.send(compiled).expect("the fuzz target waits");
                }
            })
            .expect("a compile thread");
        jobs
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&syntax, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let path = if syntax & 1 == 0 { "sass/fuzz.scss" } else { "sass/fuzz.sass" };
    let (answer, result) = mpsc::channel();
    compiler().send((path, text.to_string(), answer)).expect("the compile thread runs");
    if let Err(error) = result.recv().expect("the compile thread answers") {
        // The only file is the stylesheet: an error is in it, at one of its lines.
        assert_eq!(error.file, path, "{error}");
        if let Some(line) = error.line {
            let lines = text.split('\n').count();
            assert!(line >= 1 && line as usize <= lines, "{error}");
        }
    }
});
