//! The conformance table: (template, expected output or error kind + line + column) cases
//! covering every construct of the language, rendered with the shared context, templates and
//! data of `common`.

mod common;

use cell_template::Engine;

enum Expect {
    Out(&'static str),
    /// Error kind code, line, column (in the case's own template).
    Err(&'static str, u32, u32),
    /// Error kind code in another template, line, column.
    ErrIn(&'static str, &'static str, u32, u32),
}

use Expect::{Err, ErrIn, Out};

const CASES: &[(&str, Expect)] = &[
    // Text, output, comments, whitespace control.
    ("plain text", Out("plain text")),
    ("{{ title }}", Out("Hello")),
    ("a{# comment #}b", Out("ab")),
    ("a {#- c -#} b", Out("ab")),
    ("a  {{- title -}}  b", Out("aHellob")),
    ("<p>\n  {%- if true %}x{% endif -%}\n</p>", Out("<p>x</p>")),
    ("{% raw %}{{ not parsed }}{% endraw %}", Out("{{ not parsed }}")),
    ("{{ 'it''s' if false else 'no' }}", Err("syntax", 1, 8)),
    // Literals.
    ("{{ 42 }}", Out("42")),
    ("{{ -5 }}", Out("-5")),
    ("{{ 1.5 }}", Out("1.5")),
    ("{{ 2.0 }}", Out("2.0")),
    ("{{ \"dq\" ~ 'sq' }}", Out("dqsq")),
    ("{{ 'a\\nb' }}", Out("a\nb")),
    ("{{ true }} {{ false }}", Out("true false")),
    ("[{{ none }}]", Out("[]")),
    ("{{ [1, 'a', none] }}", Out("[1, &quot;a&quot;, none]")),
    ("{{ {'k': 1, v: 2}.v }}", Out("2")),
    ("{{ (1, 2) | length }}", Out("2")),
    // Variables, fields, indexes, slices.
    ("{{ user.name }}", Out("Ann")),
    ("{{ user['age'] }}", Out("30")),
    ("{{ user.tags[1] }}", Out("y")),
    ("{{ items[-1] }}", Out("3")),
    ("{{ items.0 }}", Out("1")),
    ("{{ items[1:] }}", Out("[2, 3]")),
    ("{{ items[:-1] }}", Out("[1, 2]")),
    ("{{ title[1:3] }}", Out("el")),
    ("{{ title[0] }}", Out("H")),
    ("{{ pages[2].title }}", Out("C")),
    // Arithmetic and operators.
    ("{{ 1 + 2 * 3 }}", Out("7")),
    ("{{ (1 + 2) * 3 }}", Out("9")),
    ("{{ 7 / 2 }}", Out("3.5")),
    ("{{ 7 // 2 }}", Out("3")),
    ("{{ -7 // 2 }}", Out("-4")),
    ("{{ 7 % 3 }}", Out("1")),
    ("{{ 2 ** 10 }}", Out("1024")),
    ("{{ n - neg }}", Out("10")),
    ("{{ f * 2 }}", Out("5.0")),
    ("{{ 'a' + 'b' }}", Out("ab")),
    ("{{ items + [4] }}", Out("[1, 2, 3, 4]")),
    ("{{ 'n=' ~ n }}", Out("n=7")),
    ("{{ 1 < 2 }} {{ 2 <= 1 }} {{ 'a' < 'b' }}", Out("true false true")),
    ("{{ n == 7 and n != 8 }}", Out("true")),
    ("{{ zero or 'fallback' }}", Out("fallback")),
    ("{{ not empty }}", Out("true")),
    ("{{ 2 in items }} {{ 5 not in items }}", Out("true true")),
    ("{{ 'ell' in title }} {{ 'name' in user }}", Out("true true")),
    ("{{ 'yes' if n > 5 else 'no' }}", Out("yes")),
    ("[{{ 'yes' if n < 5 }}]", Out("[]")),
    // Escaping rules.
    ("{{ html }}", Out("&lt;b&gt;bold&lt;/b&gt;")),
    ("{{ html | safe }}", Out("<b>bold</b>")),
    ("{{ '\"q\" & \\'a\\'' }}", Out("&quot;q&quot; &amp; &#x27;a&#x27;")),
    ("{{ html | escape }}", Out("&lt;b&gt;bold&lt;/b&gt;")),
    ("{{ html | e | safe }}", Out("&lt;b&gt;bold&lt;/b&gt;")),
    ("{{ html | safe ~ '<i>' }}", Out("<b>bold</b>&lt;i&gt;")),
    ("{{ html ~ '<i>' }}", Out("&lt;b&gt;bold&lt;/b&gt;&lt;i&gt;")),
    ("{% set s %}<em>{{ html }}</em>{% endset %}{{ s }}", Out("<em>&lt;b&gt;bold&lt;/b&gt;</em>")),
    ("{% import \"macros.html\" as m %}{{ m.hello('<x>') }}", Out("Hi, &lt;x&gt;!")),
    ("{{ html | upper | safe }}", Out("<B>BOLD</B>")),
    ("{{ html | safe | upper }}", Out("<B>BOLD</B>")),
    ("{{ [html | safe, '<'] | join(' ') }}", Out("<b>bold</b> &lt;")),
    // Filters.
    ("{{ title | upper }} {{ title | lower }}", Out("HELLO hello")),
    ("{{ 'hello world' | capitalize }}", Out("Hello world")),
    ("{{ 'hello big world' | title }}", Out("Hello Big World")),
    ("[{{ text | trim }}]", Out("[Hello World]")),
    ("{{ items | length }} {{ title | length }} {{ user | length }}", Out("3 5 3")),
    ("{{ items | first }} {{ items | last }}", Out("1 3")),
    ("{{ names | reverse | join(',') }}", Out("c,a,b")),
    ("{{ title | reverse }}", Out("olleH")),
    ("{{ names | sort | join(',') }}", Out("a,b,c")),
    ("{{ names | sort(reverse=true) | join }}", Out("cba")),
    ("{{ pages | sort(attribute='w') | map(attribute='title') | join }}", Out("BAC")),
    ("{{ items | join(', ') }}", Out("1, 2, 3")),
    ("{{ pages | join(', ', attribute='title') }}", Out("A, B, C")),
    ("{{ 'a,b,c' | split(',') | last }}", Out("c")),
    ("{{ 'a b  c' | split | length }}", Out("3")),
    ("{{ missing | default('dflt') }}", Out("dflt")),
    ("{{ nothing | default('was none') }}", Out("was none")),
    ("{{ title | default('x') }}", Out("Hello")),
    ("{{ '' | default('empty', true) }}", Out("empty")),
    ("{{ user.missing | default(0) }}", Out("0")),
    ("{{ items | slice(1) }}", Out("[2, 3]")),
    ("{{ items | slice(start=0, end=-1) }}", Out("[1, 2]")),
    ("{{ pages | map(attribute='cat') | join }}", Out("xyx")),
    ("{{ names | map('upper') | join }}", Out("BAC")),
    ("{{ pages | selectattr('draft') | map(attribute='title') | join }}", Out("B")),
    ("{{ pages | rejectattr('draft') | map(attribute='title') | join }}", Out("AC")),
    ("{{ pages | selectattr('w', 'gt', 1) | length }}", Out("2")),
    (
        "{% for g in pages | groupby(attribute='cat') %}{{ g.grouper }}:{{ g.list | length }};{% endfor %}",
        Out("x:2;y:1;"),
    ),
    (
        "{% for key, group in pages | groupby('cat') %}{{ key }}={{ group | map(attribute='title') | join }} {% endfor %}",
        Out("x=AC y=B "),
    ),
    ("{{ title | replace('l', 'L') }}", Out("HeLLo")),
    ("{{ 'abcdefgh' | truncate(3) }}", Out("abc...")),
    ("{{ 'abcdefgh' | truncate(length=5, end='…') }}", Out("abcde…")),
    ("{{ 'abc' | truncate(10) }}", Out("abc")),
    ("{{ '<p>Hi <b>there</b></p>' | striptags }}", Out("Hi there")),
    (
        "{{ 2.567 | round }} {{ 2.567 | round(2) }} {{ 2.1 | round(method='ceil') }}",
        Out("3.0 2.57 3.0"),
    ),
    ("{{ neg | abs }} {{ (-1.5) | abs }} {{ -1.5 | abs }}", Out("3 1.5 -1.5")),
    ("{{ '42' | int + 1 }} {{ 3.9 | int }} {{ 'x' | int }}", Out("43 3 0")),
    ("{{ '2.5' | float }} {{ 3 | float }}", Out("2.5 3.0")),
    ("{{ (n | string) ~ '!' }}", Out("7!")),
    ("{{ 'a b&c/d' | urlencode }}", Out("a%20b%26c/d")),
    ("{{ day | date('%d %B %Y') }}", Out("05 March 2024")),
    ("{{ 0 | date(format='%Y-%m-%d %H:%M') }}", Out("1970-01-01 00:00")),
    ("{{ 'one two  three' | wordcount }}", Out("3")),
    ("{% for k, v in user | items %}{{ k }};{% endfor %}", Out("name;age;tags;")),
    ("{{ title | list | length }}", Out("5")),
    ("{{ items | length | string | length }}", Out("1")),
    // Tests.
    (
        "{{ title is defined }} {{ missing is defined }} {{ missing is undefined }}",
        Out("true false true"),
    ),
    ("{{ user.name is defined }} {{ user.nope is defined }}", Out("true false")),
    ("{{ nothing is none }} {{ title is not none }}", Out("true true")),
    ("{{ title is string }} {{ n is string }}", Out("true false")),
    (
        "{{ n is number }} {{ f is number }} {{ n is integer }} {{ f is float }}",
        Out("true true true true"),
    ),
    ("{{ user is mapping }} {{ items is mapping }}", Out("true false")),
    (
        "{{ items is iterable }} {{ n is iterable }} {{ items is sequence }} {{ user is sequence }}",
        Out("true false true false"),
    ),
    (
        "{{ n is odd }} {{ n is even }} {{ 9 is divisibleby(3) }} {{ 9 is divisibleby 4 }}",
        Out("true false true false"),
    ),
    (
        "{{ n is eq(7) }} {{ n is ne 7 }} {{ n is lt(8) }} {{ n is gt 8 }} {{ n is le 7 }} {{ n is ge 8 }}",
        Out("true false true false true false"),
    ),
    (
        "{{ title is startingwith('He') }} {{ title is endingwith 'x' }} {{ items is containing(2) }}",
        Out("true false true"),
    ),
    ("{{ not missing is defined }}", Out("true")),
    // if / elif / else.
    ("{% if n > 5 %}big{% endif %}", Out("big")),
    ("{% if n > 10 %}big{% else %}small{% endif %}", Out("small")),
    ("{% if n > 10 %}a{% elif n > 5 %}b{% elif n > 1 %}c{% else %}d{% endif %}", Out("b")),
    ("{% if empty %}x{% elif nothing %}y{% else %}z{% endif %}", Out("z")),
    ("{% if user.age >= 18 and 'x' in user.tags %}adult x{% endif %}", Out("adult x")),
    ("{% if missing is defined and missing.x %}no{% else %}safe{% endif %}", Out("safe")),
    // for.
    ("{% for i in items %}{{ i }}{% endfor %}", Out("123")),
    ("{% for i in items %}{{ loop.index }}{{ loop.index0 }}{% endfor %}", Out("102132")),
    (
        "{% for i in items %}{% if loop.first %}[{% endif %}{{ i }}{% if loop.last %}]{% else %},{% endif %}{% endfor %}",
        Out("[1,2,3]"),
    ),
    (
        "{% for i in items %}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }} {% endfor %}",
        Out("332 321 310 "),
    ),
    ("{% for i in empty %}x{% else %}none{% endfor %}", Out("none")),
    (
        "{% for k, v in user %}{{ k }}={{ v | length if v is iterable else v }};{% endfor %}",
        Out("name=3;age=30;tags=2;"),
    ),
    ("{% for k in user %}{{ k }} {% endfor %}", Out("name age tags ")),
    ("{% for c in 'abc' %}{{ c }}.{% endfor %}", Out("a.b.c.")),
    ("{% for i in items %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %}", Out("1")),
    ("{% for i in items %}{% if i == 2 %}{% continue %}{% endif %}{{ i }}{% endfor %}", Out("13")),
    ("{% for i in items if i is odd %}{{ i }}/{{ loop.length }} {% endfor %}", Out("1/2 3/2 ")),
    (
        "{% for row in [[1, 2], [3]] %}{% for x in row %}{{ loop.index }}{% endfor %}|{{ loop.index }} {% endfor %}",
        Out("12|1 1|2 "),
    ),
    ("{% for i in range(3) %}{{ i }}{% endfor %}", Out("012")),
    ("{% for i in range(10, 0, -3) %}{{ i }},{% endfor %}", Out("10,7,4,1,")),
    (
        "{% for i in items %}{% set last = i %}{% endfor %}[{{ last | default('scoped') }}]",
        Out("[scoped]"),
    ),
    ("{% for p in pages %}{{ p.title }}{% endfor %}", Out("ABC")),
    ("{% for i in items %}{{ loop.index }}{% endfor %}{{ loop is defined }}", Out("123false")),
    // set.
    ("{% set x = 5 %}{{ x * 2 }}", Out("10")),
    ("{% set x = 1 %}{% set x = x + 1 %}{{ x }}", Out("2")),
    ("{% set greeting %}Hi {{ user.name }}{% endset %}{{ greeting | upper }}", Out("HI ANN")),
    ("{% set title = 'shadow' %}{{ title }}", Out("shadow")),
    // Inheritance.
    ("{% extends \"base.html\" %}", Out("<html><title>Base</title>base-body</html>")),
    (
        "{% extends \"base.html\" %}{% block body %}mine{% endblock %}",
        Out("<html><title>Base</title>mine</html>"),
    ),
    (
        "{% extends \"base.html\" %}{% block title %}{{ super() }}+child{% endblock %}",
        Out("<html><title>Base+child</title>base-body</html>"),
    ),
    (
        "{% extends \"mid.html\" %}{% block content %}leaf{% endblock %}",
        Out("<html><title>Mid-Base</title>[mid leaf]</html>"),
    ),
    (
        "{% extends \"mid.html\" %}{% block title %}Leaf-{{ super() }}{% endblock %}",
        Out("<html><title>Leaf-Mid-Base</title>[mid mid-content]</html>"),
    ),
    (
        "{% extends \"mid.html\" %}{% block body %}<{{ super() }}>{% endblock %}",
        Out("<html><title>Mid-Base</title><[mid mid-content]></html>"),
    ),
    (
        "{% extends \"mid.html\" %}{% block head %}H:{{ super() }}{% endblock %}{% block title %}T{% endblock %}",
        Out("<html>H:<title>T</title>[mid mid-content]</html>"),
    ),
    (
        "{% extends \"base.html\" %}{% set who = 'set in child' %}{% block body %}{{ who }}{% endblock %}",
        Out("<html><title>Base</title>set in child</html>"),
    ),
    (
        "{% extends \"base.html\" %}ignored text{% block body %}{{ title }}{% endblock %}",
        Out("<html><title>Base</title>Hello</html>"),
    ),
    ("{% block alone %}standalone{% endblock %}", Out("standalone")),
    (
        "{% extends 'ba' ~ 'se.html' %}{% block body %}dyn{% endblock %}",
        Out("<html><title>Base</title>dyn</html>"),
    ),
    // include.
    ("{% include \"partial.html\" %}", Out("<p>Hello</p>")),
    ("{% for x in items %}{% include \"loopvar.html\" %}{% endfor %}", Out("[1][2][3]")),
    ("{% include \"nope.html\" ignore missing %}ok", Out("ok")),
    ("{% include \"setter.html\" %}[{{ inner | default('not leaked') }}]", Out("1[not leaked]")),
    ("{% set title = 'local' %}{% include 'partial.html' %}", Out("<p>local</p>")),
    // Macros, imports, call blocks.
    ("{% macro greet(who) %}Hello {{ who }}{% endmacro %}{{ greet('Bo') }}", Out("Hello Bo")),
    (
        "{% macro tag(name, cls='c') %}<{{ name }} class=\"{{ cls }}\">{% endmacro %}{{ tag('p') }}{{ tag('i', cls='x') }}",
        Out("<p class=\"c\"><i class=\"x\">"),
    ),
    ("{% import \"macros.html\" as m %}{{ m.hello('Ann') }}", Out("Hi, Ann!")),
    ("{% import \"macros.html\" as m %}{{ m::hello('Ann', greeting='Yo') }}", Out("Yo, Ann!")),
    ("{% import \"macros.html\" as m %}{{ m.hello(name=user.name) }}", Out("Hi, Ann!")),
    (
        "{% from \"macros.html\" import hello, hello as hi %}{{ hello('a') }} {{ hi('b', 'Hey') }}",
        Out("Hi, a! Hey, b!"),
    ),
    ("{% import \"macros.html\" as m %}{{ m.rec(3) }}", Out("3,2,1,0")),
    ("{% import \"macros.html\" as m %}{{ m.loud('hey') }}", Out("HEY!")),
    (
        "{% import \"macros.html\" as m %}{% call m.wrap() %}inside {{ title }}{% endcall %}",
        Out("<div>inside Hello</div>"),
    ),
    (
        "{% import \"macros.html\" as m %}{% call(item) m.list(items) %}#{{ item }}{% endcall %}",
        Out("<ul><li>#1</li><li>#2</li><li>#3</li></ul>"),
    ),
    (
        "{% import \"macros.html\" as m %}{% for p in pages %}{% call m.wrap() %}{{ p.title }}{{ loop.index }}{% endcall %}{% endfor %}",
        Out("<div>A1</div><div>B2</div><div>C3</div>"),
    ),
    (
        "{% macro m(x) %}{{ title }}/{{ x }}{% endmacro %}{% set local = 1 %}{{ m(2) }}",
        Out("Hello/2"),
    ),
    (
        "{% macro outer() %}{{ inner() }}{% endmacro %}{% macro inner() %}in{% endmacro %}{{ outer() }}",
        Out("in"),
    ),
    (
        "{% import 'macros.html' as m %}{% macro use() %}{{ m.hello('x') }}{% endmacro %}{{ use() }}",
        Out("Hi, x!"),
    ),
    // Lenient access.
    ("[{{ missing?.x }}]", Out("[]")),
    ("[{{ user?.nope }}]", Out("[]")),
    ("{{ user?.name }}", Out("Ann")),
    ("[{{ nothing?.x?.y }}]", Out("[]")),
    // Data and host functions.
    ("{{ data.authors.alice.name }}", Out("Alice")),
    ("{{ data.site.name }}", Out("My &lt;Site&gt;")),
    (
        "{% for k, a in data.authors %}{{ k }}:{{ a.name }} {% endfor %}",
        Out("alice:Alice bob:Bob "),
    ),
    ("{{ data.authors['bob'].name }}", Out("Bob")),
    ("{{ data.nope is defined }} {{ data.nope | default('d') }}", Out("false d")),
    ("{{ get_url(path='about') }}", Out("/about")),
    ("{{ get_section(path='blog').title }}", Out("Section blog")),
    ("{{ now() | date('%Y') }}", Out("2024")),
    // Errors, with kind, line and column.
    ("{{ missing }}", Err("undefined-variable", 1, 4)),
    ("line\n  {{ user.nope }}", Err("missing-field", 2, 11)),
    ("{{ items[5] }}", Err("index-out-of-range", 1, 9)),
    ("{{ 'a' - 1 }}", Err("type", 1, 8)),
    ("{{ 1 / 0 }}", Err("arithmetic", 1, 6)),
    ("{{ n % 0 }}", Err("arithmetic", 1, 6)),
    ("{{ title | nosuch }}", Err("unknown-filter", 1, 12)),
    ("{{ n is nosuch }}", Err("unknown-test", 1, 9)),
    ("{{ title | truncate(1, 2, 3) }}", Err("arguments", 1, 12)),
    ("{% include \"nope.html\" %}", Err("template-not-found", 1, 12)),
    ("{% extends \"nope.html\" %}", Err("template-not-found", 1, 12)),
    ("{% import \"nope.html\" as m %}", Err("template-not-found", 1, 11)),
    ("{{ throw('bad page') }}", Err("thrown", 1, 4)),
    ("{{ data.nope }}", Err("missing-data", 1, 9)),
    ("{{ unknown_fn() }}", Err("undefined-variable", 1, 4)),
    ("{% if n %}\n{% for x in items %}\n{% endif %}", Err("syntax", 3, 4)),
    ("{% if n %}open", Err("syntax", 1, 1)),
    ("{{ n", Err("syntax", 1, 1)),
    ("{{ n + }}", Err("syntax", 1, 8)),
    ("{% endif %}", Err("syntax", 1, 4)),
    ("{% frobnicate %}", Err("syntax", 1, 4)),
    ("{% break %}", Err("syntax", 1, 4)),
    ("{{ 'unclosed }}", Err("syntax", 1, 4)),
    ("{# never closed", Err("syntax", 1, 1)),
    ("{{ n | upper(1) }}", Err("arguments", 1, 8)),
    ("{% for x in n %}{% endfor %}", Err("type", 1, 13)),
    ("{% macro m(a) %}{{ a }}{% endmacro %}{{ m() }}", Err("arguments", 1, 41)),
    ("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, b=2) }}", Err("arguments", 1, 41)),
    ("{% import \"macros.html\" as m %}{{ m.nope() }}", Err("missing-field", 1, 37)),
    (
        "{% macro m(a) %}{{ a }}{{ title2 }}{% endmacro %}\n{{ m(1) }}",
        Err("undefined-variable", 1, 27),
    ),
    ("{% include \"broken.html\" %}", ErrIn("broken.html", "syntax", 2, 7)),
    ("{% include \"strict.html\" %}", ErrIn("strict.html", "undefined-variable", 2, 6)),
    ("{% extends \"cycle1.html\" %}", ErrIn("cycle2.html", "recursion", 1, 12)),
    ("{% include \"selfrec.html\" %}", ErrIn("selfrec.html", "recursion", 1, 12)),
    ("{% macro r() %}{{ r() }}{% endmacro %}{{ r() }}", Err("recursion", 1, 19)),
    ("{{ range(1, 2, 0) }}", Err("arguments", 1, 4)),
    ("{% call title %}{% endcall %}", Err("syntax", 1, 9)),
    ("{{ super() }}", Err("type", 1, 4)),
    ("{{ n is divisibleby(0) }}", Err("arithmetic", 1, 9)),
    ("{{ range(-9223372036854775807, 9223372036854775807) }}", Err("arguments", 1, 4)),
    ("{{ range(9223372036854775806, 9223372036854775807) }}", Out("[9223372036854775806]")),
    ("{{ (-9223372036854775807 - 1) is divisibleby(-1) }}", Out("true")),
    ("{{ 9223372036854775807 + 1 }}", Err("arithmetic", 1, 24)),
];

#[test]
fn the_conformance_table_passes() {
    assert!(CASES.len() >= 150, "the table has {} cases", CASES.len());
    let engine = Engine::new();
    let context = common::context();
    let mut failures = Vec::new();
    for (i, (source, expected)) in CASES.iter().enumerate() {
        let loader = common::loader().with("case.html", source);
        let provider = common::Provider::default();
        let result = engine.render("case.html", &context, &loader, &provider);
        let ok = match (expected, &result) {
            (Out(want), Ok(got)) => want == got,
            (Err(code, line, column), Result::Err(e)) => {
                e.kind().code() == *code
                    && e.template() == Some("case.html")
                    && e.line() == Some(*line)
                    && e.column() == Some(*column)
            }
            (ErrIn(template, code, line, column), Result::Err(e)) => {
                e.kind().code() == *code
                    && e.template() == Some(*template)
                    && e.line() == Some(*line)
                    && e.column() == Some(*column)
            }
            _ => false,
        };
        if !ok {
            let got = match &result {
                Ok(out) => format!("output {out:?}"),
                Result::Err(e) => format!(
                    "error {} at {:?}:{:?}:{:?}\n{e}",
                    e.kind().code(),
                    e.template(),
                    e.line(),
                    e.column()
                ),
            };
            failures.push(format!("case {i}: {source:?}\n  got {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        CASES.len(),
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
