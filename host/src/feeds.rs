//! Zola's feeds (0.22): Atom and RSS files listing a site's dated pages, newest first.
//!
//! With `generate_feeds = true` in the config the site has a feed per name of
//! `feed_filenames` (default `["atom.xml"]`) at its root, listing every page; a section with
//! `generate_feeds = true` in its front matter has its own at `<section>/<name>`, listing its
//! pages; each term of a rendered taxonomy with `feed = true` has one at
//! `<taxonomy>/<term>/<name>`, listing the term's pages. On a site of several languages each
//! language with its own `generate_feeds` has its site feeds under `/<code>/`, listing its
//! pages, and its sections' and terms' feeds take its `feed_filenames`. A feed lists only
//! pages with a date, newest first (ties by permalink), at most `feed_limit` of them.
//!
//! `atom.xml` and `rss.xml` are built in (`feeds/atom.xml`, `feeds/rss.xml`: ours, written
//! from RFC 4287 and the RSS 2.0 specification to give, white space aside, what Zola's give);
//! a site's template of a feed's name is rendered instead, and any other name needs one.
//! The template sees Zola's context: `config`, `lang`, `feed_url` (the feed's own URL),
//! `pages` (each with every field of its own `page`, `content` included), `last_updated`
//! (the latest `updated` of the feed's dated pages or the newest page's `date`, as written,
//! compared as text as Zola does; absent without pages), and `section` (a section's feed, as
//! the section's template sees it) or `taxonomy` and `term` (`name`, `slug`, `permalink`: a
//! term's feed).
//!
//! Three queries keep an edit small:
//!
//! - `feeds()`: every feed file, from the config, the sections' front matter and the
//!   taxonomies' terms (the build step `site/feeds.rs` writes each);
//! - `feed_pages(owner)`: the pages of the site's, a section's or a term's feeds, from the
//!   pages' front matter alone, so a body edit stops there;
//! - `render_feed(feed)`: one file, which reads each page it lists through `listed_page`, so a
//!   page's edit renders the feeds that list it, and no other.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use cell_proto::{TemplateSource, WireWriter};
use facet::Facet;
use picante::PicanteResult;
use rpc::RpcError;

use crate::SiteError;
use crate::cells::CellError;
use crate::config::write_taxonomy;
use crate::config::{LanguageConfig, SiteConfig};
use crate::content::is_section;
use crate::db::{Database, Query};
use crate::error::{cell_query_error, query_error};
use crate::listings::Generated;
use crate::listings::taxonomy::{find_taxonomy, taxonomy_id, term_route};
use crate::render::{CellRender, PageOutput, render_bundle_in_cell, render_in_cell};
use crate::toml::Datetime;

/// The built-in template of the feed name `name`, if there is one.
fn built_in(name: &str) -> Option<&'static str> {
    match name {
        "atom.xml" => Some(include_str!("feeds/atom.xml")),
        "rss.xml" => Some(include_str!("feeds/rss.xml")),
        _ => None,
    }
}

/// Whose feed it is.
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FeedOf {
    /// The site's in one language (`generate_feeds` in the config or a language's; `owner`:
    /// "" for the default language, else the language's code).
    Site,
    /// A section's (`owner`: its `_index.md` path).
    Section,
    /// A term's (`owner`: the taxonomy's id, `listings/taxonomy.rs`; `term`: the term's slug).
    Term,
}

/// A feed file: whose, and its name (one of `feed_filenames`). With an empty name, the key of
/// `feed_pages`, which all of one owner's feeds share.
#[derive(Facet, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Feed {
    /// Whose feed it is.
    pub of: FeedOf,
    /// The section's path under `content/`, or the taxonomy's name ("" for the site).
    pub owner: String,
    /// The term's slug ("" for what is not a term's).
    pub term: String,
    /// The file's name (`atom.xml`).
    pub name: String,
}

impl Feed {
    /// The key of this feed's pages (its name left out).
    fn owner_key(&self) -> Feed {
        Feed { name: String::new(), ..self.clone() }
    }
}

/// A feed file the build writes, and where.
#[derive(Facet, Clone, Debug, PartialEq)]
pub(crate) struct FeedOutput {
    pub(crate) key: Feed,
    /// Its output file under the output directory (`blog/atom.xml`).
    pub(crate) rel: String,
}

