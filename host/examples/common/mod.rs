//! Shared by `gen-site` and `bench`: writing a synthetic site.

use std::path::Path;

/// Sections the pages are spread over.
pub const SECTIONS: usize = 10;

/// The templates of the synthetic site: a base with a partial and a macro.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        "<!doctype html><html><head><title>{% block title %}{{ config.title }}{% endblock %}</title></head><body>{% include \"partials/nav.html\" %}<main>{% block content %}{% endblock %}</main></body></html>",
    ),
    (
        "partials/nav.html",
        "<nav><a href=\"/\">Home</a>{% for i in range(3) %} <a href=\"/section-{{ i }}/\">Section {{ i }}</a>{% endfor %}</nav>",
    ),
    (
        "macros.html",
        "{% macro item(title, url) %}<li><a href=\"{{ url }}\">{{ title | title }}</a></li>{% endmacro %}",
    ),
    (
        "page.html",
        "{% extends \"base.html\" %}{% block title %}{{ page.title }} | {{ super() }}{% endblock %}{% block content %}<h1>{{ page.title | upper }}</h1>{% if page.toc | length > 0 %}<ul>{% for h in page.toc %}<li>{{ h.title }}</li>{% endfor %}</ul>{% endif %}{{ page.content | safe }}{% endblock %}",
    ),
    (
        "section.html",
        "{% extends \"base.html\" %}{% import \"macros.html\" as m %}{% block content %}<h1>{{ section.title }}</h1><ul>{% for p in section.pages %}{{ m.item(p.title, p.permalink) }}{% endfor %}</ul>{% endblock %}",
    ),
    (
        "index.html",
        "{% extends \"base.html\" %}{% block content %}<h1>{{ section.title }}</h1>{{ section.content | safe }}{% endblock %}",
    ),
];

/// The markdown body of page `i`: varied, with headings, a code block, a table and lists.
pub fn body(i: usize) -> String {
    format!(
        "## Part {i}\n\nParagraph with *emphasis*, `code` and a [link](https://example.com/{i}).\n\n\
         ```rust\nfn page_{i}() -> usize {{\n    {i}\n}}\n```\n\n\
         | key | value |\n|-----|-------|\n| page | {i} |\n| square | {} |\n\n\
         - first item\n- second item with **bold**\n  - nested {i}\n\n\
         ### Details\n\n{}\n",
        i * i,
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(1 + i % 5)
    )
}

/// The front matter and body of page `i`.
pub fn page(i: usize) -> String {
    format!(
        "+++\ntitle = \"page number {i}\"\nweight = {}\ndate = \"2026-01-{:02}\"\n+++\n{}",
        i % 17,
        1 + i % 28,
        body(i)
    )
}

/// Writes a site of `n` pages into `dir` (which is emptied first).
pub fn write_site(n: usize, dir: &Path) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(dir);
    let write = |rel: &str, text: &str| -> std::io::Result<()> {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap_or(dir))?;
        std::fs::write(path, text)
    };
    write("dodeca.toml", "title = \"Synthetic\"\nbase_url = \"https://synthetic.example\"\n")?;
    write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nA synthetic site.\n")?;
    for s in 0..SECTIONS {
        write(
            &format!("content/section-{s}/_index.md"),
            &format!("+++\ntitle = \"Section {s}\"\n+++\n"),
        )?;
    }
    for i in 0..n {
        write(&format!("content/section-{}/page-{i}.md", i % SECTIONS), &page(i))?;
    }
    for (name, text) in TEMPLATES {
        write(&format!("templates/{name}"), text)?;
    }
    Ok(())
}
