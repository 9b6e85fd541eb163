//! procfs: files generated when opened, from kernel state. The per-process
//! directories (`/proc/<pid>/...`) are in `pid.rs`, their maps in `maps.rs`.

mod maps;
mod pid;

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use core::any::Any;

use kernel_abi::Errno;
use kernel_vfs::{Attr, DirEntry, FileSystem, FileType, Inode, SetAttr, StatFs, Superblock};

use super::{S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};
use crate::arch::timer;

/// `st_dev` of procfs.
pub const PROC_FS: u64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcNode {
    Root,
    Uptime,
    Meminfo,
    Cpuinfo,
    Mounts,
    Partitions,
    Version,
    Cmdline,
    SysrqTrigger,
    Pid(u32),
    PidStat(u32),
    PidCmdline(u32),
    PidComm(u32),
    PidStatus(u32),
    PidMaps(u32),
    /// `/proc/<pid>/fd/`: a symlink per open descriptor.
    PidFd(u32),
    /// `/proc/<pid>/task/`: a directory per thread.
    PidTask(u32),
    /// `/proc/<pid>/task/<tid>/` and its files.
    Task(u32, u32),
    TaskStat(u32, u32),
    TaskStatus(u32, u32),
    TaskComm(u32, u32),
    /// `/proc/sys/`, `/proc/sys/kernel/`.
    Sys,
    SysKernel,
    /// `/proc/sys/kernel/randomize_va_space` (read-write).
    RandomizeVaSpace,
    /// `/proc/net/` and its dev, route and tcp files.
    Net,
    NetDev,
    NetRoute,
    NetTcp,
}

const NET_FILES: &[(&str, ProcNode)] =
    &[("dev", ProcNode::NetDev), ("route", ProcNode::NetRoute), ("tcp", ProcNode::NetTcp)];

const ROOT_FILES: &[(&str, ProcNode)] = &[
    ("cmdline", ProcNode::Cmdline),
    ("cpuinfo", ProcNode::Cpuinfo),
    ("meminfo", ProcNode::Meminfo),
    ("mounts", ProcNode::Mounts),
    ("net", ProcNode::Net),
    ("partitions", ProcNode::Partitions),
    ("sys", ProcNode::Sys),
    ("sysrq-trigger", ProcNode::SysrqTrigger),
    ("uptime", ProcNode::Uptime),
    ("version", ProcNode::Version),
];

const PID_FILES: &[(&str, fn(u32) -> ProcNode)] = &[
    ("cmdline", ProcNode::PidCmdline),
    ("comm", ProcNode::PidComm),
    ("fd", ProcNode::PidFd),
    ("maps", ProcNode::PidMaps),
    ("stat", ProcNode::PidStat),
    ("status", ProcNode::PidStatus),
    ("task", ProcNode::PidTask),
];

const TASK_FILES: &[(&str, fn(u32, u32) -> ProcNode)] =
    &[("comm", ProcNode::TaskComm), ("stat", ProcNode::TaskStat), ("status", ProcNode::TaskStatus)];

/// A procfs inode: a node whose content is generated from kernel state,
/// or a symlink made on lookup.
pub struct ProcInode {
    ino: u64,
    kind: ProcKind,
    mode: u32,
    uid: u32,
    gid: u32,
}

enum ProcKind {
    Node(ProcNode),
    Link(String),
}

/// A fresh procfs instance (mount(2) of "proc").
pub fn new_superblock() -> Arc<Superblock> {
    Superblock::new(Arc::new(ProcFs))
}

struct ProcFs;

impl FileSystem for ProcFs {
    fn root(&self) -> Arc<dyn Inode> {
        node(ProcNode::Root)
    }

    fn dev(&self) -> u64 {
        PROC_FS
    }

    fn statfs(&self) -> StatFs {
        StatFs { magic: 0x9fa0, block_size: 4096, name_max: 255, ..Default::default() }
    }
}

fn node(n: ProcNode) -> Arc<ProcInode> {
    let mode = match n {
        ProcNode::Root
        | ProcNode::Pid(_)
        | ProcNode::PidTask(_)
        | ProcNode::Task(..)
        | ProcNode::Sys
        | ProcNode::SysKernel
        | ProcNode::Net => S_IFDIR | 0o555,
        // Only its owner (and root) may list a process's descriptors.
        ProcNode::PidFd(_) => S_IFDIR | 0o500,
        ProcNode::SysrqTrigger => S_IFREG | 0o200,
        ProcNode::RandomizeVaSpace => S_IFREG | 0o644,
        _ => S_IFREG | 0o444,
    };
    // /proc/<pid>/ and what is in it belong to the process's effective
    // uid and gid, as Linux's `task_dump_owner` (for a dumpable process).
    let (uid, gid) = n
        .pid()
        .and_then(|pid| {
            crate::process::with_pid(pid, |p| {
                let c = p.creds_of(p.pid);
                (c.euid, c.egid)
            })
        })
        .unwrap_or((0, 0));
    Arc::new(ProcInode { ino: n.ino(), kind: ProcKind::Node(n), mode, uid, gid })
}

