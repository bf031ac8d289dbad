//! The host's answers, kept for the revision served, so that a repeated request (and a
//! conditional one) is answered without a round trip to the host.
//!
//! Every answer comes from the host's snapshot of one completed build and names that build's
//! revision ([`crate::Reply::revision`]); the host tells the cell of each new revision after
//! the rebuild ([`crate::Server::notify`]). The cache holds answers of one revision only, the
//! newest it has heard of, from either side:
//!
//! - an answer of the revision held is kept;
//! - an answer of a newer revision empties the cache and is kept (the host serves that build
//!   already; its notice is on the way);
//! - an answer of an older revision is sent to its client and not kept: it was read before a
//!   rebuild whose notice arrived while it travelled, so keeping it would serve the old build
//!   as the new one;
//! - a notice of a newer revision empties the cache, before the pages are told to reload.
//!
//! Revisions only grow within a host, so "newest heard of" never goes back.
//!
//! The cache is bounded in bytes and in entries ([`cell_proto::HttpConfig::cache_bytes`],
//! [`cell_proto::HttpConfig::cache_entries`]). Beyond either, entries are evicted in CLOCK
//! order (second chance: an approximation of least recently used in which a hit only sets a
//! flag, so hits share a read lock). An answer over an eighth of the byte budget is never
//! kept, so a few large files cannot push out every page.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// An answer as the server sends it; bodies are shared between the cache and the responses
/// sending them.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// 200: the content type, the bytes as sent (the reload script injected in dev), the tag.
    Found { kind: &'static str, body: Arc<[u8]>, etag: String, page: bool },
    /// Only the tag: the host answered a conditional request 304, without the bytes. It
    /// answers later requests holding the tag; one without it is a miss.
    Tag(String),
    /// 308 to this path.
    Redirect(String),
    /// 404 with this page.
    NotFound(Arc<[u8]>),
}

impl Entry {
    /// Bytes this entry holds besides its fixed cost.
    fn size(&self) -> usize {
        match self {
            Entry::Found { body, etag, .. } => body.len() + etag.len(),
            Entry::Tag(text) | Entry::Redirect(text) => text.len(),
            Entry::NotFound(body) => body.len(),
        }
    }
}

/// Whether a client holding `known` tags (from `If-None-Match`) has the content tagged `etag`.
pub(crate) fn holds(known: &[String], etag: &str) -> bool {
    known.iter().any(|tag| tag == etag || tag == "*")
}

/// What an entry costs besides its bytes and its path (counted twice, in the map and the
/// clock): the map's slot, the clock's, the `Arc` and the strings' headers. An estimate; it
/// keeps a flood of tiny entries (404s of random paths) within the byte budget too.
const ENTRY_COST: usize = 160;

/// The answers kept for one revision; see the module's documentation.
pub(crate) struct Cache {
    state: RwLock<State>,
    max_bytes: usize,
    max_entries: usize,
}

struct State {
    /// The newest revision heard of: the one whose answers are kept.
    revision: u64,
    entries: HashMap<Box<str>, Slot>,
    /// The clock: paths in insertion order, each with the stamp of its slot. A stamp that no
    /// longer matches (the entry was replaced) marks a stale position, skipped.
    clock: VecDeque<(Box<str>, u64)>,
    /// Bytes held, by [`Cache::cost`].
    bytes: usize,
    next_stamp: u64,
}

struct Slot {
    entry: Arc<Entry>,
    cost: usize,
    stamp: u64,
    /// Set by a hit, cleared when the clock passes: a used entry survives one more turn.
    referenced: AtomicBool,
}

impl Cache {
    /// A cache of at most `max_bytes` and `max_entries`; either 0 keeps nothing.
    pub(crate) fn new(max_bytes: usize, max_entries: usize) -> Cache {
        let state = State {
            revision: 0,
            entries: HashMap::new(),
            clock: VecDeque::new(),
            bytes: 0,
            next_stamp: 0,
        };
        Cache { state: RwLock::new(state), max_bytes, max_entries }
    }

