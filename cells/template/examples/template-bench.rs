//! Renders the same templates with this engine and with minijinja, and prints ns per render
//! and the ratio (ours / minijinja; below 1.0 is faster).
//!
//! `cargo run --release -p cell-template --example template-bench`
//!
//! Three scenarios: a simple page; a page extending a base that includes a nav and a footer
//! and includes a card three times; a 1,000-row loop with filters. Templates and contexts are
//! built before timing; each engine renders each scenario until ~0.3 s have passed, after a
//! warm-up. Both outputs are checked to be identical first (but for the case of the hex digit in
//! `&#x2F;` and whole floats, `181` here and `181.0` there), so the engines do the same work.

use std::hint::black_box;
use std::time::{Duration, Instant};

use cell_template::{Engine, MemoryLoader, NoData, Value};

const SIMPLE: &str = "<h1>{{ page.title }}</h1><p>{{ page.summary }}</p>\
<p>By {{ page.author | upper }} on {{ page.date }}</p>\
{% if page.tags %}<ul>{% for t in page.tags %}<li>{{ t }}</li>{% endfor %}</ul>{% endif %}";

const BASE: &str = "<!doctype html><html><head><title>{% block title %}{{ site.name }}{% endblock %}</title></head>\
<body>{% include \"nav.html\" %}<main>{% block content %}{% endblock %}</main>{% include \"footer.html\" %}</body></html>";
const NAV: &str = "<nav>{% for link in site.links %}<a href=\"{{ link.url }}\">{{ link.title }}</a>{% endfor %}</nav>";
const FOOTER: &str = "<footer>&copy; {{ site.year }} {{ site.name }}</footer>";
const CARD: &str = "<div class=\"card\"><h2>{{ card.title }}</h2><p>{{ card.body }}</p></div>";
const PAGE: &str = "{% extends \"base.html\" %}{% block title %}{{ page.title }} - {{ super() }}{% endblock %}\
{% block content %}<article><h1>{{ page.title }}</h1>{{ page.summary }}\
{% for card in page.cards %}{% include \"card.html\" %}{% endfor %}</article>{% endblock %}";

const LOOP: &str = "<table>{% for item in items %}<tr class=\"{{ 'odd' if loop.index is odd else 'even' }}\">\
<td>{{ loop.index }}</td><td>{{ item.name | upper }}</td><td>{{ item.price | round(2) }}</td>\
<td>{{ item.tags | join(\", \") }}</td><td>{{ item.note | default(\"-\") }}</td></tr>{% endfor %}</table>";

fn context() -> Value {
    let link = |t: &str, u: &str| Value::map([("title", Value::from(t)), ("url", Value::from(u))]);
    let card = |t: &str| {
        Value::map([("title", Value::from(t)), ("body", Value::from("Some text & more"))])
    };
    let items = (0..1000).map(|i| {
        let mut item = vec![
            ("name", Value::from(format!("item number {i}"))),
            ("price", Value::from(i as f64 * 1.005 + 0.1)),
            ("tags", Value::list([Value::from("a"), Value::from("b <c>")])),
        ];
        if i % 3 == 0 {
            item.push(("note", Value::from("note")));
        }
        Value::map(item)
    });
    Value::map([
        (
            "page",
            Value::map([
                ("title", Value::from("Hello <World>")),
                (
                    "summary",
                    Value::from("A short summary of the page, with an ampersand & quotes \"\"."),
                ),
                ("author", Value::from("ann")),
                ("date", Value::from("2024-03-05")),
                ("tags", Value::list(["rust", "web", "templates"].map(Value::from))),
                ("cards", Value::list([card("One"), card("Two"), card("Three")])),
            ]),
        ),
        (
            "site",
            Value::map([
                ("name", Value::from("My Site")),
                ("year", Value::from(2024)),
                (
                    "links",
                    Value::list([
                        link("Home", "/"),
                        link("Blog", "/blog/"),
                        link("About", "/about/"),
                    ]),
                ),
            ]),
        ),
        ("items", Value::list(items)),
    ])
}

/// The same value for minijinja.
fn to_minijinja(value: &Value) -> minijinja::Value {
    match value {
        Value::None => minijinja::Value::from(()),
        Value::Bool(b) => minijinja::Value::from(*b),
        Value::Int(i) => minijinja::Value::from(*i),
        Value::Float(f) => minijinja::Value::from(*f),
        Value::String(s) => minijinja::Value::from(&**s),
        Value::Safe(s) => minijinja::Value::from_safe_string(s.to_string()),
        Value::List(items) => items.iter().map(to_minijinja).collect::<Vec<_>>().into(),
        Value::Map(map) => {
            map.iter().map(|(k, v)| (k.to_string(), to_minijinja(v))).collect::<minijinja::Value>()
        }
        Value::Object(_) => minijinja::Value::from(()),
    }
}

fn time(mut render: impl FnMut() -> String) -> f64 {
    for _ in 0..50 {
        black_box(render());
    }
    let budget = Duration::from_millis(300);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..10 {
            black_box(render());
        }
        n += 10;
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

fn main() {
    let loader = MemoryLoader::new()
        .with("simple.html", SIMPLE)
        .with("base.html", BASE)
        .with("nav.html", NAV)
        .with("footer.html", FOOTER)
        .with("card.html", CARD)
        .with("page.html", PAGE)
        .with("loop.html", LOOP);
    let mut env = minijinja::Environment::new();
    for (name, source) in [
        ("simple.html", SIMPLE),
        ("base.html", BASE),
        ("nav.html", NAV),
        ("footer.html", FOOTER),
        ("card.html", CARD),
        ("page.html", PAGE),
        ("loop.html", LOOP),
    ] {
        env.add_template(name, source).expect("minijinja parses the template");
    }
    let ours_context = context();
    let theirs_context = to_minijinja(&ours_context);
    let engine = Engine::new();

    println!("{:<28} {:>14} {:>14} {:>8}", "scenario", "ours ns", "minijinja ns", "ratio");
    for (label, name) in [
        ("simple page", "simple.html"),
        ("inheritance + includes", "page.html"),
        ("1000-row loop + filters", "loop.html"),
    ] {
        let ours = || engine.render(name, &ours_context, &loader, &NoData).expect("our render");
        let template = env.get_template(name).expect("minijinja has it");
        let theirs = || template.render(&theirs_context).expect("minijinja render");
        // Both escape `/`: as Tera does (`&#x2F;`), and in lower case (`&#x2f;`); whole floats
        // print as Tera prints them (`181`), and as Python does (`181.0`).
        assert_eq!(
            ours().replace("&#x2F;", "&#x2f;"),
            theirs().replace(".0</td>", "</td>"),
            "{label}: both engines give the same output"
        );
        let ours_ns = time(ours);
        let theirs_ns = time(theirs);
        println!("{label:<28} {ours_ns:>14.0} {theirs_ns:>14.0} {:>8.2}", ours_ns / theirs_ns);
    }
}