/// A symlink made on lookup (`/proc/self`, `/proc/<pid>/fd/<n>`, ...).
fn symlink(ino: u64, target: String) -> Arc<ProcInode> {
    Arc::new(ProcInode { ino, kind: ProcKind::Link(target), mode: S_IFLNK | 0o777, uid: 0, gid: 0 })
}

impl ProcInode {
    /// The generated file or directory this is (None for a symlink).
    pub fn node(&self) -> Option<ProcNode> {
        match self.kind {
            ProcKind::Node(n) => Some(n),
            ProcKind::Link(_) => None,
        }
    }
}

impl Inode for ProcInode {
    fn ino(&self) -> u64 {
        self.ino
    }

    fn getattr(&self) -> Result<Attr, Errno> {
        let now = super::clock();
        let size = match &self.kind {
            ProcKind::Link(t) => t.len() as u64,
            ProcKind::Node(_) => 0,
        };
        Ok(Attr {
            dev: PROC_FS,
            ino: self.ino,
            mode: self.mode,
            nlink: if self.mode & S_IFMT == S_IFDIR { 2 } else { 1 },
            uid: self.uid,
            gid: self.gid,
            rdev: (0, 0),
            size,
            blocks: 0,
            atime: now,
            mtime: now,
            ctime: now,
        })
    }

    /// Generated files have no size to change: O_TRUNC (`echo c >
    /// /proc/sysrq-trigger`) is accepted and does nothing, as on Linux;
    /// owners and modes are fixed (EPERM).
    fn setattr(&self, c: &SetAttr) -> Result<(), Errno> {
        if *c == (SetAttr { size: c.size, ..Default::default() }) {
            return Ok(());
        }
        Err(Errno::EPERM)
    }

    fn lookup_missing_fails(&self) -> bool {
        true
    }

