//! Pipes: a bounded byte queue with reader and writer counts. A read waits
//! for data or for the last writer to close (EOF); a write waits for room,
//! and fails with EPIPE (plus SIGPIPE) once no reader is left.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering};

use kernel_abi::Errno;
use spin::Mutex;

use super::anon::AnonInode;
use super::file::{Kind, OpenFile, O_RDONLY, O_WRONLY};
use super::{Inode, S_IFIFO};
use crate::process::{sched, signal};

/// Linux's default pipe capacity.
const CAPACITY: usize = 64 << 10;
/// `st_dev` of pipefs.
const PIPE_FS: u64 = 4;

pub struct Pipe {
    buf: Mutex<VecDeque<u8>>,
    readers: AtomicUsize,
    writers: AtomicUsize,
}

/// A new pipe: (read end, write end). Its whole buffer is reserved here,
/// so writes never allocate; ENOMEM when the kernel heap cannot spare it.
pub fn new(extra_flags: u32) -> Result<(Arc<OpenFile>, Arc<OpenFile>), Errno> {
    if !crate::mm::heap::has_room(CAPACITY) {
        return Err(Errno::ENOMEM);
    }
    let mut buf = VecDeque::new();
    buf.try_reserve_exact(CAPACITY).map_err(|_| Errno::ENOMEM)?;
    let pipe = Arc::new(Pipe { buf: Mutex::new(buf), readers: AtomicUsize::new(0), writers: AtomicUsize::new(0) });
    let node: Arc<dyn Inode> = AnonInode::new(PIPE_FS, S_IFIFO | 0o600);
    let r = OpenFile::new(node.clone(), None, Kind::Pipe(pipe.clone()), O_RDONLY | extra_flags);
    let w = OpenFile::new(node, None, Kind::Pipe(pipe), O_WRONLY | extra_flags);
    Ok((r, w))
}

impl Pipe {
    /// An end was opened (`writer` for the write end).
    pub fn open_end(&self, writer: bool) {
        let c = if writer { &self.writers } else { &self.readers };
        c.fetch_add(1, Ordering::SeqCst);
    }

    /// An end's last descriptor closed.
    pub fn close_end(&self, writer: bool) {
        let c = if writer { &self.writers } else { &self.readers };
        c.fetch_sub(1, Ordering::SeqCst);
        sched::notify();
    }

    pub fn read(&self, out: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        if out.is_empty() {
            return Ok(0);
        }
        let mut result = None;
        sched::wait_until(|| {
            let mut buf = self.buf.lock();
            if !buf.is_empty() {
                let n = out.len().min(buf.len());
                for (slot, b) in out.iter_mut().zip(buf.drain(..n)) {
                    *slot = b;
                }
                result = Some(Ok(n));
            } else if self.writers.load(Ordering::SeqCst) == 0 {
                result = Some(Ok(0));
            } else if nonblock {
                result = Some(Err(Errno::EAGAIN));
            } else if signal::has_deliverable() {
                result = Some(Err(Errno::ERESTARTSYS));
            }
            result.is_some()
        });
        sched::notify();
        result.expect("wait_until returned")
    }

    pub fn write(&self, data: &[u8], nonblock: bool) -> Result<usize, Errno> {
        let mut done = 0;
        while done < data.len() {
            let mut err = None;
            sched::wait_until(|| {
                if self.readers.load(Ordering::SeqCst) == 0 {
                    err = Some(Errno::EPIPE);
                    return true;
                }
                let mut buf = self.buf.lock();
                let room = CAPACITY - buf.len();
                if room > 0 {
                    let n = room.min(data.len() - done);
                    buf.extend(&data[done..done + n]);
                    done += n;
                    return true;
                }
                if nonblock {
                    err = Some(Errno::EAGAIN);
                    return true;
                }
                if signal::has_deliverable() {
                    err = Some(Errno::ERESTARTSYS);
                    return true;
                }
                false
            });
            sched::notify();
            if let Some(e) = err {
                if e == Errno::EPIPE {
                    let _ = crate::process::with_current(|p| p.signals.raise(signal::SIGPIPE));
                }
                return if done > 0 { Ok(done) } else { Err(e) };
            }
        }
        Ok(done)
    }

    /// Bytes waiting to be read (FIONREAD).
    pub fn pending(&self) -> usize {
        self.buf.lock().len()
    }

    pub fn readable(&self) -> bool {
        !self.buf.lock().is_empty()
    }

    pub fn writable(&self) -> bool {
        self.buf.lock().len() < CAPACITY
    }

    pub fn has_writers(&self) -> bool {
        self.writers.load(Ordering::SeqCst) > 0
    }

    pub fn has_readers(&self) -> bool {
        self.readers.load(Ordering::SeqCst) > 0
    }
}