/// What the feeds of one owner list.
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub(crate) struct FeedPages {
    /// The directory its files go in, under the output directory (`blog/`; "" for the site).
    pub(crate) dir: String,
    /// The pages' paths under `content/`: dated ones only, newest first, `feed_limit` at most.
    pub(crate) pages: Vec<String>,
    /// `last_updated` (see the module's doc), as written.
    pub(crate) last_updated: Option<String>,
    /// A term's name ("" for the others): its feed's `term.name`.
    pub(crate) term_name: String,
}

/// The language of `owner`'s feeds: the site's feeds', a section's, a taxonomy's. `None` for
/// a language or taxonomy the config does not have (any more).
fn feed_language<'c>(config: &'c SiteConfig, owner: &Feed) -> Option<&'c LanguageConfig> {
    match owner.of {
        FeedOf::Site if owner.owner.is_empty() => Some(config.default_language_config()),
        FeedOf::Site => config.languages[1..].iter().find(|l| l.code == owner.owner),
        FeedOf::Section => config.language(crate::languages::code_of(&owner.owner, config)),
        FeedOf::Term => find_taxonomy(&owner.owner, config).map(|(language, _)| language),
    }
}

/// The directory under the output directory where `owner`'s feeds go, if it has feeds.
async fn feed_dir(
    db: &Database,
    config: &SiteConfig,
    owner: &Feed,
) -> PicanteResult<Option<String>> {
    match owner.of {
        FeedOf::Site => Ok(feed_language(config, owner)
            .filter(|language| language.generate_feeds)
            .map(|language| site_feed_dir(&language.code, config))),
        FeedOf::Section => {
            let path = owner.owner.as_str();
            if !is_section(path) || db.routes.get(db, ()).await?.refuses(path) {
                return Ok(None);
            }
            // A section that does not parse reports it through its own render.
            let Ok(meta) = db.front_matter.get_ref(db, path).await else { return Ok(None) };
            if !meta.section.generate_feeds || db.left_out.get_ref(db, path).await? {
                return Ok(None);
            }
            let route = db.route.get_ref(db, path).await?;
            let dir = route.trim_start_matches('/');
            // A language's home's feeds would be that language's site files: Zola writes the
            // site's last, so theirs are the ones a reader gets.
            let language = feed_language(config, owner);
            if language.is_some_and(|l| l.generate_feeds && dir == site_feed_dir(&l.code, config)) {
                return Ok(None);
            }
            Ok(Some(dir.to_string()))
        }
        FeedOf::Term => {
            let Some((language, taxonomy)) = find_taxonomy(&owner.owner, config) else {
                return Ok(None);
            };
            if !taxonomy.render || !taxonomy.feed {
                return Ok(None);
            }
            if db.term.get(db, Generated::term(&owner.owner, &owner.term, 0)).await?.is_none() {
                return Ok(None);
            }
            let route = term_route(config, &language.code, taxonomy, &owner.term);
            Ok(Some(route.trim_start_matches('/').to_string()))
        }
    }
}

/// The directory of the site's feeds in the language `code`: the output's root for the
/// default language, `<code>/` for another.
fn site_feed_dir(code: &str, config: &SiteConfig) -> String {
    let home = crate::languages::prefixed_route("/".to_string(), code, config);
    home.trim_start_matches('/').to_string()
}

/// The query `feeds()`: every feed file of the site, by owner (the site in each language,
/// then sections by path, then terms by taxonomy and slug), each owner's in the order of its
/// language's `feed_filenames`.
pub(crate) fn feeds_query(db: &Database, _: ()) -> Query<'_, Arc<Vec<FeedOutput>>> {
    Box::pin(async move {
        let config = db.config.get(db, ()).await?;
        let mut owners: Vec<Feed> = config
            .languages
            .iter()
            .enumerate()
            .map(|(index, language)| Feed {
                of: FeedOf::Site,
                owner: if index == 0 { String::new() } else { language.code.clone() },
                term: String::new(),
                name: String::new(),
            })
            .collect();
        let index = db.section_index.get(db, ()).await?;
        for section in &index.sections {
            owners.push(Feed {
                of: FeedOf::Section,
                owner: section.path.clone(),
                term: String::new(),
                name: String::new(),
            });
        }
        let mut ids = Vec::new();
        for language in &config.languages {
            for taxonomy in language.taxonomies.iter().filter(|t| t.render && t.feed) {
                ids.push(taxonomy_id(&language.code, &taxonomy.name, &config));
            }
        }
        for id in ids {
            for term in &db.taxonomy.get_ref(db, id.as_str()).await?.terms {
                owners.push(Feed {
                    of: FeedOf::Term,
                    owner: id.clone(),
                    term: term.slug.clone(),
                    name: String::new(),
                });
            }
        }
        let mut out = Vec::new();
        for owner in owners {
            let Some(dir) = feed_dir(db, &config, &owner).await? else { continue };
            let Some(language) = feed_language(&config, &owner) else { continue };
            for name in &language.feed_filenames {
                let key = Feed { name: name.clone(), ..owner.clone() };
                out.push(FeedOutput { key, rel: format!("{dir}{name}") });
            }
        }
        Ok(Arc::new(out))
    })
}

