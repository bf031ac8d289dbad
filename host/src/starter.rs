//! `dodeca-host init`: a starter site that builds.

use std::path::Path;

/// The starter site's files.
const FILES: &[(&str, &str)] = &[
    (
        "dodeca.toml",
        "title = \"My site\"\nbase_url = \"https://example.com\"\ndescription = \"Built with dodeca-host.\"\n",
    ),
    (
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\nWelcome! Edit `content/_index.md` and run `dodeca-host build` again.\n",
    ),
    ("content/posts/_index.md", "+++\ntitle = \"Posts\"\n+++\n"),
    (
        "content/posts/hello.md",
        "+++\ntitle = \"Hello\"\ndate = \"2026-01-01\"\n+++\nYour first post. Link to other pages with `[text](@/posts/hello.md)`.\n",
    ),
    (
        "templates/base.html",
        "<!doctype html>\n<html>\n<head><meta charset=\"utf-8\"><title>{% block title %}{{ config.title }}{% endblock %}</title></head>\n<body>\n<nav><a href=\"{{ get_url(path='@/_index.md') }}\">{{ config.title }}</a></nav>\n{% block content %}{% endblock %}\n</body>\n</html>\n",
    ),
    (
        "templates/index.html",
        "{% extends \"base.html\" %}\n{% block content %}\n{{ section.content | safe }}\n<ul>{% for post in get_section(path=\"posts/_index.md\").pages %}<li><a href=\"{{ post.permalink }}\">{{ post.title }}</a></li>{% endfor %}</ul>\n{% endblock %}\n",
    ),
    (
        "templates/section.html",
        "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ section.title }}</h1>\n<ul>{% for page in section.pages %}<li><a href=\"{{ page.permalink }}\">{{ page.title }}</a></li>{% endfor %}</ul>\n{% endblock %}\n",
    ),
    (
        "templates/page.html",
        "{% extends \"base.html\" %}\n{% block title %}{{ page.title }} · {{ super() }}{% endblock %}\n{% block content %}\n<h1>{{ page.title }}</h1>\n{{ page.content | safe }}\n{% endblock %}\n",
    ),
];

/// Writes the starter site into `dir`, which must not exist or be empty.
///
/// # Errors
///
/// When `dir` holds files already (nothing is overwritten) or cannot be written.
pub fn init(dir: &Path) -> Result<(), crate::HostError> {
    let fail = |e: std::io::Error| crate::HostError::io("write", dir, e);
    if dir.exists() && std::fs::read_dir(dir).map_err(fail)?.next().is_some() {
        return Err(crate::HostError::NotEmpty(dir.to_path_buf()));
    }
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        std::fs::write(&path, text).map_err(fail)?;
    }
    Ok(())
}
