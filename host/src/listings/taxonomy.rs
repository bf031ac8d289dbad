//! Taxonomies as Zola 0.22 builds them: each term of each configured taxonomy, its slug, its
//! pages (newest first), and the values templates see (`terms`, `term`, `get_taxonomy`, …).
//!
//! Three queries keep an edit small: `page_terms(path)` (a page's terms and date, nothing
//! else, so a body edit stops there), `taxonomy(id)` (every term's page list, from every
//! page's terms) and `term(id, slug)` (one term, so that a render of a term depends on that
//! term alone: adding a tag to a page changes one `term`, and early cutoff spares the others).
//! Each language has its own taxonomies: a taxonomy's id is its name for the default
//! language's, `<code>/<name>` for another's ([`taxonomy_id`]).

use std::sync::Arc;

use cell_proto::{FunctionCall, Value, WireValue, WireWriter};
use facet::Facet;
use picante::{PicanteError, PicanteResult};

use super::Generated;
use crate::config::{LanguageConfig, SiteConfig, TaxonomyConfig};
use crate::db::{Database, Query};
use crate::front_matter::Terms;

/// What taxonomies need of a page: its terms and what orders it in a term.
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub(crate) struct PageTerms {
    /// Its route: ties between dates are broken by permalink, as Zola does.
    pub(crate) route: String,
    /// Its date, as printed (`None`: listed after the dated pages).
    pub(crate) date: Option<String>,
    /// Its taxonomies' terms, as written.
    pub(crate) terms: Vec<Terms>,
}

/// One term of a taxonomy and its pages.
#[derive(Facet, Clone, Debug, PartialEq)]
pub(crate) struct Term {
    /// As first written (of the names that share its slug, the first by slug then name).
    pub(crate) name: String,
    /// Its name slugified by `[slugify] taxonomies`: its URL's last segment.
    pub(crate) slug: String,
    /// Its pages' paths under `content/`: dated ones newest first, then the others.
    pub(crate) pages: Vec<String>,
}

/// A taxonomy's terms, ordered by slug.
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub(crate) struct Taxonomy {
    pub(crate) terms: Vec<Term>,
}

/// The query `page_terms(path)`: the page's terms and date; empty for a section, a draft, or
/// a page that fails to parse (its own render reports that).
pub(crate) fn page_terms_query(db: &Database, path: String) -> Query<'_, Arc<PageTerms>> {
    Box::pin(async move {
        if crate::content::is_section(&path) {
            return Ok(Arc::default());
        }
        let Ok(page) = db.page.get_ref(db, path.as_str()).await else {
            return Ok(Arc::default());
        };
        if page.meta.taxonomies.is_empty() || db.left_out.get_ref(db, path.as_str()).await? {
            return Ok(Arc::default());
        }
        Ok(Arc::new(PageTerms {
            route: page.route.clone(),
            date: page.meta.date.map(|date| date.to_string()),
            terms: page.meta.taxonomies.clone(),
        }))
    })
}

/// The id of a language's taxonomy in query keys: its name for the default language's
/// (`tags`), `<code>/<name>` for another language's (`fr/tags`). The config makes sure no
/// default language's taxonomy has a name that reads as another's id.
pub(crate) fn taxonomy_id(code: &str, name: &str, config: &SiteConfig) -> String {
    if code == config.default_language { name.to_string() } else { format!("{code}/{name}") }
}

/// The language and the config of the taxonomy whose id is `id` (see [`taxonomy_id`]).
pub(crate) fn find_taxonomy<'c>(
    id: &str,
    config: &'c SiteConfig,
) -> Option<(&'c LanguageConfig, &'c TaxonomyConfig)> {
    if let Some((code, name)) = id.split_once('/')
        && let Some(language) = config.languages[1..].iter().find(|l| l.code == code)
    {
        let taxonomy = language.taxonomies.iter().find(|t| t.name == name)?;
        return Some((language, taxonomy));
    }
    let language = config.default_language_config();
    let taxonomy = language.taxonomies.iter().find(|t| t.name == id)?;
    Some((language, taxonomy))
}