    fn lookup(&self, name: &str) -> Result<Arc<dyn Inode>, Errno> {
        match self.kind {
            ProcKind::Node(n) if n.is_dir() => Ok(n.child(name).ok_or(Errno::ENOENT)?),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn readdir(&self, cookie: u64, emit: &mut dyn FnMut(DirEntry) -> bool) -> Result<(), Errno> {
        let n = match self.kind {
            ProcKind::Node(n) if n.is_dir() => n,
            _ => return Err(Errno::ENOTDIR),
        };
        let parent = match n {
            ProcNode::PidFd(pid) | ProcNode::PidTask(pid) => ProcNode::Pid(pid).ino(),
            ProcNode::Task(pid, _) => ProcNode::PidTask(pid).ino(),
            ProcNode::SysKernel => ProcNode::Sys.ino(),
            _ => ProcNode::Root.ino(),
        };
        let mut list = n.list();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        let dots = [(".", self.ino), ("..", parent)];
        for (i, (name, ino)) in dots.iter().enumerate().skip(cookie as usize) {
            if !emit(DirEntry { ino: *ino, kind: FileType::Directory, name, next: i as u64 + 1 }) {
                return Ok(());
            }
        }
        for (i, (name, kind, ino)) in list.iter().enumerate().skip((cookie as usize).saturating_sub(2)) {
            if !emit(DirEntry { ino: *ino, kind: *kind, name, next: i as u64 + 3 }) {
                break;
            }
        }
        Ok(())
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        match self.kind {
            ProcKind::Node(n) if !n.is_dir() => {
                let content = n.content();
                let at = (offset as usize).min(content.len());
                let len = buf.len().min(content.len() - at);
                buf[..len].copy_from_slice(&content[at..at + len]);
                Ok(len)
            }
            ProcKind::Node(_) => Err(Errno::EISDIR),
            ProcKind::Link(_) => Err(Errno::EINVAL),
        }
    }

    fn write_at(&self, _offset: u64, buf: &[u8]) -> Result<usize, Errno> {
        match self.kind {
            ProcKind::Node(n) if !n.is_dir() => n.write(buf),
            ProcKind::Node(_) => Err(Errno::EISDIR),
            ProcKind::Link(_) => Err(Errno::EINVAL),
        }
    }

    fn readlink(&self) -> Result<String, Errno> {
        match &self.kind {
            ProcKind::Link(t) => Ok(t.clone()),
            ProcKind::Node(_) => Err(Errno::EINVAL),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Inode numbers, fixed per node (so a name looked up twice is one
/// inode): the root's files below 0x100, a pid's under `(pid + 1) << 16`.
mod ino {
    pub const ROOT: u64 = 1;
    pub const SELF_LINK: u64 = 0x80;
    pub const SYS: u64 = 0x90;
    pub const SYS_KERNEL: u64 = 0x91;
    pub const RANDOMIZE_VA_SPACE: u64 = 0x92;
    pub const NET: u64 = 0x93;

    pub fn pid(pid: u32, sub: u64) -> u64 {
        ((pid as u64 + 1) << 16) | sub
    }

    /// `/proc/<pid>/` itself, its files (1..), its links (0x40..), and
    /// `fd/<n>` (0x1000 + n).
    pub const PID_FILE: u64 = 1;
    pub const PID_LINK: u64 = 0x40;
    pub const PID_FD: u64 = 0x1000;

    /// `/proc/<pid>/task/<tid>/` (kind 0) and its files (1..), above
    /// every pid's numbers.
    pub fn task(pid: u32, tid: u32, kind: u64) -> u64 {
        (1 << 40) | ((((pid as u64) << 20) | tid as u64) << 3) | kind
    }
}

impl ProcNode {
    /// The process a `/proc/<pid>/` node is about.
    fn pid(&self) -> Option<u32> {
        match *self {
            ProcNode::Pid(p)
            | ProcNode::PidStat(p)
            | ProcNode::PidCmdline(p)
            | ProcNode::PidComm(p)
            | ProcNode::PidStatus(p)
            | ProcNode::PidMaps(p)
            | ProcNode::PidFd(p)
            | ProcNode::PidTask(p)
            | ProcNode::Task(p, _)
            | ProcNode::TaskStat(p, _)
            | ProcNode::TaskStatus(p, _)
            | ProcNode::TaskComm(p, _) => Some(p),
            _ => None,
        }
    }

    pub fn is_dir(&self) -> bool {
        matches!(
            self,
            ProcNode::Root
                | ProcNode::Pid(_)
                | ProcNode::PidFd(_)
                | ProcNode::PidTask(_)
                | ProcNode::Task(..)
                | ProcNode::Sys
                | ProcNode::SysKernel
                | ProcNode::Net
        )
    }

    /// This node's inode number.
    pub fn ino(&self) -> u64 {
        let pid_file = |pid: u32, f: fn(u32) -> ProcNode| {
            let i = PID_FILES.iter().position(|(_, g)| g(pid) == f(pid)).unwrap_or(0) as u64;
            ino::pid(pid, ino::PID_FILE + i)
        };
        match *self {
            ProcNode::Root => ino::ROOT,
            ProcNode::Sys => ino::SYS,
            ProcNode::SysKernel => ino::SYS_KERNEL,
            ProcNode::RandomizeVaSpace => ino::RANDOMIZE_VA_SPACE,
            ProcNode::Net => ino::NET,
            ProcNode::NetDev => ino::NET + 1,
            ProcNode::NetRoute => ino::NET + 2,
            ProcNode::NetTcp => ino::NET + 3,
            ProcNode::Pid(pid) => ino::pid(pid, 0),
            ProcNode::PidStat(pid) => pid_file(pid, ProcNode::PidStat),
            ProcNode::PidCmdline(pid) => pid_file(pid, ProcNode::PidCmdline),
            ProcNode::PidComm(pid) => pid_file(pid, ProcNode::PidComm),
            ProcNode::PidStatus(pid) => pid_file(pid, ProcNode::PidStatus),
            ProcNode::PidMaps(pid) => pid_file(pid, ProcNode::PidMaps),
            ProcNode::PidFd(pid) => pid_file(pid, ProcNode::PidFd),
            ProcNode::PidTask(pid) => pid_file(pid, ProcNode::PidTask),
            ProcNode::Task(pid, tid) => ino::task(pid, tid, 0),
            ProcNode::TaskComm(pid, tid) => ino::task(pid, tid, 1),
            ProcNode::TaskStat(pid, tid) => ino::task(pid, tid, 2),
            ProcNode::TaskStatus(pid, tid) => ino::task(pid, tid, 3),
            n => 2 + ROOT_FILES.iter().position(|(_, m)| *m == n).unwrap_or(0) as u64,
        }
    }

    pub fn child(&self, name: &str) -> Option<Arc<ProcInode>> {
        match *self {
            ProcNode::Root => {
                if name == "self" {
                    return Some(symlink(ino::SELF_LINK, format!("{}", crate::process::current_pid())));
                }
                if let Some((_, n)) = ROOT_FILES.iter().find(|(f, _)| *f == name) {
                    return Some(node(*n));
                }
                let pid: u32 = name.parse().ok()?;
                crate::process::exists(pid).then(|| node(ProcNode::Pid(pid)))
            }
            ProcNode::Pid(pid) => {
                if let Some((_, n)) = PID_FILES.iter().find(|(f, _)| *f == name) {
                    return Some(node(n(pid)));
                }
                let i = pid::LINKS.iter().position(|l| *l == name)? as u64;
                pid::link(pid, name).map(|t| symlink(ino::pid(pid, ino::PID_LINK + i), t))
            }
            ProcNode::PidFd(pid) => {
                let fd: u64 = name.parse().ok()?;
                pid::fd_target(pid, name).map(|t| symlink(ino::pid(pid, ino::PID_FD + fd), t))
            }
            ProcNode::PidTask(pid) => {
                let tid: u32 = name.parse().ok().filter(|t: &u32| format!("{t}") == name)?;
                crate::process::with_pid(pid, |p| p.has_thread(tid))?.then(|| node(ProcNode::Task(pid, tid)))
            }
            ProcNode::Task(pid, tid) => TASK_FILES.iter().find(|(f, _)| *f == name).map(|(_, n)| node(n(pid, tid))),
            ProcNode::Sys => (name == "kernel").then(|| node(ProcNode::SysKernel)),
            ProcNode::SysKernel => (name == "randomize_va_space").then(|| node(ProcNode::RandomizeVaSpace)),
            ProcNode::Net => NET_FILES.iter().find(|(f, _)| *f == name).map(|(_, n)| node(*n)),
            _ => None,
        }
    }

    /// Directory entries `(name, type, ino)`.
    pub fn list(&self) -> Vec<(String, FileType, u64)> {
        let kind = |n: ProcNode| if n.is_dir() { FileType::Directory } else { FileType::Regular };
        match *self {
            ProcNode::Root => {
                let mut v: Vec<(String, FileType, u64)> =
                    ROOT_FILES.iter().map(|(n, f)| (String::from(*n), kind(*f), f.ino())).collect();
                v.push(("self".into(), FileType::Symlink, ino::SELF_LINK));
                for pid in crate::process::pids() {
                    v.push((format!("{pid}"), FileType::Directory, ino::pid(pid, 0)));
                }
                v
            }
            ProcNode::Pid(pid) => {
                let mut v: Vec<(String, FileType, u64)> =
                    PID_FILES.iter().map(|(n, f)| (String::from(*n), kind(f(pid)), f(pid).ino())).collect();
                v.extend(
                    pid::LINKS
                        .iter()
                        .enumerate()
                        .map(|(i, n)| (String::from(*n), FileType::Symlink, ino::pid(pid, ino::PID_LINK + i as u64))),
                );
                v
            }
            ProcNode::PidFd(pid) => pid::fds(pid)
                .into_iter()
                .map(|fd| (format!("{fd}"), FileType::Symlink, ino::pid(pid, ino::PID_FD + fd as u64)))
                .collect(),
            ProcNode::PidTask(pid) => crate::process::with_pid(pid, |p| p.tids())
                .unwrap_or_default()
                .into_iter()
                .map(|tid| (format!("{tid}"), FileType::Directory, ino::task(pid, tid, 0)))
                .collect(),
            ProcNode::Task(pid, tid) => {
                TASK_FILES.iter().map(|(n, f)| (String::from(*n), FileType::Regular, f(pid, tid).ino())).collect()
            }
            ProcNode::Sys => alloc::vec![("kernel".into(), FileType::Directory, ino::SYS_KERNEL)],
            ProcNode::SysKernel => {
                alloc::vec![("randomize_va_space".into(), FileType::Regular, ino::RANDOMIZE_VA_SPACE)]
            }
            ProcNode::Net => NET_FILES.iter().map(|(n, f)| (String::from(*n), FileType::Regular, f.ino())).collect(),
            _ => Vec::new(),
        }
    }

    /// The file's content at open time (empty once the process is gone).
    pub fn content(&self) -> Vec<u8> {
        let s = match *self {
            ProcNode::Uptime => {
                let ns = timer::now_ns();
                let cs = ns / 10_000_000;
                format!("{}.{:02} {}.{:02}\n", cs / 100, cs % 100, cs / 100, cs % 100)
            }
            ProcNode::Meminfo => {
                let (total, free) = crate::mm::frame::stats();
                // The page cache's pages are Linux's "Buffers" (a block
                // device's cache); the clean ones count as available.
                let (cached, dirty) = crate::block::cache::stats();
                let available = free + crate::block::cache::reclaimable_pages();
                format!(
                    "MemTotal:       {:8} kB\nMemFree:        {:8} kB\nMemAvailable:   {:8} kB\nBuffers:        {:8} kB\nCached:                0 kB\nDirty:          {:8} kB\n",
                    total * 4,
                    free * 4,
                    available * 4,
                    cached * 4,
                    dirty * 4
                )
            }
            ProcNode::Cpuinfo => {
                let mut features = String::new();
                kernel_abi::hwcap::names(crate::arch::hwcaps(), |n| {
                    if !features.is_empty() {
                        features.push(' ');
                    }
                    features.push_str(n);
                });
                let midr = crate::arch::midr();
                format!(
                    "processor\t: 0\nBogoMIPS\t: {}.00\nFeatures\t: {features}\nCPU implementer\t: {:#x}\nCPU architecture: 8\nCPU variant\t: {:#x}\nCPU part\t: {:#05x}\nCPU revision\t: {}\n\n",
                    timer::frequency() * 2 / 1_000_000,
                    (midr >> 24) & 0xff,
                    (midr >> 20) & 0xf,
                    (midr >> 4) & 0xfff,
                    midr & 0xf
                )
            }
            ProcNode::Mounts => super::mounts_text(),
            ProcNode::Partitions => crate::block::proc_partitions(),
            ProcNode::Version => {
                format!("xkernel version {} (rustc) #1 {}\n", env!("CARGO_PKG_VERSION"), "aarch64")
            }
            ProcNode::Cmdline => format!("{}\n", crate::init::cmdline()),
            ProcNode::PidStat(pid) => pid::stat(pid),
            ProcNode::PidCmdline(pid) => {
                return crate::process::with_pid(pid, |p| p.cmdline.clone()).unwrap_or_default();
            }
            ProcNode::PidComm(pid) => crate::process::with_pid(pid, |p| format!("{}\n", p.name)).unwrap_or_default(),
            ProcNode::PidStatus(pid) => pid::status(pid),
            ProcNode::PidMaps(pid) => maps::maps(pid),
            ProcNode::TaskStat(pid, tid) => pid::task_stat(pid, tid),
            ProcNode::TaskStatus(pid, tid) => pid::task_status(pid, tid),
            ProcNode::TaskComm(pid, tid) => {
                crate::process::with_pid(
                    pid,
                    |p| {
                        if p.has_thread(tid) {
                            format!("{}\n", p.name)
                        } else {
                            String::new()
                        }
                    },
                )
                .unwrap_or_default()
            }
            ProcNode::RandomizeVaSpace => format!("{}\n", crate::process::aslr::level()),
            ProcNode::NetDev => crate::net::procnet::dev(),
            ProcNode::NetRoute => crate::net::procnet::route(),
            ProcNode::NetTcp => crate::net::procnet::tcp(),
            ProcNode::Net
            | ProcNode::Root
            | ProcNode::Pid(_)
            | ProcNode::PidFd(_)
            | ProcNode::PidTask(_)
            | ProcNode::Task(..)
            | ProcNode::Sys
            | ProcNode::SysKernel
            | ProcNode::SysrqTrigger => String::new(),
        };
        s.into_bytes()
    }

    /// A write to the file: EACCES when it is not writable, EINVAL for a
    /// value it does not take.
    pub fn write(&self, data: &[u8]) -> Result<usize, kernel_abi::Errno> {
        match self {
            ProcNode::SysrqTrigger => {
                if data.first() == Some(&b'c') {
                    panic!("sysrq triggered crash");
                }
                Ok(data.len())
            }
            ProcNode::RandomizeVaSpace => {
                let text = core::str::from_utf8(data).map_err(|_| kernel_abi::Errno::EINVAL)?;
                let level = text.trim().parse::<u8>().map_err(|_| kernel_abi::Errno::EINVAL)?;
                crate::process::aslr::set_level(level)?;
                Ok(data.len())
            }
            _ => Err(kernel_abi::Errno::EACCES),
        }
    }
}
