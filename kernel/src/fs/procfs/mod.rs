//! procfs: files generated when opened, from kernel state. The per-process
//! directories (`/proc/<pid>/...`) are in `pid.rs`, their maps in `maps.rs`.

mod maps;
mod pid;

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::inode::{Data, Inode, S_IFDIR, S_IFLNK, S_IFREG};
use crate::arch::timer;

/// `st_dev` of procfs.
pub const PROC_FS: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcNode {
    Root,
    Uptime,
    Meminfo,
    Cpuinfo,
    Mounts,
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
    /// `/proc/sys/`, `/proc/sys/kernel/`.
    Sys,
    SysKernel,
    /// `/proc/sys/kernel/randomize_va_space` (read-write).
    RandomizeVaSpace,
}

const ROOT_FILES: &[(&str, ProcNode)] = &[
    ("cmdline", ProcNode::Cmdline),
    ("cpuinfo", ProcNode::Cpuinfo),
    ("meminfo", ProcNode::Meminfo),
    ("mounts", ProcNode::Mounts),
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
];

pub fn new_root() -> Arc<Inode> {
    Inode::new(PROC_FS, S_IFDIR | 0o555, Data::Proc(ProcNode::Root))
}

fn node(n: ProcNode) -> Arc<Inode> {
    let mode = match n {
        ProcNode::Root | ProcNode::Pid(_) | ProcNode::Sys | ProcNode::SysKernel => S_IFDIR | 0o555,
        // Only its owner (and root) may list a process's descriptors.
        ProcNode::PidFd(_) => S_IFDIR | 0o500,
        ProcNode::SysrqTrigger => S_IFREG | 0o200,
        ProcNode::RandomizeVaSpace => S_IFREG | 0o644,
        _ => S_IFREG | 0o444,
    };
    let inode = Inode::new(PROC_FS, mode, Data::Proc(n));
    // /proc/<pid>/ and what is in it belong to the process's effective
    // uid and gid, as Linux's `task_dump_owner` (for a dumpable process).
    if let Some(pid) = n.pid() {
        if let Some((uid, gid)) = crate::process::with_pid(pid, |p| (p.creds.euid, p.creds.egid)) {
            let mut m = inode.meta.lock();
            m.uid = uid;
            m.gid = gid;
        }
    }
    inode
}

/// A symlink made on lookup (`/proc/self`, `/proc/<pid>/fd/<n>`, ...).
fn symlink(target: String) -> Arc<Inode> {
    Inode::new(PROC_FS, S_IFLNK | 0o777, Data::Symlink(target))
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
            | ProcNode::PidFd(p) => Some(p),
            _ => None,
        }
    }

    pub fn is_dir(&self) -> bool {
        matches!(self, ProcNode::Root | ProcNode::Pid(_) | ProcNode::PidFd(_) | ProcNode::Sys | ProcNode::SysKernel)
    }

    pub fn child(&self, name: &str) -> Option<Arc<Inode>> {
        match *self {
            ProcNode::Root => {
                if name == "self" {
                    return Some(symlink(format!("{}", crate::process::current_pid())));
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
                pid::link(pid, name).map(symlink)
            }
            ProcNode::PidFd(pid) => pid::fd_target(pid, name).map(symlink),
            ProcNode::Sys => (name == "kernel").then(|| node(ProcNode::SysKernel)),
            ProcNode::SysKernel => (name == "randomize_va_space").then(|| node(ProcNode::RandomizeVaSpace)),
            _ => None,
        }
    }

    /// Directory entries `(name, is_dir)`.
    pub fn list(&self) -> Vec<(String, bool)> {
        match *self {
            ProcNode::Root => {
                let mut v: Vec<(String, bool)> = ROOT_FILES.iter().map(|(n, _)| (String::from(*n), false)).collect();
                v.push(("self".into(), false));
                for pid in crate::process::pids() {
                    v.push((format!("{pid}"), true));
                }
                v
            }
            ProcNode::Pid(pid) => {
                let mut v: Vec<(String, bool)> =
                    PID_FILES.iter().map(|(n, f)| (String::from(*n), f(pid).is_dir())).collect();
                v.extend(pid::LINKS.iter().map(|n| (String::from(*n), false)));
                v
            }
            ProcNode::PidFd(pid) => pid::fds(pid).into_iter().map(|fd| (format!("{fd}"), false)).collect(),
            ProcNode::Sys => alloc::vec![("kernel".into(), true)],
            ProcNode::SysKernel => alloc::vec![("randomize_va_space".into(), false)],
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
                format!(
                    "MemTotal:       {:8} kB\nMemFree:        {:8} kB\nMemAvailable:   {:8} kB\nBuffers:               0 kB\nCached:                0 kB\n",
                    total * 4,
                    free * 4,
                    free * 4
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
            ProcNode::RandomizeVaSpace => format!("{}\n", crate::process::aslr::level()),
            ProcNode::Root
            | ProcNode::Pid(_)
            | ProcNode::PidFd(_)
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
