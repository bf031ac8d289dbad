//! Content files' languages, read from their names as Zola reads them.
//!
//! On a site with more than one language (`[languages]` beside `default_language`), a
//! content file's name may end in a language code before `.md`: `blog/bread.fr.md` is the
//! French version of `blog/bread.md`, `blog/_index.fr.md` the French `blog` section,
//! `blog/trip/index.fr.md` the French page of `blog/trip/`. The versions of one file are each
//! other's translations (`page.translations`); each language is a tree of its own, whose
//! pages are listed by its sections, at routes under `/<code>/`. A name whose part after its
//! first dot is not one of the site's languages is an error, as in Zola. On a site of one
//! language, names carry no language: `notes.v2.md` is the page `notes-v2`.

use std::borrow::Cow;

use crate::config::SiteConfig;

/// Why `code` cannot name a language, if it cannot: it must be a Unicode language
/// identifier (`en`, `fr-CA`, `zh-Hant`, `sr_Latn`): letters, digits and `-` or `_` between
/// subtags, the first subtag 2 to 3 or 5 to 8 letters. It becomes a directory of the output
/// and part of file names, so nothing else may pass.
pub(crate) fn code_problem(code: &str) -> Option<&'static str> {
    let mut subtags = code.split(['-', '_']);
    let first = subtags.next().unwrap_or_default();
    let letters = first.len();
    if !first.bytes().all(|b| b.is_ascii_alphabetic()) || !matches!(letters, 2 | 3 | 5..=8) {
        return Some(
            "is not a language code: it must start with 2 or 3 letters (`en`, `fr-CA`, `zh-Hant`)",
        );
    }
    for subtag in subtags {
        if !(1..=8).contains(&subtag.len()) || !subtag.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Some(
                "is not a language code: after the language, only letters and digits \
                 separated by `-` (`fr-CA`)",
            );
        }
    }
    None
}

/// What a content file's name says of its language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileLanguage<'a> {
    /// The language's code: the default language's when the name gives none.
    pub(crate) code: &'a str,
    /// Whether that is the default language.
    pub(crate) is_default: bool,
    /// The path without the code (`blog/bread.fr.md` → `blog/bread.md`): what its route and
    /// slug are made from, and what its translations share.
    pub(crate) plain: Cow<'a, str>,
}

/// The language of the content file at `path` (relative to `content/`) on the site of
/// `config`, or why its name is wrong: it gives a code that is not one of the site's
/// languages (see the module's documentation).
pub(crate) fn file_language<'a>(
    path: &'a str,
    config: &'a SiteConfig,
) -> Result<FileLanguage<'a>, String> {
    let default = FileLanguage {
        code: config.default_language.as_str(),
        is_default: true,
        plain: Cow::Borrowed(path),
    };
    // Asked of every file by many queries: on a site of one language only a section's name
    // can give a language (and be wrong).
    if !config.is_multilingual() && !crate::content::is_section(path) {
        return Ok(default);
    }
    let (dir, name) = match path.rsplit_once('/') {
        Some((dir, name)) => (Some(dir), name),
        None => (None, path),
    };
    let stem = name.strip_suffix(".md").unwrap_or(name);
    let Some((base, code)) = stem.split_once('.') else { return Ok(default) };
    // As Zola: a name ending in the default language's code is in the default language, the
    // code kept in its name (`post.en.md` is the page `post-en`; `_index.en.md`, the section
    // of its directory, which `_index.md` then also claims).
    if code == config.default_language {
        return Ok(default);
    }
    let Some(language) = config.languages[1..].iter().find(|l| l.code == code) else {
        let known: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
        return Err(if config.is_multilingual() {
            format!(
                "its name gives the language `{code}`, which is not one of the config's \
                 languages ({}); add `[languages.{code}]` to the config or rename the file",
                known.join(", ")
            )
        } else {
            format!(
                "its name gives the language `{code}`, but the config has no `[languages]`: \
                 add `[languages.{code}]` to it, or rename the file `_index.md`"
            )
        });
    };
    let plain = match dir {
        Some(dir) => format!("{dir}/{base}.md"),
        None => format!("{base}.md"),
    };
    Ok(FileLanguage { code: language.code.as_str(), is_default: false, plain: Cow::Owned(plain) })
}

