//! The devtools' `content::eval` (issue #17): a template expression evaluated in the context
//! a route's template is rendered with, as of the build served.
//!
//! The route is looked up among the pages and sections the served build has (a draft, or a
//! page that does not parse, has none). Its context is the one `render` gives its template
//! (`render::context`: `page` or `section`, `config`, `current_path`), read through the
//! snapshot of the last completed build, so an evaluation never sees half of the next one.
//! The template cell parses and evaluates the expression; what it reads meanwhile (data,
//! `get_section`, `get_url`, ...) is served inside this call by the `provided` queries a
//! render uses, in the same snapshot. Nothing is recorded: an evaluation is no query of a
//! build, and leaves the next build as it would have been (see `Provider::marks_now`).

use std::sync::Arc;

use cell_proto::{EvalReply, EvalRequest, EvalTemplate, Evaluated, provider, template};
use picante::PicanteError;
use rpc::RpcError;

use super::content::Served;
use crate::provide::Provider;
use crate::render;

/// Evaluates `request` in `served`: the value, the engine's error, or the nearest routes
/// when none is served at the route asked.
///
/// # Errors
///
/// The route's page cannot be read, or the template cell cannot be started or called.
pub(super) async fn evaluate(
    served: &Served,
    request: &EvalRequest,
) -> Result<EvalReply, RpcError> {
    let Some(path) = outputs_of(&request.route).iter().find_map(|o| served.page_source(o)) else {
        return Ok(EvalReply::UnknownRoute(served.nearest_pages(&request.route)));
    };
    let path = path.to_string();
    // The snapshot's revision, not the database's (which a rebuild may have moved on): the
    // cell answers reads from its memo as of this revision, and the answers are the
    // snapshot's.
    let revision = served.revision();
    let expression = request.expression.clone();
    let evaluated = served
        .snapshot()
        .read(move |db| async move {
            let failed = |e: Arc<PicanteError>| {
                RpcError::remote(format!("reading the context of content/{path}: {e}"))
            };
            let page = db.page.get_ref(db, path.as_str()).await.map_err(failed)?;
            let config = db.config.get(db, ()).await.map_err(failed)?;
            let (_, context) = render::context(db, &page, &config).await.map_err(failed)?;
            let request = EvalTemplate { expression, context, revision };
            let server = provider::Server(Provider { db, marks_now: false });
            db.cells
                .call(&db.cells.template, |connection| {
                    let (request, server) = (&request, &server);
                    async move { template::Client::new(connection).with(server).eval(request).await }
                })
                .await
                .map_err(|error| RpcError::remote(error.to_string()))
        })
        .await?;
    Ok(match evaluated {
        Evaluated::Value(value) => EvalReply::Value(value),
        Evaluated::Failed(error) => EvalReply::Failed(error),
    })
}

/// The outputs a route may name, in order: `/blog/first/` and `/blog/first` name
/// `blog/first/index.html`, `/` names `index.html`, and an output itself
/// (`/blog/first/index.html`) is accepted as it is.
fn outputs_of(route: &str) -> Vec<String> {
    let Some(relative) = route.strip_prefix('/') else { return Vec::new() };
    if relative.is_empty() || relative.ends_with('/') {
        return vec![format!("{relative}index.html")];
    }
    vec![relative.to_string(), format!("{relative}/index.html")]
}

#[cfg(test)]
mod tests {
    use super::outputs_of;

    #[test]
    fn a_route_names_its_index_with_or_without_the_final_slash() {
        assert_eq!(outputs_of("/"), ["index.html"]);
        assert_eq!(outputs_of("/blog/first/"), ["blog/first/index.html"]);
        assert_eq!(outputs_of("/blog/first"), ["blog/first", "blog/first/index.html"]);
        assert_eq!(
            outputs_of("/blog/index.html"),
            ["blog/index.html", "blog/index.html/index.html"]
        );
        assert!(outputs_of("blog/").is_empty());
    }
}
