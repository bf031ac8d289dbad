//! The fixtures every conformance case renders with: the context, the templates the cases
//! extend, include and import, and the site data.
//!
//! Written only with `Value::{map, list, from, None}`, so that `tools/tera-oracle` can include
//! this file as it is, with a `Value` of its own that builds Tera's (JSON) values: both engines
//! render the table over the very same fixtures.

use super::Value;

/// The context every conformance case renders with.
pub fn context() -> Value {
    let page = |title: &str, cat: &str, draft: bool, weight: i64| {
        Value::map([
            ("title", Value::from(title)),
            ("cat", Value::from(cat)),
            ("draft", Value::from(draft)),
            ("w", Value::from(weight)),
        ])
    };
    Value::map([
        ("title", Value::from("Hello")),
        ("html", Value::from("<b>bold</b>")),
        ("n", Value::from(7)),
        ("f", Value::from(2.5)),
        ("whole", Value::from(3.0)),
        ("neg", Value::from(-3)),
        ("zero", Value::from(0)),
        ("items", Value::list([Value::from(1), Value::from(2), Value::from(3)])),
        (
            "grid",
            Value::list([
                Value::list([Value::from(1), Value::from(2)]),
                Value::list([Value::from(3), Value::from(4)]),
            ]),
        ),
        ("names", Value::list([Value::from("b"), Value::from("a"), Value::from("c")])),
        ("empty", Value::list([])),
        ("nothing", Value::None),
        ("text", Value::from("  Hello World  ")),
        ("day", Value::from("2024-03-05")),
        ("stamp", Value::from("2024-01-05T10:00:00Z")),
        ("offset_stamp", Value::from("2024-01-05T10:00:00+02:00")),
        ("url", Value::from("https://example.com/a b?x=1&y=2")),
        (
            "user",
            Value::map([
                ("name", Value::from("Ann")),
                ("age", Value::from(30)),
                ("tags", Value::list([Value::from("x"), Value::from("y")])),
            ]),
        ),
        (
            "pages",
            Value::list([
                page("A", "x", false, 2),
                page("B", "y", true, 1),
                page("C", "x", false, 3),
            ]),
        ),
        (
            "page",
            Value::map([
                ("title", Value::from("Post")),
                ("word_count", Value::from(1234)),
                ("extra", Value::map([("mood", Value::from("calm"))])),
                (
                    "toc",
                    Value::list([
                        Value::map([
                            ("title", Value::from("One")),
                            (
                                "children",
                                Value::list([Value::map([
                                    ("title", Value::from("One.A")),
                                    ("children", Value::list([])),
                                ])]),
                            ),
                        ]),
                        Value::map([("title", Value::from("Two")), ("children", Value::list([]))]),
                    ]),
                ),
            ]),
        ),
    ])
}

/// Templates the cases extend, include and import, by name.
pub fn templates() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "base.html",
            "<html>{% block head %}<title>{% block title %}Base{% endblock %}</title>{% endblock %}\
             {% block body %}base-body{% endblock %}</html>",
        ),
        (
            "mid.html",
            "{% extends \"base.html\" %}{% block title %}Mid-{{ super() }}{% endblock %}\
             {% block body %}[mid {% block content %}mid-content{% endblock %}]{% endblock %}",
        ),
        (
            "macros.html",
            "{% macro hello(name, greeting=\"Hi\") %}{{ greeting }}, {{ name }}!{% endmacro %}\
             {% macro list(items) %}<ul>{% for i in items %}<li>{{ caller(i) }}</li>{% endfor %}</ul>{% endmacro %}\
             {% macro wrap() %}<div>{{ caller() }}</div>{% endmacro %}\
             {% macro rec(n) %}{{ n }}{% if n > 0 %},{{ rec(n - 1) }}{% endif %}{% endmacro %}\
             {% macro shout(s) %}{{ s | upper }}{% endmacro %}\
             {% macro loud(s) %}{{ shout(s) }}!{% endmacro %}",
        ),
        (
            "tera_macros.html",
            "{% macro hello(name, greeting=\"Hi\") %}{{ greeting }}, {{ name }}!{% endmacro hello %}\
             {% macro toc(items, depth=1) %}<ul>{% for h in items %}<li>{{ h.title }}\
             {% if h.children %}{{ self::toc(items=h.children, depth=depth + 1) }}{% endif %}</li>\
             {% endfor %}</ul>{% endmacro toc %}\
             {% macro rec(n) %}{{ n }}{% if n > 0 %},{{ self::rec(n=n - 1) }}{% endif %}{% endmacro rec %}\
             {% macro raw(s) %}<i>{{ s }}</i>{% endmacro raw %}",
        ),
        (
            "importing_macros.html",
            "{% import \"tera_macros.html\" as inner %}\
             {% macro greet(who) %}[{{ inner::hello(name=who) }}]{% endmacro greet %}",
        ),
        ("partial.html", "<p>{{ title }}</p>"),
        ("first.html", "first:{{ title }}"),
        ("partials/nav.html", "nav:{{ title }}"),
        ("loopvar.html", "[{{ x }}]"),
        ("broken.html", "ok\n{% if %}"),
        ("strict.html", "line one\n  {{ nope }}"),
        ("cycle1.html", "{% extends \"cycle2.html\" %}"),
        ("cycle2.html", "{% extends \"cycle1.html\" %}"),
        ("setter.html", "{% set inner = 1 %}{{ inner }}"),
        ("global_setter.html", "{% set_global from_include = 'leaked' %}"),
        ("selfrec.html", "{% include \"selfrec.html\" %}"),
        ("escaping.txt", "{{ html }}"),
        ("escaping.html", "{{ html }}"),
    ]
}

/// The site's data, as `data.*` (the engine asks it of the provider; Tera sees it in the
/// context).
pub fn data() -> Value {
    Value::map([
        (
            "authors",
            Value::map([
                ("alice", Value::map([("name", Value::from("Alice")), ("posts", Value::from(3))])),
                ("bob", Value::map([("name", Value::from("Bob"))])),
            ]),
        ),
        ("site", Value::map([("name", Value::from("My <Site>"))])),
    ])
}
