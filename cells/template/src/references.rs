//! The templates a template names by a literal: what it extends, includes and imports.
//!
//! The host asks for these once per template version and sends, with each render, the
//! sources of the whole closure (the template, what it names, what those name...), so a
//! render needs no callback for them. A name computed at render time (`{% include
//! page.extra.partial %}`) is not a literal: the render still asks the loader for it.

use crate::ast::{ExprKind, Node, Template};

/// The literal names `template` extends, includes or imports anywhere (blocks, macros and
/// branches included), in first-appearance order, without repeats.
pub(crate) fn literal_references(template: &Template) -> Vec<String> {
    let mut names = Vec::new();
    walk(&template.nodes, &mut names);
    for (_, body) in &template.blocks {
        walk(body, &mut names);
    }
    for m in &template.macros {
        walk(&m.body, &mut names);
    }
    names
}

fn walk(nodes: &[Node], names: &mut Vec<String>) {
    for node in nodes {
        match node {
            Node::Extends { parent: name }
            | Node::Include { name, .. }
            | Node::Import { name, .. }
            | Node::FromImport { name, .. } => {
                // `{% include ["a.html", "b.html"] %}` names each.
                let literals = match &name.kind {
                    ExprKind::List(items) => items.as_slice(),
                    _ => std::slice::from_ref(name),
                };
                for literal in literals {
                    if let ExprKind::Const(value) = &literal.kind
                        && let Some(name) = value.as_str()
                        && !names.iter().any(|n| n == name)
                    {
                        names.push(name.to_string());
                    }
                }
            }
            Node::If { branches, otherwise } => {
                for (_, body) in branches {
                    walk(body, names);
                }
                walk(otherwise, names);
            }
            Node::For(for_loop) => {
                walk(&for_loop.body, names);
                walk(&for_loop.otherwise, names);
            }
            Node::SetBlock { body, .. } => walk(body, names),
            Node::FilterBlock(block) => walk(&block.body, names),
            Node::CallBlock(block) => walk(&block.body, names),
            Node::Text(_)
            | Node::Emit(_)
            | Node::Set { .. }
            | Node::Block { .. }
            | Node::Break
            | Node::Continue => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Engine;

    #[test]
    fn lists_extends_includes_and_imports_anywhere_once_each() {
        let source = r#"{% extends "base.html" %}{% import "macros.html" as m %}
{% block body %}{% if x %}{% include "a.html" %}{% else %}{% for i in xs %}{% include "b.html" %}{% endfor %}{% endif %}{% include "a.html" %}{% endblock %}
{% macro f() %}{% from "more.html" import g %}{% endmacro %}"#;
        let names = Engine::new().references("page.html", source).unwrap();
        assert_eq!(names, ["base.html", "macros.html", "a.html", "b.html", "more.html"]);
    }

    #[test]
    fn computed_names_are_not_references() {
        let names =
            Engine::new().references("p.html", "{% include page.partial %}{{ x }}").unwrap();
        assert!(names.is_empty());
    }

    #[test]
    fn a_syntax_error_is_reported_with_its_position() {
        let error = Engine::new().references("p.html", "{% include %}").unwrap_err();
        assert_eq!(error.line(), Some(1));
    }
}