/// The path without its language's code and the code (see [`FileLanguage`]); for a name that
/// gives a wrong code (whose error the route check reports), the path as it is and the default
/// language.
pub(crate) fn plain_and_code<'a>(path: &'a str, config: &'a SiteConfig) -> (Cow<'a, str>, &'a str) {
    match file_language(path, config) {
        Ok(file) => (file.plain, file.code),
        Err(_) => (Cow::Borrowed(path), config.default_language.as_str()),
    }
}

/// The directory (with its final `/`, or `""`) of `path` if its file is named `<base>.md` or
/// `<base>.<code>.md` (one more dot-free part before `.md`): `_index` for sections, `index` for
/// pages with their assets beside them. A few byte comparisons, no search of the path: it is
/// asked of every file by many queries.
#[inline]
pub(crate) fn file_named<'p>(path: &'p str, base: &str) -> Option<&'p str> {
    let stem = path.strip_suffix(".md")?;
    let dir_of = |before: &'p str| -> Option<&'p str> {
        let dir = before.strip_suffix(base)?;
        (dir.is_empty() || dir.ends_with('/')).then_some(dir)
    };
    if let Some(dir) = dir_of(stem) {
        return Some(dir);
    }
    // `<base>.<code>`: back over the code to its dot.
    let bytes = stem.as_bytes();
    let mut at = bytes.len();
    while at > 0 && bytes[at - 1] != b'.' && bytes[at - 1] != b'/' {
        at -= 1;
    }
    if at == 0 || at == bytes.len() || bytes[at - 1] != b'.' {
        return None;
    }
    dir_of(&stem[..at - 1])
}

/// The language code of the content file at `path`: the default language's when its name
/// gives none or a wrong one (whose error the route check reports).
pub(crate) fn code_of<'a>(path: &'a str, config: &'a SiteConfig) -> &'a str {
    file_language(path, config).map_or(config.default_language.as_str(), |file| file.code)
}

/// The name of the section file of the language `code` in a directory: `_index.md` for the
/// default language, `_index.<code>.md` for another.
pub(crate) fn section_file_name(code: &str, config: &SiteConfig) -> Cow<'static, str> {
    if code == config.default_language {
        Cow::Borrowed("_index.md")
    } else {
        Cow::Owned(format!("_index.{code}.md"))
    }
}

/// The section file of the language `code` in the directory `dir` (`""` for `content/`).
pub(crate) fn section_file(dir: &str, code: &str, config: &SiteConfig) -> String {
    let name = section_file_name(code, config);
    if dir.is_empty() { name.into_owned() } else { [dir, "/", &name].concat() }
}

/// The route of a file in the language `code` whose route in the default language would be
/// `route`: under `/<code>/` for another language.
pub(crate) fn prefixed_route(route: String, code: &str, config: &SiteConfig) -> String {
    if code == config.default_language { route } else { ["/", code, &route].concat() }
}

