//! A socket's receive queue: messages (a datagram, a stream write's
//! piece) with their metadata, charged to a `Budget` while queued. Stream
//! reads run across messages while the metadata allows (Linux does not
//! merge past passed descriptors or a change of sender credentials);
//! datagram and seqpacket reads take one message.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::budget::{Budget, MSG_OVERHEAD};

/// What travels with a message besides its bytes.
pub trait Meta: Sized {
    /// What a reader gets: on a consuming read (`peek` false) the parts
    /// delivered once (passed descriptors) move out of the message.
    fn deliver(&mut self, peek: bool) -> Self;
    /// Adds what a stream read got from a further message.
    fn absorb(&mut self, next: Self);
}

struct Msg<A> {
    data: Vec<u8>,
    /// Bytes of `data` already read (stream reads may take part).
    pos: usize,
    meta: A,
}

impl<A> Msg<A> {
    fn charge(&self) -> usize {
        self.data.len() + MSG_OVERHEAD
    }
}

pub struct Queue<A> {
    msgs: VecDeque<Msg<A>>,
    /// Bytes charged for the messages queued (data + overhead).
    charged: usize,
    budget: &'static Budget,
}

/// A consuming or peeking read of one datagram.
pub struct Datagram<A> {
    pub copied: usize,
    /// The message's whole length (MSG_TRUNC reports it).
    pub len: usize,
    pub meta: A,
}

impl<A: Meta> Queue<A> {
    pub fn new(budget: &'static Budget) -> Queue<A> {
        Queue { msgs: VecDeque::new(), charged: 0, budget }
    }

    /// Queues a message; when the global budget or the kernel heap cannot
    /// take it, nothing is queued and the metadata comes back.
    pub fn push(&mut self, data: Vec<u8>, meta: A) -> Result<(), A> {
        let msg = Msg { data, pos: 0, meta };
        let n = msg.charge();
        if self.msgs.try_reserve(1).is_err() || !self.budget.try_charge(n) {
            return Err(msg.meta);
        }
        self.charged += n;
        self.msgs.push_back(msg);
        Ok(())
    }

    /// Bytes charged (against a socket's buffer size).
    pub fn charged(&self) -> usize {
        self.charged
    }

    pub fn is_empty(&self) -> bool {
        self.msgs.is_empty()
    }

    pub fn messages(&self) -> usize {
        self.msgs.len()
    }

    /// Unread bytes in all messages.
    pub fn unread(&self) -> usize {
        self.msgs.iter().map(|m| m.data.len() - m.pos).sum()
    }

    /// The next message's length (a datagram's FIONREAD).
    pub fn front_len(&self) -> Option<usize> {
        self.msgs.front().map(|m| m.data.len() - m.pos)
    }

    fn pop(&mut self) -> Option<Msg<A>> {
        let m = self.msgs.pop_front()?;
        let n = m.charge();
        self.charged -= n;
        self.budget.release(n);
        Some(m)
    }

    /// A stream read into `out`: None when the queue is empty. After the
    /// first message, the read goes on into the next one only while
    /// `joins(got so far, next)` allows.
    pub fn read_stream(&mut self, out: &mut [u8], peek: bool, joins: impl Fn(&A, &A) -> bool) -> Option<(usize, A)> {
        let mut meta = self.msgs.front_mut()?.meta.deliver(peek);
        let mut copied = 0;
        let (mut i, mut first) = (0, true);
        while copied < out.len() {
            let Some(m) = self.msgs.get_mut(i) else { break };
            if !first {
                if !joins(&meta, &m.meta) {
                    break;
                }
                meta.absorb(m.meta.deliver(peek));
            }
            first = false;
            let n = (m.data.len() - m.pos).min(out.len() - copied);
            out[copied..copied + n].copy_from_slice(&m.data[m.pos..m.pos + n]);
            copied += n;
            if peek {
                i += 1;
                continue;
            }
            m.pos += n;
            if m.pos < m.data.len() {
                break;
            }
            self.pop();
        }
        Some((copied, meta))
    }

    /// One message into `out` (the rest of it is dropped unless `peek`).
    pub fn read_datagram(&mut self, out: &mut [u8], peek: bool) -> Option<Datagram<A>> {
        let m = self.msgs.front_mut()?;
        let len = m.data.len();
        let copied = len.min(out.len());
        out[..copied].copy_from_slice(&m.data[..copied]);
        let meta = m.meta.deliver(peek);
        if !peek {
            self.pop();
        }
        Some(Datagram { copied, len, meta })
    }

