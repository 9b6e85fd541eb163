//! The syscall layer: `svc #0` from EL0 with the number in x8 and
//! arguments in x0..x5; the result (or `-errno`) goes back in x0. One file
//! per syscall; every number not listed here returns ENOSYS (the full
//! table, with status, is docs/SYSCALLS.md).

mod affinity;
mod brk;
mod chdir;
mod chmod;
mod chown;
mod clock_getres;
mod clone;
mod close;
mod dup;
mod exec_args;
mod execve;
mod exit;
mod faccessat;
mod fcntl;
mod fcntl_lock;
mod fs_util;
mod futex;
mod getcwd;
mod getdents64;
mod getpid;
mod getppid;
mod getrandom;
mod getrusage;
mod groups;
mod ids;
mod ioctl;
mod itimer;
mod kill;
mod linkat;
mod lseek;
mod madvise;
mod mkdirat;
mod mmap;
mod mount;
mod mremap;
mod munmap;
mod openat;
mod pgrp;
mod pipe2;
mod poll;
mod read;
mod readlinkat;
mod reboot;
mod renameat2;
mod rlimit;
mod rt_sigaction;
mod rt_sigprocmask;
mod sendfile;
mod set_tid_address;
mod sethostname;
mod setid;
mod sigaltstack;
mod stat;
mod sync;
mod sysinfo;
mod syslog;
mod time;
mod times;
mod umask;
mod uname;
mod unlinkat;
mod utimensat;
mod wait4;
mod write;
mod writev;

use kernel_abi::{sysno, Errno};

use crate::arch::exception::TrapFrame;

pub type SyscallResult = Result<usize, Errno>;

/// Decodes the registers, runs the syscall, writes the result to x0, then
/// delivers a pending signal on the way back to EL0.
pub fn handle(frame: &mut TrapFrame) {
    let nr = frame.regs[8] as usize;
    let a = [frame.regs[0], frame.regs[1], frame.regs[2], frame.regs[3], frame.regs[4], frame.regs[5]];
    match nr {
        // These set every register themselves.
        sysno::RT_SIGRETURN => {
            if crate::process::signal::sigreturn(frame).is_err() {
                crate::process::exit_current(crate::process::signal::SIGSEGV as i32);
            }
        }
        _ => {
            frame.regs[0] = match dispatch(nr, a, frame) {
                Ok(value) => value as u64,
                Err(e) => e.to_syscall_return(),
            };
        }
    }
    crate::tty::pty::send_hangups();
    crate::process::signal::deliver(frame);
}

/// Syscalls that still run when the kernel heap is down to its reserve:
/// the ones that free memory or allocate nothing that outlives the call
/// (read/write/getdents64/ppoll/pselect6 use bounded scratch buffers; tmpfs
/// growth checks for itself).
fn runs_under_heap_pressure(nr: usize) -> bool {
    matches!(
        nr,
        sysno::EXIT
            | sysno::EXIT_GROUP
            | sysno::CLOSE
            | sysno::MUNMAP
            | sysno::WAIT4
            | sysno::KILL
            | sysno::TKILL
            | sysno::TGKILL
            | sysno::UNLINKAT
            | sysno::GETDENTS64
            | sysno::READ
            | sysno::WRITE
            | sysno::LSEEK
            | sysno::BRK
            | sysno::MMAP
            | sysno::MPROTECT
            | sysno::MADVISE
            | sysno::SIGALTSTACK
            | sysno::CLOCK_GETRES
            | sysno::GETRUSAGE
            | sysno::TIMES
            | sysno::GETITIMER
            | sysno::SETITIMER
            | sysno::GETRLIMIT
            | sysno::PRLIMIT64
            | sysno::RT_SIGPROCMASK
            | sysno::RT_SIGACTION
            | sysno::RT_SIGSUSPEND
            | sysno::PPOLL
            | sysno::PSELECT6
            | sysno::NANOSLEEP
            | sysno::CLOCK_NANOSLEEP
            | sysno::CLOCK_GETTIME
            | sysno::GETTIMEOFDAY
            | sysno::SCHED_YIELD
            | sysno::SCHED_GETAFFINITY
            | sysno::GETCPU
            | sysno::GETPID
            | sysno::GETPPID
            | sysno::GETTID
    )
}

