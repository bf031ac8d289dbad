//! The cell's memo of the host's answers: a read made once in a revision is not made again.
//!
//! A theme's nav calls `get_section` for every section on every page; asked of the host each
//! time, that is ten round trips per page and a section's value decoded ten times per page.
//! Within one revision of the host every [`ProviderRead`] has one answer (the host's queries
//! are pure), so the first render that needs a read asks the host and the answer is kept,
//! decoded, for the rest of the revision. Concurrent renders that need the same read wait for
//! the one asking (one request per read and revision). A render that uses an answer it did not
//! ask for itself lists the read in its reply, and the host replays the read inside that
//! render: its recorded dependencies are those it would have had by asking.
//!
//! Across revisions an answer is kept with its hash: the next revision's first request says
//! which answer the cell holds, and when it is unchanged the host sends only the hash, so an
//! unchanged section is neither sent nor decoded again. Answers unused for
//! [`KEPT_REVISIONS`] revisions are dropped.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};

use cell_proto::{ProviderRead, ReadAnswer, ValueHash, WireValue};
use cell_template::Value;

/// Revisions an unused answer is kept for, to be confirmed by its hash rather than sent again.
const KEPT_REVISIONS: u64 = 8;

/// A decoded answer.
#[derive(Clone, Debug)]
pub(crate) enum Answer {
    /// A template's source (`None`: no such template).
    Template(Option<Arc<str>>),
    /// A data value or a function's result.
    Value(Value),
}

impl Answer {
    /// Decodes the host's answer to `read`.
    pub(crate) fn decode(read: &ProviderRead, wire: &WireValue) -> Result<Answer, String> {
        let ProviderRead::Template(name) = read else {
            return Ok(Answer::Value(Value::from_wire(wire)?));
        };
        match wire.to_value()? {
            cell_proto::Value::String(source) => Ok(Answer::Template(Some(Arc::from(source)))),
            cell_proto::Value::Null => Ok(Answer::Template(None)),
            _ => Err(format!("the host answered template {name:?} with a non-string")),
        }
    }
}

/// A kept answer.
struct Kept {
    revision: u64,
    hash: ValueHash,
    /// The host's id for the read, by which a render lists it as reused.
    id: u32,
    answer: Answer,
}

/// A read being asked of the host, for the renders that wait on it.
#[derive(Default)]
struct InFlight {
    /// `Some` once asked: the read's id and answer, or `None` if asking failed (each waiter
    /// then asks).
    done: Mutex<Option<Option<(u32, Answer)>>>,
    ready: Condvar,
}

enum Slot {
    Kept(Kept),
    /// Being asked in `revision` (the answer held before is with the asker).
    Asking {
        revision: u64,
        flight: Arc<InFlight>,
    },
}

/// How an answer was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// This render asked the host (a callback, recorded by the host as it served it).
    Asked,
    /// From the memo, or another render's request: the host must replay it, by this id.
    Reused(u32),
}

/// The memo is looked up ten times per page by keys of a few dozen bytes.
type FastMap<K, V> = HashMap<K, V, cell_template::hash::BuildWordHasher>;

/// The memo, shared by every render of the cell.
pub(crate) struct ReadMemo {
    enabled: bool,
    slots: Mutex<FastMap<ProviderRead, Slot>>,
    /// The newest revision seen, for dropping old answers when it moves.
    newest: Mutex<u64>,
}

impl ReadMemo {
    /// A memo; `enabled: false` asks the host for every read (for tests comparing both).
    pub(crate) fn new(enabled: bool) -> ReadMemo {
        ReadMemo { enabled, slots: Mutex::new(FastMap::default()), newest: Mutex::new(0) }
    }

