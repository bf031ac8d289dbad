//! The loader and the data provider are asked for exactly what a render touches: each
//! template it reaches and each data path it reads, once per render, and nothing in branches
//! it does not take.

mod common;

use cell_template::{Engine, MemoryLoader, Value};
use common::{Provider, RecordingLoader};

fn site() -> MemoryLoader {
    MemoryLoader::new()
        .with(
            "page.html",
            "{% extends \"base.html\" %}\
             {% import \"macros.html\" as m %}\
             {% block body %}{{ m.hello(data.authors.alice.name) }} {{ data.authors.alice.name }}\
             {% if show_nav %}{% include \"nav.html\" %}{% endif %}\
             {% if false %}{% include \"never.html\" %}{{ data.authors.bob.name }}{% endif %}\
             {% for i in [1, 2] %}{% include \"nav.html\" %}{% endfor %}{% endblock %}",
        )
        .with("base.html", "<title>{{ data.site.name }}</title>{% block body %}{% endblock %}")
        .with(
            "macros.html",
            "{% macro hello(n) %}hi {{ n }} at {{ get_url(path='a') }}{% endmacro %}",
        )
        .with("nav.html", "<nav>{{ data.site.name }}</nav>")
        .with("never.html", "never")
        .with("unused.html", "unused")
}

#[test]
fn only_the_templates_and_data_keys_a_render_touches_are_asked_for_once_each() {
    let loader = RecordingLoader::new(site());
    let provider = Provider::default();
    let context = Value::map([("show_nav", Value::from(true))]);
    let html = Engine::new().render("page.html", &context, &*loader, &provider).unwrap();
    assert_eq!(
        html,
        "<title>My &lt;Site&gt;</title>hi Alice at &#x2F;a Alice\
         <nav>My &lt;Site&gt;</nav><nav>My &lt;Site&gt;</nav><nav>My &lt;Site&gt;</nav>"
    );
    assert_eq!(
        *loader.asked.lock().unwrap(),
        ["page.html", "base.html", "macros.html", "nav.html"]
    );
    assert_eq!(
        *provider.asked.lock().unwrap(),
        ["data:site.name", "data:authors.alice.name", "fn:get_url"],
        "one request per path read, by its full path; none for the branch not taken"
    );
}

#[test]
fn a_branch_not_taken_asks_for_nothing() {
    let loader = RecordingLoader::new(site());
    let provider = Provider::default();
    let context = Value::map([("show_nav", Value::from(false))]);
    Engine::new().render("page.html", &context, &*loader, &provider).unwrap();
    // nav.html is still included by the loop; never.html and unused.html are not asked.
    assert_eq!(
        *loader.asked.lock().unwrap(),
        ["page.html", "base.html", "macros.html", "nav.html"]
    );
    let context = Value::map([("show_nav", Value::from(false))]);
    let loader = RecordingLoader::new(
        site().with("page.html", "{% if show_nav %}{% include \"nav.html\" %}{% endif %}x"),
    );
    let provider = Provider::default();
    assert_eq!(Engine::new().render("page.html", &context, &*loader, &provider).unwrap(), "x");
    assert_eq!(*loader.asked.lock().unwrap(), ["page.html"]);
    assert!(provider.asked.lock().unwrap().is_empty());
}

#[test]
fn a_whole_data_subtree_read_is_one_request_for_its_path() {
    let loader = RecordingLoader::new(
        MemoryLoader::new()
            .with("p.html", "{% for k, a in data.authors %}{{ a.name }}{% endfor %}"),
    );
    let provider = Provider::default();
    let html = Engine::new().render("p.html", &Value::None, &*loader, &provider).unwrap();
    assert_eq!(html, "AliceBob");
    assert_eq!(*provider.asked.lock().unwrap(), ["data:authors"]);
}