fn dispatch(nr: usize, a: [u64; 6], frame: &mut TrapFrame) -> SyscallResult {
    // Heap allocation failure is a kernel panic, so nothing that may keep
    // heap memory starts once the heap is down to its reserve.
    if !crate::arch::heap::has_room(0) && !runs_under_heap_pressure(nr) {
        return Err(Errno::ENOMEM);
    }
    match nr {
        sysno::CLONE => clone::sys_clone(a[0], a[1], frame),
        sysno::EXECVE => execve::sys_execve(a[0], a[1], a[2], frame),
        sysno::WAIT4 => wait4::sys_wait4(a[0], a[1], a[2], a[3]),
        sysno::KILL => kill::sys_kill(a[0], a[1]),
        sysno::TKILL | sysno::TGKILL => {
            kill::sys_tkill(if nr == sysno::TKILL { a[0] } else { a[1] }, if nr == sysno::TKILL { a[1] } else { a[2] })
        }
        sysno::SETPGID => pgrp::sys_setpgid(a[0], a[1]),
        sysno::GETPGID => pgrp::sys_getpgid(a[0]),
        sysno::SETSID => pgrp::sys_setsid(),
        sysno::GETSID => pgrp::sys_getsid(a[0]),
        sysno::GETTID => getpid::sys_getpid(),
        sysno::NANOSLEEP => time::sys_nanosleep(a[0], a[1]),
        sysno::CLOCK_NANOSLEEP => time::sys_clock_nanosleep(a[0], a[1], a[2], a[3]),
        sysno::CLOCK_GETTIME => time::sys_clock_gettime(a[0], a[1]),
        sysno::GETTIMEOFDAY => time::sys_gettimeofday(a[0]),
        sysno::SCHED_YIELD => {
            crate::process::sched::schedule();
            Ok(0)
        }
        sysno::SCHED_SETAFFINITY => affinity::sys_sched_setaffinity(a[0], a[1], a[2]),
        sysno::SCHED_GETAFFINITY => affinity::sys_sched_getaffinity(a[0], a[1], a[2]),
        sysno::GETCPU => affinity::sys_getcpu(a[0], a[1]),
        sysno::RT_SIGSUSPEND => {
            let mut raw = [0u8; 8];
            crate::mm::usercopy::copy_from_user(&mut raw, a[0])?;
            if a[1] != 8 {
                return Err(Errno::EINVAL);
            }
            Err(crate::process::signal::suspend(u64::from_le_bytes(raw)))
        }
        sysno::PIPE2 => pipe2::sys_pipe2(a[0], a[1]),
        sysno::PPOLL => poll::sys_ppoll(a[0], a[1], a[2], a[3], a[4]),
        sysno::PSELECT6 => poll::sys_pselect6(a[0], a[1], a[2], a[3], a[4], a[5]),
        sysno::REBOOT => reboot::sys_reboot(a[0], a[1], a[2]),
        sysno::SYSINFO => sysinfo::sys_sysinfo(a[0]),
        sysno::GETRANDOM => getrandom::sys_getrandom(a[0], a[1], a[2]),
        sysno::READ => read::sys_read(a[0], a[1], a[2]),
        sysno::READV => read::sys_readv(a[0], a[1], a[2]),
        sysno::WRITE => write::sys_write(a[0], a[1], a[2]),
        sysno::OPENAT => openat::sys_openat(a[0], a[1], a[2], a[3]),
        sysno::CLOSE => close::sys_close(a[0]),
        sysno::LSEEK => lseek::sys_lseek(a[0], a[1], a[2]),
        sysno::NEWFSTATAT => stat::sys_newfstatat(a[0], a[1], a[2], a[3]),
        sysno::FSTAT => stat::sys_fstat(a[0], a[1]),
        sysno::GETDENTS64 => getdents64::sys_getdents64(a[0], a[1], a[2]),
        sysno::MKDIRAT => mkdirat::sys_mkdirat(a[0], a[1], a[2]),
        sysno::UNLINKAT => unlinkat::sys_unlinkat(a[0], a[1], a[2]),
        sysno::RENAMEAT => renameat2::sys_renameat2(a[0], a[1], a[2], a[3], 0),
        sysno::RENAMEAT2 => renameat2::sys_renameat2(a[0], a[1], a[2], a[3], a[4]),
        sysno::READLINKAT => readlinkat::sys_readlinkat(a[0], a[1], a[2], a[3]),
        sysno::SYMLINKAT => readlinkat::sys_symlinkat(a[0], a[1], a[2]),
        sysno::CHDIR => chdir::sys_chdir(a[0]),
        sysno::DUP => dup::sys_dup(a[0]),
        sysno::DUP3 => dup::sys_dup3(a[0], a[1], a[2]),
        sysno::FCNTL => fcntl::sys_fcntl(a[0], a[1], a[2]),
        sysno::IOCTL => ioctl::sys_ioctl(a[0], a[1], a[2]),
        sysno::MOUNT => mount::sys_mount(a[0], a[1], a[2], a[3], a[4]),
        sysno::UMOUNT2 => mount::sys_umount2(a[0], a[1]),
        sysno::FACCESSAT => faccessat::sys_faccessat(a[0], a[1], a[2]),
        sysno::SETHOSTNAME => sethostname::sys_sethostname(a[0], a[1]),
        sysno::SYNC => sync::sys_sync(),
        sysno::FSYNC | sysno::FDATASYNC => sync::sys_fsync(a[0]),
        sysno::LINKAT => linkat::sys_linkat(a[0], a[1], a[2], a[3], a[4]),
        sysno::UTIMENSAT => utimensat::sys_utimensat(a[0], a[1], a[2], a[3]),
        sysno::SENDFILE => sendfile::sys_sendfile(a[0], a[1], a[2], a[3]),
        sysno::WRITEV => writev::sys_writev(a[0], a[1], a[2]),
        sysno::SET_TID_ADDRESS => set_tid_address::sys_set_tid_address(a[0]),
        sysno::BRK => brk::sys_brk(a[0]),
        sysno::MMAP => mmap::sys_mmap(a[0], a[1], a[2], a[3], a[4], a[5]),
        sysno::MUNMAP => munmap::sys_munmap(a[0], a[1]),
        sysno::MPROTECT => mmap::sys_mprotect(a[0], a[1], a[2]),
        sysno::MADVISE => madvise::sys_madvise(a[0], a[1], a[2]),
        sysno::FUTEX => futex::sys_futex(a[0], a[1], a[2], a[3], a[4], a[5]),
        sysno::MREMAP => mremap::sys_mremap(a[0], a[1], a[2], a[3], a[4]),
        sysno::SIGALTSTACK => sigaltstack::sys_sigaltstack(a[0], a[1], frame.sp_el0),
        sysno::CLOCK_GETRES => clock_getres::sys_clock_getres(a[0], a[1]),
        sysno::GETRUSAGE => getrusage::sys_getrusage(a[0], a[1]),
        sysno::TIMES => times::sys_times(a[0]),
        sysno::GETITIMER => itimer::sys_getitimer(a[0], a[1]),
        sysno::SETITIMER => itimer::sys_setitimer(a[0], a[1], a[2]),
        sysno::GETRLIMIT => rlimit::sys_getrlimit(a[0], a[1]),
        sysno::SETRLIMIT => rlimit::sys_setrlimit(a[0], a[1]),
        sysno::PRLIMIT64 => rlimit::sys_prlimit64(a[0], a[1], a[2], a[3]),
        sysno::GETPID => getpid::sys_getpid(),
        sysno::GETPPID => getppid::sys_getppid(),
        sysno::GETUID => ids::sys_getuid(),
        sysno::GETEUID => ids::sys_geteuid(),
        sysno::GETGID => ids::sys_getgid(),
        sysno::GETEGID => ids::sys_getegid(),
        sysno::GETRESUID => ids::sys_getresuid(a[0], a[1], a[2]),
        sysno::GETRESGID => ids::sys_getresgid(a[0], a[1], a[2]),
        sysno::SETUID => setid::sys_setuid(a[0]),
        sysno::SETGID => setid::sys_setgid(a[0]),
        sysno::SETREUID => setid::sys_setreuid(a[0], a[1]),
        sysno::SETREGID => setid::sys_setregid(a[0], a[1]),
        sysno::SETRESUID => setid::sys_setresuid(a[0], a[1], a[2]),
        sysno::SETRESGID => setid::sys_setresgid(a[0], a[1], a[2]),
        sysno::GETGROUPS => groups::sys_getgroups(a[0], a[1]),
        sysno::SETGROUPS => groups::sys_setgroups(a[0], a[1]),
        sysno::FCHMOD => chmod::sys_fchmod(a[0], a[1]),
        sysno::FCHMODAT => chmod::sys_fchmodat(a[0], a[1], a[2]),
        sysno::FCHOWN => chown::sys_fchown(a[0], a[1], a[2]),
        sysno::FCHOWNAT => chown::sys_fchownat(a[0], a[1], a[2], a[3], a[4]),
        sysno::UMASK => umask::sys_umask(a[0]),
        sysno::UNAME => uname::sys_uname(a[0]),
        sysno::GETCWD => getcwd::sys_getcwd(a[0], a[1]),
        sysno::RT_SIGACTION => rt_sigaction::sys_rt_sigaction(a[0], a[1], a[2], a[3]),
        sysno::RT_SIGPROCMASK => rt_sigprocmask::sys_rt_sigprocmask(a[0], a[1], a[2], a[3]),
        sysno::EXIT | sysno::EXIT_GROUP => exit::sys_exit(a[0] as i32),
        sysno::SYSLOG => syslog::sys_syslog(a[0] as i32, a[1], a[2]),
        _ => {
            let name = sysno::name(nr).unwrap_or("unknown");
            // KERN_DEBUG: in the log (dmesg), not on the console by default.
            printk!(crate::printk::LEVEL_DEBUG, "syscall {nr} ({name}) not implemented: ENOSYS");
            Err(Errno::ENOSYS)
        }
    }
}