/// A dated page, as a feed orders it.
struct Dated {
    /// Its date and time as written, offset aside (Zola's `naive_local`).
    order: (u16, u8, u8, u8, u8, u8, u32),
    route: String,
    path: String,
    date: String,
    updated: Option<String>,
}

/// The order of `date` among feed entries; `None` for a time without a date.
fn order_of(date: &Datetime) -> Option<(u16, u8, u8, u8, u8, u8, u32)> {
    let day = date.date?;
    let (hour, minute, second, nanos) = match date.time {
        Some(t) => (t.hour, t.minute, t.second.unwrap_or(0), t.nanosecond.unwrap_or(0)),
        None => (0, 0, 0, 0),
    };
    Some((day.year, day.month, day.day, hour, minute, second, nanos))
}

/// The query `feed_pages(owner)`: see [`FeedPages`]; `None` when `owner` has no feeds.
pub(crate) fn feed_pages_query(db: &Database, owner: Feed) -> Query<'_, Option<Arc<FeedPages>>> {
    Box::pin(async move {
        let config = db.config.get(db, ()).await?;
        let Some(dir) = feed_dir(db, &config, &owner).await? else { return Ok(None) };
        let mut term_name = String::new();
        let candidates: Vec<String> = match owner.of {
            FeedOf::Site => {
                let list = db.content_list.get(db, &())?.unwrap_or_default();
                let routes = db.routes.get(db, ()).await?;
                let code = feed_language(&config, &owner).map_or("", |l| l.code.as_str());
                list.iter()
                    .filter(|p| !is_section(p) && !routes.refuses(p))
                    .filter(|p| crate::languages::code_of(p, &config) == code)
                    .cloned()
                    .collect()
            }
            FeedOf::Section => {
                match db.section_listing.get_ref(db, owner.owner.as_str()).await?.as_ref() {
                    Some(section) => section.pages.iter().map(|e| e.path.clone()).collect(),
                    None => Vec::new(),
                }
            }
            FeedOf::Term => {
                match db.term.get(db, Generated::term(&owner.owner, &owner.term, 0)).await? {
                    Some(term) => {
                        term_name = term.name.clone();
                        term.pages.clone()
                    }
                    None => Vec::new(),
                }
            }
        };
        let mut dated = Vec::with_capacity(candidates.len());
        for path in candidates {
            // A page that does not parse reports it through its own render.
            let Ok(meta) = db.front_matter.get_ref(db, path.as_str()).await else { continue };
            let Some(date) = meta.date else { continue };
            if db.left_out.get_ref(db, path.as_str()).await? {
                continue;
            }
            let Some(order) = order_of(&date) else { continue };
            let route = db.route.get_ref(db, path.as_str()).await?;
            let updated = meta.updated.map(|updated| updated.to_string());
            dated.push(Dated { order, route, path, date: date.to_string(), updated });
        }
        dated.sort_by(|a, b| b.order.cmp(&a.order).then_with(|| a.route.cmp(&b.route)));
        // As Zola: of every dated page (not only those within the limit), the latest
        // `updated` or the newest `date`, compared as written.
        let last_updated = dated
            .iter()
            .filter_map(|page| page.updated.clone())
            .chain(dated.first().map(|page| page.date.clone()))
            .max();
        let limit =
            config.feed_limit.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
        let pages = dated.into_iter().take(limit).map(|page| page.path).collect();
        Ok(Some(Arc::new(FeedPages { dir, pages, last_updated, term_name })))
    })
}