    /// The answer to `read` in `revision`, from the memo or by `ask`, which sends the request
    /// (with the hash of the answer held, if any) and returns the host's answer.
    pub(crate) fn get(
        &self,
        read: &ProviderRead,
        revision: u64,
        ask: impl FnOnce(Option<ValueHash>) -> Result<ReadAnswer, String>,
    ) -> Result<(Answer, Source), String> {
        if !self.enabled {
            let answer = ask(None)?;
            let wire = answer.value.ok_or("the host sent no value though none was held")?;
            return Ok((Answer::decode(read, &wire)?, Source::Asked));
        }
        self.forget_old(revision);
        let (flight, before) = {
            let mut slots = lock(&self.slots);
            match slots.get(read) {
                Some(Slot::Kept(kept)) if kept.revision == revision => {
                    return Ok((kept.answer.clone(), Source::Reused(kept.id)));
                }
                Some(Slot::Asking { revision: asking, flight, .. }) if *asking == revision => {
                    let flight = flight.clone();
                    drop(slots);
                    if let Some((id, answer)) = wait(&flight) {
                        return Ok((answer, Source::Reused(id)));
                    }
                    // Asking failed: ask ourselves, without the memo.
                    return self.ask_alone(read, ask);
                }
                _ => {}
            }
            let before = match slots.remove(read) {
                Some(Slot::Kept(kept)) => Some(kept),
                Some(Slot::Asking { .. }) | None => None,
            };
            let flight = Arc::new(InFlight::default());
            let asking = Slot::Asking { revision, flight: flight.clone() };
            slots.insert(read.clone(), asking);
            (flight, before)
        };
        let result = ask(before.as_ref().map(|kept| kept.hash)).and_then(|answer| {
            let decoded = match (&answer.value, &before) {
                (Some(wire), _) => Answer::decode(read, wire)?,
                (None, Some(kept)) if kept.hash == answer.hash => kept.answer.clone(),
                (None, _) => return Err("the host sent no value for an answer not held".into()),
            };
            Ok((answer.hash, answer.id, decoded, answer.volatile))
        });
        let mut slots = lock(&self.slots);
        match result {
            Ok((hash, id, answer, volatile)) => {
                if volatile {
                    slots.remove(read);
                    // Waiters ask for themselves: a volatile answer is not shared.
                    finish(&flight, None);
                } else {
                    let kept = Kept { revision, hash, id, answer: answer.clone() };
                    slots.insert(read.clone(), Slot::Kept(kept));
                    finish(&flight, Some((id, answer.clone())));
                }
                Ok((answer, Source::Asked))
            }
            Err(error) => {
                match before {
                    Some(kept) => slots.insert(read.clone(), Slot::Kept(kept)),
                    None => slots.remove(read),
                };
                finish(&flight, None);
                Err(error)
            }
        }
    }

    fn ask_alone(
        &self,
        read: &ProviderRead,
        ask: impl FnOnce(Option<ValueHash>) -> Result<ReadAnswer, String>,
    ) -> Result<(Answer, Source), String> {
        let answer = ask(None)?;
        let wire = answer.value.ok_or("the host sent no value though none was held")?;
        Ok((Answer::decode(read, &wire)?, Source::Asked))
    }

