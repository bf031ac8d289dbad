//! The state transitions of heap units: claim, send, accept, free, reclaim.
//!
//! All of them are compare-and-swap loops on the metadata words described in
//! [`super::layout`]; no lock is ever taken, so a process killed anywhere leaves each unit in
//! one of the documented states, owned by someone recorded in the word.
//!
//! Page runs need one CAS per page, in an order chosen so that every intermediate state is
//! recognisable:
//!
//! - claim: first page `FREE → CLAIMING(me, run length)`, then each following page
//!   `FREE → CONT(me, first page)`, then the first page `CLAIMING → OWNED`. On a conflict the
//!   claimer undoes its pages, last first, the first page last.
//! - free: following pages `CONT → FREE` first, the first page `OWNED → FREE` last.
//!
//! So a `CONT` page always points at a first page that is still held (`CLAIMING`, `OWNED` or
//! `IN_FLIGHT`), and reclaiming a dead side's run means freeing its first page together with
//! the `CONT` pages that point at it, whatever the dead process was in the middle of.

use std::sync::atomic::Ordering;

use super::HeapInner;
use super::HeapStats;
use super::layout::{CLAIMING, CLASS_SIZES, CONT, FREE, IN_FLIGHT, OWNED, PAGE, PAGES, Word};
use crate::descriptor::Descriptor;
use crate::error::{Error, ErrorKind};
use crate::peer::Side;

impl HeapInner {
    /// Claims a block for `len` bytes: the smallest size class that fits (falling back to
    /// larger ones), else a page run. Returns (unit, its OWNED word, capacity).
    pub(super) fn claim(&self, len: usize) -> Option<(usize, Word, usize)> {
        if let Some(first) = CLASS_SIZES.iter().position(|&size| len <= size) {
            for class in first..3 {
                if let Some(found) = self.claim_slot(class) {
                    return Some(found);
                }
            }
        }
        self.claim_pages(len.div_ceil(PAGE).max(1))
    }

    fn claim_slot(&self, class: usize) -> Option<(usize, Word, usize)> {
        let area = self.geometry.areas[class];
        if area.count == 0 {
            return None;
        }
        let start = self.hints[class].load(Ordering::Relaxed) % area.count;
        let tag = self.me.tag();
        for k in 0..area.count {
            let i = if start + k >= area.count { start + k - area.count } else { start + k };
            let unit = area.first + i;
            let meta = self.meta(unit);
            let word = Word(meta.word.load(Ordering::Relaxed));
            if word.state() != FREE || self.held.is_held(unit) {
                continue;
            }
            let owned = word.with(OWNED, tag, 0);
            if meta
                .word
                .compare_exchange(word.0, owned.0, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                // Only fails if the peer rewrote a word we hold to FREE and another of our
                // threads claimed it meanwhile: leave the unit (and its word) to that holder.
                if self.held.take(unit..unit + 1).is_err() {
                    continue;
                }
                self.hints[class].store(i + 1, Ordering::Relaxed);
                return Some((unit, owned, area.size));
            }
        }
        None
    }

    /// First fit for `n` contiguous free pages: from the low end for the creator, from the high
    /// end for the attacher.
    fn claim_pages(&self, n: usize) -> Option<(usize, Word, usize)> {
        let area = self.geometry.areas[PAGES];
        if n > area.count {
            return None;
        }
        let ascending = self.me == Side::Creator;
        let page_at = |step: usize| if ascending { step } else { area.count - 1 - step };
        let mut run = 0;
        let mut step = 0;
        while step < area.count {
            let page = page_at(step);
            let word = Word(self.meta(area.first + page).word.load(Ordering::Relaxed));
            let free = word.state() == FREE && !self.held.is_held(area.first + page);
            run = if free { run + 1 } else { 0 };
            if run == n {
                let first = if ascending { page + 1 - n } else { page };
                let units = area.first + first..area.first + first + n;
                match self.claim_run(first, n) {
                    // As for slots: a conflict here means the peer rewrote words we hold.
                    // The run's words stay claimed (a leak the peer caused, freed if the
                    // peer goes); the scan goes on past the conflict.
                    Ok(owned) => match self.held.take(units) {
                        Ok(()) => return Some((area.first + first, owned, n * PAGE)),
                        Err(conflict) => {
                            run = 0;
                            let conflict = conflict - area.first;
                            step = if ascending { conflict } else { area.count - 1 - conflict };
                        }
                    },
                    Err(conflict) => {
                        run = 0;
                        // Resume the scan just past the page someone else holds.
                        step = if ascending { conflict } else { area.count - 1 - conflict };
                    }
                }
            }
            step += 1;
        }
        None
    }

