//! The conformance table (`conformance.txt`): cases covering every construct of the
//! language, each with the output Tera 1.20 gives (recorded by `tools/tera-oracle`), checked
//! against this engine's; where this engine deliberately differs (better errors, constructs
//! Tera lacks), the case gives this engine's output or error and says why. Rendered with the
//! shared context, templates and data of `common`.

mod common;

use cell_template::Engine;
use common::table::{self, Block};

/// Where the table is: one case per block, with Tera's output recorded by
/// `tools/tera-oracle` (see `common/table.rs` for the format).
const TABLE: &str = include_str!("conformance.txt");

/// What a case expects of this engine: Tera's output, or its own where the table says why it
/// differs, or an error of a kind at a place.
enum Expected<'a> {
    Output(&'a str),
    Error { code: &'a str, template: &'a str, line: u32, column: u32 },
}

/// The expectation of one block, or why the block is malformed.
fn expected(block: &Block) -> Result<Expected<'_>, String> {
    let (tera, tera_error) = (block.get("tera"), block.get("tera-error"));
    if tera.is_none() && tera_error.is_none() {
        return Err("no Tera column: run tools/tera-oracle".into());
    }
    let differs = |ours_differ: bool| match (ours_differ, block.get("why")) {
        (true, None) => Err("ours differs from Tera's: say `why`".to_string()),
        (false, Some(_)) => Err("`why` on a case that agrees with Tera".to_string()),
        _ => Ok(()),
    };
    if let Some(error) = block.get("ours-error") {
        differs(tera_error.is_none())?;
        let (code, place) = error.split_once(' ').ok_or("ours-error: `kind line:column`")?;
        let parts: Vec<&str> = place.split(':').collect();
        let (template, line, column) = match parts.as_slice() {
            [line, column] => ("case.html", *line, *column),
            [template, line, column] => (*template, *line, *column),
            _ => return Err("ours-error: `kind [template:]line:column`".into()),
        };
        let number = |n: &str| n.parse::<u32>().map_err(|e| format!("ours-error: {e}"));
        let template =
            if template == "case.html" { block.get("name").unwrap_or(template) } else { template };
        return Ok(Expected::Error {
            code,
            template,
            line: number(line)?,
            column: number(column)?,
        });
    }
    if let Some(ours) = block.get("ours") {
        if tera == Some(ours) {
            return Err("`ours` equals Tera's output: remove it".into());
        }
        differs(true)?;
        return Ok(Expected::Output(ours));
    }
    differs(false)?;
    match tera {
        Some(out) => Ok(Expected::Output(out)),
        None => Err("Tera fails here: give `ours-error` (or `ours` and `why`)".into()),
    }
}

#[test]
fn the_conformance_table_matches_tera_or_says_why_not() {
    let blocks = table::parse(TABLE).expect("the table parses");
    let cases: Vec<&Block> = blocks.iter().filter(|b| b.get("template").is_some()).collect();
    assert!(cases.len() >= 400, "the table has {} cases", cases.len());
    let engine = Engine::new();
    let context = common::context();
    let mut failures = Vec::new();
    for block in &cases {
        let source = block.get("template").unwrap_or_default();
        let name = block.get("name").unwrap_or("case.html");
        let expected = match expected(block) {
            Ok(expected) => expected,
            Err(problem) => {
                failures.push(format!("{source:?}: {problem}"));
                continue;
            }
        };
        let loader = common::loader().with(name, source);
        let provider = common::Provider::default();
        let result = engine.render(name, &context, &loader, &provider);
        let ok = match (&expected, &result) {
            (Expected::Output(want), Ok(got)) => want == got,
            (Expected::Error { code, template, line, column }, Err(e)) => {
                e.kind().code() == *code
                    && e.template() == Some(*template)
                    && e.line() == Some(*line)
                    && e.column() == Some(*column)
            }
            _ => false,
        };
        if !ok {
            let want = match expected {
                Expected::Output(out) => format!("output {out:?}"),
                Expected::Error { code, template, line, column } => {
                    format!("error {code} {template}:{line}:{column}")
                }
            };
            let got = match &result {
                Ok(out) => format!("output {out:?}"),
                Err(e) => format!(
                    "error {} {}:{}:{}\n{e}",
                    e.kind().code(),
                    e.template().unwrap_or("?"),
                    e.line().unwrap_or(0),
                    e.column().unwrap_or(0)
                ),
            };
            failures.push(format!("{source:?}\n  want {want}\n  got  {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn a_parse_is_cached_by_name_and_content() {
    let engine = Engine::new();
    let context = common::context();
    let loader = common::loader().with("case.html", "{% include 'partial.html' %}");
    for _ in 0..3 {
        engine.render("case.html", &context, &loader, &cell_template::NoData).unwrap();
    }
    assert_eq!(engine.parse_count(), 2, "each template parsed once");
    // Same text under a fresh allocation: a hit by hash; new text: one more parse.
    let again = common::loader().with("case.html", "{% include 'partial.html' %}");
    engine.render("case.html", &context, &again, &cell_template::NoData).unwrap();
    assert_eq!(engine.parse_count(), 2);
    let changed = common::loader().with("case.html", "{% include 'partial.html' %}!");
    engine.render("case.html", &context, &changed, &cell_template::NoData).unwrap();
    assert_eq!(engine.parse_count(), 3);
}

#[test]
fn error_display_names_template_line_column_and_marks_the_spot() {
    let engine = Engine::new();
    let err = engine
        .render_str(
            "page.html",
            "<h1>\n  {{ page.titel }}</h1>",
            &cell_template::Value::map([(
                "page",
                cell_template::Value::map([("title", cell_template::Value::from("x"))]),
            )]),
        )
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(
        text,
        "no field `titel` (available: `title`; use `?.titel` if it is optional)\n \
         --> page.html:2:11\n  |\n2 |   {{ page.titel }}</h1>\n  |           ^"
    );
}
