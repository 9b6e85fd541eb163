//! What the kernel implements, per syscall: the source of `docs/SYSCALLS.md`
//! (a host test renders the table and fails when the file differs; run it
//! with `UPDATE_SYSCALLS_DOC=1` to rewrite the file). Every number not
//! listed returns ENOSYS. Keep in step with `kernel/src/syscall/mod.rs`.

use crate::sysno::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Linux semantics for everything a single-process kernel can see.
    Implemented,
    /// Works for the cases in the note; other cases return a real errno.
    Partial,
}

/// `(number, status, note)`.
pub const SYSCALLS: &[(usize, Status, &str)] = &[
    (GETCWD, Status::Implemented, "the path from the working directory's dentry (renames above it show); ENOENT once it was removed"),
    (DUP, Status::Implemented, ""),
    (DUP3, Status::Implemented, ""),
    (
        FCNTL,
        Status::Partial,
        "F_DUPFD(_CLOEXEC) (EINVAL at or past 1024 descriptors), F_GETFD/SETFD, F_GETFL/SETFL (O_APPEND, O_NONBLOCK, O_DIRECT, O_NOATIME; O_ASYNC EINVAL: no SIGIO), F_GETOWN (0), F_SETOWN 0 only (else EINVAL), F_GETLK/SETLK/SETLKW (record locks, dropped at close and exit; no EDEADLK detection), F_OFD_GETLK/SETLK/SETLKW (owned by the open file description, dropped at its last close; l_pid must be 0, a description's lock reports l_pid -1); F_GETOWN_EX/SETOWN_EX, F_SETSIG/GETSIG, leases, notify, pipe sizes, seals EINVAL",
    ),
    (
        IOCTL,
        Status::Partial,
        "every descriptor: FIOCLEX/FIONCLEX, FIONBIO; FIONREAD on regular files (size - offset; procfs files have size 0, as Linux) and pipes; terminals (console, PTY master and slave): TCGETS/TCSETS*, TCSBRK, TCXONC (TCOOFF/TCOON hold and release output, TCIOFF/TCION send the STOP/START character to the other end), TIOCSTI (the caller's controlling terminal or root, EPERM), TCFLSH (a master's input is the slave's output; output is never queued, as Linux's PTYs), TIOCOUTQ (0), TIOCGPGRP, TIOCSPGRP (ENOTTY/ESRCH/EPERM/EINVAL as Linux), TIOCGSID, TIOCGWINSZ/SWINSZ, TIOCSCTTY (on a master: its slave; stealing needs arg 1 and root, so does a descriptor not open for reading: EPERM), TIOCNOTTY, FIONREAD/TIOCINQ, TIOCGPTN/SPTLCK/GPTLCK; FIOASYNC, TIOCPKT, TIOCEXCL/NXCL, TIOCMGET/MSET, TIOCGLCKTRMIOS and the rest ENOTTY; block devices (/dev/vda, /dev/vda1): BLKGETSIZE64, BLKGETSIZE, BLKSSZGET, BLKFLSBUF (dirty pages written, FLUSH, clean pages dropped; root), BLKRRPART (whole disks; new partitions get their nodes, vanished ones keep theirs; root); sockets (any family): SIOCGIFCONF, SIOCGIFNAME, SIOCGIFINDEX, SIOCGIFFLAGS/SIOCSIFFLAGS (IFF_UP only), SIOCGIFADDR/SIOCSIFADDR (classful prefix), SIOCGIFNETMASK/SIOCSIFNETMASK, SIOCGIFBRDADDR/SIOCSIFBRDADDR, SIOCGIFMTU/SIOCSIFMTU, SIOCGIFHWADDR, SIOCGIFTXQLEN, SIOCADDRT/SIOCDELRT (changes root only, EPERM); other device requests ENODEV for an unknown device, EOPNOTSUPP otherwise; FIONREAD/SIOCINQ and SIOCOUTQ on TCP, UDP (the next datagram) and packet sockets",
    ),
    (FLOCK, Status::Implemented, "LOCK_SH/LOCK_EX/LOCK_UN, LOCK_NB (EAGAIN); per open file description, independent of fcntl locks; EINTR, or a restart under SA_RESTART"),
    (MKDIRAT, Status::Implemented, ""),
    (UNLINKAT, Status::Implemented, "unlink and AT_REMOVEDIR"),
    (SYMLINKAT, Status::Implemented, "an empty target is ENOENT"),
    (RENAMEAT2, Status::Partial, "RENAME_NOREPLACE, RENAME_EXCHANGE; RENAME_WHITEOUT EINVAL (no overlay filesystems)"),
    (RENAMEAT, Status::Implemented, "within one mount (EXDEV across); a directory into its own subtree EINVAL; mount points EBUSY"),
    (
        UMOUNT2,
        Status::Implemented,
        "of a mount's root (EINVAL otherwise); EBUSY while a working directory, open file or inner mount holds it; MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW; MNT_FORCE changes nothing for in-memory filesystems; root only (EPERM, after the lookup as Linux)",
    ),
    (
        MOUNT,
        Status::Partial,
        "tmpfs/ramfs (mode, uid, gid, size), proc, sysfs (the console's name only), devtmpfs, devpts (mode, gid, ptmxmode; one instance), ext2 on a block device (no options; ENOTBLK for other sources; unknown INCOMPAT features EINVAL; clean superblock at umount; unlinked-open inodes released after their last close); MS_RDONLY (changes through the mount EROFS); reads, readdir and readlink update atime as Linux's default relatime (atime not after mtime or ctime, or a day old), MS_NOATIME, MS_NODIRATIME and MS_STRICTATIME change that; MS_SYNCHRONOUS and MS_DIRSYNC: on ext2 every change is written back (with its whole filesystem, then FLUSH) before the call returns; unknown options EINVAL, other types ENODEV; MS_NOEXEC/NODEV/REMOUNT/NOSYMFOLLOW/BIND/MOVE/REC/POSIXACL and the propagation changes EINVAL; MS_NOSUID, RELATIME, LAZYTIME, SILENT accepted (they hold: no set-ID, relatime is the default, times reach the disk with the next write-back); root only (EPERM)",
    ),
    (FACCESSAT, Status::Implemented, "checks with the real uid/gid, as access(2) does (root: any x bit for X_OK)"),
    (CHDIR, Status::Implemented, ""),
    (FCHDIR, Status::Implemented, ""),
    (TRUNCATE, Status::Implemented, "regular files (shrinking frees pages, and unmaps MAP_SHARED pages past the new end: SIGBUS there; growing leaves a hole); EISDIR, EINVAL for other kinds"),
    (FTRUNCATE, Status::Implemented, "as truncate; EINVAL unless open for writing"),
    (OPENAT, Status::Partial, "tmpfs, devices, procfs; O_CREAT/EXCL/TRUNC/APPEND/DIRECTORY/NOFOLLOW/CLOEXEC/NONBLOCK; O_TMPFILE EOPNOTSUPP; O_PATH opens as O_RDONLY does (read permission checked, reads allowed: not Linux's path-only descriptor)"),
    (CLOSE, Status::Implemented, ""),
    (PIPE2, Status::Partial, "O_CLOEXEC, O_NONBLOCK; O_DIRECT (packet mode) and O_NOTIFICATION_PIPE EINVAL; the 64 KiB buffer is reserved up front (ENOMEM)"),
    (GETDENTS64, Status::Implemented, "at most 32 KiB per call"),
    (LSEEK, Status::Implemented, "SEEK_SET/CUR/END, SEEK_DATA/SEEK_HOLE (a tmpfs hole is a page never written, an ext2 hole a block never allocated); a directory's position is its readdir cookie"),
    (READ, Status::Implemented, ""),
    (PREAD64, Status::Implemented, "ESPIPE on pipes and terminals"),
    (PWRITE64, Status::Implemented, "ESPIPE on pipes and terminals; appends under O_APPEND, as Linux does"),
    (PREADV, Status::Implemented, "as pread64, buffer by buffer"),
    (PWRITEV, Status::Implemented, "as pwrite64, buffer by buffer"),
    (
        FALLOCATE,
        Status::Implemented,
        "tmpfs: mode 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE; other modes EOPNOTSUPP, as Linux's tmpfs",
    ),
    (WRITE, Status::Implemented, ""),
    (READV, Status::Implemented, "an iov_len negative as ssize_t is EINVAL"),
    (WRITEV, Status::Implemented, ""),
    (PSELECT6, Status::Implemented, "with the signal mask for the wait; EBADF for a closed descriptor in any set"),
    (PPOLL, Status::Implemented, "with the signal mask for the wait"),
    (READLINKAT, Status::Implemented, "bufsiz <= 0 EINVAL (musl's readlink hides a 0)"),
    (NEWFSTATAT, Status::Implemented, ""),
    (FSTAT, Status::Implemented, ""),
    (STATFS, Status::Implemented, "tmpfs counts the frames it may still use"),
    (FSTATFS, Status::Implemented, "as statfs; pipes report pipefs"),
    (SENDFILE, Status::Implemented, "a read/write loop, any file types; an O_APPEND destination is EINVAL, as Linux"),
    (
        UTIMENSAT,
        Status::Partial,
        "atime and mtime, UTIME_NOW/UTIME_OMIT (both omitted: 0 before any lookup), AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, a null path for the fd's file (futimens); no times or both now take ownership or write permission (EACCES), anything else ownership (EPERM); unknown flags EINVAL; missing: times before 1970 (EINVAL)",
    ),
    (SYNC, Status::Implemented, "MAP_SHARED file pages go into their files first; every mounted filesystem writes back through the page cache (ext2: dirty data, inodes, directories, bitmaps, group descriptors, superblock; in disk order), then every disk's remaining dirty pages (written through /dev/vd*); each disk then gets a FLUSH"),
    (FSYNC, Status::Implemented, "the file's MAP_SHARED pages go into it first; an ext2 file writes more than its own data and inode: its whole filesystem's dirty data and metadata (as syncfs), then FLUSH; nothing to write for in-memory files; a block device writes its disk's dirty pages, then FLUSH; EINVAL for pipes, character devices and procfs as on Linux"),
    (FDATASYNC, Status::Implemented, "as fsync (writes the metadata too)"),
    (SYNCFS, Status::Implemented, "MAP_SHARED file pages go into their files first; the filesystem of the descriptor's file writes back (ext2: all its dirty data and metadata, then FLUSH); nothing to write for in-memory filesystems and anonymous files"),
    (LINKAT, Status::Implemented, "AT_SYMLINK_FOLLOW, AT_EMPTY_PATH; EXDEV across filesystems (into /proc: ENOENT from its lookup first, as Linux); protected_hardlinks=1 rules"),
    (FCHMOD, Status::Implemented, "owner or root (EPERM); set-group-ID dropped outside the file's group"),
    (FCHMODAT, Status::Implemented, "as fchmod"),
    (FCHOWN, Status::Implemented, "root changes the owner, the owner the group to one of its own; clears set-ID bits"),
    (FCHOWNAT, Status::Implemented, "as fchown; AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH"),
    (EXIT, Status::Implemented, "ends the calling thread; the last thread's exit ends the process (its code is the wait status), which notifies its parent once"),
    (EXIT_GROUP, Status::Implemented, "ends every thread of the process"),
    (
        SET_TID_ADDRESS,
        Status::Implemented,
        "records the calling thread's clear-child-tid address, returns its tid; when the thread exits while other threads share the memory, 0 is written there and one futex waiter woken (as Linux, only when mm_users > 1)",
    ),
    (
        SET_ROBUST_LIST,
        Status::Implemented,
        "per thread; the size must be 24 (EINVAL); at thread exit the list is walked as Linux's exit_robust_list (futexes the thread owns get FUTEX_OWNER_DIED, one waiter woken; at most 2048 entries)",
    ),
    (GET_ROBUST_LIST, Status::Implemented, "0 or any thread's tid (ESRCH when none); another user's thread needs root (EPERM)"),
    (
        FUTEX,
        Status::Partial,
        "FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE (FUTEX_PRIVATE_FLAG; words in MAP_SHARED memory meet across processes); FUTEX_CLOCK_REALTIME reads the boot-relative clock (no RTC); the PI operations and FUTEX_WAKE_OP: ENOSYS",
    ),
    (NANOSLEEP, Status::Implemented, "10 ms tick granularity; EINTR with the remainder"),
    (
        CLOCK_GETTIME,
        Status::Implemented,
        "REALTIME is wall-clock time (the PL031 RTC read at boot, then the counter; clock_settime sets it), MONOTONIC/BOOTTIME/RAW count from boot, the coarse ones move per tick; the CPU-time clocks (process, thread, clock_getcpuclockid's) count CPU time, measured at every EL0 boundary; the thread clocks count one thread's (pthread_getcpuclockid's: a thread of the caller's process, EINVAL otherwise, as Linux)",
    ),
    (CLOCK_GETRES, Status::Implemented, "1 ns for the clocks read from the counter; the tick (10 ms) for the coarse clocks, which move per tick"),
    (GETITIMER, Status::Implemented, ""),
    (
        SETITIMER,
        Status::Implemented,
        "ITIMER_REAL checked every 10 ms tick (SIGALRM); ITIMER_VIRTUAL and ITIMER_PROF on the CPU-time clocks; fork clears them, exec keeps them",
    ),
    (TIMES, Status::Implemented, "clock ticks of 10 ms (USER_HZ 100); returns ticks since boot"),
    (
        GETRUSAGE,
        Status::Partial,
        "ru_utime and ru_stime (RUSAGE_SELF: every thread of the process, ended ones included; RUSAGE_THREAD: the calling thread's; RUSAGE_CHILDREN); ru_maxrss for the caller (the most pages it had mapped, across execve: every page is resident); the children's ru_maxrss and the other fields (faults, I/O, switches) read 0",
    ),
    (GETRLIMIT, Status::Implemented, "as prlimit64"),
    (SETRLIMIT, Status::Partial, "as prlimit64"),
    (
        PRLIMIT64,
        Status::Partial,
        "Linux's defaults and rules (soft <= hard: EINVAL; raising hard needs euid 0: EPERM; another process: same uids or root, else EPERM). Enforced: NOFILE (EMFILE; its ceiling, nr_open, is 4096 here: EPERM above), AS (mmap, mremap, brk), DATA (brk only; Linux also counts private writable mappings), CPU (SIGXCPU, SIGKILL at hard), NPROC (fork EAGAIN), STACK (execve argument space), FSIZE (regular file write/pwrite/writev cut at the limit, EFBIG and SIGXFSZ at or past it; truncate past it is not refused). Kept and reported only: CORE (no core dumps), RSS, MEMLOCK, LOCKS, SIGPENDING, MSGQUEUE, NICE, RTPRIO, RTTIME; the stack itself is a fixed 256 KiB plus the arguments, whatever RLIMIT_STACK says",
    ),
    (SIGALTSTACK, Status::Implemented, "per thread (a new thread has none); SS_DISABLE, SS_ONSTACK, SS_AUTODISARM; MINSIGSTKSZ 5120 (ENOMEM below)"),
    (
        CLOCK_NANOSLEEP,
        Status::Implemented,
        "TIMER_ABSTIME on REALTIME is wall-clock time; a process CPU-time clock sleeps until that process has used the time (its own stands still while it sleeps); CLOCK_THREAD_CPUTIME_ID EOPNOTSUPP and a thread's clock by id EINVAL, as Linux",
    ),
    (
        SYSLOG,
        Status::Partial,
        "open/close, read-all, read-clear (NULL buffer EINVAL), clear, console off/on/level, sizes (unread: all held); root only (EPERM), as Linux with dmesg_restrict=1; the waiting destructive read (SYSLOG_ACTION_READ) is EINVAL",
    ),
    (SCHED_YIELD, Status::Implemented, ""),
    (SCHED_SETAFFINITY, Status::Implemented, "one CPU: the mask must hold CPU 0 (EINVAL otherwise); another user's process EPERM (check_same_owner)"),
    (SCHED_GETAFFINITY, Status::Implemented, "one CPU: mask 1, 8 bytes"),
    (GETCPU, Status::Implemented, "always CPU 0, node 0"),
    (KILL, Status::Implemented, "pid (a non-leader thread's tid names its process, as on Linux), group, -1; Linux's uid rules (EPERM), SIGCONT within the session; a zombie can be signalled (no effect). A process-directed signal goes, when sent, to one thread as Linux's complete_signal picks it: the thread named (the leader for a pid, the thread for a tid) if it does not block it and has no other signal ready, else another such thread (one waiting for it in rt_sigtimedwait counts), which is woken from a wait in the kernel (read, nanosleep, futex, poll, wait4: EINTR or a restart as SA_RESTART says); it is pending on that thread as part of the process's shared set: any thread may take it with rt_sigtimedwait, and sigpending in every thread shows it. When every thread blocks it, it waits until one unblocks it (rt_sigprocmask, rt_sigsuspend, ppoll/pselect6 masks), which takes it; a thread that blocks it after it was sent, or exits with it pending, hands it to a thread that does not block it (Linux's retarget_shared_pending)"),
    (TKILL, Status::Implemented, "to one thread of any process; stop, continue and fatal actions act on the whole process; si_code SI_TKILL, si_pid and si_uid the sender's"),
    (TGKILL, Status::Implemented, "as tkill; ESRCH when tid is not a thread of tgid; ids <= 0 EINVAL"),
    (RT_SIGSUSPEND, Status::Implemented, ""),
    (
        RT_SIGACTION,
        Status::Implemented,
        "SA_RESTART as Linux's ERESTARTSYS: read and write on pipes and terminals, wait4, flock and F_SETLKW restart after a handler with it and fail with EINTR after one without; nanosleep, clock_nanosleep, poll/ppoll, select/pselect6, pause, rt_sigsuspend, rt_sigtimedwait and timed futex waits return EINTR either way, as Linux; an untimed FUTEX_WAIT restarts after an SA_RESTART handler, as Linux; an ignoring action discards the signal pending on every thread; actions are shared by the threads of a process",
    ),
    (RT_SIGPENDING, Status::Implemented, "the calling thread's blocked signals pending on it or on the process (process-directed ones pending on another thread); a set size above 8 EINVAL, below 8 writes that many bytes"),
    (
        RT_SIGTIMEDWAIT,
        Status::Implemented,
        "takes a pending signal of the set (blocked or not, faults first) with its siginfo: one pending on the calling thread, else a process-directed one pending on another thread; while it waits the set is unblocked (Linux's real_blocked), so a process-directed signal of the set comes to it; EAGAIN at the timeout, EINTR when another signal with an effect comes first",
    ),
    (
        RT_SIGQUEUEINFO,
        Status::Implemented,
        "the caller's si_code, si_pid, si_uid and si_value; a non-negative si_code or SI_TKILL only to the caller itself (EPERM); one pid, never a group (ESRCH); process-directed: to a thread that does not block it, as kill; real-time signals queue per thread (up to 1024 instances behind the pending ones per process, then EAGAIN), a pending standard one is merged, as Linux",
    ),
    (
        RT_TGSIGQUEUEINFO,
        Status::Implemented,
        "as rt_sigqueueinfo, to thread tid of process tgid (ESRCH when it is not one of its threads); a non-negative si_code or SI_TKILL only to the calling thread's own tid (EPERM); ids <= 0 EINVAL",
    ),
    (RT_SIGPROCMASK, Status::Implemented, "per thread; a new thread starts with its creator's mask"),
    (RT_SIGRETURN, Status::Implemented, ""),
    (
        REBOOT,
        Status::Implemented,
        "power off, halt (powers off: QEMU exits rather than spinning), restart and restart2 (PSCI takes no command: logged), CAD on/off (no keyboard to press it); SW_SUSPEND and KEXEC EINVAL as Linux without hibernation or a kexec image; root only (EPERM)",
    ),
    (
        SETPGID,
        Status::Implemented,
        "self or a child: negative pgid EINVAL, other processes ESRCH, a child in another session EPERM, a child that has exec'd EACCES, a session leader EPERM, a group missing from the caller's session EPERM",
    ),
    (GETPGID, Status::Implemented, "zombies included, as Linux"),
    (GETSID, Status::Implemented, "any process, zombies included, as Linux"),
    (SETSID, Status::Implemented, "EPERM while any process group has the caller's pid; the new session has no controlling terminal"),
    (UNAME, Status::Implemented, "sysname xkernel"),
    (SETHOSTNAME, Status::Implemented, "root only (EPERM)"),
    (UMASK, Status::Implemented, ""),
    (GETTIMEOFDAY, Status::Implemented, "CLOCK_REALTIME (the RTC at boot, then the counter, or what clock_settime set); the timezone settimeofday set"),
    (
        SETTIMEOFDAY,
        Status::Implemented,
        "sets CLOCK_REALTIME and the kernel timezone (tz_minuteswest within +-15 h, else EINVAL; the first timezone set without a time warps the clock, as Linux); root only (EPERM, after the EINVAL checks of the time); a time before the boot-relative clock's now EINVAL",
    ),
    (
        CLOCK_SETTIME,
        Status::Implemented,
        "CLOCK_REALTIME only, as Linux (the boot-relative clocks and CLOCK_PROCESS/THREAD_CPUTIME_ID EINVAL, a pid's CPU-time clock EPERM); root only (EPERM); TIMER_ABSTIME REALTIME timers and clock_nanosleeps follow the new time",
    ),
    (
        TIMER_CREATE,
        Status::Partial,
        "CLOCK_REALTIME, MONOTONIC, BOOTTIME, the caller's process CPU-time clock, THREAD_CPUTIME_ID (the creating thread's CPU time) and pthread_getcpuclockid's clock of a thread of the process (another process's thread EINVAL); SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD (a signal, as Linux): process-directed, to a thread that does not block it; SIGEV_THREAD_ID naming a thread of the caller's process, which gets the signal (another tid EINVAL); a NULL sigevent is SIGALRM with the id as value; siginfo SI_TIMER with si_timerid, si_overrun, si_value; fork does not copy timers, exec and exit delete them. Not here: another process's CPU-time clock EINVAL, the alarm clocks and MONOTONIC_RAW/the coarse clocks EOPNOTSUPP, CLOCK_TAI EINVAL; at most 1024 timers (EAGAIN)",
    ),
    (
        TIMER_SETTIME,
        Status::Implemented,
        "relative and TIMER_ABSTIME, periodic; wall-clock timers are checked at every 10 ms tick, CPU-time timers whenever CPU time is credited; an expiry while the signal is pending counts an overrun",
    ),
    (TIMER_GETTIME, Status::Implemented, "an expired timer not yet seen by a tick reads 1 ns; SIGEV_NONE timers run down to 0"),
    (TIMER_GETOVERRUN, Status::Implemented, "the overrun handed over at the last delivery (reset by timer_settime)"),
    (TIMER_DELETE, Status::Implemented, "a signal already pending stays pending"),
    (GETPID, Status::Implemented, "the thread group id, in every thread"),
    (GETPPID, Status::Implemented, ""),
    (GETUID, Status::Implemented, ""),
    (GETEUID, Status::Implemented, ""),
    (GETGID, Status::Implemented, ""),
    (GETEGID, Status::Implemented, ""),
    (SETUID, Status::Partial, "privileged means euid 0 (no capabilities); no filesystem uid of its own; credentials are per thread, as Linux's: the call changes the calling thread's (libc's set*id broadcast makes every thread do it; a raw syscall in one thread changes that thread's alone); a new thread starts with its creator's"),
    (SETGID, Status::Implemented, "as setuid"),
    (SETREUID, Status::Implemented, "as setuid"),
    (SETREGID, Status::Implemented, "as setuid"),
    (SETRESUID, Status::Implemented, "as setuid"),
    (SETRESGID, Status::Implemented, "as setuid"),
    (GETRESUID, Status::Implemented, ""),
    (GETRESGID, Status::Implemented, ""),
    (GETGROUPS, Status::Implemented, ""),
    (SETGROUPS, Status::Partial, "root only (EPERM otherwise); at most 32 groups (EINVAL beyond)"),
    (GETTID, Status::Implemented, "the calling thread's id (the pid in the leader or a single-threaded process)"),
    (SYSINFO, Status::Partial, "uptime, RAM, process count; loads and swap 0"),
    (BRK, Status::Implemented, "grows up to 1 GiB, all or nothing (free frames checked first; another mapping in the way: the break stays); shrinking unmaps the whole pages above the new break"),
    (
        MPROTECT,
        Status::Implemented,
        "whole pages; copy-on-write aware; ENOMEM for unmapped parts; PROT_WRITE on a MAP_SHARED file mapping whose descriptor was not open for writing EACCES; PROT_SEM accepted; PROT_BTI/PROT_MTE EINVAL, as Linux on this CPU (cortex-a72: neither BTI nor MTE)",
    ),
    (MUNMAP, Status::Implemented, "whole pages; a MAP_SHARED file page no mapping holds any more is written back into its file and let go"),
    (
        MSYNC,
        Status::Implemented,
        "MS_SYNC writes the range's MAP_SHARED file pages into their files and syncs them (ext2: to the disk); MS_ASYNC and MS_INVALIDATE have nothing more to do (the mapped pages are the file's, as Linux since 2.6.19); EINVAL for an unaligned address, unknown flags, MS_SYNC|MS_ASYNC; ENOMEM when part of the range is unmapped",
    ),
    (
        CLONE,
        Status::Partial,
        "threads: CLONE_THREAD with CLONE_VM|CLONE_SIGHAND (Linux's rule, else EINVAL) and CLONE_FS|CLONE_FILES (a thread here always shares them: without them EINVAL) makes a thread of the caller's process sharing memory, descriptors, cwd/umask and signal actions, with its own tid, TPIDR_EL0 (CLONE_SETTLS), signal mask and pending set; CLONE_PARENT_SETTID, CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID apply; the exit signal is ignored, as Linux does for threads. A new process with copy-on-write pages, or with CLONE_VM (not CLONE_VFORK) the caller's memory itself (two processes, one address space: private futexes meet, the child's CLONE_CHILD_CLEARTID word is cleared and woken at its exit as Linux with mm_users > 1; the break is the memory's, as Linux's mm->brk: a brk grown by one is the other's break): the exit signal (CSIGNAL; wait4 needs __WCLONE/__WALL for one other than SIGCHLD), CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID (without CLONE_VM nothing else shares the child's memory, so exit does not act on it, as Linux with mm_users 1), CLONE_PARENT, CLONE_VFORK (the caller waits for the child's exec or exit; with CLONE_VM the child gets a copy of the memory, not the caller's); DETACHED, UNTRACED, PTRACE, SYSVSEM, IO change nothing here. Other sharing without CLONE_THREAD (CLONE_SIGHAND, CLONE_FILES, CLONE_FS in a new process), CLONE_PIDFD and namespaces: EINVAL. RLIMIT_NPROC (EAGAIN)",
    ),
    (
        EXECVE,
        Status::Partial,
        "static ELF (ET_EXEC) and #! scripts; from any thread, the other threads end and the caller becomes the leader with the process's pid (Linux's de_thread); x permission checked (EACCES); set-user-ID/set-group-ID bits not honoured (credentials kept); argument and environment strings up to 128 KiB each (MAX_ARG_STRLEN), all of them within RLIMIT_STACK / 4 (E2BIG past either); not UTF-8: EINVAL",
    ),
    (
        MMAP,
        Status::Partial,
        "anonymous, private (copy-on-write across fork) or shared (across fork); /dev/zero maps as anonymous memory, as Linux; PROT_NONE; MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_SHARED_VALIDATE; MAP_SHARED of a regular file (tmpfs, ext2) maps the file's own pages: stores are seen by read() at once and write() through the mapping at once, in every process mapping it (fork, or its own mmap); written back by msync(MS_SYNC), fsync, sync, syncfs, umount and the periodic flusher (munmap and exit leave them for those, as Linux); the last page's bytes past the end read zeros and are not written to the file; truncation unmaps the pages past the new end (SIGBUS BUS_ADRERR). MAP_PRIVATE of a regular file is a copy of its pages at mmap time (later writes to the file are not seen). Either kind: a touch of a page wholly past the file's end at mmap time (or, shared, after a truncation) is SIGBUS BUS_ADRERR, as Linux, and stays so after the file grows, where Linux would then map the new bytes; EACCES for a descriptor not open for reading, or not for writing under a writable MAP_SHARED, before ENODEV (non-regular files other than /dev/zero); MAP_GROWSDOWN EINVAL; MAP_HUGETLB ENOMEM (no huge pages); the address hint is not used",
    ),
    (
        MADVISE,
        Status::Partial,
        "MADV_DONTNEED(_LOCKED) zeroes private anonymous pages (shared ones, file or anonymous, keep their content; a private file mapping: EINVAL); MADV_FREE keeps the content (private anonymous only, else EINVAL); NORMAL, RANDOM, SEQUENTIAL, WILLNEED, COLD, PAGEOUT, MERGEABLE, UNMERGEABLE, HUGEPAGE, NOHUGEPAGE, DONTDUMP, DODUMP change nothing observable here and are accepted; other advice EINVAL; ENOMEM over unmapped pages",
    ),
    (
        MREMAP,
        Status::Partial,
        "anonymous memory: shrink, grow in place, MREMAP_MAYMOVE, MREMAP_FIXED; file mappings shrink and move; growing a file mapping (private or shared), old_size 0 and MREMAP_DONTUNMAP: EINVAL",
    ),
    (
        WAIT4,
        Status::Partial,
        "processes only (thread-group leaders; a thread's tid: ECHILD), including children forked by any thread of the caller; exits, stops (WUNTRACED) and continues (WCONTINUED); __WCLONE and __WALL select children by exit signal, __WNOTHREAD the calling thread's children; rusage holds the child's CPU times, the other fields 0",
    ),
    (GETRANDOM, Status::Partial, "xorshift seeded from the counter: not cryptographic; at most 64 KiB per call"),
    (
        SOCKET,
        Status::Partial,
        "AF_UNIX (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET; SOCK_RAW is SOCK_DGRAM as on Linux); AF_INET over smoltcp: SOCK_STREAM (TCP), SOCK_DGRAM (UDP; ICMP datagram sockets EPROTONOSUPPORT), SOCK_RAW with IPPROTO_ICMP/UDP/TCP (received packets include the IP header) and IPPROTO_RAW (send only, IP_HDRINCL), root only (EPERM); AF_PACKET SOCK_DGRAM and SOCK_RAW (root only); AF_NETLINK NETLINK_ROUTE (other protocols EPROTONOSUPPORT); SOCK_NONBLOCK, SOCK_CLOEXEC (other bits EINVAL); other families, AF_INET6 included, EAFNOSUPPORT (no IPv6); socket buffers of all sockets together capped at 4 MiB (a full budget is a full buffer: EAGAIN or a wait; datagrams ENOBUFS)",
    ),
    (SOCKETPAIR, Status::Partial, "AF_UNIX, all three types; families without pairs EOPNOTSUPP, unknown families EAFNOSUPPORT"),
    (
        BIND,
        Status::Implemented,
        "AF_UNIX: a path makes a socket inode (0777 less umask; EADDRINUSE if the name exists), abstract names (EADDRINUSE), autobind with only the family (five hex digits); EINVAL for a bound socket; AF_INET: any, lo or eth0 address (others EADDRNOTAVAIL), port 0 picks 49152-65535, EADDRINUSE unless SO_REUSEADDR on both and none listening; AF_PACKET: an ifindex (ENODEV) and protocol; AF_NETLINK: a port id (0: the pid or a unique one), multicast groups accepted but no notifications are sent",
    ),
    (LISTEN, Status::Implemented, "AF_UNIX stream and seqpacket: backlog + 1 waiting connections (capped at SOMAXCONN 4096); unbound EINVAL, datagram EOPNOTSUPP; AF_INET TCP: up to backlog established connections wait (16 sockets in LISTEN take SYNs, refilled as they are used; 8 KiB buffers each way for accepted connections), accepted in SYN order; unbound: an ephemeral port"),
    (ACCEPT, Status::Implemented, "blocking, O_NONBLOCK (EAGAIN), SO_RCVTIMEO; the peer's address; not listening EINVAL"),
    (ACCEPT4, Status::Implemented, "as accept, with SOCK_NONBLOCK and SOCK_CLOEXEC (other flags EINVAL)"),
    (
        CONNECT,
        Status::Implemented,
        "AF_UNIX stream/seqpacket: to a listener (ECONNREFUSED otherwise; ENOENT for a missing path, EACCES without write permission, EPROTOTYPE for another type), waits while the backlog is full (EAGAIN with O_NONBLOCK or after SO_SNDTIMEO); datagram: default destination, AF_UNSPEC disconnects, EPERM when the target is connected elsewhere; AF_INET TCP: blocking (ECONNREFUSED on a reset, ETIMEDOUT after 60 s without an answer) or O_NONBLOCK (EINPROGRESS, then EALREADY; the outcome in SO_ERROR and poll), EISCONN; UDP/raw: default destination, AF_UNSPEC disconnects, broadcast without SO_BROADCAST EACCES; AF_PACKET EOPNOTSUPP",
    ),
    (GETSOCKNAME, Status::Implemented, ""),
    (GETPEERNAME, Status::Implemented, "ENOTCONN without a peer"),
    (
        SENDTO,
        Status::Partial,
        "AF_UNIX; MSG_DONTWAIT, MSG_NOSIGNAL (EPIPE raises SIGPIPE on streams otherwise); MSG_OOB EOPNOTSUPP; other MSG_* bits ignored, as Linux ignores unknown ones; datagrams above 512 KiB EMSGSIZE; AF_INET: TCP sends all (blocking) or what fits (O_NONBLOCK), EPIPE after shutdown or on a socket never connected; UDP payloads above 1472 bytes EMSGSIZE (no IP fragmentation, lo included), broadcast needs SO_BROADCAST (EACCES); raw ICMP: the kernel adds the IP header; IPPROTO_RAW: the caller's IP packet (to our own addresses it goes round lo as given); AF_PACKET: SOCK_DGRAM builds the Ethernet header from sockaddr_ll (ENXIO without an interface), frames above 1514 bytes EMSGSIZE; AF_NETLINK: requests to the kernel (port 0; others ECONNREFUSED), changes need root (EPERM in NLMSG_ERROR)",
    ),
    (
        RECVFROM,
        Status::Partial,
        "AF_UNIX; MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_TRUNC (a datagram's full length); MSG_OOB EOPNOTSUPP; MSG_ERRQUEUE ignored; SO_RCVTIMEO (EAGAIN); AF_INET TCP: MSG_PEEK, MSG_WAITALL, end of file after the peer's FIN, MSG_OOB EINVAL; UDP: a connected socket drops datagrams from other peers when it reads them (Linux keeps those queued before connect); raw: whole IP packets; AF_PACKET: the payload (SOCK_DGRAM) or frame (SOCK_RAW) and the sender's sockaddr_ll; AF_NETLINK: one reply datagram (up to 4 KiB of messages)",
    ),
    (SETSOCKOPT, Status::Partial, "SOL_SOCKET (net/options.rs): SO_SNDBUF/RCVBUF(FORCE), SO_RCVTIMEO/SNDTIMEO, SO_PASSCRED, SO_REUSEADDR/PORT, SO_KEEPALIVE, SO_BROADCAST, SO_DONTROUTE, SO_OOBINLINE, SO_NO_CHECK, SO_PASSSEC, SO_DEBUG, SO_LINGER, SO_PRIORITY, SO_RCVLOWAT (stored; only what the family uses has an effect); others ENOPROTOOPT (SO_TIMESTAMP*, filters, SO_BINDTODEVICE on AF_UNIX...); other levels on AF_UNIX EOPNOTSUPP; AF_INET: SO_BINDTODEVICE (known names, ENODEV otherwise; stored, routing decides the interface), SO_KEEPALIVE (75 s probes), IPPROTO_TCP TCP_NODELAY (other TCP options ENOPROTOOPT), SOL_IP IP_TTL and IP_HDRINCL (raw; others ENOPROTOOPT), SOL_RAW ICMP_FILTER ENOPROTOOPT; TCP buffers are fixed when the connection is made (SO_RCVBUF/SNDBUF before connect, at most 64/32 KiB); AF_PACKET: SOL_PACKET options (PACKET_AUXDATA...) and SO_ATTACH_FILTER ENOPROTOOPT; AF_NETLINK: SOL_NETLINK options ENOPROTOOPT"),
    (GETSOCKOPT, Status::Partial, "the options setsockopt takes plus SO_TYPE, SO_PROTOCOL, SO_DOMAIN, SO_ERROR, SO_ACCEPTCONN, SO_PEERCRED, SO_SNDLOWAT; AF_INET: TCP_NODELAY, TCP_MAXSEG, IP_TTL, SO_BINDTODEVICE; others ENOPROTOOPT"),
    (SHUTDOWN, Status::Implemented, "SHUT_RD, SHUT_WR, SHUT_RDWR (the peer sees end of file or EPIPE); EINVAL otherwise"),
    (
        SENDMSG,
        Status::Partial,
        "as sendto, plus SCM_RIGHTS (up to 253 descriptors; at most 4096 in flight in all, ETOOMANYREFS, where Linux counts per user and exempts root; sockets passed in circles are collected at the next release, as Linux's unix_gc) and SCM_CREDENTIALS (checked as Linux: EPERM for another's ids unless root); MSG_CMSG_COMPAT EINVAL",
    ),
    (
        RECVMSG,
        Status::Partial,
        "as recvfrom, plus SCM_RIGHTS (as many as fit, MSG_CTRUNC), SCM_CREDENTIALS with SO_PASSCRED, MSG_CMSG_CLOEXEC, MSG_TRUNC/MSG_CTRUNC in msg_flags",
    ),
];

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    fn render() -> String {
        let mut out = String::from(
            "# Syscalls of the in-tree kernel\n\n\
             The Linux AArch64 (asm-generic) table, number by number. `ENOSYS` means\n\
             the kernel returns `-ENOSYS` (38) and logs `syscall N (NAME) not implemented`;\n\
             nothing returns a fake success. Generated from\n\
             `kernel/libs/abi/src/status.rs` and `sysno.rs`: a host test checks this file\n\
             (`UPDATE_SYSCALLS_DOC=1 cargo test -p kernel-abi` rewrites it).\n\n\
             Memory exhaustion: once the 16 MiB kernel heap is down to its 1 MiB\n\
             reserve, every syscall that could keep heap memory fails with `ENOMEM`\n\
             (exit, close, munmap, wait4, kill, unlinkat, getdents64, read, write,\n\
             lseek, brk, mmap, mprotect, poll/select, the signal, time and pid calls\n\
             still run); new names fail with `ENOSPC` 2 MiB before that; tmpfs file\n\
             data lives in frames, not the heap, and fails with `ENOSPC` when 4 MiB\n\
             of frames are left;\n\
             out of frames, mmap and brk fail with `ENOMEM`, and a copy-on-write\n\
             fault has the OOM killer send SIGKILL to the process with the most\n\
             mapped pages (never init).\n\n\
             Credentials and permissions: each process has real, effective and saved\n\
             uid/gid and supplementary groups (fork copies them, exec keeps them);\n\
             \"privileged\" means effective uid 0, there are no capabilities. Opening,\n\
             creating, removing and renaming entries, walking paths, chdir and execve\n\
             check the mode bits as Linux's `generic_permission` does (root bypasses\n\
             read/write and directory search; executes only with some x bit), with the\n\
             sticky-directory rule. Not implemented: set-user-ID/set-group-ID on\n\
             exec (the bits are stored and reported, exec ignores them), a separate\n\
             filesystem uid (setfsuid: ENOSYS), POSIX ACLs.\n\n",
        );
        let implemented = SYSCALLS.iter().filter(|s| s.1 == Status::Implemented).count();
        let partial = SYSCALLS.iter().filter(|s| s.1 == Status::Partial).count();
        let total = (0..1024).filter(|&n| name(n).is_some()).count();
        out += &std::format!(
            "{implemented} implemented, {partial} partial, {} ENOSYS of {total}.\n\n| nr | name | status | notes |\n|---:|---|---|---|\n",
            total - implemented - partial
        );
        for nr in 0..1024 {
            let Some(n) = name(nr) else { continue };
            let (status, note) = match SYSCALLS.iter().find(|s| s.0 == nr) {
                Some((_, Status::Implemented, note)) => ("implemented", *note),
                Some((_, Status::Partial, note)) => ("partial", *note),
                None => ("ENOSYS", ""),
            };
            out += &std::format!("| {nr} | {} | {status} | {note} |\n", n.to_lowercase());
        }
        out
    }

    #[test]
    fn every_listed_syscall_has_a_name_once() {
        for (i, s) in SYSCALLS.iter().enumerate() {
            assert!(name(s.0).is_some(), "{} has no name", s.0);
            assert!(SYSCALLS[i + 1..].iter().all(|t| t.0 != s.0), "{} listed twice", s.0);
        }
    }

    /// The dispatcher (`kernel/src/syscall/mod.rs`, `sysno::NAME =>` arms)
    /// and this table name the same syscalls.
    #[test]
    fn table_matches_the_dispatcher() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src/syscall/mod.rs");
        let src = std::fs::read_to_string(&path).unwrap();
        let mut dispatched: std::vec::Vec<usize> = std::vec::Vec::new();
        for (i, _) in src.match_indices("sysno::") {
            let name: String = src[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if name.is_empty() {
                continue; // sysno::name(..), a function
            }
            let n = number(&name).unwrap_or_else(|| panic!("sysno::{name} is not in the table"));
            if !dispatched.contains(&n) {
                dispatched.push(n);
            }
        }
        dispatched.sort();
        let mut listed: std::vec::Vec<usize> = SYSCALLS.iter().map(|s| s.0).collect();
        listed.sort();
        let missing: std::vec::Vec<&str> =
            dispatched.iter().filter(|n| !listed.contains(n)).map(|&n| name(n).unwrap()).collect();
        let extra: std::vec::Vec<&str> =
            listed.iter().filter(|n| !dispatched.contains(n)).map(|&n| name(n).unwrap()).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "dispatched but not in status.rs: {missing:?}; listed but not dispatched: {extra:?}"
        );
    }

    #[test]
    fn docs_syscalls_md_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../docs/SYSCALLS.md");
        let want = render();
        if std::env::var_os("UPDATE_SYSCALLS_DOC").is_some() {
            std::fs::write(&path, &want).unwrap();
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(have == want, "docs/SYSCALLS.md is out of date: run `UPDATE_SYSCALLS_DOC=1 cargo test -p kernel-abi`");
    }
}