/// The query `taxonomy(id)`: the terms of the configured taxonomy `id` (see [`taxonomy_id`]),
/// from the terms of every page in its language (none if the config has no such taxonomy).
pub(crate) fn taxonomy_query(db: &Database, id: String) -> Query<'_, Arc<Taxonomy>> {
    Box::pin(async move {
        let config = db.config.get(db, ()).await?;
        let Some((language, taxonomy)) = find_taxonomy(&id, &config) else {
            return Ok(Arc::default());
        };
        let name = &taxonomy.name;
        let list = db.content_list.get(db, &())?.unwrap_or_default();
        let routes = db.routes.get(db, ()).await?;
        // (term name, date, route, path) for every page in this taxonomy.
        let mut found: Vec<(String, Option<String>, String, String)> = Vec::new();
        let in_language =
            |path: &str| crate::languages::code_of(path, &config) == language.code.as_str();
        for path in list.iter().filter(|p| !routes.refuses(p) && in_language(p)) {
            let terms = db.page_terms.get_ref(db, path.as_str()).await?;
            for of in terms.terms.iter().filter(|t| &t.taxonomy == name) {
                for term in &of.terms {
                    found.push((
                        term.clone(),
                        terms.date.clone(),
                        terms.route.clone(),
                        path.clone(),
                    ));
                }
            }
        }
        Ok(Arc::new(group(found, config.slugify.taxonomies)))
    })
}

/// Groups `(term, date, route, path)` into terms as Zola does: each name's pages newest first
/// (ties by permalink, undated ones after, by permalink), terms by slug then name, and names
/// with one slug merged into the first, its pages after the first's.
fn group(
    mut found: Vec<(String, Option<String>, String, String)>,
    strategy: crate::config::SlugStrategy,
) -> Taxonomy {
    found.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| b.1.is_some().cmp(&a.1.is_some()))
            .then_with(|| b.1.cmp(&a.1))
            .then_with(|| a.2.cmp(&b.2))
    });
    found.dedup_by(|a, b| a.0 == b.0 && a.3 == b.3);
    let mut terms: Vec<Term> = Vec::new();
    for (name, _, _, path) in found {
        match terms.last_mut() {
            Some(last) if last.name == name => last.pages.push(path),
            _ => {
                let slug = crate::slug::slugify(&name, strategy);
                terms.push(Term { name, slug, pages: vec![path] });
            }
        }
    }
    terms.sort_by(|a, b| a.slug.cmp(&b.slug).then_with(|| a.name.cmp(&b.name)));
    let mut merged: Vec<Term> = Vec::with_capacity(terms.len());
    for term in terms {
        match merged.last_mut() {
            Some(last) if last.slug == term.slug => last.pages.extend(term.pages),
            _ => merged.push(term),
        }
    }
    Taxonomy { terms: merged }
}

/// The query `term(key)` (`owner`: the taxonomy, `term`: the slug): that one term.
pub(crate) fn term_query(db: &Database, key: Generated) -> Query<'_, Option<Arc<Term>>> {
    Box::pin(async move {
        let taxonomy = db.taxonomy.get_ref(db, key.owner.as_str()).await?;
        Ok(taxonomy.terms.iter().find(|t| t.slug == key.term).cloned().map(Arc::new))
    })
}

/// The route of the taxonomy `taxonomy` of the language `code` (`/tags/`, or
/// `/<taxonomy_root>/tags/`; under `/<code>/` for another language than the default).
pub(crate) fn taxonomy_route(site: &SiteConfig, code: &str, taxonomy: &TaxonomyConfig) -> String {
    let route = match &site.taxonomy_root {
        Some(root) => format!("/{root}/{}/", taxonomy.slug),
        None => format!("/{}/", taxonomy.slug),
    };
    crate::languages::prefixed_route(route, code, site)
}

/// The route of its term `slug` (`/tags/rust/`).
pub(crate) fn term_route(
    site: &SiteConfig,
    code: &str,
    taxonomy: &TaxonomyConfig,
    slug: &str,
) -> String {
    [&taxonomy_route(site, code, taxonomy), slug, "/"].concat()
}

/// The host function that gives a term's pages, deferred in a term pager's `term`:
/// `__term_pages(taxonomy=…, term=…)` (the term's slug).
pub(crate) const TERM_PAGES: &str = "__term_pages";

/// How a term's `pages` are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermPages {
    /// Each page as listings show it.
    Listed,
    /// None (`get_taxonomy_term(include_pages=false)`).
    Empty,
    /// The call of [`TERM_PAGES`] that gives them, made only if a template reads them: a
    /// term's pager shows its own pages through `paginator.pages`, and giving every pager
    /// the whole term made a build of 10,000 pages in 50 tags decode 1.8 million listed
    /// pages (20 s of a 22 s build).
    Deferred,
}

