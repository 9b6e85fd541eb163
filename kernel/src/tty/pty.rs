//! Pseudo-terminal pairs (Unix 98): opening /dev/ptmx makes a pair, its
//! master is the descriptor returned, its slave appears as /dev/pts/N
//! (devpts, `fs/devpts.rs`) once unlocked (`TIOCSPTLCK`).
//!
//! The slave is a terminal like the console: bytes the master writes are
//! the slave's keyboard (they go through the line discipline: editing,
//! echo, signal characters), and what the slave writes, output-processed,
//! is what the master reads, together with the echo. Both directions are
//! bounded and a writer waits for room, so a pair never grows the heap.
//! Hang-up as on Linux: when the slave's last descriptor closes, master
//! reads fail with EIO; when the master's closes, the slave's session gets
//! SIGHUP, slave reads return 0 (EIO for one already waiting), slave writes
//! fail with EIO.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use kernel_abi::Errno;
use kernel_line_discipline::{B38400, CREAD, CS8};
use spin::Mutex;

use super::{Terminal, Tty};
use crate::fs::devpts;
use crate::process::{sched, signal};

/// Most pairs at once (Linux's default `kernel.pty.max` is 4096).
const MAX_PTYS: u32 = 256;
/// Slave output the master has not read yet, at most.
const TO_MASTER_CAPACITY: usize = 16 << 10;

static PTYS: Mutex<BTreeMap<u32, Weak<Pty>>> = Mutex::new(BTreeMap::new());

/// Process groups owed SIGHUP + SIGCONT by a hang-up. A master's last
/// close may run while the process table is locked (close(2) drops the
/// descriptor inside it), so the signals go out on the next way back to
/// EL0 (`send_hangups`), not from the close itself.
static HANGUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Sends the signals queued by hang-ups (called with no locks held).
pub fn send_hangups() {
    let groups = core::mem::take(&mut *HANGUPS.lock());
    for group in groups {
        signal::send_group(group, signal::SIGHUP);
        signal::send_group(group, signal::SIGCONT);
    }
}

pub struct Pty {
    index: u32,
    term: Mutex<Terminal>,
    /// Slave output and echo, for the master to read.
    to_master: Mutex<VecDeque<u8>>,
    masters: AtomicUsize,
    slaves: AtomicUsize,
    locked: AtomicBool,
    /// The slave was open and its last descriptor closed (Linux's
    /// TTY_OTHER_CLOSED on the master).
    slave_closed: AtomicBool,
    /// The master's last descriptor closed.
    hung_up: AtomicBool,
    /// /dev/pts/N exists (from allocation to hang-up).
    named: AtomicBool,
}

impl Tty for Pty {
    fn with_term(&self, f: &mut dyn FnMut(&mut Terminal)) {
        f(&mut self.term.lock())
    }
}

/// open(2) of /dev/ptmx: a new, locked pair.
/// ENOSPC when `MAX_PTYS` pairs exist, ENOMEM when the heap cannot hold
/// the buffers.
pub fn allocate() -> Result<Arc<Pty>, Errno> {
    if !crate::mm::heap::has_room(TO_MASTER_CAPACITY + kernel_line_discipline::INPUT_CAPACITY * 3) {
        return Err(Errno::ENOMEM);
    }
    let mut table = PTYS.lock();
    table.retain(|_, p| p.strong_count() > 0);
    let index = (0..MAX_PTYS).find(|i| !table.contains_key(i)).ok_or(Errno::ENOSPC)?;
    let mut to_master = VecDeque::new();
    to_master.try_reserve_exact(TO_MASTER_CAPACITY).map_err(|_| Errno::ENOMEM)?;
    let pty = Arc::new(Pty {
        index,
        // Linux's PTY slave: 38400 8N1, no HUPCL.
        term: Mutex::new(Terminal::try_new(B38400 | CS8 | CREAD)?),
        to_master: Mutex::new(to_master),
        masters: AtomicUsize::new(0),
        slaves: AtomicUsize::new(0),
        locked: AtomicBool::new(true),
        slave_closed: AtomicBool::new(false),
        hung_up: AtomicBool::new(false),
        named: AtomicBool::new(false),
    });
    // In the table first: the slave's node reaches the pair by its index.
    table.insert(index, Arc::downgrade(&pty));
    drop(table);
    if let Err(e) = devpts::add_slave(index) {
        PTYS.lock().remove(&index);
        return Err(e);
    }
    pty.named.store(true, Ordering::SeqCst);
    Ok(pty)
}

/// The live pair with index `index` (/dev/pts/`index`).
pub fn by_index(index: u32) -> Option<Arc<Pty>> {
    PTYS.lock().get(&index).and_then(Weak::upgrade)
}

