//! Any template text (split into a page and a base it may extend or include): rendered output
//! or an error, never a panic, a hang or a stack overflow. The page's text is also evaluated
//! as one expression (the devtools' `Engine::eval`).
#![no_main]

use cell_template::{Engine, MemoryLoader, NoData, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (page, base) = text.split_once('\u{1}').unwrap_or((text, "{% block b %}{% endblock %}"));
    let loader = MemoryLoader::new().with("page.html", page).with("base.html", base);
    let context = Value::map([
        ("page", Value::map([("title", Value::from("T")), ("n", Value::from(3i64))])),
        ("items", Value::List(vec![Value::from(1i64), Value::from("two")].into())),
    ]);
    let engine = Engine::new();
    let _ = engine.render("page.html", &context, &loader, &NoData);
    if let Err(error) = engine.eval(page, &context, &loader, &NoData) {
        // An error placed in the expression is placed inside it.
        if let Some(line) = error.line() {
            assert!(line as usize <= page.lines().count().max(1) + 1, "{error}");
        }
    }
});