    /// The entry kept for `path`, when it answers a request holding the `known` tags: a
    /// [`Entry::Tag`] only answers a request holding its tag.
    pub(crate) fn get(&self, path: &str, known: &[String]) -> Option<Arc<Entry>> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        let slot = state.entries.get(path)?;
        if let Entry::Tag(etag) = &*slot.entry
            && !holds(known, etag)
        {
            return None;
        }
        // A load first: most hits find the flag set already and write nothing.
        if !slot.referenced.load(Ordering::Relaxed) {
            slot.referenced.store(true, Ordering::Relaxed);
        }
        Some(slot.entry.clone())
    }

    /// Keeps `entry`, the answer for `path` read at `revision`, when that is the newest
    /// revision heard of (a newer one empties the cache first) and it fits; returns it, kept
    /// or not, for sending.
    pub(crate) fn insert(&self, path: &str, revision: u64, entry: Entry) -> Arc<Entry> {
        let entry = Arc::new(entry);
        let cost = Cache::cost(path, &entry);
        if self.max_entries == 0 || cost > self.max_bytes / 8 {
            return entry;
        }
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        if revision < state.revision {
            return entry;
        }
        if revision > state.revision {
            state.clear(revision);
        }
        if let Some(old) = state.entries.remove(path) {
            state.bytes -= old.cost;
        }
        while state.entries.len() >= self.max_entries || state.bytes + cost > self.max_bytes {
            if !state.evict() {
                break;
            }
        }
        let stamp = state.next_stamp;
        state.next_stamp += 1;
        let slot = Slot { entry: entry.clone(), cost, stamp, referenced: AtomicBool::new(false) };
        state.entries.insert(path.into(), slot);
        state.clock.push_back((path.into(), stamp));
        state.bytes += cost;
        // Replaced entries leave stale positions; keep the clock within twice the entries.
        if state.clock.len() > 2 * state.entries.len() + 16 {
            let State { entries, clock, .. } = &mut *state;
            clock.retain(|(path, stamp)| entries.get(path).is_some_and(|s| s.stamp == *stamp));
        }
        entry
    }

    /// The site is at `revision` now: when it is newer than the one held, every answer kept
    /// goes.
    pub(crate) fn advance(&self, revision: u64) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        if revision > state.revision {
            state.clear(revision);
        }
    }

    /// Entries and bytes held (bytes as counted against the budget).
    pub(crate) fn usage(&self) -> (usize, usize) {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        (state.entries.len(), state.bytes)
    }

    /// What `entry` at `path` counts against the byte budget.
    fn cost(path: &str, entry: &Entry) -> usize {
        ENTRY_COST + 2 * path.len() + entry.size()
    }
}

impl State {
    fn clear(&mut self, revision: u64) {
        self.revision = revision;
        self.entries.clear();
        self.clock.clear();
        self.bytes = 0;
        // Let the table shrink after a build that filled it: memory follows what is kept.
        self.entries.shrink_to(64);
        self.clock.shrink_to(64);
    }