/// `path` (a content file, `@/` allowed, an anchor allowed) in the language `code`: the code
/// put before its last extension (`@/blog/a.md#x` → `@/blog/a.fr.md#x`), as Zola's `get_url`,
/// `get_page` and `get_section` make it.
pub(crate) fn path_in_language(path: &str, code: &str) -> String {
    let (file, anchor) = match path.split_once('#') {
        Some((file, anchor)) => (file, Some(anchor)),
        None => (path, None),
    };
    let mut out = match file.rsplit_once('.') {
        Some((stem, extension)) if !extension.contains('/') => format!("{stem}.{code}.{extension}"),
        _ => format!("{file}.{code}"),
    };
    if let Some(anchor) = anchor {
        out.push('#');
        out.push_str(anchor);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(languages: &str) -> SiteConfig {
        let text = format!("base_url = \"/\"\n{languages}");
        crate::config::parse("config.toml", &text).unwrap()
    }

    #[test]
    fn a_file_name_s_code_is_its_language_on_a_site_of_several() {
        let config = site("[languages.fr]\n[languages.it]\n");
        let fr = file_language("blog/bread.fr.md", &config).unwrap();
        assert_eq!((fr.code, fr.is_default, fr.plain.as_ref()), ("fr", false, "blog/bread.md"));
        let section = file_language("blog/_index.it.md", &config).unwrap();
        assert_eq!((section.code, section.plain.as_ref()), ("it", "blog/_index.md"));
        let colocated = file_language("trip/index.fr.md", &config).unwrap();
        assert_eq!(colocated.plain, "trip/index.md");
        let default = file_language("blog/bread.md", &config).unwrap();
        assert_eq!((default.code, default.is_default), ("en", true));
        let en = file_language("post.en.md", &config).unwrap();
        assert_eq!((en.code, en.plain.as_ref()), ("en", "post.en.md"));
        let wrong = file_language("notes.v2.md", &config).unwrap_err();
        assert!(wrong.contains("`v2`") && wrong.contains("en, fr, it"), "{wrong}");
    }

    #[test]
    fn a_site_of_one_language_reads_no_language_from_a_page_s_name() {
        let config = site("");
        let page = file_language("notes.v2.md", &config).unwrap();
        assert_eq!((page.code, page.plain.as_ref()), ("en", "notes.v2.md"));
        let section = file_language("blog/_index.fr.md", &config).unwrap_err();
        assert!(section.contains("no `[languages]`"), "{section}");
    }

    #[test]
    fn language_codes_are_unicode_language_identifiers() {
        for good in ["en", "fr", "fr-CA", "zh-Hant", "sr_Latn", "ast", "es-419"] {
            assert_eq!(code_problem(good), None, "{good}");
        }
        for bad in ["", "e", "..", "fr/x", "a.b", "fr-", "f1", "français", "en-toolongsubtag"] {
            assert!(code_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn section_files_and_routes_of_a_language() {
        let config = site("[languages.fr]\n");
        assert_eq!(section_file("", "en", &config), "_index.md");
        assert_eq!(section_file("blog", "fr", &config), "blog/_index.fr.md");
        assert_eq!(prefixed_route("/blog/".into(), "fr", &config), "/fr/blog/");
        assert_eq!(prefixed_route("/blog/".into(), "en", &config), "/blog/");
    }

    #[test]
    fn a_file_named_for_a_base_may_carry_a_language_s_code() {
        assert_eq!(file_named("blog/_index.md", "_index"), Some("blog/"));
        assert_eq!(file_named("_index.fr.md", "_index"), Some(""));
        assert_eq!(file_named("a/b/_index.zh-Hant.md", "_index"), Some("a/b/"));
        assert_eq!(file_named("x_index.md", "_index"), None);
        assert_eq!(file_named("a/x_index.fr.md", "_index"), None);
        assert_eq!(file_named("_index.a.b.md", "_index"), None);
        assert_eq!(file_named("_index..md", "_index"), None);
        assert_eq!(file_named("trip/index.fr.md", "index"), Some("trip/"));
    }

    #[test]
    fn a_path_in_a_language_has_the_code_before_its_extension() {
        assert_eq!(path_in_language("@/blog/a.md", "fr"), "@/blog/a.fr.md");
        assert_eq!(path_in_language("@/blog/a.md#part", "fr"), "@/blog/a.fr.md#part");
        assert_eq!(path_in_language("blog/_index.md", "it"), "blog/_index.it.md");
        assert_eq!(path_in_language("v1.2/a.md", "fr"), "v1.2/a.fr.md");
    }
}