/// The live pair whose slave is the controlling terminal of session `sid`.
pub fn find_by_session(sid: u32) -> Option<Arc<Pty>> {
    if sid == 0 {
        return None;
    }
    let live: Vec<Arc<Pty>> = PTYS.lock().values().filter_map(Weak::upgrade).collect();
    live.into_iter().find(|p| !p.hung_up.load(Ordering::SeqCst) && p.term.lock().sid == sid)
}

impl Pty {
    pub fn index(&self) -> u32 {
        self.index
    }

    pub fn locked(&self) -> bool {
        self.locked.load(Ordering::SeqCst)
    }

    pub fn set_locked(&self, locked: bool) {
        self.locked.store(locked, Ordering::SeqCst);
    }

    /// Whether the slave may be opened now (EIO while locked or hung up).
    pub fn check_slave_open(&self) -> Result<(), Errno> {
        if self.locked() || self.hung_up.load(Ordering::SeqCst) {
            Err(Errno::EIO)
        } else {
            Ok(())
        }
    }

    /// A descriptor of one side was opened (`master`: the master side).
    pub fn opened(&self, master: bool) {
        if master {
            self.masters.fetch_add(1, Ordering::SeqCst);
        } else {
            self.slaves.fetch_add(1, Ordering::SeqCst);
            self.slave_closed.store(false, Ordering::SeqCst);
        }
    }