    /// Evicts one entry, the first on the clock whose flag is clear (clearing the flags it
    /// passes). `false` when there is none.
    fn evict(&mut self) -> bool {
        while let Some((path, stamp)) = self.clock.pop_front() {
            let Some(slot) = self.entries.get(&path) else { continue };
            if slot.stamp != stamp {
                continue;
            }
            if slot.referenced.swap(false, Ordering::Relaxed) {
                self.clock.push_back((path, stamp));
                continue;
            }
            if let Some(slot) = self.entries.remove(&path) {
                self.bytes -= slot.cost;
            }
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> Entry {
        Entry::Found {
            kind: "text/html; charset=utf-8",
            body: text.as_bytes().into(),
            etag: format!("\"{text}\""),
            page: true,
        }
    }

    fn body(entry: &Entry) -> &[u8] {
        match entry {
            Entry::Found { body, .. } | Entry::NotFound(body) => body,
            _ => b"",
        }
    }

    #[test]
    fn answers_of_the_revision_held_are_kept_and_a_newer_revision_drops_them() {
        let cache = Cache::new(1 << 20, 100);
        cache.insert("/a/", 3, page("a3"));
        assert_eq!(body(&cache.get("/a/", &[]).unwrap()), b"a3");
        cache.advance(3);
        assert!(cache.get("/a/", &[]).is_some(), "the same revision keeps its answers");
        cache.advance(4);
        assert!(cache.get("/a/", &[]).is_none());
        assert_eq!(cache.usage(), (0, 0));
    }

    #[test]
    fn an_answer_read_before_the_revision_held_is_sent_but_not_kept() {
        let cache = Cache::new(1 << 20, 100);
        cache.advance(5);
        let sent = cache.insert("/a/", 4, page("a4"));
        assert_eq!(body(&sent), b"a4");
        assert!(cache.get("/a/", &[]).is_none());
    }

    #[test]
    fn an_answer_of_a_newer_revision_drops_the_older_ones_before_its_notice_comes() {
        let cache = Cache::new(1 << 20, 100);
        cache.insert("/a/", 1, page("a1"));
        cache.insert("/b/", 2, page("b2"));
        assert!(cache.get("/a/", &[]).is_none());
        cache.advance(2);
        assert_eq!(body(&cache.get("/b/", &[]).unwrap()), b"b2");
        // A late notice of an older revision changes nothing.
        cache.advance(1);
        assert!(cache.get("/b/", &[]).is_some());
        cache.insert("/a/", 1, page("a1"));
        assert!(cache.get("/a/", &[]).is_none());
    }

    #[test]
    fn a_tag_answers_only_requests_that_hold_it_and_the_body_replaces_it() {
        let cache = Cache::new(1 << 20, 100);
        cache.insert("/a/", 1, Entry::Tag("\"t\"".into()));
        assert!(cache.get("/a/", &[]).is_none());
        assert!(cache.get("/a/", &["\"u\"".into()]).is_none());
        assert_eq!(*cache.get("/a/", &["\"t\"".into()]).unwrap(), Entry::Tag("\"t\"".into()));
        assert!(cache.get("/a/", &["*".into()]).is_some());
        cache.insert("/a/", 1, page("t"));
        assert_eq!(body(&cache.get("/a/", &[]).unwrap()), b"t");
        assert_eq!(cache.usage().0, 1);
    }

    #[test]
    fn the_entry_bound_evicts_and_a_recently_used_entry_gets_a_second_chance() {
        let cache = Cache::new(1 << 20, 3);
        for path in ["/a", "/b", "/c"] {
            cache.insert(path, 1, page(path));
        }
        cache.get("/a", &[]);
        cache.insert("/d", 1, page("/d"));
        // `/a` was used since it was kept: `/b`, the next on the clock, went instead.
        let kept: Vec<bool> =
            ["/a", "/b", "/c", "/d"].iter().map(|p| cache.get(p, &[]).is_some()).collect();
        assert_eq!(kept, [true, false, true, true]);
        assert_eq!(cache.usage().0, 3);
    }

    #[test]
    fn the_byte_bound_evicts_and_an_answer_over_an_eighth_of_it_is_never_kept() {
        let one = Cache::cost("/p0", &page(&"x".repeat(100)));
        let cache = Cache::new(one * 8 + one / 2, 1000);
        for i in 0..20 {
            cache.insert(&format!("/p{i}"), 1, page(&"x".repeat(100)));
            let (entries, bytes) = cache.usage();
            assert!(bytes <= one * 8 + one / 2, "{bytes} bytes");
            assert!(entries <= 8);
        }
        assert!(cache.get("/p19", &[]).is_some());
        assert!(cache.get("/p0", &[]).is_none());
        let big = cache.insert("/big", 1, page(&"x".repeat(one + 10)));
        assert_eq!(body(&big).len(), one + 10, "sent all the same");
        assert!(cache.get("/big", &[]).is_none());
    }

    #[test]
    fn replacing_entries_again_and_again_keeps_the_clock_bounded() {
        let cache = Cache::new(1 << 20, 10);
        for _ in 0..1000 {
            cache.insert("/a", 1, page("a"));
        }
        let state = cache.state.read().unwrap();
        assert_eq!(state.entries.len(), 1);
        assert!(state.clock.len() <= 2 + 16, "{}", state.clock.len());
    }

    #[test]
    fn a_zero_budget_keeps_nothing() {
        for cache in [Cache::new(0, 10), Cache::new(1 << 20, 0)] {
            let sent = cache.insert("/a", 1, page("a"));
            assert_eq!(body(&sent), b"a");
            assert!(cache.get("/a", &[]).is_none());
        }
    }
}
