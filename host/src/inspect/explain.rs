//! `build --explain ROUTE`: which inputs changed in this build, and why the route's render ran
//! again or was reused.
//!
//! The build subscribes to the runtime's events before it sets its inputs: `InputChanged`
//! names each input written, `Recomputed` each query that ran and whether its value changed.
//! After the build, the route's cone (its render and everything it depends on, transitively,
//! from `cone_dot`) is compared with them: a changed input in the cone is why the render ran;
//! a query of the cone that ran again and came out the same is where a change stopped (early
//! cutoff).

use std::collections::BTreeSet;

use picante::{Event, HasRuntime, Subscription};

use super::{content_path_of, dot_nodes, label, no_route, render_slot};
use crate::db::Database;

/// Events kept for one build: enough for every page of a large site to run twice over.
const CAPACITY: usize = 1 << 20;

/// Items listed per kind before "and N more".
const LISTED: usize = 12;

/// Watches one build for `build --explain`.
pub(crate) struct Explainer {
    route: String,
    events: Subscription,
}

impl Explainer {
    /// Starts watching `db` (before the build sets its inputs).
    pub(crate) fn start(db: &Database, route: &str) -> Explainer {
        Explainer { route: route.to_string(), events: db.runtime().subscribe(CAPACITY) }
    }

    /// The explanation, once the build is done. `cold` says no memo was kept from before (no
    /// earlier build in this process, no saved database loaded).
    pub(crate) fn finish(self, db: &Database, cold: bool) -> String {
        let events = self.events.drain();
        let route = &self.route;
        let Some(path) = content_path_of(db, route) else { return no_route(route) };
        let render = db.render.kind();
        let mut out = format!("explain {route} (content/{path}):\n");
        let mut inputs = BTreeSet::new();
        let mut ran = Vec::new();
        let mut lagged = false;
        for event in &events {
            match *event {
                Event::InputChanged { kind, slot, removed, .. } => {
                    let gone = if removed { " (removed)" } else { "" };
                    inputs.insert(format!("{}{gone}", label(db, kind, slot)));
                }
                Event::Recomputed { kind, slot, changed, .. } => ran.push((kind, slot, changed)),
                Event::Lagged { .. } => lagged = true,
                _ => {}
            }
        }
        out.push_str(&format!("  inputs changed in this build: {}\n", inputs.len()));
        list(&mut out, inputs.iter());
        let Some(slot) = render_slot(db, &path) else {
            out.push_str("  not rendered: it is refused (see the build's errors) or a draft\n");
            return out;
        };
        let this = label(db, render, slot);
        let cone = dot_nodes(&db.registry().cone_dot(render, slot));
        let changed_inputs: Vec<&String> =
            inputs.iter().filter(|input| cone.contains(strip_removed(input))).collect();
        let outcome = ran.iter().find(|(kind, s, _)| *kind == render && *s == slot);
        match outcome {
            Some((_, _, changed)) => {
                let output = if *changed { "its output changed" } else { "its output is the same" };
                if cold {
                    out.push_str(&format!(
                        "  {this} ran ({output}): nothing was kept from before (a cold build: \
                         no earlier build, no saved database loaded)\n"
                    ));
                } else if changed_inputs.is_empty() {
                    out.push_str(&format!(
                        "  {this} ran again ({output}): its memo was not valid (it failed \
                         before, or was not kept), though none of its inputs changed\n"
                    ));
                } else {
                    out.push_str(&format!(
                        "  {this} ran again ({output}): it depends on these inputs, which \
                         changed:\n"
                    ));
                    list(&mut out, changed_inputs.iter());
                }
            }
            None if changed_inputs.is_empty() => out.push_str(&format!(
                "  {this} was not run again: none of the {} inputs and queries it depends on \
                 changed (its memo was reused)\n",
                cone.len().saturating_sub(1)
            )),
            None => {
                out.push_str(&format!(
                    "  {this} was not run again: inputs it depends on changed, but what it \
                     reads of them came out the same:\n"
                ));
                list(&mut out, changed_inputs.iter());
            }
        }
        let cutoffs: Vec<String> = ran
            .iter()
            .filter(|(kind, s, _)| !(*kind == render && *s == slot))
            .filter_map(|&(kind, s, changed)| {
                let name = label(db, kind, s);
                cone.contains(&name).then(|| {
                    let name = super::name_reads(db, &name, false);
                    format!(
                        "{name}: {}",
                        if changed { "changed" } else { "the same (early cutoff)" }
                    )
                })
            })
            .collect();
        if !cutoffs.is_empty() {
            out.push_str("  queries it depends on that ran in this build:\n");
            list(&mut out, cutoffs.iter());
        }
        if lagged {
            out.push_str("  (some events were dropped: the lists above may be incomplete)\n");
        }
        out
    }
}

/// An input's name without the " (removed)" the list adds.
fn strip_removed(input: &str) -> &str {
    input.strip_suffix(" (removed)").unwrap_or(input)
}

/// Appends up to [`LISTED`] items, one a line, then how many more.
fn list<T: std::fmt::Display>(out: &mut String, items: impl ExactSizeIterator<Item = T>) {
    let total = items.len();
    for item in items.take(LISTED) {
        out.push_str(&format!("    {item}\n"));
    }
    if total > LISTED {
        out.push_str(&format!("    and {} more\n", total - LISTED));
    }
}