/// The query `render_feed(feed)`: the feed file rendered, or `None` if there is no such feed
/// (any more).
pub(crate) fn render_feed_query(db: &Database, key: Feed) -> Query<'_, Option<Arc<PageOutput>>> {
    Box::pin(async move {
        let config = db.config.get(db, ()).await?;
        let Some(language) = feed_language(&config, &key) else { return Ok(None) };
        if !language.feed_filenames.contains(&key.name) {
            return Ok(None);
        }
        let Some(list) = db.feed_pages.get(db, key.owner_key()).await? else { return Ok(None) };
        let rel = format!("{}{}", list.dir, key.name);
        let own = db.templates.get(db, &key.name)?.is_some();
        let built_in = built_in(&key.name);
        if !own && built_in.is_none() {
            let file = db.config_text.get(db, &())?.map(|c| c.file).unwrap_or_default();
            return Err(query_error(SiteError::in_file(
                file,
                format!(
                    "`feed_filenames` has `{}`, which needs the template `templates/{}`: only \
                     `atom.xml` and `rss.xml` are built in",
                    key.name, key.name
                ),
            )));
        }
        let extra = match key.of {
            FeedOf::Site => 0,
            FeedOf::Section => 1,
            FeedOf::Term => 2,
        };
        let mut w = WireWriter::with_capacity(4096);
        w.map(4 + usize::from(list.last_updated.is_some()) + extra);
        w.key("config");
        config.write_wire_in(&language.code, &mut w);
        w.key("lang");
        w.str(&language.code);
        w.key("feed_url");
        w.str(&format!("{}/{rel}", config.base_url));
        if let Some(last_updated) = &list.last_updated {
            w.key("last_updated");
            w.str(last_updated);
        }
        w.key("pages");
        crate::listings::write_listed(db, &mut w, &list.pages).await?;
        match key.of {
            FeedOf::Site => {}
            FeedOf::Section => {
                let section = db.page.get_ref(db, key.owner.as_str()).await?;
                let placement = db.placement.get(db, key.owner.clone()).await?;
                w.key("section");
                crate::render::write_section(db, &mut w, &section, &config, &placement).await?;
            }
            FeedOf::Term => {
                // `feed_pages` found the taxonomy, or there would be no list.
                let Some((_, taxonomy)) = find_taxonomy(&key.owner, &config) else {
                    return Ok(None);
                };
                w.key("taxonomy");
                write_taxonomy(&mut w, taxonomy);
                // As Zola: without the term's pages (the feed's `pages` are them).
                w.key("term");
                w.map(3);
                w.key("name");
                w.str(&list.term_name);
                w.key("slug");
                w.str(&key.term);
                w.key("permalink");
                w.str(&format!(
                    "{}{}",
                    config.base_url,
                    term_route(&config, &language.code, taxonomy, &key.term)
                ));
            }
        }
        db.renders.fetch_add(1, Ordering::Relaxed);
        db.rendered.lock().push(format!("/{rel}"));
        let context = w.finish();
        let rendered = match built_in {
            Some(source) if !own => {
                let template =
                    TemplateSource { name: key.name.clone(), source: Some(source.to_string()) };
                render_bundle_in_cell(db, &key.name, &[template], context).await
            }
            _ => render_in_cell(db, &key.name, context).await,
        };
        let xml = match rendered {
            Ok(xml) => xml,
            Err(CellRender::Query(error)) => return Err(error),
            Err(CellRender::Cell(CellError::Call { error: RpcError::Remote(message), .. })) => {
                let file = if own {
                    format!("templates/{}", key.name)
                } else {
                    format!("(the built-in {})", key.name)
                };
                return Err(query_error(SiteError::in_file(
                    file,
                    format!("rendering /{rel}: {message}"),
                )));
            }
            Err(CellRender::Cell(error)) => return Err(cell_query_error(error)),
        };
        // As Zola's `write_content`: a feed whose file name ends in `html` (a custom
        // `feed_filenames` entry) is minified with `minify_html` too.
        let source = || format!("templates/{}", key.name);
        let xml = crate::minify::as_written(db, &config, &rel, &source, xml).await?;
        let hash = cas::ContentHash::of(xml.as_bytes());
        Ok(Some(Arc::new(PageOutput { rel, hash, html: Some(xml), warnings: Vec::new() })))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_order_by_their_time_as_written_whatever_the_offset() {
        let date = |text: &str| order_of(&Datetime::parse_lenient(text).unwrap());
        assert!(date("2024-01-05T10:00:00+09:00") > date("2024-01-05T09:00:00Z"));
        assert!(date("2024-01-05") < date("2024-01-05T00:00:01"));
        assert!(date("2024-01-05") > date("2023-12-31T23:59:59"));
        assert_eq!(date("10:00:00"), None);
    }

    #[test]
    fn atom_and_rss_are_built_in_and_nothing_else() {
        assert!(built_in("atom.xml").unwrap().contains("http://www.w3.org/2005/Atom"));
        assert!(built_in("rss.xml").unwrap().contains("version=\"2.0\""));
        assert_eq!(built_in("feed.xml"), None);
    }
}
