//! devpts: the directory of PTY slaves, /dev/pts/N, plus its own `ptmx`.
//! One instance, whatever is mounted where (Linux's behaviour before
//! `newinstance`): every mount shows the same pairs, and its options
//! (`mode`, `gid`, `ptmxmode`) apply to the slaves made after it.

use alloc::format;
use alloc::sync::Arc;

use kernel_abi::Errno;
use spin::{Mutex, Once};

use super::mount_options::Options;
use super::{dev, Data, Inode, S_IFCHR};

/// `st_dev` of devpts.
pub const DEVPTS_FS: u32 = 6;

static ROOT: Once<Arc<Inode>> = Once::new();

#[derive(Clone, Copy)]
struct Settings {
    /// Permission bits of new slaves (Linux default 0600).
    mode: u32,
    /// Group of new slaves given by `gid=`; None: the opener's (Linux's default).
    gid: Option<u32>,
}

static SETTINGS: Mutex<Settings> = Mutex::new(Settings { mode: 0o600, gid: None });

fn root() -> &'static Arc<Inode> {
    ROOT.call_once(|| {
        let root = Inode::new_dir(DEVPTS_FS, 0o755);
        // Linux's default ptmxmode is 000: /dev/ptmx (devtmpfs) is the way in.
        let ptmx = Inode::new(DEVPTS_FS, S_IFCHR, Data::Device(dev::Device::Ptmx));
        ptmx.meta.lock().rdev = (5, 2);
        // A fresh directory: the name is free, and inserting never fails.
        let _ = super::insert(&root, "ptmx", ptmx);
        root
    })
}

/// mount(2) of devpts with `options` (EINVAL for unknown or bad ones).
pub fn mount(options: &str) -> Result<Arc<Inode>, Errno> {
    let mut next = *SETTINGS.lock();
    let mut ptmxmode = None;
    for opt in Options::parse(options) {
        match opt {
            ("mode", Some(v)) => next.mode = Options::octal(v)? & 0o777,
            ("gid", Some(v)) => next.gid = Some(v.parse().map_err(|_| Errno::EINVAL)?),
            ("ptmxmode", Some(v)) => ptmxmode = Some(Options::octal(v)? & 0o777),
            // Accepted and meaningless here: one instance, no limit but MAX_PTYS.
            ("newinstance", None) | ("max", Some(_)) | ("rw", None) => {}
            _ => return Err(Errno::EINVAL),
        }
    }
    let root = root();
    *SETTINGS.lock() = next;
    if let (Some(perm), Some(ptmx)) = (ptmxmode, root.child("ptmx")) {
        let mut m = ptmx.meta.lock();
        m.mode = S_IFCHR | perm;
    }
    Ok(root.clone())
}

/// `,gid=5,mode=620,ptmxmode=666`: the settings as /proc/mounts lists them.
pub fn options_text() -> alloc::string::String {
    let s = *SETTINGS.lock();
    let ptmx = root().child("ptmx").map_or(0, |n| n.meta.lock().mode & 0o777);
    let gid = s.gid.map_or(alloc::string::String::new(), |g| format!(",gid={g}"));
    format!("{gid},mode={:03o},ptmxmode={ptmx:03o}", s.mode)
}

/// Adds /dev/pts/`index` holding `data` (the slave device).
pub fn add_slave(index: u32, data: Data) -> Result<Arc<Inode>, Errno> {
    let s = *SETTINGS.lock();
    let node = Inode::new(DEVPTS_FS, S_IFCHR | s.mode, data);
    {
        // Owned by the opener of /dev/ptmx, as Linux's `devpts_pty_new`.
        let c = crate::process::current_creds();
        let mut m = node.meta.lock();
        m.uid = c.euid;
        m.gid = s.gid.unwrap_or(c.egid);
        m.rdev = (136, index);
    }
    super::insert(root(), &format!("{index}"), node.clone())?;
    Ok(node)
}

/// Removes /dev/pts/`index` (its master closed).
pub fn remove_slave(index: u32) {
    // Gone already only if never added: nothing to undo.
    let _ = super::remove(root(), &format!("{index}"), false);
}