/// A term as templates see it: `name`, `slug`, `path`, `permalink`, `pages` (each as
/// listings show a page, as `pages` says), `page_count`.
pub(crate) async fn write_term(
    db: &Database,
    w: &mut WireWriter,
    site: &SiteConfig,
    (code, taxonomy): (&str, &TaxonomyConfig),
    term: &Term,
    pages: TermPages,
) -> PicanteResult<()> {
    let route = term_route(site, code, taxonomy, &term.slug);
    let base_url = &site.base_url;
    w.map(6);
    w.key("name");
    w.str(&term.name);
    w.key("slug");
    w.str(&term.slug);
    w.key("path");
    w.str(&route);
    w.key("permalink");
    w.str(&[base_url.as_str(), &route].concat());
    w.key("pages");
    match pages {
        TermPages::Listed => super::write_listed(db, w, &term.pages).await?,
        TermPages::Empty => w.list(0),
        TermPages::Deferred => {
            let id = taxonomy_id(code, &taxonomy.name, site);
            w.deferred(TERM_PAGES, &[("taxonomy", &id), ("term", &term.slug)]);
        }
    }
    w.key("page_count");
    w.int(i64::try_from(term.pages.len()).unwrap_or(i64::MAX));
    Ok(())
}

/// Every term of the taxonomy `id`, its pages deferred: the list page's `terms`, and
/// `get_taxonomy`'s `items`. A list page prints the terms' names and counts; its pages
/// every term's pages only when it reads them (sent whole, the 50 terms of 10,000 pages
/// tagged 3 times each made a context of 35 MB).
pub(crate) fn terms_query(db: &Database, id: String) -> Query<'_, WireValue> {
    Box::pin(async move {
        let config = db.config.get(db, ()).await?;
        let taxonomy = db.taxonomy.get_ref(db, id.as_str()).await?;
        let mut w = WireWriter::with_capacity(256 * taxonomy.terms.len());
        w.list(taxonomy.terms.len());
        if let Some((language, kind)) = find_taxonomy(&id, &config) {
            let of = (language.code.as_str(), kind);
            for term in &taxonomy.terms {
                write_term(db, &mut w, &config, of, term, TermPages::Deferred).await?;
            }
        }
        Ok(w.finish())
    })
}

fn failure(message: String) -> Arc<PicanteError> {
    PicanteError::query(message)
}

/// A keyword argument of `call`, if given.
fn argument(call: &FunctionCall, name: &str) -> PicanteResult<Option<Value>> {
    call.arguments
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.to_value().map_err(failure))
        .transpose()
}

fn string(call: &FunctionCall, name: &str) -> PicanteResult<String> {
    match argument(call, name)? {
        Some(Value::String(s)) => Ok(s),
        _ => Err(failure(format!("{}() needs a string `{name}` argument", call.name))),
    }
}

fn flag(call: &FunctionCall, name: &str, default: bool) -> PicanteResult<bool> {
    match argument(call, name)? {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(b),
        Some(_) => Err(failure(format!("{}(): `{name}` must be true or false", call.name))),
    }
}

/// The answer to `__term_pages(taxonomy=…, term=…)`: the term's pages as listings show them
/// (an empty list for a term that is gone).
pub(crate) async fn term_pages(db: &Database, call: &FunctionCall) -> PicanteResult<WireValue> {
    let key = Generated::term(&string(call, "taxonomy")?, &string(call, "term")?, 0);
    let mut w = WireWriter::with_capacity(4096);
    match db.term.get(db, key).await? {
        Some(term) => super::write_listed(db, &mut w, &term.pages).await?,
        None => w.list(0),
    }
    Ok(w.finish())
}

