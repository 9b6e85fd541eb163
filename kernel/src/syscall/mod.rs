//! The syscall layer: `svc #0` from EL0 with the number in x8 and
//! arguments in x0..x5; the result (or `-errno`) goes back in x0. The
//! dispatcher below is the boundary: it decodes each call's registers once
//! into the types of `args` (user pointers, descriptors, pids, flag sets
//! whose unknown bits are EINVAL where Linux's are), and handlers take only
//! those. One file per syscall (families that share one rule share a
//! file); every number not listed here returns ENOSYS (the full table, with
//! status, is docs/SYSCALLS.md).

mod accept;
pub mod args;
mod bind;
mod brk;
mod chdir;
mod chmod;
mod chown;
mod clock_getres;
mod clock_gettime;
mod clock_nanosleep;
mod clock_settime;
mod clone;
mod close;
mod connect;
pub(crate) mod current;
mod dup;
mod dup3;
mod exec_args;
mod execve;
mod exit;
mod faccessat;
mod fallocate;
mod fcntl;
mod fcntl_lock;
mod flock;
mod fs_util;
mod fstat;
mod fsync;
mod futex;
mod getcpu;
mod getcwd;
mod getdents64;
mod getgroups;
mod getpeername;
mod getpgid;
mod getpid;
mod getppid;
mod getrandom;
mod getrusage;
mod getsid;
mod getsockname;
mod getsockopt;
mod gettimeofday;
mod ids;
mod ioctl;
mod itimer;
mod kill;
mod linkat;
mod listen;
mod lseek;
mod madvise;
mod mkdirat;
mod mmap;
mod mount;
mod mprotect;
mod mremap;
mod msync;
mod munmap;
mod nanosleep;
mod newfstatat;
mod openat;
mod pipe2;
mod poll;
mod ppoll;
mod pread;
mod pselect6;
mod read;
mod readlinkat;
mod readv;
mod reboot;
mod recvfrom;
mod recvmsg;
mod renameat2;
mod rlimit;
mod robust_list;
mod rt_sigaction;
mod rt_sigpending;
mod rt_sigprocmask;
mod rt_sigqueueinfo;
mod rt_sigsuspend;
mod rt_sigtimedwait;
mod sched_getaffinity;
mod sched_setaffinity;
mod sched_yield;
mod sendfile;
mod sendmsg;
mod sendto;
mod set_tid_address;
mod setgroups;
mod sethostname;
mod setid;
mod setpgid;
mod setsid;
mod setsockopt;
mod shutdown;
mod sigaltstack;
mod socket;
mod socket_io;
mod socketpair;
mod statfs;
mod symlinkat;
mod sync;
mod syncfs;
mod sysinfo;
mod syslog;
mod timer;
mod times;
mod truncate;
mod umask;
mod umount2;
mod uname;
mod unlinkat;
mod utimensat;
mod wait4;
mod write;
mod writev;

use kernel_abi::{sysno, Errno};

use self::args::{Args, AtFlags, CloneArgs, RenameFlags};
use crate::arch::exception::TrapFrame;
use crate::net::SockFlags;

pub type SyscallResult = Result<usize, Errno>;

