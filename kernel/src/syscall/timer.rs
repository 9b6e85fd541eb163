//! The POSIX timer family (process::posix_timer): timer_create(2),
//! timer_settime(2), timer_gettime(2), timer_getoverrun(2),
//! timer_delete(2). Timers are the process's, shared by its threads.

use kernel_abi::Errno;

use super::args::{Timespec, UserPtr, UserValue};
use super::current::current;
use super::SyscallResult;
use crate::process::posix_timer::{self, TimerClock};
use crate::process::{self, cputime, signal};

const SIGEV_SIGNAL: i32 = 0;
const SIGEV_NONE: i32 = 1;
/// glibc's helper-thread notification; to the kernel a signal, as Linux.
const SIGEV_THREAD: i32 = 2;
const SIGEV_THREAD_ID: i32 = 4;
const TIMER_ABSTIME: i32 = 1;

/// `struct sigevent` (64 bytes): sigev_value, sigev_signo, sigev_notify,
/// then the union whose first int is the thread id of SIGEV_THREAD_ID.
#[derive(Debug, Clone, Copy)]
pub struct SigEvent {
    value: u64,
    signo: i32,
    notify: i32,
    tid: i32,
}

impl UserValue for SigEvent {
    const SIZE: usize = 64;
    fn decode(b: &[u8]) -> Self {
        SigEvent {
            value: u64::decode(&b[..8]),
            signo: i32::decode(&b[8..12]),
            notify: i32::decode(&b[12..16]),
            tid: i32::decode(&b[16..20]),
        }
    }
    fn encode(&self, b: &mut [u8]) {
        self.value.encode(&mut b[..8]);
        self.signo.encode(&mut b[8..12]);
        self.notify.encode(&mut b[12..16]);
        self.tid.encode(&mut b[16..20]);
    }
}

/// `struct itimerspec`: it_interval, it_value.
#[derive(Debug, Clone, Copy)]
pub struct ITimerSpec {
    interval: Timespec,
    value: Timespec,
}

impl UserValue for ITimerSpec {
    const SIZE: usize = 32;
    fn decode(b: &[u8]) -> Self {
        ITimerSpec { interval: Timespec::decode(&b[..16]), value: Timespec::decode(&b[16..32]) }
    }
    fn encode(&self, b: &mut [u8]) {
        self.interval.encode(&mut b[..16]);
        self.value.encode(&mut b[16..32]);
    }
}

fn itimerspec((value, interval): (u64, u64)) -> ITimerSpec {
    ITimerSpec { interval: Timespec::from_ns(interval), value: Timespec::from_ns(value) }
}

/// The clocks a timer can count on, as Linux: REALTIME, MONOTONIC,
/// BOOTTIME, the caller's process CPU clock, the calling thread's CPU
/// clock and (pthread_getcpuclockid's) the CPU clock of another thread of
/// the process (EINVAL for a thread of another process, as Linux); the
/// clocks Linux has no timers for (MONOTONIC_RAW, the coarse ones)
/// EOPNOTSUPP. Not here: another process's CPU-time clock and the alarm
/// and TAI clocks (EINVAL / EOPNOTSUPP, listed in docs/SYSCALLS.md).
fn timer_clock(clock: i32) -> Result<TimerClock, Errno> {
    const THREAD_CLOCK: i32 = 4;
    match clock {
        0 => Ok(TimerClock::Realtime),
        1 | 7 => Ok(TimerClock::Monotonic),
        2 => Ok(TimerClock::ProcessCpu),
        3 => Ok(TimerClock::ThreadCpu(process::current_tid())),
        4..=6 | 8 | 9 => Err(Errno::EOPNOTSUPP),
        // `~tid << 3 | 4 | kind` (kind 3 is no clock); tid 0: the caller.
        c if c < 0 && c & THREAD_CLOCK != 0 && c & 3 != 3 => {
            let tid = !(c >> 3) as u32;
            let tid = if tid == 0 { process::current_tid() } else { tid };
            if current().with(|p| Ok(p.has_thread(tid)))? {
                Ok(TimerClock::ThreadCpu(tid))
            } else {
                Err(Errno::EINVAL)
            }
        }
        _ => Err(Errno::EINVAL),
    }
}

/// What `notification` makes of a sigevent: the signal and value (None
/// for SIGEV_NONE) and SIGEV_THREAD_ID's thread.
type Notification = (Option<(usize, Option<u64>)>, Option<u32>);

/// Linux's `good_sigevent`: the notification (signal and value), None for
/// SIGEV_NONE; SIGEV_THREAD_ID's thread must be one of the caller's
/// process (EINVAL otherwise).
fn notification(ev: &SigEvent) -> Result<Notification, Errno> {
    let target = match ev.notify {
        SIGEV_NONE => return Ok((None, None)),
        SIGEV_SIGNAL | SIGEV_THREAD => None,
        n if n == SIGEV_SIGNAL | SIGEV_THREAD_ID => {
            let tid = u32::try_from(ev.tid).map_err(|_| Errno::EINVAL)?;
            if !current().with(|p| Ok(p.has_thread(tid)))? {
                return Err(Errno::EINVAL);
            }
            Some(tid)
        }
        _ => return Err(Errno::EINVAL),
    };
    match usize::try_from(ev.signo) {
        Ok(sig) if (1..=signal::NSIG).contains(&sig) => Ok((Some((sig, Some(ev.value))), target)),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_timer_create(clock: i32, sevp: UserPtr<SigEvent>, timerid: UserPtr<i32>) -> SyscallResult {
    let event = match sevp.nonnull() {
        Some(p) => Some(p.read()?),
        None => None,
    };
    let clock = timer_clock(clock)?;
    let (notify, target) = match event {
        Some(ev) => notification(&ev)?,
        // NULL: SIGEV_SIGNAL, SIGALRM, the id as the value.
        None => (Some((signal::SIGALRM, None)), None),
    };
    let id = current().with(|p| p.timers.create(clock, notify, target))?;
    if let Err(e) = timerid.write(&id) {
        let _ = current().with(|p| p.timers.delete(id));
        return Err(e);
    }
    Ok(0)
}

/// CPU-time timers read the CPU clock: bring it up to now first.
fn sync_cpu(id: i32) {
    if current().with(|p| Ok(p.timers.on_cpu(id))).unwrap_or(false) {
        cputime::current();
    }
}

pub fn sys_timer_settime(id: i32, flags: i32, new: UserPtr<ITimerSpec>, old: UserPtr<ITimerSpec>) -> SyscallResult {
    let new = new.nonnull().ok_or(Errno::EINVAL)?.read()?;
    let (value, interval) = (new.value.to_ns()?, new.interval.to_ns()?);
    sync_cpu(id);
    // Linux ignores flag bits other than TIMER_ABSTIME.
    let was = current().with(|p| posix_timer::set(p, id, flags & TIMER_ABSTIME != 0, value, interval))?;
    if let Some(old) = old.nonnull() {
        old.write(&itimerspec(was))?;
    }
    Ok(0)
}

pub fn sys_timer_gettime(id: i32, cur: UserPtr<ITimerSpec>) -> SyscallResult {
    sync_cpu(id);
    let now = current().with(|p| posix_timer::get(p, id))?;
    cur.write(&itimerspec(now))?;
    Ok(0)
}

pub fn sys_timer_getoverrun(id: i32) -> SyscallResult {
    current().with(|p| p.timers.overrun(id)).map(|n| n as usize)
}

pub fn sys_timer_delete(id: i32) -> SyscallResult {
    current().with(|p| p.timers.delete(id)).map(|()| 0)
}
