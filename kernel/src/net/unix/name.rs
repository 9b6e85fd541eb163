//! AF_UNIX names: the table from a name (an abstract name, or the socket
//! inode a path bind made) to the socket bound there, and the lookups
//! bind and connect make. A path name is its inode, not its string: a
//! socket stays bound when its file is unlinked (and is no longer
//! reachable through it), and a new bind may then reuse the path.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use kernel_abi::Errno;
use kernel_socket::addr::UnixAddr;
use spin::Mutex;

use super::UnixSocket;
use crate::fs::{self, FileType, Inode};
use crate::syscall::current::current;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Abstract(Vec<u8>),
    /// (st_dev, st_ino) of the socket inode.
    Inode(u64, u64),
}

struct Entry {
    sock: Weak<UnixSocket>,
    /// The bound inode itself (an inode number can be reused once the
    /// file is gone): a connect through a path must reach this one.
    inode: Option<Arc<dyn Inode>>,
}

static NAMES: Mutex<BTreeMap<Key, Entry>> = Mutex::new(BTreeMap::new());
static AUTOBIND: AtomicU32 = AtomicU32::new(0);

fn path_str(p: &[u8]) -> Result<&str, Errno> {
    core::str::from_utf8(p).map_err(|_| Errno::EINVAL)
}

fn same_inode(a: &Arc<dyn Inode>, b: &Arc<dyn Inode>) -> bool {
    core::ptr::eq(Arc::as_ptr(a) as *const u8, Arc::as_ptr(b) as *const u8)
}

/// Binds `sock` to an abstract name (EADDRINUSE when taken).
pub fn bind_abstract(sock: &Arc<UnixSocket>, name: Vec<u8>) -> Result<Key, Errno> {
    let key = Key::Abstract(name);
    let mut names = NAMES.lock();
    if names.get(&key).is_some_and(|e| e.sock.strong_count() > 0) {
        return Err(Errno::EADDRINUSE);
    }
    names.insert(key.clone(), Entry { sock: Arc::downgrade(sock), inode: None });
    Ok(key)
}

/// Autobind: the first free five-hex-digit abstract name.
pub fn autobind(sock: &Arc<UnixSocket>) -> Result<(UnixAddr, Key), Errno> {
    for _ in 0..0x10_0000 {
        let n = AUTOBIND.fetch_add(1, Ordering::Relaxed) & 0xf_ffff;
        let addr = UnixAddr::autobind(n);
        let UnixAddr::Abstract(name) = &addr else { unreachable!() };
        if let Ok(key) = bind_abstract(sock, name.clone()) {
            return Ok((addr, key));
        }
    }
    Err(Errno::ENOSPC)
}

/// Whether `path` names something (bind's EADDRINUSE).
pub fn exists(path: &[u8]) -> bool {
    path_str(path).is_ok_and(|p| fs::resolve(&current().cwd(), p, false).is_ok())
}

/// Makes the socket inode at `path` (S_IFSOCK, 0777 less the umask;
/// EADDRINUSE when the name exists) and binds `sock` to it.
pub fn bind_path(sock: &Arc<UnixSocket>, path: &[u8]) -> Result<Key, Errno> {
    let path = path_str(path)?;
    let parent = fs::resolve_parent(&current().cwd(), path)?;
    fs::check_space(0)?;
    let umask = current().umask()?;
    let made = fs::ns().create(&parent, fs::S_IFSOCK | (0o777 & !umask), (0, 0), &current().creds());
    let made = made.map_err(|e| if e == Errno::EEXIST { Errno::EADDRINUSE } else { e })?;
    let inode = made.inode().clone();
    let attr = inode.getattr()?;
    let key = Key::Inode(attr.dev, attr.ino);
    NAMES.lock().insert(key.clone(), Entry { sock: Arc::downgrade(sock), inode: Some(inode) });
    Ok(key)
}

/// The socket a connect or send to `addr` reaches: ENOENT (and the other
/// path walk errors) for a missing path, EACCES without write permission
/// on the socket file, ECONNREFUSED for a name nothing is bound to.
pub fn lookup(addr: &UnixAddr) -> Result<Arc<UnixSocket>, Errno> {
    let (key, inode) = match addr {
        UnixAddr::Unnamed => return Err(Errno::EINVAL),
        UnixAddr::Abstract(n) => (Key::Abstract(n.clone()), None),
        UnixAddr::Path(p) => {
            let found = fs::resolve(&current().cwd(), path_str(p)?, true)?;
            let attr = found.attr()?;
            fs::access::check(&attr, &current().creds(), kernel_perm::MAY_WRITE)?;
            if attr.file_type() != Some(FileType::Socket) {
                return Err(Errno::ECONNREFUSED);
            }
            (Key::Inode(attr.dev, attr.ino), Some(found.inode().clone()))
        }
    };
    let found = {
        let names = NAMES.lock();
        let e = names.get(&key).ok_or(Errno::ECONNREFUSED)?;
        if let (Some(want), Some(bound)) = (&inode, &e.inode) {
            if !same_inode(want, bound) {
                return Err(Errno::ECONNREFUSED);
            }
        }
        e.sock.upgrade()
    };
    // Checked (and maybe dropped) with the table unlocked.
    found.filter(|s| !s.is_released()).ok_or(Errno::ECONNREFUSED)
}

/// Forgets `key` if it still names `sock` (at release).
pub fn unbind(key: &Key, sock: *const UnixSocket) {
    let mut names = NAMES.lock();
    let gone =
        if names.get(key).is_some_and(|e| core::ptr::eq(e.sock.as_ptr(), sock)) { names.remove(key) } else { None };
    drop(names);
    // The inode (maybe ext2's) is let go with no lock held.
    drop(gone);
}