    /// Drops answers unused for [`KEPT_REVISIONS`] once a newer revision shows up.
    fn forget_old(&self, revision: u64) {
        let mut newest = lock(&self.newest);
        if revision <= *newest {
            return;
        }
        *newest = revision;
        drop(newest);
        let oldest_kept = revision.saturating_sub(KEPT_REVISIONS);
        lock(&self.slots).retain(|_, slot| match slot {
            Slot::Kept(kept) => kept.revision >= oldest_kept,
            Slot::Asking { .. } => true,
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A render that panicked while holding the lock left the map consistent (every change is
    // one insert or remove), so its poison is ignored.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn wait(flight: &InFlight) -> Option<(u32, Answer)> {
    let mut done = lock(&flight.done);
    loop {
        if let Some(result) = done.as_ref() {
            return result.clone();
        }
        done = flight.ready.wait(done).unwrap_or_else(|poisoned| poisoned.into_inner());
    }
}

fn finish(flight: &InFlight, result: Option<(u32, Answer)>) {
    *lock(&flight.done) = Some(result);
    flight.ready.notify_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section() -> ProviderRead {
        ProviderRead::Data("nav".into())
    }

    fn answer(text: &str, value: bool) -> ReadAnswer {
        let wire = cell_proto::Value::from(text).to_wire();
        let hash = *blake3_like(wire.as_bytes());
        ReadAnswer { id: 7, hash, value: value.then_some(wire), volatile: false }
    }

    /// A stand-in hash for tests (the host uses blake3): the bytes, padded.
    fn blake3_like(bytes: &[u8]) -> Box<ValueHash> {
        let mut hash = [0u8; 32];
        for (i, b) in bytes.iter().enumerate() {
            hash[i % 32] ^= b;
        }
        Box::new(hash)
    }

    fn text(answer: &Answer) -> String {
        match answer {
            Answer::Value(value) => value.to_string(),
            Answer::Template(source) => format!("{source:?}"),
        }
    }

    #[test]
    fn a_read_is_asked_once_per_revision_and_reused_after() {
        let memo = ReadMemo::new(true);
        let (first, source) = memo
            .get(&section(), 1, |known| {
                assert_eq!(known, None);
                Ok(answer("a", true))
            })
            .unwrap();
        assert_eq!((text(&first), source), ("a".into(), Source::Asked));
        let (again, source) = memo.get(&section(), 1, |_| panic!("asked twice")).unwrap();
        assert_eq!((text(&again), source), ("a".into(), Source::Reused(7)));
    }

    #[test]
    fn a_new_revision_asks_again_with_the_hash_held_and_keeps_an_unchanged_answer() {
        let memo = ReadMemo::new(true);
        memo.get(&section(), 1, |_| Ok(answer("a", true))).unwrap();
        let held = answer("a", true).hash;
        let (same, source) = memo
            .get(&section(), 2, |known| {
                assert_eq!(known, Some(held));
                Ok(answer("a", false))
            })
            .unwrap();
        assert_eq!((text(&same), source), ("a".into(), Source::Asked));
        let (changed, _) = memo.get(&section(), 3, |_| Ok(answer("b", true))).unwrap();
        assert_eq!(text(&changed), "b");
    }

    #[test]
    fn volatile_answers_and_failures_are_not_kept() {
        let memo = ReadMemo::new(true);
        let volatile = || Ok(ReadAnswer { volatile: true, ..answer("now", true) });
        memo.get(&section(), 1, |_| volatile()).unwrap();
        let (_, source) = memo.get(&section(), 1, |_| volatile()).unwrap();
        assert_eq!(source, Source::Asked);
        assert!(memo.get(&section(), 1, |_| Err("no such section".into())).is_err());
        let (_, source) = memo.get(&section(), 1, |_| Ok(answer("a", true))).unwrap();
        assert_eq!(source, Source::Asked, "the failure was not kept");
    }

    #[test]
    fn concurrent_renders_ask_once_and_the_others_reuse_the_answer() {
        let memo = Arc::new(ReadMemo::new(true));
        let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (memo, asked) = (memo.clone(), asked.clone());
                std::thread::spawn(move || {
                    memo.get(&section(), 5, |_| {
                        asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        Ok(answer("a", true))
                    })
                    .unwrap()
                    .1
                })
            })
            .collect();
        let sources: Vec<Source> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(sources.iter().filter(|s| **s == Source::Asked).count(), 1);
    }

    #[test]
    fn a_disabled_memo_asks_every_time() {
        let memo = ReadMemo::new(false);
        for _ in 0..3 {
            let (_, source) = memo
                .get(&section(), 1, |known| {
                    assert_eq!(known, None);
                    Ok(answer("a", true))
                })
                .unwrap();
            assert_eq!(source, Source::Asked);
        }
    }
}
