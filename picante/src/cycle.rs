//! Cycle detection across futures and threads: the wait graph.
//!
//! Queries wait on each other in two ways. A query waits on every sub-query it is running
//! (parent links of [`FrameInfo`]), and a query that finds a slot claimed by someone else waits
//! on that claim's owner (an edge registered here while it waits). A cycle exists when a new
//! wait `waiter -> owner` would close a loop: when `owner` already (transitively) waits on
//! `waiter`.
//!
//! `owner` waits on `waiter` when `owner` is an ancestor of `waiter` (direct recursion, or a
//! verification walk that reaches a query it is itself verifying), or when some descendant of
//! `owner` is blocked on a frame that in turn waits on `waiter`. The search below follows both
//! kinds of edge. It runs only when a query is about to block, which is rare; the hot paths
//! never touch this graph.
//!
//! Because every edge is checked when it is added, the graph never contains a cycle: the second
//! party to close one gets [`PicanteError::Cycle`](crate::PicanteError::Cycle) instead of
//! waiting, so a cycle is always reported, never a hang.
//!
//! An edge outlives its wait by a moment: the owner releases the slot and wakes the waiter,
//! which removes its edge only when it runs again. A path through such an edge is no cycle
//! (the owner no longer holds what the waiter waits for: a walk that verified a dependency
//! and moved on, say), so before a path is reported each of its edges is checked against the
//! slot it waits for, and a stale one is dropped and the search run again. This is the classic wait-for-graph
//! scheme (salsa does the same per thread in `runtime/dependency_graph.rs`); the difference is
//! that our nodes are query frames, not threads, so two branches of a join in one task are
//! told apart.

use std::sync::Arc;

use crate::QueryKindId;
use crate::frame::FrameInfo;

/// An edge "`waiter` is blocked until `owner` releases its claim on slot `requested`".
struct WaitEdge {
    id: u64,
    waiter: Arc<FrameInfo>,
    owner: Arc<FrameInfo>,
    requested: PathStep,
}

/// Registered wait edges.
#[derive(Default)]
pub(crate) struct WaitGraph {
    edges: Vec<WaitEdge>,
    next_id: u64,
}

/// A query on a cycle path, before its key is rendered.
pub(crate) type PathStep = (QueryKindId, u32);

impl WaitGraph {
    /// Registers "`waiter` waits for `owner` to release slot `requested`" and returns the
    /// edge's id, or, if that wait would close a cycle, the cycle's path: from `owner` down to
    /// `waiter`, then `requested`. `holds(slot, owner)` says whether `owner` still holds
    /// `slot`: an edge whose owner no longer does is stale, and no cycle goes through it.
    pub(crate) fn add(
        &mut self,
        waiter: &Arc<FrameInfo>,
        owner: &Arc<FrameInfo>,
        requested: PathStep,
        holds: &dyn Fn(PathStep, &Arc<FrameInfo>) -> bool,
    ) -> Result<u64, Vec<PathStep>> {
        while let Some((mut path, through)) = self.find_path(owner, waiter) {
            let stale: Vec<u64> = through
                .iter()
                .filter_map(|&id| self.edges.iter().find(|e| e.id == id))
                .filter(|e| !holds(e.requested, &e.owner))
                .map(|e| e.id)
                .collect();
            if stale.is_empty() {
                path.push(requested);
                return Err(path);
            }
            self.edges.retain(|e| !stale.contains(&e.id));
        }
        self.next_id += 1;
        self.edges.push(WaitEdge {
            id: self.next_id,
            waiter: waiter.clone(),
            owner: owner.clone(),
            requested,
        });
        Ok(self.next_id)
    }

    /// Removes the edge registered as `id` (no-op if already gone).
    pub(crate) fn remove(&mut self, id: u64) {
        if let Some(at) = self.edges.iter().position(|e| e.id == id) {
            self.edges.swap_remove(at);
        }
    }

