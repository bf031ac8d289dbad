//! Templates as the host sends them: the names a template refers to by a literal (asked of
//! the template cell, which parses them), and the bundle a render sends with its request
//! (a template and everything it reaches through literal references), so that each template
//! is a dependency of the renders that use it and the cell needs no callback for them.

use std::sync::Arc;

use cell_proto::{TemplateSource, template};

use crate::SiteError;
use crate::cells::CellError;
use crate::db::{Database, Query};
use crate::error::{cell_query_error, query_error};

/// The templates `name` refers to by a literal, as the template cell reads them (none if
/// there is no such template or it does not parse: its render reports that).
pub(crate) fn references_query(db: &Database, name: String) -> Query<'_, Arc<Vec<String>>> {
    Box::pin(async move {
        let Some(source) = db.templates.get(db, &name)? else { return Ok(Arc::new(Vec::new())) };
        let template = TemplateSource { name, source: Some(source) };
        let names = db
            .cells
            .call(&db.cells.template, |connection| {
                let template = &template;
                async move { template::Client::new(connection).references(template).await }
            })
            .await
            .map_err(|error| match error {
                // The cell's own account of the template (it does not parse): the site's.
                CellError::Call { error: rpc::RpcError::Remote(message), .. } => {
                    query_error(SiteError::in_file(format!("templates/{}", template.name), message))
                }
                other => cell_query_error(other),
            })?;
        Ok(Arc::new(names))
    })
}

/// Template `name` and every template it reaches through literal references, each with its
/// source (`None` for a name that does not exist), in the order first reached. Reading them
/// here makes each one a dependency of the renders that use the bundle.
pub(crate) fn bundle_query(db: &Database, name: String) -> Query<'_, Arc<Vec<TemplateSource>>> {
    Box::pin(async move {
        let mut bundle: Vec<TemplateSource> = Vec::new();
        let mut to_visit = vec![name];
        while let Some(name) = to_visit.pop() {
            if bundle.iter().any(|t| t.name == name) {
                continue;
            }
            let source = db.templates.get(db, &name)?;
            if source.is_some() {
                let names = db.template_references.get_ref(db, name.as_str()).await?;
                to_visit.extend(names.iter().rev().cloned());
            }
            bundle.push(TemplateSource { name, source });
        }
        Ok(Arc::new(bundle))
    })
}
