//! Garbage collection of AF_UNIX sockets passed in circles: a socket whose
//! open file is referenced only from socket queues (every reference is
//! in flight) and that no socket outside that set can reach is unreachable
//! for ever (nobody can receive from it), as Linux's `unix_gc` decides.
//! The kernel describes the in-flight graph; this finds the garbage.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

/// One reference in flight: the open file of socket `target`, queued in
/// socket `holder`'s receive queue; `refs` is how many references that
/// open file has in all (descriptor tables, queues, calls in progress).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub holder: usize,
    pub target: usize,
    pub refs: usize,
}

/// The sockets whose queues should be emptied: candidates (all of their
/// file's references are in flight) not reachable from a socket that is
/// not a candidate.
pub fn garbage(edges: &[Edge]) -> Vec<usize> {
    let mut inflight: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for e in edges {
        let entry = inflight.entry(e.target).or_insert((0, e.refs));
        entry.0 += 1;
        entry.1 = entry.1.max(e.refs);
    }
    let candidates: BTreeSet<usize> =
        inflight.iter().filter(|(_, &(queued, refs))| queued >= refs).map(|(&id, _)| id).collect();
    // Alive: referenced from a queue outside the candidates, then whatever
    // an alive candidate's queue holds.
    let mut alive: BTreeSet<usize> = BTreeSet::new();
    let mut work: Vec<usize> = edges
        .iter()
        .filter(|e| !candidates.contains(&e.holder) && candidates.contains(&e.target))
        .map(|e| e.target)
        .collect();
    while let Some(id) = work.pop() {
        if !alive.insert(id) {
            continue;
        }
        work.extend(edges.iter().filter(|e| e.holder == id && candidates.contains(&e.target)).map(|e| e.target));
    }
    candidates.difference(&alive).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn e(holder: usize, target: usize, refs: usize) -> Edge {
        Edge { holder, target, refs }
    }

    #[test]
    fn a_socket_queued_in_itself_is_garbage() {
        assert_eq!(garbage(&[e(1, 1, 1)]), vec![1]);
        // Still open somewhere (2 references, 1 in flight): not garbage.
        assert_eq!(garbage(&[e(1, 1, 2)]), Vec::<usize>::new());
    }

    #[test]
    fn cycles_are_garbage_unless_reachable_from_outside() {
        // 1 -> 2 -> 3 -> 1, all only in flight.
        let cycle = [e(1, 2, 1), e(2, 3, 1), e(3, 1, 1)];
        assert_eq!(garbage(&cycle), vec![1, 2, 3]);
        // Socket 9 (open, not in flight) holds 1: the whole cycle is reachable.
        let mut reached = cycle.to_vec();
        reached[2] = e(3, 1, 2);
        reached.push(e(9, 1, 2));
        assert_eq!(garbage(&reached), Vec::<usize>::new());
    }

    #[test]
    fn a_chain_held_by_an_open_socket_lives() {
        // 0 is open (its own file not in flight) and holds 1, which holds 2.
        assert_eq!(garbage(&[e(0, 1, 1), e(1, 2, 1)]), Vec::<usize>::new());
    }
}