    /// If `from` transitively waits on `target`, the path of queries from `from` to `target`,
    /// and the ids of the edges it goes through.
    fn find_path(
        &self,
        from: &Arc<FrameInfo>,
        target: &Arc<FrameInfo>,
    ) -> Option<(Vec<PathStep>, Vec<u64>)> {
        // Depth-first search over frames. A frame reaches its descendants (through parent
        // links) and whatever a descendant of it is blocked on (through edges). Each entry:
        // the frame reached, the path of steps to it, the edges taken.
        let mut visited: Vec<*const FrameInfo> = Vec::new();
        let mut stack: Vec<(Arc<FrameInfo>, Vec<PathStep>, Vec<u64>)> =
            vec![(from.clone(), Vec::new(), Vec::new())];
        while let Some((node, path_so_far, through)) = stack.pop() {
            if visited.contains(&Arc::as_ptr(&node)) {
                continue;
            }
            visited.push(Arc::as_ptr(&node));
            if let Some(down) = descent(&node, target) {
                let mut path = path_so_far;
                path.extend(down);
                return Some((path, through));
            }
            for edge in &self.edges {
                if let Some(down) = descent(&node, &edge.waiter) {
                    let mut path = path_so_far.clone();
                    path.extend(down);
                    let mut taken = through.clone();
                    taken.push(edge.id);
                    stack.push((edge.owner.clone(), path, taken));
                }
            }
        }
        None
    }
}

fn step(frame: &FrameInfo) -> PathStep {
    (frame.kind, frame.index)
}

/// If `ancestor` is `descendant` or one of its ancestors, the steps from `ancestor` down to
/// `descendant`, both included.
fn descent(ancestor: &Arc<FrameInfo>, descendant: &Arc<FrameInfo>) -> Option<Vec<PathStep>> {
    let mut chain = Vec::new();
    for frame in descendant.ancestors() {
        chain.push(step(frame));
        if Arc::ptr_eq(frame, ancestor) {
            chain.reverse();
            return Some(chain);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Revision;

    /// Every owner still holds every slot: no edge is stale.
    const HELD: &dyn Fn(PathStep, &Arc<FrameInfo>) -> bool = &|_, _| true;

    fn frame(index: u32, parent: Option<&Arc<FrameInfo>>) -> Arc<FrameInfo> {
        FrameInfo::new(QueryKindId(1), index, parent.cloned(), Revision(1))
    }

    #[test]
    fn waiting_on_an_ancestor_is_a_cycle_with_the_whole_path() {
        let a = frame(0, None);
        let b = frame(1, Some(&a));
        let c = frame(2, Some(&b));
        let mut graph = WaitGraph::default();
        let path = graph.add(&c, &a, step(&a), HELD).unwrap_err();
        let indices: Vec<u32> = path.iter().map(|s| s.1).collect();
        assert_eq!(indices, vec![0, 1, 2, 0]);
    }

    #[test]
    fn two_chains_waiting_on_each_other_are_a_cycle() {
        // Thread 1 runs a -> b and b waits on d; thread 2 runs c -> d and d now waits on b.
        let a = frame(0, None);
        let b = frame(1, Some(&a));
        let c = frame(2, None);
        let d = frame(3, Some(&c));
        let mut graph = WaitGraph::default();
        let edge = graph.add(&b, &d, step(&d), HELD).expect("first wait is fine");
        let path = graph.add(&d, &b, step(&b), HELD).unwrap_err();
        let indices: Vec<u32> = path.iter().map(|s| s.1).collect();
        assert_eq!(indices, vec![1, 3, 1]);
        graph.remove(edge);
        assert!(
            graph.add(&d, &b, step(&b), HELD).is_ok(),
            "once the first wait is over there is no cycle"
        );
    }

    #[test]
    fn siblings_waiting_on_each_others_results_are_not_a_cycle() {
        let root = frame(0, None);
        let left = frame(1, Some(&root));
        let right = frame(2, Some(&root));
        let mut graph = WaitGraph::default();
        assert!(graph.add(&right, &left, step(&left), HELD).is_ok());
    }

    #[test]
    fn an_edge_whose_owner_released_the_slot_since_closes_no_cycle() {
        // A walk under `x` held slot 5, which `b` waited for; the walk released it and moved
        // on, and before `b` ran again to take its edge down, the walk asks for b's slot.
        let x = frame(0, None);
        let b = frame(1, None);
        let slot = (QueryKindId(1), 5);
        let mut graph = WaitGraph::default();
        graph.add(&b, &x, slot, HELD).expect("b waits on x");
        assert!(graph.add(&x, &b, step(&b), HELD).is_err(), "while x holds slot 5: a cycle");
        let released = |held: PathStep, _: &Arc<FrameInfo>| held != slot;
        assert!(graph.add(&x, &b, step(&b), &released).is_ok(), "once released: a wait");
    }
}
