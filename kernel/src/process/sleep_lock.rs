//! A lock whose waiters sleep: for state whose holder may wait for a disk
//! (a process waiting for the disk must not hold a spinlock another
//! process could spin on). The spinlock inside is only ever taken by the
//! holder of `held`, so it never spins.

use core::sync::atomic::{AtomicBool, Ordering};

use spin::Mutex;

use super::sched;

pub struct SleepLock<T> {
    held: AtomicBool,
    inner: Mutex<T>,
}

pub struct SleepGuard<'a, T> {
    lock: &'a SleepLock<T>,
    inner: spin::MutexGuard<'a, T>,
}

impl<T> SleepLock<T> {
    pub const fn new(value: T) -> SleepLock<T> {
        SleepLock { held: AtomicBool::new(false), inner: Mutex::new(value) }
    }

    fn acquire(&self) -> bool {
        self.held.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }

    /// Waits (sleeping) until the lock is free, then takes it.
    pub fn lock(&self) -> SleepGuard<'_, T> {
        // Free (the usual case): no trip through the scheduler's wait.
        if !self.acquire() {
            sched::wait_until(|| self.acquire());
        }
        SleepGuard { lock: self, inner: self.inner.lock() }
    }

    /// Takes the lock if it is free, without waiting (any context).
    pub fn try_lock(&self) -> Option<SleepGuard<'_, T>> {
        self.acquire().then(|| SleepGuard { lock: self, inner: self.inner.lock() })
    }
}

impl<T> core::ops::Deref for SleepGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> core::ops::DerefMut for SleepGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T> Drop for SleepGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.held.store(false, Ordering::Release);
        sched::notify();
    }
}