/// `get_taxonomy(kind, required, lang)`, `get_taxonomy_url(kind, name, required, lang)` and
/// `get_taxonomy_term(kind, term, include_pages, required, lang)`, as Zola 0.22 answers them:
/// the taxonomy `kind` of the language `lang` (default: the default language).
pub(crate) async fn function(
    db: &Database,
    call: &FunctionCall,
    config: &SiteConfig,
) -> PicanteResult<WireValue> {
    let kind = string(call, "kind")?;
    let required = flag(call, "required", true)?;
    let lang = match argument(call, "lang")? {
        None => config.default_language.clone(),
        Some(Value::String(lang)) => lang,
        Some(_) => return Err(failure(format!("{}(): `lang` must be a string", call.name))),
    };
    let found = config.language(&lang).and_then(|language| {
        let taxonomy = language.taxonomies.iter().find(|t| t.name == kind)?;
        Some((language.code.as_str(), taxonomy))
    });
    let Some((code, taxonomy)) = found else {
        if required {
            return Err(failure(format!(
                "`{}` received an unknown taxonomy as kind: {kind}",
                call.name
            )));
        }
        return Ok(Value::Null.to_wire());
    };
    let id = taxonomy_id(code, &kind, config);
    match call.name.as_str() {
        "get_taxonomy" => {
            let terms = db.taxonomy_terms.get_ref(db, id.as_str()).await?;
            let mut w = WireWriter::with_capacity(terms.as_bytes().len() + 256);
            w.map(4);
            w.key("kind");
            crate::config::write_taxonomy(&mut w, taxonomy);
            w.key("lang");
            w.str(&lang);
            w.key("permalink");
            w.str(&format!("{}{}", config.base_url, taxonomy_route(config, code, taxonomy)));
            w.key("items");
            w.encoded(&terms);
            Ok(w.finish())
        }
        "get_taxonomy_url" => {
            let name = string(call, "name")?;
            let slug = crate::slug::slugify(&name, config.slugify.taxonomies);
            let key = Generated::term(&id, &slug, 0);
            match db.term.get(db, key).await? {
                Some(term) => Ok(Value::from(format!(
                    "{}{}",
                    config.base_url,
                    term_route(config, code, taxonomy, &term.slug)
                ))
                .to_wire()),
                None => Err(failure(format!(
                    "`get_taxonomy_url`: couldn't find `{name}` in `{kind}` taxonomy"
                ))),
            }
        }
        _ => {
            // get_taxonomy_term: by the term's name, as written.
            let name = string(call, "term")?;
            let include_pages = flag(call, "include_pages", true)?;
            let slug = crate::slug::slugify(&name, config.slugify.taxonomies);
            let term = db.term.get(db, Generated::term(&id, &slug, 0)).await?;
            match term.filter(|term| term.name == name) {
                Some(term) => {
                    let mut w = WireWriter::with_capacity(512);
                    let pages = if include_pages { TermPages::Listed } else { TermPages::Empty };
                    write_term(db, &mut w, config, (code, taxonomy), &term, pages).await?;
                    Ok(w.finish())
                }
                None if required => {
                    Err(failure(format!("`get_taxonomy_term` received an unknown term: {name}")))
                }
                None => Ok(Value::Null.to_wire()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SlugStrategy;

    fn found(
        term: &str,
        date: Option<&str>,
        path: &str,
    ) -> (String, Option<String>, String, String) {
        (term.into(), date.map(str::to_string), format!("/{path}/"), path.into())
    }

    #[test]
    fn terms_are_ordered_by_slug_and_their_pages_newest_first() {
        let taxonomy = group(
            vec![
                found("Rust", Some("2024-01-01"), "a"),
                found("Rust", Some("2024-03-01"), "b"),
                found("Rust", None, "c"),
                found("Go", Some("2024-02-01"), "a"),
                found("Rust", Some("2024-03-01"), "a2"),
            ],
            SlugStrategy::On,
        );
        let terms: Vec<(&str, &str, Vec<&str>)> = taxonomy
            .terms
            .iter()
            .map(|t| {
                (t.name.as_str(), t.slug.as_str(), t.pages.iter().map(String::as_str).collect())
            })
            .collect();
        assert_eq!(
            terms,
            vec![("Go", "go", vec!["a"]), ("Rust", "rust", vec!["a2", "b", "a", "c"])]
        );
    }

    #[test]
    fn names_with_one_slug_are_one_term() {
        let taxonomy = group(
            vec![found("rust", Some("2024-05-01"), "x"), found("Rust", Some("2024-01-01"), "y")],
            SlugStrategy::On,
        );
        assert_eq!(taxonomy.terms.len(), 1);
        assert_eq!(taxonomy.terms[0].name, "Rust");
        assert_eq!(taxonomy.terms[0].pages, vec!["y", "x"]);
    }
}
