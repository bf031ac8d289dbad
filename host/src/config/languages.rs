//! The site's languages: the default one, made of the top-level keys, and those of
//! `[languages]`, settled once every key is read (`[slugify]` may come last).

use super::reader::Reader;
use super::sections::WrittenLanguage;
use super::{LanguageConfig, SiteConfig, Translation};
use crate::SiteError;

/// Fills `config.languages`: the default language first, from the top-level keys (`given`
/// says which were written, and where) and `translations`, with what `[languages.<default>]`
/// gives for the others (a key given in both places is an error, as in Zola); then the
/// other languages by code. Taxonomies' slugs follow `[slugify] taxonomies`.
pub(super) fn settle(
    config: &mut SiteConfig,
    r: &Reader<'_>,
    written: Vec<WrittenLanguage>,
    translations: Vec<Translation>,
    given: &[(&'static str, usize)],
) -> Result<(), SiteError> {
    // `default_language` was checked where it is read.
    let default_code = config.default_language.clone();
    let mut others = Vec::with_capacity(written.len());
    let mut translations = translations;
    for language in written {
        if language.language.code != default_code {
            others.push(language.language);
            continue;
        }
        // `[languages.<default>]`: its keys fill in the top level's.
        for &(key, at) in &language.given {
            if given.iter().any(|(top, _)| *top == key) {
                return Err(r.error(
                    at,
                    format!(
                        "`{key}` of the default language `{default_code}` is given twice: at \
                         the top level and in `[languages.{default_code}]`; keep one"
                    ),
                ));
            }
        }
        let options = language.language;
        for &(key, _) in &language.given {
            match key {
                "title" => config.title = options.title.clone(),
                "description" => config.description = options.description.clone(),
                "generate_feeds" => config.generate_feeds = options.generate_feeds,
                "feed_filenames" => config.feed_filenames = options.feed_filenames.clone(),
                "taxonomies" => config.taxonomies = options.taxonomies.clone(),
                "build_search_index" => config.build_search_index = options.build_search_index,
                "search" => config.search = options.search.clone(),
                _ => {}
            }
        }
        if language.given.iter().any(|(key, _)| *key == "translations") {
            translations = options.translations;
        }
    }
    // Another language's taxonomies are known in queries as `<code>/<name>`: a default
    // language's taxonomy may not be named like one (`fr/tags`).
    for taxonomy in &config.taxonomies {
        if let Some((code, _)) = taxonomy.name.split_once('/')
            && others.iter().any(|other| other.code == code)
        {
            let at = given.iter().find(|(key, _)| *key == "taxonomies").map_or(0, |g| g.1);
            return Err(r.error(
                at,
                format!(
                    "the taxonomy `{}` has a name that starts with the language `{code}` and \
                     a `/`, which names that language's taxonomies; rename it",
                    taxonomy.name
                ),
            ));
        }
    }
    finish(config, others, translations)
}

fn finish(
    config: &mut SiteConfig,
    mut others: Vec<LanguageConfig>,
    translations: Vec<Translation>,
) -> Result<(), SiteError> {
    others.sort_by(|a, b| a.code.cmp(&b.code));
    let default = LanguageConfig {
        code: config.default_language.clone(),
        title: config.title.clone(),
        description: config.description.clone(),
        generate_feeds: config.generate_feeds,
        feed_filenames: config.feed_filenames.clone(),
        taxonomies: config.taxonomies.clone(),
        build_search_index: config.build_search_index,
        search: config.search.clone(),
        translations,
    };
    config.languages = std::iter::once(default).chain(others).collect();
    let strategy = config.slugify.taxonomies;
    for language in &mut config.languages[1..] {
        for taxonomy in &mut language.taxonomies {
            taxonomy.slug = crate::slug::slugify(&taxonomy.name, strategy);
        }
    }
    Ok(())
}