    /// Claims pages `first..first + n` (page indices), or returns the page that was taken.
    fn claim_run(&self, first: usize, n: usize) -> Result<Word, usize> {
        let base = self.geometry.areas[PAGES].first;
        let tag = self.me.tag();
        let head = self.meta(base + first);
        let free = Word(head.word.load(Ordering::Relaxed));
        let claiming = free.with(CLAIMING, tag, n);
        if free.state() != FREE
            || head
                .word
                .compare_exchange(free.0, claiming.0, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return Err(first);
        }
        for j in 1..n {
            let meta = self.meta(base + first + j);
            let word = Word(meta.word.load(Ordering::Relaxed));
            let cont = word.with(CONT, tag, first);
            let taken = word.state() != FREE
                || meta
                    .word
                    .compare_exchange(word.0, cont.0, Ordering::Acquire, Ordering::Relaxed)
                    .is_err();
            if taken {
                // Undo, last page first; the first page goes back to its old FREE word (same
                // generation: the run was never published).
                for k in (1..j).rev() {
                    let meta = self.meta(base + first + k);
                    let mine = Word(meta.word.load(Ordering::Relaxed));
                    meta.word.store(mine.with(FREE, 0, 0).0, Ordering::Release);
                }
                head.word.store(free.0, Ordering::Release);
                return Err(first + j);
            }
        }
        let owned = claiming.with(OWNED, tag, n);
        head.word.store(owned.0, Ordering::Release);
        Ok(owned)
    }

    /// The units a block covers: a slot, or a page run of `word.aux()` pages (clamped to the
    /// page area: the word may be the peer's).
    pub(super) fn units_of(&self, unit: usize, word: Word) -> std::ops::Range<usize> {
        let pages = self.geometry.areas[PAGES];
        if pages.contains(unit) {
            unit..(unit + word.aux().max(1)).min(pages.first + pages.count)
        } else {
            unit..unit + 1
        }
    }

    /// Frees a unit this side holds as `held`. Fails if the word changed (stale handle).
    pub(super) fn free(&self, unit: usize, held: Word) -> Result<(), Error> {
        // The handle is gone whatever the word says now.
        self.held.give(self.units_of(unit, held));
        let meta = self.meta(unit);
        let pages = self.geometry.areas[PAGES];
        if pages.contains(unit) && held.aux() > 1 {
            if meta.word.load(Ordering::Acquire) != held.0 {
                return Err(Error::new(ErrorKind::StaleDescriptor));
            }
            self.free_cont_pages(unit - pages.first, held.aux());
        }
        meta.word
            .compare_exchange(held.0, held.freed().0, Ordering::Release, Ordering::Relaxed)
            .map_err(|_| Error::new(ErrorKind::StaleDescriptor))?;
        self.notify_free();
        Ok(())
    }

    /// Frees the CONT pages of the run starting at page `first` (page indices).
    fn free_cont_pages(&self, first: usize, run: usize) {
        let pages = self.geometry.areas[PAGES];
        for page in first + 1..(first + run).min(pages.count) {
            let meta = self.meta(pages.first + page);
            let word = Word(meta.word.load(Ordering::Relaxed));
            if word.state() == CONT && word.aux() == first {
                let _ = meta.word.compare_exchange(
                    word.0,
                    word.with(FREE, 0, 0).0,
                    Ordering::Release,
                    Ordering::Relaxed,
                );
            }
        }
    }

    /// Validates a descriptor from the peer and takes the blob over. Returns (unit, its new
    /// OWNED word, length).
    pub(super) fn accept(&self, d: Descriptor) -> Result<(usize, Word, usize), Error> {
        let out_of_bounds = |why: &str| Error::with_detail(ErrorKind::OutOfBounds, why.to_owned());
        let offset = usize::try_from(d.offset())
            .ok()
            .and_then(|o| o.checked_sub(self.region_offset))
            .ok_or_else(|| out_of_bounds("offset before the heap"))?;
        let unit = self
            .geometry
            .unit_at(offset)
            .ok_or_else(|| out_of_bounds("offset is not the start of a block of this heap"))?;
        let area = *self.geometry.area_of(unit);
        let meta = self.meta(unit);
        let peer = self.me.peer().tag();
        loop {
            let word = Word(meta.word.load(Ordering::Acquire));
            if word.generation() != d.generation() {
                return Err(Error::new(ErrorKind::StaleDescriptor));
            }
            if word.state() != IN_FLIGHT || word.owner() != peer {
                return Err(Error::new(ErrorKind::NotFromPeer));
            }
            let capacity = if area.first == self.geometry.areas[PAGES].first {
                let (first, run) = (unit - area.first, word.aux());
                if run == 0 || first + run > area.count {
                    return Err(Error::with_detail(
                        ErrorKind::Corrupt,
                        format!("page run of {run} pages at page {first} is out of range"),
                    ));
                }
                self.check_run_pages(first, run, peer)?;
                run * PAGE
            } else {
                area.size
            };
            // Written before the Release CAS to IN_FLIGHT that the Acquire load above observed.
            let len = meta.len.load(Ordering::Relaxed);
            if d.len() != len || len > capacity as u64 {
                return Err(out_of_bounds("length does not match the block"));
            }
            // Whatever the shared words say, never hand out bytes a handle of ours covers.
            let units = self.units_of(unit, word);
            if let Err(held) = self.held.take(units.clone()) {
                return Err(Error::with_detail(
                    ErrorKind::Corrupt,
                    format!("the blob the peer sent covers unit {held}, which this process holds"),
                ));
            }
            let owned = word.with(OWNED, self.me.tag(), word.aux());
            if meta
                .word
                .compare_exchange(word.0, owned.0, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Ok((unit, owned, len as usize));
            }
            self.held.give(units);
            // Another thread raced us on the same descriptor; re-diagnose.
        }
    }

