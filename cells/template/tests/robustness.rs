//! Any template text gives `Ok` or an error, never a panic or a stack overflow: mutations of
//! the conformance templates, truncations at every byte, and deep nesting.

mod common;

use cell_template::{Engine, NoData};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const PIECES: &[&str] = &[
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "-",
    "if",
    "for",
    "x",
    "in",
    "items",
    "endif",
    "endfor",
    "block",
    "endblock",
    "extends",
    "'s'",
    "\"",
    "|",
    "upper",
    "(",
    ")",
    "[",
    "]",
    ".",
    "?.",
    "::",
    "macro",
    "endmacro",
    "call",
    "endcall",
    "caller()",
    "super()",
    "set",
    "=",
    "1",
    "-1",
    "é",
    "\n",
    " ",
    "loop.index",
    "9223372036854775807",
    "-9223372036854775808",
    "range(",
    "divisibleby",
    "%",
    "//",
    "**",
    "include 'partial.html'",
    "import 'macros.html' as m",
    "m.hello(",
    ",",
];

#[test]
fn random_template_text_never_panics() {
    let engine = Engine::new();
    let context = common::context();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..4000 {
        let mut source = String::new();
        for _ in 0..(rng.next() % 24) {
            source.push_str(PIECES[(rng.next() % PIECES.len() as u64) as usize]);
        }
        let loader = common::loader().with("fuzz.html", &source);
        let _ = engine.render("fuzz.html", &context, &loader, &common::Provider::default());
    }
}

#[test]
fn every_truncation_of_a_rich_template_is_ok_or_an_error() {
    let source = "{% extends \"base.html\" %}{% import \"macros.html\" as m %}{% block body %}\
                  {%- for p in pages if not p.draft -%}{{ loop.index }}{{ m.hello(p.title | upper) }}\
                  {% call(i) m.list([1, 2]) %}{{ i ~ '!' }}{% endcall %}{% else %}-{% endfor %}\
                  {{ user?.nope | default({'a': [1, 2.5, none]}) }}{% endblock %}";
    let engine = Engine::new();
    let context = common::context();
    for end in (0..=source.len()).filter(|&i| source.is_char_boundary(i)) {
        let loader = common::loader().with("t.html", &source[..end]);
        let _ = engine.render("t.html", &context, &loader, &NoData);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let engine = Engine::new();
    let context = common::context();
    for source in [
        format!("{{{{ {}1{} }}}}", "(".repeat(10_000), ")".repeat(10_000)),
        format!("{{{{ {}1 }}}}", "-".repeat(10_000)),
        format!("{{{{ {}1 }}}}", "not ".repeat(10_000)),
        format!("{{{{ x{} }}}}", ".a".repeat(10_000)),
        format!("{{{{ 1{} }}}}", " + 1".repeat(10_000)),
        format!("{{{{ {}", "[".repeat(10_000)),
        "{% if true %}".repeat(10_000),
    ] {
        let err = engine.render_str("deep.html", &source, &context).unwrap_err();
        assert!(matches!(err.kind().code(), "syntax"), "{err}");
    }
    // Recursion through macros whose bodies nest statements stops on the stack budget.
    let recursive = "{% macro r(k) %}{% for i in [1] %}{% if true %}{% set y %}{{ r(k + 1) }}\
                     {% endset %}{{ y }}{% endif %}{% endfor %}{% endmacro %}{{ r(0) }}";
    let err = engine.render_str("rec.html", recursive, &context).unwrap_err();
    assert_eq!(err.kind().code(), "recursion", "{err}");
    // Nesting within the limits renders, in a test thread's default stack.
    let ok = format!("{}x{}", "{% if true %}".repeat(60), "{% endif %}".repeat(60));
    assert_eq!(engine.render_str("ok.html", &ok, &context).unwrap(), "x");
}
