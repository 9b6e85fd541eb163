//! devpts: the directory of PTY slaves, /dev/pts/N, plus its own `ptmx`.
//! A tmpfs holding device nodes (136, N); opening one reaches the pair by
//! its index (`dev.rs`). One instance, whatever is mounted where (Linux's
//! behaviour before `newinstance`): every mount shows the same pairs, and
//! its options (`mode`, `gid`, `ptmxmode`) apply to the slaves made after.

use alloc::format;
use alloc::sync::Arc;

use kernel_abi::Errno;
use kernel_vfs::{Owner, SetAttr, Superblock};
use spin::{Mutex, Once};

use super::mount_options::Options;
use super::S_IFCHR;

/// `st_dev` of devpts.
pub const DEVPTS_FS: u64 = 6;

static SB: Once<Arc<Superblock>> = Once::new();

#[derive(Clone, Copy)]
struct Settings {
    /// Permission bits of new slaves (Linux default 0600).
    mode: u32,
    /// Group of new slaves given by `gid=`; None: the opener's (Linux's default).
    gid: Option<u32>,
}

static SETTINGS: Mutex<Settings> = Mutex::new(Settings { mode: 0o600, gid: None });

fn sb() -> &'static Arc<Superblock> {
    SB.call_once(|| {
        let sb = super::new_tmpfs(DEVPTS_FS, 0o755, Owner { uid: 0, gid: 0 });
        // Linux's default ptmxmode is 000: /dev/ptmx (devtmpfs) is the way in.
        // A fresh directory: the name is free, and creating never fails.
        let _ = sb.root.inode().create("ptmx", S_IFCHR, Owner { uid: 0, gid: 0 }, (5, 2));
        sb
    })
}

/// mount(2) of devpts with `options` (EINVAL for unknown or bad ones).
pub fn mount(options: &str) -> Result<Arc<Superblock>, Errno> {
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
    let sb = sb();
    *SETTINGS.lock() = next;
    if let (Some(perm), Ok(ptmx)) = (ptmxmode, sb.root.inode().lookup("ptmx")) {
        ptmx.setattr(&SetAttr { perm: Some(perm), ..Default::default() })?;
    }
    Ok(sb.clone())
}

/// `,gid=5,mode=620,ptmxmode=666`: the settings as /proc/mounts lists them.
pub fn options_text() -> alloc::string::String {
    let s = *SETTINGS.lock();
    let ptmx = sb().root.inode().lookup("ptmx").and_then(|n| n.getattr()).map_or(0, |a| a.mode & 0o777);
    let gid = s.gid.map_or(alloc::string::String::new(), |g| format!(",gid={g}"));
    format!("{gid},mode={:03o},ptmxmode={ptmx:03o}", s.mode)
}

/// Adds /dev/pts/`index`, owned by the opener of /dev/ptmx, as Linux's
/// `devpts_pty_new`.
pub fn add_slave(index: u32) -> Result<(), Errno> {
    let s = *SETTINGS.lock();
    let c = crate::process::current_creds();
    let owner = Owner { uid: c.euid, gid: s.gid.unwrap_or(c.egid) };
    sb().root.inode().create(&format!("{index}"), S_IFCHR | s.mode, owner, (136, index))?;
    Ok(())
}

/// Removes /dev/pts/`index` (its master closed).
pub fn remove_slave(index: u32) {
    let name = format!("{index}");
    // Gone already only if never added: nothing to undo.
    let _ = sb().root.inode().unlink(&name);
    sb().root.forget(&name);
}
