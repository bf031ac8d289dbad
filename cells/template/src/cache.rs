//! Parsed templates, cached by (name, content hash) across renders; and the compiled regular
//! expressions of `matching` and `regex_replace`, by pattern.
//!
//! The loader hands over a source each time a render needs a template; when the same text was
//! parsed before under that name, the parsed form is reused. A hit is checked by comparing the
//! text itself, so a hash collision can cost a parse but never gives the wrong template. A
//! loader that returns the same `Arc<str>` each time (like [`crate::MemoryLoader`]) skips
//! hashing too.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::ast::Template;
use crate::error::{Error, Location};
use crate::hash::BuildWordHasher;
use crate::parser::parse;

/// Versions of one name kept: enough for the edit/rebuild cycle of `serve`, where old and new
/// versions alternate for a moment, without growing forever.
const VERSIONS_PER_NAME: usize = 4;

/// The parsed versions of each template name, oldest first.
type Versions = HashMap<Box<str>, Vec<Arc<Template>>, BuildWordHasher>;

/// Compiled regular expressions kept at most; past this the map starts over (a site uses a
/// handful, and a template computing patterns must not grow it forever).
const MAX_REGEXES: usize = 256;
/// Size limit of one compiled regular expression: a pattern in a template cannot make the
/// engine allocate more than this (the `regex` crate matches in linear time, so none hangs).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

#[derive(Default)]
pub(crate) struct TemplateCache {
    templates: Mutex<Versions>,
    parses: AtomicU64,
    /// The regular expressions of `matching` and `regex_replace`, by pattern.
    regexes: Mutex<HashMap<Box<str>, Arc<regex::Regex>>>,
}

impl TemplateCache {
    pub(crate) fn parses(&self) -> u64 {
        self.parses.load(Ordering::Relaxed)
    }

    /// The compiled form of `pattern`, or why it does not compile.
    pub(crate) fn regex(&self, pattern: &str) -> Result<Arc<regex::Regex>, String> {
        let mut regexes = self.regexes.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(regex) = regexes.get(pattern) {
            return Ok(regex.clone());
        }
        let regex = regex::RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| format!("invalid regular expression {pattern:?}: {e}"))?;
        if regexes.len() >= MAX_REGEXES {
            regexes.clear();
        }
        let regex = Arc::new(regex);
        regexes.insert(pattern.into(), regex.clone());
        Ok(regex)
    }

    /// The parsed form of `source` as template `name`.
    pub(crate) fn get(&self, name: &str, source: Arc<str>) -> Result<Arc<Template>, Error> {
        let mut hash = None;
        {
            let templates = self.templates.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(versions) = templates.get(name) {
                if let Some(t) = versions.iter().find(|t| Arc::ptr_eq(&t.source, &source)) {
                    return Ok(t.clone());
                }
                let h = content_hash(&source);
                hash = Some(h);
                if let Some(t) = versions.iter().find(|t| t.hash == h && *t.source == *source) {
                    return Ok(t.clone());
                }
            }
        }
        let hash = hash.unwrap_or_else(|| content_hash(&source));
        self.parses.fetch_add(1, Ordering::Relaxed);
        let template = parse(name.into(), source.clone(), hash).map_err(|(kind, offset)| {
            Error::new(kind, Some(Location::at(name, &source, offset)))
        })?;
        let template = Arc::new(template);
        let mut templates = self.templates.lock().unwrap_or_else(|p| p.into_inner());
        let versions = templates.entry(name.into()).or_default();
        if versions.len() >= VERSIONS_PER_NAME {
            versions.remove(0);
        }
        versions.push(template.clone());
        Ok(template)
    }
}

/// A fast 64-bit hash of the text (the cell's word hasher); hits are confirmed by comparing
/// the text, so it need not resist collisions.
pub(crate) fn content_hash(text: &str) -> u64 {
    BuildWordHasher::default().hash_one(text)
}
