//! Waiting for another query's claim to end, without holding a lock or blocking a thread.
//!
//! The waiting future registers its `Waker` with the owner's [`FrameInfo`] and returns
//! `Pending`; the owner wakes it when it releases the slot. The executor thread is free to run
//! other futures meanwhile (under `pollster` it parks, under a multi-task executor it runs
//! others). Before waiting, the wait is registered in the runtime's wait graph, which refuses
//! it if it would close a cycle.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::slot::{SlotCell, SlotState};
use crate::cycle::PathStep;
use crate::frame::FrameInfo;
use crate::ingredient::{DependencyView, IngredientLookup};
use crate::{HasRuntime, Runtime};

/// Waits until `owner` no longer holds `cell` (the slot `requested`). `waiter` is the query on
/// whose behalf we wait (`None` for a top-level read, which holds nothing and so cannot close
/// a cycle).
///
/// Returns the cycle path instead of waiting if the wait would deadlock.
pub(crate) async fn until_released<DB>(
    db: &DB,
    cell: &SlotCell,
    requested: PathStep,
    owner: Arc<FrameInfo>,
    waiter: Option<Arc<FrameInfo>>,
) -> Result<(), Vec<PathStep>>
where
    DB: HasRuntime + IngredientLookup + ?Sized,
{
    let runtime = db.runtime();
    let edge = match &waiter {
        Some(waiter) => {
            let holds = |slot: PathStep, owner: &Arc<FrameInfo>| holds(db, slot, owner);
            Some(runtime.wait_graph.lock().add(waiter, &owner, requested, &holds)?)
        }
        None => None,
    };
    WaitForRelease { runtime, cell, owner, edge }.await;
    Ok(())
}

/// Whether `owner` still holds slot `slot`. Called only when a wait would close a cycle, with
/// the wait graph locked: nothing takes that lock while holding a slot's, so locking the slot
/// here cannot deadlock.
fn holds<DB: IngredientLookup + ?Sized>(db: &DB, slot: PathStep, owner: &Arc<FrameInfo>) -> bool {
    let (kind, index) = slot;
    let Some(ingredient) = db.ingredient(kind) else { return false };
    let DependencyView::Derived(derived) = ingredient.dependency_view() else { return false };
    let Some(cell) = derived.cell(index) else { return false };
    matches!(&*cell.lock(), SlotState::Running { owner: holder, .. } if Arc::ptr_eq(holder, owner))
}

struct WaitForRelease<'a> {
    runtime: &'a Runtime,
    cell: &'a SlotCell,
    owner: Arc<FrameInfo>,
    /// Our edge in the wait graph, removed when the wait ends or is dropped.
    edge: Option<u64>,
}

impl Future for WaitForRelease<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let state = self.cell.lock();
        match &*state {
            SlotState::Running { owner, .. } if Arc::ptr_eq(owner, &self.owner) => {
                // Registered while holding the slot lock: the owner changes the state under the
                // same lock before it wakes its waiters, so it cannot miss us.
                self.owner.add_waiter(cx.waker());
                Poll::Pending
            }
            _ => Poll::Ready(()),
        }
    }
}

impl Drop for WaitForRelease<'_> {
    fn drop(&mut self) {
        if let Some(edge) = self.edge.take() {
            self.runtime.wait_graph.lock().remove(edge);
        }
    }
}
