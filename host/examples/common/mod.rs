//! Shared by `gen-site`, `bench` and `edit-profile`: writing a synthetic site, in one of two
//! shapes. `write_site`: pages whose templates read only their own context. `write_nav_site`:
//! templates that read the whole site through callbacks, as real themes do (a nav calling
//! `get_section` for every section on every page, a home listing every section's first pages).

use std::path::Path;

/// Sections the pages are spread over.
pub const SECTIONS: usize = 10;

/// The templates of the synthetic site: a base with a partial and a macro.
#[allow(dead_code, reason = "not every example writes the plain site")]
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

/// The title of page `i`.
pub fn page_title(i: usize) -> String {
    format!("page number {i}")
}

/// The weight of page `i`.
pub fn page_weight(i: usize) -> i64 {
    (i % 17) as i64
}

/// The date of page `i`.
pub fn page_date(i: usize) -> String {
    format!("2026-01-{:02}", 1 + i % 28)
}

/// The front matter and body of page `i`.
pub fn page(i: usize) -> String {
    format!(
        "+++\ntitle = \"{}\"\nweight = {}\ndate = \"{}\"\n+++\n{}",
        page_title(i),
        page_weight(i),
        page_date(i),
        body(i)
    )
}

/// Empties `dir` and returns a function writing `text` to a path under it (with its
/// directories).
fn emptied_writer(dir: &Path) -> impl Fn(&str, &str) -> std::io::Result<()> + '_ {
    let _ = std::fs::remove_dir_all(dir);
    move |rel, text| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap_or(dir))?;
        std::fs::write(path, text)
    }
}

