//! Kernel tasks and the context switch between them.
//!
//! A `Task` owns its saved registers and its kernel stack; the scheduler
//! holds tasks as `Arc<Task>` and calls `switch_to`, which is safe: this
//! module keeps the invariants the assembly `switch_context` needs, so no
//! caller has to argue about raw context pointers.
//!
//! - The running task is always referenced by `RUNNING`, and the task that
//!   last switched away by `PREVIOUS` until the following switch. So a
//!   stack is never freed while the CPU runs on it, and both contexts are
//!   alive during a switch, whatever the process table does meanwhile.
//! - A context is only switched into after it was set up by `Task::new` or
//!   saved by a switch: the boot task, the one task with no saved context,
//!   starts as the running task.
//! - There is one CPU (boot.S parks the others), and `switch_to` masks
//!   interrupts, so nothing else touches a context while it is saved or
//!   loaded.

use alloc::sync::Arc;
use core::cell::UnsafeCell;

use spin::Mutex;

use super::exception::TrapFrame;
use super::IrqGuard;

/// A kernel task's saved callee-saved registers (switch_context).
#[repr(C)]
#[derive(Debug, Default)]
struct Context {
    /// x19..x28, x29 (fp), x30 (lr).
    regs: [u64; 12],
    sp: u64,
    /// d8..d15 (callee-saved in AAPCS64).
    fp: [u64; 8],
}

/// A kernel stack: the top holds the task's TrapFrame while it is in the kernel.
struct KernelStack {
    mem: alloc::vec::Vec<u128>,
}

/// Size of every task's kernel stack.
pub const KERNEL_STACK_SIZE: usize = 64 << 10;

impl KernelStack {
    /// None when the kernel heap cannot spare it and keep its reserve.
    fn new() -> Option<KernelStack> {
        if !crate::mm::heap::has_room(KERNEL_STACK_SIZE) {
            return None;
        }
        let mut mem = alloc::vec::Vec::new();
        mem.try_reserve_exact(KERNEL_STACK_SIZE / 16).ok()?;
        mem.resize(KERNEL_STACK_SIZE / 16, 0u128);
        Some(KernelStack { mem })
    }
}

/// A kernel task: saved registers while it does not run, and its stack.
pub struct Task {
    /// Written and read only by `switch_context`, in `switch_to`.
    ctx: UnsafeCell<Context>,
    /// None for the boot task (it runs on the boot stack, which is never freed).
    _stack: Option<KernelStack>,
}

// SAFETY: `ctx` is never borrowed; it is accessed only by switch_context
// inside `switch_to`, with interrupts masked on the only CPU that runs, so
// accesses from different holders of the Arc never overlap.
unsafe impl Sync for Task {}

/// The task the CPU runs now (None before `Task::boot`).
static RUNNING: Mutex<Option<Arc<Task>>> = Mutex::new(None);
/// The task that switched away last, kept alive until the next switch
/// (by then the CPU is off its stack).
static PREVIOUS: Mutex<Option<Arc<Task>>> = Mutex::new(None);

impl Task {
    /// The boot context as a task, made the running one. Only the first
    /// call returns it (safe: later calls get None, so the boot context is
    /// never two tasks).
    pub fn boot() -> Option<Arc<Task>> {
        let _irq = IrqGuard::new();
        let mut running = RUNNING.lock();
        if running.is_some() {
            return None;
        }
        let task = Arc::new(Task { ctx: UnsafeCell::new(Context::default()), _stack: None });
        *running = Some(task.clone());
        Some(task)
    }

    /// A new task whose first switch-in returns to EL0 through a copy of
    /// `frame` at the top of its own kernel stack. Safe for any `frame`:
    /// the copy's SPSR is confined to EL0 (`TrapFrame::confine_to_el0`), so
    /// the worst a bad frame does is fault in user mode. None when the kernel
    /// heap cannot spare the stack (the caller returns ENOMEM).
    pub fn new(frame: &TrapFrame) -> Option<Arc<Task>> {
        extern "C" {
            fn task_entry_trampoline();
        }
        let mut stack = KernelStack::new()?;
        let size = core::mem::size_of::<TrapFrame>();
        let bytes = stack.mem.len() * core::mem::size_of::<u128>();
        // SAFETY: `bytes - size` is within the allocation (816 bytes below
        // its end, the stack being 64 KiB).
        let at = unsafe { stack.mem.as_mut_ptr().cast::<u8>().add(bytes - size) }.cast::<TrapFrame>();
        // Safe for any frame: the task enters EL0, never EL1.
        let mut first = *frame;
        first.confine_to_el0();
        // SAFETY: `at..end` lies inside the stack's allocation, is 16-byte
        // aligned (the allocation is u128-aligned and 816 is a multiple of
        // 16), and the task does not run yet, so nothing else uses it.
        unsafe { core::ptr::write(at, first) };
        let mut ctx = Context::default();
        ctx.regs[0] = at as u64;
        ctx.regs[11] = task_entry_trampoline as *const () as u64;
        ctx.sp = at as u64;
        Some(Arc::new(Task { ctx: UnsafeCell::new(ctx), _stack: Some(stack) }))
    }
}

/// Switches the CPU from the running task to `next`; returns when some
/// later `switch_to` picks the task that called it again. Nothing of the
/// caller's must hold an `Arc<Task>` across the call: a task that never
/// runs again (an exited process) never drops what its stack holds.
/// Safe: `next` is a task built by `Task::new`/`Task::boot` (the only
/// constructors) and kept alive by the `Arc` until the switch completes;
/// the running task is kept alive in `RUNNING`/`PREVIOUS` meanwhile.
pub fn switch_to(next: Arc<Task>) {
    extern "C" {
        fn switch_context(prev: *mut Context, next: *const Context);
    }
    let _irq = IrqGuard::new();
    let prev = RUNNING.lock().replace(next.clone());
    let Some(prev) = prev else {
        // No boot task registered: there is nothing to save into.
        *RUNNING.lock() = None;
        return;
    };
    if Arc::ptr_eq(&prev, &next) {
        return;
    }
    let prev_ctx = prev.ctx.get();
    let next_ctx: *const Context = next.ctx.get();
    drop(next);
    // The task kept by the switch before goes now: the CPU runs on
    // `prev`'s stack, and the last switch was into `prev`, so that task is
    // not `prev`.
    let older = PREVIOUS.lock().replace(prev);
    drop(older);
    // SAFETY: `prev_ctx` is the running task's context (the task is kept
    // alive by PREVIOUS) and `next_ctx` the context of `next` (kept alive by
    // RUNNING); neither Arc is released before the CPU has left `prev`'s
    // stack. `next` was set up by `Task::new` or saved by an earlier switch
    // (the boot task, the only one never set up, was running before anyone
    // could switch to it), and its stack is owned by the task. Interrupts
    // are masked and there is one CPU, so nothing else accesses the two
    // contexts until switch_context has saved one and loaded the other.
    unsafe { switch_context(prev_ctx, next_ctx) }
}
