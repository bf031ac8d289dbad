//! `dodeca-host init`: a starter site in Zola's layout (`config.toml`, `content/`,
//! `templates/`, `static/`, an empty `themes/` as `zola init` makes), which Zola builds as
//! well, and which builds with no warning.
//!
//! The config has the keys `zola init` writes (`base_url`, `compile_sass`,
//! `build_search_index`, `[markdown]`, `[extra]`), with `zola init`'s default answers: Sass off
//! (turn it on and add `sass/` to compile it), the search index off (not built yet: asking for
//! it is a warning), and code highlighted with `zola init`'s theme. No `sass/` directory is
//! made, as `zola init` makes none when Sass is off.

use std::path::Path;

/// The starter site's files.
const FILES: &[(&str, &str)] = &[
    (
        "config.toml",
        r#"# The URL the site will be built for (`dodeca-host serve` serves it from "/" instead).
base_url = "https://example.com"

title = "My site"
description = "Built with dodeca-host."
default_language = "en"

# Whether to automatically compile all Sass files in the sass directory.
compile_sass = false

# Whether to build a search index to be used later on by a JavaScript library
# (`search_index.en.js`, and `elasticlunr.min.js` beside it; `[search]` says what goes in).
build_search_index = false

# Whether to minify every HTML file written, as Zola does.
minify_html = false

# An Atom feed of the site's pages, `atom.xml`.
generate_feeds = true

[markdown]

[markdown.highlighting]
theme = "catppuccin-mocha"

[extra]
# Put all your custom variables here
"#,
    ),
    (
        "content/_index.md",
        r#"+++
title = "Home"
+++
Welcome! Edit `content/_index.md` and build again, or run `dodeca-host serve` and watch the
page change as you save.
"#,
    ),
    (
        "content/posts/_index.md",
        r#"+++
title = "Posts"
+++
"#,
    ),
    (
        "content/posts/hello.md",
        r#"+++
title = "Hello"
date = 2026-01-01
description = "The first post."
+++
Your first post. Link to other pages by their source, as in [the home page](@/_index.md): the
link follows the page wherever its route goes.
"#,
    ),
    (
        "templates/base.html",
        r#"<!doctype html>
<html lang="{{ lang }}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{% block title %}{{ config.title }}{% endblock %}</title>
  <link rel="stylesheet" href="{{ get_url(path='style.css', cachebust=true) }}">
  <link rel="alternate" type="application/atom+xml" title="{{ config.title }}" href="{{ get_url(path='atom.xml') }}">
</head>
<body>
  <header><a href="{{ get_url(path='@/_index.md') }}">{{ config.title }}</a></header>
  <main>
  {% block content %}{% endblock %}
  </main>
</body>
</html>
"#,
    ),
    (
        "templates/index.html",
        r#"{% extends "base.html" %}
{% block content %}
{{ section.content | safe }}
{% set posts = get_section(path="posts/_index.md") %}
<h2><a href="{{ posts.permalink | safe }}">{{ posts.title }}</a></h2>
<ul>
  {% for post in posts.pages %}
  <li><a href="{{ post.permalink | safe }}">{{ post.title }}</a> {{ post.date }}</li>
  {% endfor %}
</ul>
{% endblock %}
"#,
    ),
    (
        "templates/section.html",
        r#"{% extends "base.html" %}
{% block title %}{{ section.title }} · {{ super() }}{% endblock %}
{% block content %}
<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<ul>
  {% for page in section.pages %}
  <li><a href="{{ page.permalink | safe }}">{{ page.title }}</a> {{ page.date }}</li>
  {% endfor %}
</ul>
{% endblock %}
"#,
    ),
    (
        "templates/page.html",
        r#"{% extends "base.html" %}
{% block title %}{{ page.title }} · {{ super() }}{% endblock %}
{% block content %}
<article>
  <h1>{{ page.title }}</h1>
  {% if page.date %}<p><time datetime="{{ page.date }}">{{ page.date }}</time></p>{% endif %}
  {{ page.content | safe }}
</article>
{% endblock %}
"#,
    ),
    (
        "static/style.css",
        r#"body { max-width: 40rem; margin: 2rem auto; padding: 0 1rem; font-family: system-ui, sans-serif; line-height: 1.5; }
header a { font-weight: bold; text-decoration: none; }
"#,
    ),
];

/// Writes the starter site into `dir`, which must not exist or hold only hidden files (a
/// `.git/`, as Zola allows).
///
/// # Errors
///
/// When `dir` holds files already (nothing is overwritten) or cannot be written.
pub fn init(dir: &Path) -> Result<(), crate::HostError> {
    let fail = |e: std::io::Error| crate::HostError::io("write", dir, e);
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(fail)?;
        let visible = entries.any(|entry| {
            entry.map_or(true, |entry| !entry.file_name().to_string_lossy().starts_with('.'))
        });
        if visible {
            return Err(crate::HostError::NotEmpty(dir.to_path_buf()));
        }
    }
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        std::fs::write(&path, text).map_err(fail)?;
    }
    // Where a theme goes (`theme = "NAME"`: `themes/NAME/`), empty as `zola init` leaves it.
    std::fs::create_dir_all(dir.join("themes")).map_err(fail)?;
    Ok(())
}