    /// Checks that pages `first + 1 .. first + run` all belong to the run the peer sent from
    /// page `first`: each is `CONT`, owned by the peer, pointing back at `first`.
    ///
    /// The run length is only the peer's word for it. Without this check a peer could name a
    /// longer run than it claimed and make [`Heap::accept`](super::Heap::accept) hand out a
    /// slice over free pages, over a block this side owns, or over another live run. Every
    /// honest run passes: the claimer marks its pages `CONT` before it publishes the first
    /// page (Release), and `accept` read that page with Acquire before calling this. Nobody
    /// but the peer can change these words before our CAS: a `CONT(peer)` page is freed only
    /// by freeing its run, which is in flight to us.
    fn check_run_pages(&self, first: usize, run: usize, peer: u64) -> Result<(), Error> {
        let pages = self.geometry.areas[PAGES];
        for page in first + 1..first + run {
            // One load, decided on from the local copy (the word is peer-writable).
            let word = Word(self.meta(pages.first + page).word.load(Ordering::Acquire));
            if word.state() != CONT || word.owner() != peer || word.aux() != first {
                return Err(Error::with_detail(
                    ErrorKind::Corrupt,
                    format!(
                        "page {page} is not part of the {run}-page run the peer sent from page \
                         {first} (state {}, owner {}, run head {})",
                        word.state(),
                        word.owner(),
                        word.aux()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Frees every unit `gone` held and every unit in flight between the sides. Only call
    /// once `gone` can no longer touch the heap. Returns the number of blobs freed.
    pub(super) fn reclaim(&self, gone: Side) -> usize {
        let (gone_tag, my_tag) = (gone.tag(), self.me.tag());
        let doomed = |w: Word| match w.state() {
            OWNED | CLAIMING => w.owner() == gone_tag,
            IN_FLIGHT => w.owner() == gone_tag || w.owner() == my_tag,
            _ => false,
        };
        let free_if_doomed = |unit: usize| -> bool {
            let meta = self.meta(unit);
            loop {
                let word = Word(meta.word.load(Ordering::Acquire));
                if !doomed(word) {
                    return false;
                }
                if meta
                    .word
                    .compare_exchange(word.0, word.freed().0, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    return true;
                }
            }
        };
        let pages = self.geometry.areas[PAGES];
        let mut freed = (0..pages.first).filter(|&unit| free_if_doomed(unit)).count();
        let heads: Vec<bool> = (0..pages.count)
            .map(|p| doomed(Word(self.meta(pages.first + p).word.load(Ordering::Acquire))))
            .collect();
        for page in 0..pages.count {
            let meta = self.meta(pages.first + page);
            let word = Word(meta.word.load(Ordering::Acquire));
            if word.state() == CONT && heads.get(word.aux()) == Some(&true) {
                let _ = meta.word.compare_exchange(
                    word.0,
                    word.with(FREE, 0, 0).0,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                );
            }
        }
        freed += (0..pages.count).filter(|&p| heads[p] && free_if_doomed(pages.first + p)).count();
        // The gone side's sleepers will never decrement their count.
        self.waiters(gone).store(0, Ordering::SeqCst);
        if freed > 0 {
            self.notify_free();
        }
        freed
    }

    pub(super) fn stats(&self) -> HeapStats {
        let mut stats = HeapStats::default();
        for (index, area) in self.geometry.areas.iter().enumerate() {
            for unit in area.first..area.first + area.count {
                let word = Word(self.meta(unit).word.load(Ordering::Relaxed));
                let bytes = if index == PAGES { area.size * word.aux().max(1) } else { area.size };
                match (word.state(), word.owner()) {
                    (FREE, _) => stats.free_bytes += area.size,
                    (CONT, _) => {}
                    (state, owner) => {
                        if state == IN_FLIGHT {
                            stats.in_flight += 1;
                        }
                        if owner == Side::Creator.tag() {
                            stats.creator_bytes += bytes;
                        } else if owner == Side::Attacher.tag() {
                            stats.attacher_bytes += bytes;
                        }
                    }
                }
            }
        }
        stats
    }
}