    /// Drops every message (their metadata with them); returns how many.
    pub fn clear(&mut self) -> usize {
        let n = self.msgs.len();
        while self.pop().is_some() {}
        n
    }

    /// Every queued message's metadata, front first.
    pub fn metas(&self) -> impl Iterator<Item = &A> {
        self.msgs.iter().map(|m| &m.meta)
    }

    /// Takes every message's metadata out (for a socket being released:
    /// the passed descriptors are dropped after its locks are let go).
    pub fn drain_meta(&mut self) -> Vec<A> {
        let mut out = Vec::new();
        while let Some(m) = self.pop() {
            out.push(m.meta);
        }
        out
    }
}

impl<A> Drop for Queue<A> {
    fn drop(&mut self) {
        self.budget.release(self.charged);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// A test message's metadata: a sender id and passed "descriptors".
    #[derive(Debug, Default, PartialEq)]
    struct M {
        from: u32,
        fds: Vec<u32>,
    }

    impl Meta for M {
        fn deliver(&mut self, peek: bool) -> M {
            let fds = if peek { self.fds.clone() } else { core::mem::take(&mut self.fds) };
            M { from: self.from, fds }
        }
        fn absorb(&mut self, next: M) {
            self.fds.extend(next.fds);
        }
    }

    static BUDGET: Budget = Budget::new(10_000);

    /// Linux's rule: no read goes on past passed descriptors, nor (with
    /// SO_PASSCRED) into another sender's data.
    fn joins(got: &M, next: &M) -> bool {
        got.fds.is_empty() && got.from == next.from
    }

    #[test]
    fn stream_reads_merge_until_metadata_differs() {
        let mut q = Queue::new(&BUDGET);
        assert!(q.push(b"abc".to_vec(), M { from: 1, fds: vec![] }).is_ok());
        assert!(q.push(b"de".to_vec(), M { from: 1, fds: vec![] }).is_ok());
        assert!(q.push(b"fg".to_vec(), M { from: 2, fds: vec![] }).is_ok());
        assert!(q.push(b"hi".to_vec(), M { from: 2, fds: vec![7] }).is_ok());
        assert_eq!(q.unread(), 9);
        let mut out = [0u8; 16];
        let (n, m) = q.read_stream(&mut out, true, joins).unwrap();
        assert_eq!((&out[..n], m.from), (&b"abcde"[..], 1));
        let (n, _) = q.read_stream(&mut out[..4], false, joins).unwrap();
        assert_eq!(&out[..n], b"abcd");
        let (n, _) = q.read_stream(&mut out, false, joins).unwrap();
        assert_eq!(&out[..n], b"e");
        let (n, _) = q.read_stream(&mut out[..1], false, joins).unwrap();
        assert_eq!(&out[..n], b"f");
        // Data before passed descriptors joins them; the read stops after.
        assert!(q.push(b"jk".to_vec(), M { from: 2, fds: vec![] }).is_ok());
        let (n, m) = q.read_stream(&mut out, false, joins).unwrap();
        assert_eq!((&out[..n], m.fds), (&b"ghi"[..], vec![7]));
        let (n, m) = q.read_stream(&mut out, false, joins).unwrap();
        assert_eq!((&out[..n], m.fds), (&b"jk"[..], vec![]));
        assert!(q.read_stream(&mut out, false, joins).is_none());
        assert_eq!(q.charged(), 0);
    }

    #[test]
    fn datagrams_truncate_and_budget_is_returned() {
        static B: Budget = Budget::new(2 * MSG_OVERHEAD + 10);
        let mut q = Queue::new(&B);
        assert!(q.push(b"hello".to_vec(), M::default()).is_ok());
        assert!(q.push(b"world".to_vec(), M::default()).is_ok());
        assert!(q.push(b"x".to_vec(), M::default()).is_err());
        let mut out = [0u8; 3];
        let d = q.read_datagram(&mut out, true).unwrap();
        assert_eq!((d.copied, d.len), (3, 5));
        let d = q.read_datagram(&mut out, false).unwrap();
        assert_eq!((&out[..d.copied], d.len), (&b"hel"[..], 5));
        assert_eq!(q.front_len(), Some(5));
        drop(q);
        assert_eq!(B.used(), 0);
    }
}