/// Decodes the registers, runs the syscall, writes the result to x0, then
/// delivers a pending signal on the way back to EL0.
pub fn handle(frame: &mut TrapFrame) {
    let nr = frame.regs[8] as usize;
    let a = Args([frame.regs[0], frame.regs[1], frame.regs[2], frame.regs[3], frame.regs[4], frame.regs[5]]);
    let mut restart = None;
    match nr {
        // These set every register themselves.
        sysno::RT_SIGRETURN => {
            if crate::process::signal::sigreturn(frame).is_err() {
                crate::process::exit_current(crate::process::signal::SIGSEGV as i32);
            }
        }
        _ => {
            let result = dispatch(nr, a, frame);
            // An interrupted wait: EINTR unless the signal's action says
            // to restart the call (signal::deliver_after_syscall).
            restart = matches!(result, Err(Errno::ERESTARTSYS)).then_some(a.0[0]);
            frame.regs[0] = match result {
                Ok(value) => value as u64,
                Err(Errno::ERESTARTSYS) => Errno::EINTR.to_syscall_return(),
                Err(e) => e.to_syscall_return(),
            };
        }
    }
    crate::tty::pty::send_hangups();
    crate::process::signal::deliver_after_syscall(frame, restart);
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
            | sysno::FTRUNCATE
            | sysno::TRUNCATE
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

fn dispatch(nr: usize, a: Args, frame: &mut TrapFrame) -> SyscallResult {
    // Heap allocation failure is a kernel panic, so nothing that may keep
    // heap memory starts once the heap is down to its reserve.
    if !crate::mm::heap::has_room(0) && !runs_under_heap_pressure(nr) {
        return Err(Errno::ENOMEM);
    }
    use AtFlags as At;
    match nr {
        // Processes
        sysno::CLONE => clone::sys_clone(CloneArgs::from_reg(a.0[0]), a.0[1], a.ptr(2), a.0[3], a.ptr(4), frame),
        sysno::EXECVE => execve::sys_execve(a.cstr(0), a.ptr(1), a.ptr(2), frame),
        sysno::EXIT => exit::sys_exit(a.i32(0)),
        sysno::EXIT_GROUP => exit::sys_exit_group(a.i32(0)),
        sysno::WAIT4 => wait4::sys_wait4(a.pid(0), a.ptr(1), a.flags(2)?, a.ptr(3)),
        sysno::GETPID => getpid::sys_getpid(),
        sysno::GETTID => getpid::sys_gettid(),
        sysno::GETPPID => getppid::sys_getppid(),
        sysno::SET_TID_ADDRESS => set_tid_address::sys_set_tid_address(a.ptr(0)),
        sysno::SET_ROBUST_LIST => robust_list::sys_set_robust_list(a.0[0], a.usize(1)),
        sysno::GET_ROBUST_LIST => robust_list::sys_get_robust_list(a.pid(0), a.ptr(1), a.ptr(2)),
        sysno::SETPGID => setpgid::sys_setpgid(a.pid(0), a.pid(1)),
        sysno::GETPGID => getpgid::sys_getpgid(a.pid(0)),
        sysno::SETSID => setsid::sys_setsid(),
        sysno::GETSID => getsid::sys_getsid(a.pid(0)),
        sysno::SCHED_YIELD => sched_yield::sys_sched_yield(),
        sysno::SCHED_SETAFFINITY => sched_setaffinity::sys_sched_setaffinity(a.pid(0), a.slice(2, 1)),
        sysno::SCHED_GETAFFINITY => sched_getaffinity::sys_sched_getaffinity(a.pid(0), a.slice(2, 1)),
        sysno::GETRLIMIT => rlimit::sys_getrlimit(a.u32(0), a.ptr(1)),
        sysno::SETRLIMIT => rlimit::sys_setrlimit(a.u32(0), a.ptr(1)),
        sysno::PRLIMIT64 => rlimit::sys_prlimit64(a.pid(0), a.u32(1), a.ptr(2), a.ptr(3)),
        sysno::GETRUSAGE => getrusage::sys_getrusage(a.i32(0), a.ptr(1)),
        sysno::TIMES => times::sys_times(a.ptr(0)),
        sysno::FUTEX => futex::sys_futex(a.ptr(0), a.i32(1), a.u32(2), a.0[3], a.ptr(4), a.u32(5)),
        sysno::GETCPU => getcpu::sys_getcpu(a.ptr(0), a.ptr(1)),
        // Signals
        sysno::KILL => kill::sys_kill(a.pid(0), a.i32(1)),
        sysno::TKILL => kill::sys_tkill(a.pid(0), a.i32(1)),
        sysno::TGKILL => kill::sys_tgkill(a.pid(0), a.pid(1), a.i32(2)),
        sysno::RT_SIGACTION => rt_sigaction::sys_rt_sigaction(a.i32(0), a.ptr(1), a.ptr(2), a.usize(3)),
        sysno::RT_SIGPROCMASK => rt_sigprocmask::sys_rt_sigprocmask(a.i32(0), a.ptr(1), a.ptr(2), a.usize(3)),
        sysno::RT_SIGSUSPEND => rt_sigsuspend::sys_rt_sigsuspend(a.ptr(0), a.usize(1)),
        sysno::RT_SIGPENDING => rt_sigpending::sys_rt_sigpending(a.slice(0, 1)),
        sysno::RT_SIGTIMEDWAIT => rt_sigtimedwait::sys_rt_sigtimedwait(a.ptr(0), a.siginfo(1), a.ptr(2), a.usize(3)),
        sysno::RT_SIGQUEUEINFO => rt_sigqueueinfo::sys_rt_sigqueueinfo(a.pid(0), a.i32(1), a.siginfo(2)),
        sysno::RT_TGSIGQUEUEINFO => rt_sigqueueinfo::sys_rt_tgsigqueueinfo(a.pid(0), a.pid(1), a.i32(2), a.siginfo(3)),
        sysno::SIGALTSTACK => sigaltstack::sys_sigaltstack(a.ptr(0), a.ptr(1), frame.sp_el0),
        // Time
        sysno::NANOSLEEP => nanosleep::sys_nanosleep(a.ptr(0), a.ptr(1)),
        sysno::CLOCK_NANOSLEEP => {
            clock_nanosleep::sys_clock_nanosleep(a.i32(0), a.flags_truncate(1), a.ptr(2), a.ptr(3))
        }
        sysno::CLOCK_GETTIME => clock_gettime::sys_clock_gettime(a.i32(0), a.ptr(1)),
        sysno::GETTIMEOFDAY => gettimeofday::sys_gettimeofday(a.ptr(0), a.ptr(1)),
        sysno::SETTIMEOFDAY => gettimeofday::sys_settimeofday(a.ptr(0), a.ptr(1)),
        sysno::CLOCK_SETTIME => clock_settime::sys_clock_settime(a.i32(0), a.ptr(1)),
        sysno::TIMER_CREATE => timer::sys_timer_create(a.i32(0), a.ptr(1), a.ptr(2)),
        sysno::TIMER_SETTIME => timer::sys_timer_settime(a.i32(0), a.i32(1), a.ptr(2), a.ptr(3)),
        sysno::TIMER_GETTIME => timer::sys_timer_gettime(a.i32(0), a.ptr(1)),
        sysno::TIMER_GETOVERRUN => timer::sys_timer_getoverrun(a.i32(0)),
        sysno::TIMER_DELETE => timer::sys_timer_delete(a.i32(0)),
        sysno::CLOCK_GETRES => clock_getres::sys_clock_getres(a.i32(0), a.ptr(1)),
        sysno::GETITIMER => itimer::sys_getitimer(a.i32(0), a.ptr(1)),
        sysno::SETITIMER => itimer::sys_setitimer(a.i32(0), a.ptr(1), a.ptr(2)),
        // Memory
        sysno::BRK => brk::sys_brk(a.0[0]),
        sysno::MMAP => mmap::sys_mmap(a.0[0], a.usize(1), a.0[2], a.0[3], a.fd(4), a.i64(5)),
        sysno::MUNMAP => munmap::sys_munmap(a.0[0], a.usize(1)),
        sysno::MPROTECT => mprotect::sys_mprotect(a.0[0], a.usize(1), a.flags(2)?),
        sysno::MADVISE => madvise::sys_madvise(a.0[0], a.usize(1), a.i32(2)),
        sysno::MSYNC => msync::sys_msync(a.0[0], a.usize(1), a.0[2]),
        sysno::MREMAP => mremap::sys_mremap(a.0[0], a.usize(1), a.usize(2), a.0[3], a.0[4]),
        // Descriptors and I/O
        sysno::READ => read::sys_read(a.fd(0), a.slice(1, 2)),
        sysno::READV => readv::sys_readv(a.fd(0), a.ptr(1), a.usize(2)),
        sysno::WRITE => write::sys_write(a.fd(0), a.slice(1, 2)),
        sysno::WRITEV => writev::sys_writev(a.fd(0), a.ptr(1), a.usize(2)),
        sysno::SENDFILE => sendfile::sys_sendfile(a.fd(0), a.fd(1), a.ptr(2), a.usize(3)),
        sysno::LSEEK => lseek::sys_lseek(a.fd(0), a.i64(1), a.u32(2)),
        sysno::CLOSE => close::sys_close(a.fd(0)),
        sysno::DUP => dup::sys_dup(a.fd(0)),
        sysno::DUP3 => dup3::sys_dup3(a.fd(0), a.fd(1), a.flags(2)?),
        sysno::FCNTL => fcntl::sys_fcntl(a.fd(0), a.u32(1), a.0[2]),
        sysno::FLOCK => flock::sys_flock(a.fd(0), a.u32(1)),
        sysno::IOCTL => ioctl::sys_ioctl(a.fd(0), a.u32(1), a.0[2]),
        sysno::PIPE2 => pipe2::sys_pipe2(a.ptr(0), a.flags(1)?),
        sysno::PPOLL => ppoll::sys_ppoll(a.ptr(0), a.usize(1), a.ptr(2), a.ptr(3), a.usize(4)),
        sysno::PSELECT6 => pselect6::sys_pselect6(a.usize(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5)),
        sysno::GETDENTS64 => getdents64::sys_getdents64(a.fd(0), a.slice(1, 2)),
        sysno::FSTAT => fstat::sys_fstat(a.fd(0), a.ptr(1)),
        sysno::FSTATFS => statfs::sys_fstatfs(a.fd(0), a.ptr(1)),
        sysno::PREAD64 => pread::sys_pread64(a.fd(0), a.slice(1, 2), a.i64(3)),
        sysno::PWRITE64 => pread::sys_pwrite64(a.fd(0), a.slice(1, 2), a.i64(3)),
        sysno::FTRUNCATE => truncate::sys_ftruncate(a.fd(0), a.i64(1)),
        sysno::FALLOCATE => fallocate::sys_fallocate(a.fd(0), a.i32(1), a.i64(2), a.i64(3)),
        sysno::PREADV => pread::sys_preadv(a.fd(0), a.ptr(1), a.usize(2), a.i64(3)),
        sysno::PWRITEV => pread::sys_pwritev(a.fd(0), a.ptr(1), a.usize(2), a.i64(3)),
        sysno::FSYNC | sysno::FDATASYNC => fsync::sys_fsync(a.fd(0)),
        sysno::SYNC => sync::sys_sync(),
        sysno::SYNCFS => syncfs::sys_syncfs(a.fd(0)),
        // Paths
        sysno::OPENAT => openat::sys_openat(a.dirfd(0), a.cstr(1), a.u32(2), a.u32(3)),
        sysno::NEWFSTATAT => newfstatat::sys_newfstatat(
            a.dirfd(0),
            a.cstr(1),
            a.ptr(2),
            a.at_flags(3, At::SYMLINK_NOFOLLOW | At::EMPTY_PATH | At::NO_AUTOMOUNT | At::STATX_SYNC_TYPE)?,
        ),
        sysno::MKDIRAT => mkdirat::sys_mkdirat(a.dirfd(0), a.cstr(1), a.u32(2)),
        sysno::UNLINKAT => unlinkat::sys_unlinkat(a.dirfd(0), a.cstr(1), a.at_flags(2, At::REMOVEDIR)?),
        sysno::RENAMEAT => renameat2::sys_renameat2(a.dirfd(0), a.cstr(1), a.dirfd(2), a.cstr(3), RenameFlags::empty()),
        sysno::RENAMEAT2 => renameat2::sys_renameat2(a.dirfd(0), a.cstr(1), a.dirfd(2), a.cstr(3), a.flags(4)?),
        sysno::LINKAT => linkat::sys_linkat(
            a.dirfd(0),
            a.cstr(1),
            a.dirfd(2),
            a.cstr(3),
            a.at_flags(4, At::SYMLINK_FOLLOW | At::EMPTY_PATH)?,
        ),
        sysno::SYMLINKAT => symlinkat::sys_symlinkat(a.cstr(0), a.dirfd(1), a.cstr(2)),
        sysno::READLINKAT => readlinkat::sys_readlinkat(a.dirfd(0), a.cstr(1), a.slice(2, 3), a.i32(3)),
        sysno::CHDIR => chdir::sys_chdir(a.cstr(0)),
        sysno::FCHDIR => chdir::sys_fchdir(a.fd(0)),
        sysno::TRUNCATE => truncate::sys_truncate(a.cstr(0), a.i64(1)),
        sysno::STATFS => statfs::sys_statfs(a.cstr(0), a.ptr(1)),
        sysno::GETCWD => getcwd::sys_getcwd(a.slice(0, 1)),
        sysno::FACCESSAT => faccessat::sys_faccessat(a.dirfd(0), a.cstr(1), a.u32(2)),
        sysno::FCHMOD => chmod::sys_fchmod(a.fd(0), a.u32(1)),
        sysno::FCHMODAT => chmod::sys_fchmodat(a.dirfd(0), a.cstr(1), a.u32(2)),
        sysno::FCHOWN => chown::sys_fchown(a.fd(0), a.u32(1), a.u32(2)),
        sysno::FCHOWNAT => chown::sys_fchownat(
            a.dirfd(0),
            a.cstr(1),
            a.u32(2),
            a.u32(3),
            a.at_flags(4, At::SYMLINK_NOFOLLOW | At::EMPTY_PATH)?,
        ),
        sysno::UTIMENSAT => utimensat::sys_utimensat(
            a.dirfd(0),
            a.cstr(1),
            a.ptr(2),
            a.at_flags(3, At::SYMLINK_NOFOLLOW | At::EMPTY_PATH)?,
        ),
        sysno::UMASK => umask::sys_umask(a.u32(0)),
        sysno::MOUNT => mount::sys_mount(a.cstr(0), a.cstr(1), a.cstr(2), a.0[3], a.cstr(4)),
        sysno::UMOUNT2 => umount2::sys_umount2(a.cstr(0), a.flags(1)?),
        // Sockets
        sysno::SOCKET => socket::sys_socket(a.i32(0), a.sock_type(1)?, a.i32(2)),
        sysno::SOCKETPAIR => socketpair::sys_socketpair(a.i32(0), a.sock_type(1)?, a.i32(2), a.ptr(3)),
        sysno::BIND => bind::sys_bind(a.fd(0), a.sockaddr_in(1, 2)),
        sysno::LISTEN => listen::sys_listen(a.fd(0), a.i32(1)),
        sysno::ACCEPT => accept::sys_accept4(a.fd(0), a.sockaddr_out(1, 2), SockFlags::empty()),
        sysno::ACCEPT4 => accept::sys_accept4(a.fd(0), a.sockaddr_out(1, 2), a.flags(3)?),
        sysno::CONNECT => connect::sys_connect(a.fd(0), a.sockaddr_in(1, 2)),
        sysno::SENDTO => sendto::sys_sendto(a.fd(0), a.slice(1, 2), a.msg_flags(3), a.sockaddr_in(4, 5)),
        sysno::RECVFROM => recvfrom::sys_recvfrom(a.fd(0), a.slice(1, 2), a.msg_flags(3), a.sockaddr_out(4, 5)),
        sysno::SENDMSG => sendmsg::sys_sendmsg(a.fd(0), a.ptr(1), a.msg_flags_strict(2)?),
        sysno::RECVMSG => recvmsg::sys_recvmsg(a.fd(0), a.ptr(1), a.msg_flags_strict(2)?),
        sysno::SHUTDOWN => shutdown::sys_shutdown(a.fd(0), a.i32(1)),
        sysno::GETSOCKNAME => getsockname::sys_getsockname(a.fd(0), a.sockaddr_out(1, 2)),
        sysno::GETPEERNAME => getpeername::sys_getpeername(a.fd(0), a.sockaddr_out(1, 2)),
        sysno::SETSOCKOPT => setsockopt::sys_setsockopt(a.fd(0), a.i32(1), a.i32(2), a.slice(3, 4), a.i32(4)),
        sysno::GETSOCKOPT => getsockopt::sys_getsockopt(a.fd(0), a.i32(1), a.i32(2), a.ptr(3), a.ptr(4)),
        // Credentials
        sysno::GETUID => ids::sys_getuid(),
        sysno::GETEUID => ids::sys_geteuid(),
        sysno::GETGID => ids::sys_getgid(),
        sysno::GETEGID => ids::sys_getegid(),
        sysno::GETRESUID => ids::sys_getresuid(a.ptr(0), a.ptr(1), a.ptr(2)),
        sysno::GETRESGID => ids::sys_getresgid(a.ptr(0), a.ptr(1), a.ptr(2)),
        sysno::SETUID => setid::sys_setuid(a.u32(0)),
        sysno::SETGID => setid::sys_setgid(a.u32(0)),
        sysno::SETREUID => setid::sys_setreuid(a.u32(0), a.u32(1)),
        sysno::SETREGID => setid::sys_setregid(a.u32(0), a.u32(1)),
        sysno::SETRESUID => setid::sys_setresuid(a.u32(0), a.u32(1), a.u32(2)),
        sysno::SETRESGID => setid::sys_setresgid(a.u32(0), a.u32(1), a.u32(2)),
        sysno::GETGROUPS => getgroups::sys_getgroups(a.i32(0), a.ptr(1)),
        sysno::SETGROUPS => setgroups::sys_setgroups(a.usize(0), a.ptr(1)),
        // System
        sysno::UNAME => uname::sys_uname(a.ptr(0)),
        sysno::SETHOSTNAME => sethostname::sys_sethostname(a.slice(0, 1)),
        sysno::SYSINFO => sysinfo::sys_sysinfo(a.ptr(0)),
        sysno::GETRANDOM => getrandom::sys_getrandom(a.slice(0, 1), a.flags(2)?),
        sysno::SYSLOG => syslog::sys_syslog(a.i32(0), a.slice(1, 2), a.i32(2)),
        sysno::REBOOT => reboot::sys_reboot(a.u32(0), a.u32(1), a.u32(2), a.cstr(3)),
        _ => {
            // Once per number, at KERN_DEBUG (in dmesg, not on the console
            // by default): enough to learn what a program wanted. Linux logs
            // nothing; a log line per call let a program that loops over
            // unknown calls with the console level raised (the fuzzer does,
            // via syslog(2)) flood the serial line with megabytes.
            if first_enosys(nr) {
                let name = sysno::name(nr).unwrap_or("unknown");
                printk!(crate::printk::LEVEL_DEBUG, "syscall {nr} ({name}) not implemented: ENOSYS");
            }
            Err(Errno::ENOSYS)
        }
    }
}

/// Syscall numbers already reported as not implemented: one bit each below
/// 1023, and one bit shared by every larger number (none exists on aarch64).
static ENOSYS_SEEN: [core::sync::atomic::AtomicU64; 16] = [const { core::sync::atomic::AtomicU64::new(0) }; 16];

/// True the first time `nr` is seen here.
fn first_enosys(nr: usize) -> bool {
    use core::sync::atomic::Ordering;
    let index = nr.min(ENOSYS_SEEN.len() * 64 - 1);
    let bit = 1u64 << (index % 64);
    ENOSYS_SEEN[index / 64].fetch_or(bit, Ordering::Relaxed) & bit == 0
}