/// Writes a site of `n` pages into `dir` (which is emptied first).
#[allow(dead_code, reason = "not every example writes the plain site")]
pub fn write_site(n: usize, dir: &Path) -> std::io::Result<()> {
    let write = emptied_writer(dir);
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

/// The home page (`content/_index.md`) of the nav site.
#[allow(dead_code, reason = "not every example writes the nav site")]
pub const NAV_HOME: &str =
    "+++\ntitle = \"Home\"\n+++\nA synthetic site whose every page shows every section.\n";

/// The `_index.md` of section `s` of the nav site.
#[allow(dead_code, reason = "not every example writes the nav site")]
pub fn nav_section(s: usize) -> String {
    format!("+++\ntitle = \"Section {s}\"\n+++\n")
}

/// The templates of the nav site. `base.html`'s nav loops over a literal list of the section
/// paths and calls `get_section(path=..., metadata_only=true)` for each, on every page; the
/// home (`index.html`) calls `get_section(path=...)` for each section and lists its first five
/// pages; `section.html` lists all of its section's pages from its context; `page.html` shows
/// the page with a table of contents.
#[allow(dead_code, reason = "not every example writes the nav site")]
pub fn nav_templates() -> Vec<(&'static str, String)> {
    let paths: Vec<String> = (0..SECTIONS).map(|s| format!("\"section-{s}/_index.md\"")).collect();
    let paths = format!("[{}]", paths.join(", "));
    vec![
        (
            "base.html",
            format!(
                "<!doctype html><html><head><title>{{% block title %}}{{{{ config.title }}}}{{% endblock %}}</title></head><body>\
                 <nav><a href=\"{{{{ config.base_url }}}}/\">Home</a>\
                 {{% for path in {paths} %}}{{% set s = get_section(path=path, metadata_only=true) %}} \
                 <a href=\"{{{{ s.permalink }}}}\"{{% if s.permalink == config.base_url ~ current_path %}} aria-current=\"page\"{{% endif %}}>{{{{ s.title }}}}</a>{{% endfor %}}</nav>\
                 <main>{{% block content %}}{{% endblock %}}</main></body></html>"
            ),
        ),
        (
            "index.html",
            format!(
                "{{% extends \"base.html\" %}}{{% block content %}}<h1>{{{{ section.title }}}}</h1>{{{{ section.content | safe }}}}\
                 {{% for path in {paths} %}}{{% set s = get_section(path=path) %}}\
                 <section><h2><a href=\"{{{{ s.permalink }}}}\">{{{{ s.title }}}}</a></h2><ul>\
                 {{% for p in s.pages | slice(0, 5) %}}<li><a href=\"{{{{ p.permalink }}}}\">{{{{ p.title }}}}</a> <time>{{{{ p.date }}}}</time></li>{{% endfor %}}\
                 </ul><a href=\"{{{{ s.permalink }}}}\">All {{{{ s.pages | length }}}} pages</a></section>{{% endfor %}}{{% endblock %}}"
            ),
        ),
        (
            "section.html",
            "{% extends \"base.html\" %}{% block title %}{{ section.title }} | {{ super() }}{% endblock %}\
             {% block content %}<h1>{{ section.title }}</h1><ul>\
             {% for p in section.pages %}<li><a href=\"{{ p.permalink }}\">{{ p.title }}</a> <time>{{ p.date }}</time></li>{% endfor %}\
             </ul>{% endblock %}"
                .to_string(),
        ),
        (
            "page.html",
            "{% extends \"base.html\" %}{% block title %}{{ page.title }} | {{ super() }}{% endblock %}\
             {% block content %}<article><h1>{{ page.title }}</h1>{% if page.date %}<time>{{ page.date }}</time>{% endif %}\
             {% if page.toc %}<nav class=\"toc\"><ul>{% for h in page.toc %}<li class=\"toc-h{{ h.level }}\"><a href=\"#{{ h.id }}\">{{ h.title }}</a></li>{% endfor %}</ul></nav>{% endif %}\
             {{ page.content | safe }}</article>{% endblock %}"
                .to_string(),
        ),
    ]
}

/// Writes the nav site of `n` pages into `dir` (which is emptied first): the pages of
/// [`write_site`] over the same ten sections, with [`nav_templates`].
#[allow(dead_code, reason = "not every example writes the nav site")]
pub fn write_nav_site(n: usize, dir: &Path) -> std::io::Result<()> {
    let write = emptied_writer(dir);
    write("dodeca.toml", "title = \"Synthetic\"\nbase_url = \"https://synthetic.example\"\n")?;
    write("content/_index.md", NAV_HOME)?;
    for s in 0..SECTIONS {
        write(&format!("content/section-{s}/_index.md"), &nav_section(s))?;
    }
    for i in 0..n {
        write(&format!("content/section-{}/page-{i}.md", i % SECTIONS), &page(i))?;
    }
    for (name, text) in nav_templates() {
        write(&format!("templates/{name}"), &text)?;
    }
    Ok(())
}

/// The tags of page `i` on the listings site: three of fifty, always distinct.
#[allow(dead_code, reason = "not every example writes the listings site")]
pub fn page_tags(i: usize) -> [String; 3] {
    [i % 50, (i + 17) % 50, (i + 33) % 50].map(|t| format!("tag-{t}"))
}

/// Writes the listings site of `n` pages into `dir` (which is emptied first): the pages of
/// [`write_site`] with three tags each (of fifty), sections and tags paginated ten pages to a
/// pager, and Zola's taxonomy templates. Its pagers list titles, so a page's body edit still
/// renders that page alone.
#[allow(dead_code, reason = "not every example writes the listings site")]
pub fn write_listings_site(n: usize, dir: &Path) -> std::io::Result<()> {
    let write = emptied_writer(dir);
    write(
        "dodeca.toml",
        "title = \"Synthetic\"\nbase_url = \"https://synthetic.example\"\n\
         taxonomies = [{ name = \"tags\", paginate_by = 10 }]\n",
    )?;
    write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nA synthetic site.\n")?;
    for s in 0..SECTIONS {
        write(
            &format!("content/section-{s}/_index.md"),
            &format!("+++\ntitle = \"Section {s}\"\npaginate_by = 10\n+++\n"),
        )?;
    }
    for i in 0..n {
        let tags = page_tags(i).map(|t| format!("\"{t}\"")).join(", ");
        let text =
            page(i).replacen("\n+++\n", &format!("\n[taxonomies]\ntags = [{tags}]\n+++\n"), 1);
        write(&format!("content/section-{}/page-{i}.md", i % SECTIONS), &text)?;
    }
    for (name, text) in TEMPLATES {
        let text = match *name {
            "section.html" => {
                "{% extends \"base.html\" %}{% import \"macros.html\" as m %}{% block content %}<h1>{{ section.title }} {{ paginator.current_index }}/{{ paginator.number_pagers }}</h1><ul>{% for p in paginator.pages %}{{ m.item(p.title, p.permalink) }}{% endfor %}</ul>{% if paginator.next %}<a href=\"{{ paginator.next }}\">next</a>{% endif %}{% endblock %}"
            }
            _ => text,
        };
        write(&format!("templates/{name}"), text)?;
    }
    write(
        "templates/taxonomy_list.html",
        "{% extends \"base.html\" %}{% block content %}<h1>{{ taxonomy.name }}</h1><ul>{% for t in terms %}<li><a href=\"{{ t.permalink }}\">{{ t.name }}</a> {{ t.page_count }}</li>{% endfor %}</ul>{% endblock %}",
    )?;
    write(
        "templates/taxonomy_single.html",
        "{% extends \"base.html\" %}{% import \"macros.html\" as m %}{% block content %}<h1>{{ term.name }} {{ paginator.current_index }}/{{ paginator.number_pagers }}</h1><ul>{% for p in paginator.pages %}{{ m.item(p.title, p.permalink) }}{% endfor %}</ul>{% endblock %}",
    )?;
    Ok(())
}
