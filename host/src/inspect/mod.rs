//! Looking into a site's database: `dodeca-host graph` (the dependency graph as DOT, whole or
//! one route's cone) and `build --explain ROUTE` (`explain.rs`: why a route was or was not
//! rendered again). Both go by picante's debug views (`IngredientRegistry::graph_dot`,
//! `cone_dot`) and events, which name a node `query(key)`.

mod explain;

use std::collections::BTreeSet;

use picante::DynIngredient;

pub(crate) use explain::Explainer;

use crate::db::Database;

/// The content file (under `content/`) that `route` names: a route (`/blog/post/`, with or
/// without its slashes), a content path (`blog/post.md`, `content/blog/post.md`) or an output
/// path (`blog/post/index.html`). `None` when no content file has it.
pub(crate) fn content_path_of(db: &Database, route: &str) -> Option<String> {
    let paths = db.content_list.get(db, &()).ok().flatten()?;
    let wanted = route.trim();
    if wanted.ends_with(".md") {
        let rel = wanted.trim_start_matches("./").trim_start_matches("content/");
        return paths.iter().find(|path| *path == rel).cloned();
    }
    let normalized = normalize(wanted);
    // Rare (`build --explain`): each route a memo, or a front matter read.
    paths
        .iter()
        .find(|path| {
            pollster::block_on(db.route.get(db, (*path).clone()))
                .is_ok_and(|route| normalize(&route) == normalized)
        })
        .cloned()
}

/// A route or output path without its slashes and `index.html`: `/blog/a/`, `blog/a` and
/// `blog/a/index.html` are all `blog/a`.
fn normalize(route: &str) -> &str {
    let route = route.trim_matches('/');
    let route = route.strip_suffix("index.html").unwrap_or(route);
    route.trim_matches('/')
}

/// The slot of `path` in the `render` query, if it has one.
pub(crate) fn render_slot(db: &Database, path: &str) -> Option<u32> {
    let count = db.render.key_count() as u32;
    (0..count).find(|&slot| db.render.key_at(slot).as_deref() == Some(path))
}

/// A node's name as the debug views write it: `query(key)`.
pub(crate) fn label(db: &Database, kind: picante::QueryKindId, slot: u32) -> String {
    match db.registry().ingredient(kind) {
        Some(ingredient) => format!(
            "{}({})",
            ingredient.name(),
            ingredient.debug_key(slot).unwrap_or_else(|| format!("#{slot}"))
        ),
        None => format!("{kind}#{slot}"),
    }
}

/// The read an interned id stands for, as people read it: `data authors.bob.name`,
/// `template partials/nav.html`, `get_section(path=blog/_index.md)`.
fn read_name(read: &cell_proto::ProviderRead) -> String {
    use cell_proto::ProviderRead;
    match read {
        ProviderRead::Template(name) => format!("template {name}"),
        ProviderRead::Data(path) => format!("data {path}"),
        ProviderRead::Function(call) => {
            let arguments: Vec<String> = call
                .arguments
                .iter()
                .map(|(name, value)| match value.to_value() {
                    Ok(cell_proto::Value::String(s)) => format!("{name}={s}"),
                    Ok(value) => format!("{name}={value:?}"),
                    Err(_) => format!("{name}=?"),
                })
                .collect();
            format!("{}({})", call.name, arguments.join(", "))
        }
    }
}

/// `text` (a DOT graph, or a node's name) with each `provided(InternId(N))` named by the read
/// it answers: the interned id means nothing to a reader.
pub(crate) fn name_reads(db: &Database, text: &str, quoted: bool) -> String {
    let mut out = text.to_string();
    for id in 0..db.reads.len() as u32 {
        let node = format!("provided(InternId({id}))");
        if !out.contains(&node) {
            continue;
        }
        let Ok(read) = db.reads.get(db, picante::InternId(id)) else { continue };
        let name = format!("provided({})", read_name(&read));
        let name = if quoted { name.replace('\\', "\\\\").replace('"', "\\\"") } else { name };
        out = out.replace(&node, &name);
    }
    out
}

/// The names of the nodes of a DOT graph written by picante's debug views (one edge a line,
/// `"from" -> "to";`), unquoted.
pub(crate) fn dot_nodes(dot: &str) -> BTreeSet<String> {
    let mut nodes = BTreeSet::new();
    for line in dot.lines() {
        let Some((from, to)) = line.split_once("\" -> \"") else { continue };
        nodes.insert(unquote(from.trim_start().trim_start_matches('"')));
        nodes.insert(unquote(to.trim_end().trim_end_matches(';').trim_end_matches('"')));
    }
    nodes
}

/// Undoes the DOT escaping of `\"` and `\\`.
fn unquote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(next) = chars.next()
        {
            out.push(next);
        } else {
            out.push(c);
        }
    }
    out
}

/// The whole dependency graph of `db`'s memos, or the cone of the render of `route`, as DOT.
/// `Err` names a route no content file has.
pub(crate) fn graph_dot(db: &Database, route: Option<&str>) -> Result<String, String> {
    let Some(route) = route else { return Ok(name_reads(db, &db.registry().graph_dot(), true)) };
    let path = content_path_of(db, route).ok_or_else(|| no_route(route))?;
    let slot = render_slot(db, &path)
        .ok_or_else(|| format!("content/{path} has not been rendered by the saved build"))?;
    Ok(name_reads(db, &db.registry().cone_dot(db.render.kind(), slot), true))
}

/// The message for a route no content file has.
pub(crate) fn no_route(route: &str) -> String {
    format!(
        "no page or section has the route `{route}` (give a route such as /blog/post/, a \
         content path such as blog/post.md, or an output path such as blog/post/index.html)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_output_paths_normalize_alike() {
        for route in ["/blog/a/", "blog/a", "blog/a/index.html", "/blog/a/index.html"] {
            assert_eq!(normalize(route), "blog/a", "{route}");
        }
        assert_eq!(normalize("/"), "");
        assert_eq!(normalize("index.html"), "");
    }

    #[test]
    fn dot_nodes_are_read_back_unquoted() {
        let dot = "digraph picante {\n  \"render(\\\"a.md\\\")\" -> \"page(\\\"a.md\\\")\";\n}\n";
        let nodes: Vec<String> = dot_nodes(dot).into_iter().collect();
        assert_eq!(nodes, ["page(\"a.md\")", "render(\"a.md\")"]);
    }
}
