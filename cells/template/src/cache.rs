//! Parsed templates, cached by (name, content hash) across renders; and the compiled regular
//! expressions of `matching` and `regex_replace`, by pattern.
//!
//! The loader hands over a source each time a render needs a template; when the same text was
//! parsed before under that name, the parsed form is reused. A hit is checked by comparing the
//! text itself, so a hash collision can cost a parse but never gives the wrong template. A
//! loader that returns the same `Arc<str>` each time (like [`crate::MemoryLoader`]) skips
//! hashing too.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::ast::Template;
use crate::error::{Error, Location};
use crate::parser::parse;

/// Versions of one name kept: enough for the edit/rebuild cycle of `serve`, where old and new
/// versions alternate for a moment, without growing forever.
const VERSIONS_PER_NAME: usize = 4;

/// The parsed versions of each template name, oldest first.
type Versions = HashMap<Box<str>, Vec<Arc<Template>>, BuildHasherDefault<NameHasher>>;

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

/// Hashes template names for the cache's map: names are short and chosen by the site's author,
/// not by an attacker, so SipHash's flooding resistance buys nothing on this hot path.
#[derive(Default)]
pub(crate) struct NameHasher(u64);

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = self.0.rotate_left(5) ^ content_hash_bytes(bytes);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A fast 64-bit hash of the text (FxHash's multiply-rotate over 8-byte words); hits are
/// confirmed by comparing the text, so it need not resist collisions.
pub(crate) fn content_hash(text: &str) -> u64 {
    content_hash_bytes(text.as_bytes())
}

fn content_hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut hash = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        hash = (hash.rotate_left(5) ^ word).wrapping_mul(K);
    }
    for &b in chunks.remainder() {
        hash = (hash.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }
    hash
}