    /// The last reference to an open file of one side went away.
    pub fn closed(&self, master: bool) {
        if master {
            if self.masters.fetch_sub(1, Ordering::SeqCst) == 1 {
                self.hang_up();
            }
        } else if self.slaves.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.slave_closed.store(true, Ordering::SeqCst);
        }
        sched::notify();
    }

    /// The master is gone: the slave's name goes, its readers see end of
    /// file, and its session hears SIGHUP (then SIGCONT, so a stopped job
    /// sees it too), as Linux's tty_vhangup does.
    fn hang_up(&self) {
        self.hung_up.store(true, Ordering::SeqCst);
        if self.named.swap(false, Ordering::SeqCst) {
            devpts::remove_slave(self.index);
        }
        PTYS.lock().remove(&self.index);
        let (sid, pgrp) = {
            let mut t = self.term.lock();
            let owners = (t.sid, t.pgrp);
            t.sid = 0;
            t.pgrp = 0;
            owners
        };
        let mut queue = HANGUPS.lock();
        for group in [pgrp, sid] {
            // try_reserve: a close never panics, even on a full heap.
            if group != 0 && !queue.contains(&group) && queue.try_reserve(1).is_ok() {
                queue.push(group);
            }
        }
    }

    /// Bytes the master has not read yet (FIONREAD on the master).
    pub fn master_pending(&self) -> usize {
        self.to_master.lock().len()
    }

    /// Drops what the master has not read (TCIFLUSH on the master: its
    /// input is the slave's output).
    pub fn flush_master_input(&self) {
        self.to_master.lock().clear();
        sched::notify();
    }

    /// TIOCSTI and TCIOFF/TCION on the master: a byte into the slave's
    /// input, as if the master had written it (dropped when there is no
    /// room, as Linux's receive_buf).
    pub fn inject_slave_input(&self, byte: u8) {
        self.feed(&[byte]);
        sched::notify();
    }

    /// TIOCSTI on the master, TCIOFF/TCION on the slave: a byte into what
    /// the master reads.
    pub fn inject_master_input(&self, byte: u8) {
        self.queue_for_master(&[byte]);
        sched::notify();
    }

    /// Queues `bytes` for the master; what does not fit is dropped (echo
    /// only: slave writes wait for room first).
    fn queue_for_master(&self, bytes: &[u8]) {
        let mut q = self.to_master.lock();
        let room = TO_MASTER_CAPACITY - q.len();
        q.extend(&bytes[..bytes.len().min(room)]);
    }

    /// Feeds the slave's input with as much of `data` as it takes now;
    /// returns how many bytes it took (0: no room).
    fn feed(&self, data: &[u8]) -> usize {
        let mut echo = Vec::new();
        let mut raised = Vec::new();
        let (taken, pgrp) = {
            let mut t = self.term.lock();
            let taken = t.ld.room().min(data.len());
            for &b in &data[..taken] {
                let fx = t.ld.input(b);
                t.ld.output(&fx.echo, &mut echo);
                raised.extend(fx.signal);
            }
            (taken, t.pgrp)
        };
        self.queue_for_master(&echo);
        for sig in raised {
            super::raise(sig, pgrp);
        }
        taken
    }

    /// write(2) on the master: the slave's input.
    pub fn master_write(&self, data: &[u8], nonblock: bool) -> Result<usize, Errno> {
        write_waiting(data, nonblock, |rest| Ok(self.feed(rest)))
    }

    /// read(2) on the master: the slave's output and echo.
    pub fn master_read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        let result = sched::wait_for(|| {
            let mut q = self.to_master.lock();
            if !q.is_empty() {
                let n = buf.len().min(q.len());
                for (slot, b) in buf.iter_mut().zip(q.drain(..n)) {
                    *slot = b;
                }
                Some(Ok(n))
            } else if self.slave_closed.load(Ordering::SeqCst) {
                Some(Err(Errno::EIO))
            } else {
                blocked_error(nonblock).map(Err)
            }
        });
        sched::notify();
        result
    }

    /// read(2) on the slave: the line discipline. As on Linux, a read that
    /// starts after the hang-up returns 0 (end of file) and one that was
    /// waiting when it came fails with EIO (the other side closed).
    pub fn slave_read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        if self.hung_up.load(Ordering::SeqCst) {
            return Ok(0);
        }
        let result = sched::wait_for(|| {
            match super::may_read(self) {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
            let mut t = self.term.lock();
            if t.ld.readable() {
                Some(Ok(t.ld.read(buf)))
            } else if self.hung_up.load(Ordering::SeqCst) {
                Some(Err(Errno::EIO))
            } else {
                blocked_error(nonblock).map(Err)
            }
        });
        sched::notify();
        result
    }

    /// write(2) on the slave: output-processed into the master's queue,
    /// waiting for room; EIO after hang-up.
    pub fn slave_write(&self, data: &[u8], nonblock: bool) -> Result<usize, Errno> {
        super::may_change(self, true)?;
        write_waiting(data, nonblock, |rest| {
            if self.hung_up.load(Ordering::SeqCst) {
                Err(Errno::EIO)
            } else {
                Ok(self.push_output(rest))
            }
        })
    }

    /// Output-processes as many leading bytes of `data` as fit in the
    /// master's queue; returns how many were taken.
    fn push_output(&self, data: &[u8]) -> usize {
        let t = self.term.lock();
        if t.ld.stopped {
            // Held by the stop character (IXON): as if there were no room.
            return 0;
        }
        let mut q = self.to_master.lock();
        let mut taken = 0;
        let mut out = Vec::new();
        for &b in data {
            out.clear();
            t.ld.output(&[b], &mut out);
            if q.len() + out.len() > TO_MASTER_CAPACITY {
                break;
            }
            q.extend(&out);
            taken += 1;
        }
        taken
    }

    /// poll(2) readiness of the master (POLLIN 1, POLLOUT 4, POLLHUP 16).
    pub fn master_poll(&self) -> u16 {
        let readable = !self.to_master.lock().is_empty();
        let hup = self.slave_closed.load(Ordering::SeqCst);
        let room = self.term.lock().ld.room() > 0;
        (if readable { 1 } else { 0 }) | (if room { 4 } else { 0 }) | (if hup { 16 } else { 0 })
    }

    /// poll(2) readiness of the slave.
    pub fn slave_poll(&self) -> u16 {
        if self.hung_up.load(Ordering::SeqCst) {
            return 1 | 4 | 8 | 16;
        }
        let readable = self.term.lock().ld.readable();
        let room = self.to_master.lock().len() < TO_MASTER_CAPACITY;
        (if readable { 1 } else { 0 }) | (if room { 4 } else { 0 })
    }
}

/// Writes `data` through `take`, which takes as much of what is left as
/// there is room for (0: none now, so wait). A write that took something
/// and then would block or fails returns the partial count, as write(2) does.
fn write_waiting(
    data: &[u8],
    nonblock: bool,
    mut take: impl FnMut(&[u8]) -> Result<usize, Errno>,
) -> Result<usize, Errno> {
    let mut done = 0;
    while done < data.len() {
        let mut err = None;
        sched::wait_until(|| match take(&data[done..]) {
            Ok(0) => {
                err = blocked_error(nonblock);
                err.is_some()
            }
            Ok(n) => {
                done += n;
                true
            }
            Err(e) => {
                err = Some(e);
                true
            }
        });
        sched::notify();
        if let Some(e) = err {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
    }
    Ok(done)
}

/// Why a blocked read or write returns now instead of waiting: EAGAIN for
/// a non-blocking file, ERESTARTSYS (EINTR, or a restart under
/// SA_RESTART) when a signal is deliverable.
pub(super) fn blocked_error(nonblock: bool) -> Option<Errno> {
    if nonblock {
        Some(Errno::EAGAIN)
    } else if signal::has_deliverable() {
        Some(Errno::ERESTARTSYS)
    } else {
        None
    }
}
