//! ext2 behind the `Inode`/`FileSystem` traits: a thin adapter over
//! `kernel-ext2`'s inode-number API (what the kernel's own adapter will
//! be), then the namespace's rules and a working directory that follows
//! renames, on a real mke2fs image that e2fsck finds clean afterwards.
//! Skips, saying why, without e2fsprogs.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use kernel_abi::Errno;
use kernel_ext2::{Ext2, Ino, MemDevice, MountOptions, NewInode, ROOT_INO};
use kernel_perm::Creds;
use kernel_vfs::*;

/// One mounted ext2 and the handles the VFS holds on its inodes.
struct Ext2Fs {
    fs: Mutex<Option<Ext2<MemDevice>>>,
    /// Live handles per inode number, and the inodes unlinked meanwhile:
    /// an orphan is released when its last handle goes.
    handles: Mutex<BTreeMap<Ino, usize>>,
    orphans: Mutex<BTreeSet<Ino>>,
    me: std::sync::Weak<Ext2Fs>,
}

struct Ext2Inode {
    fs: Arc<Ext2Fs>,
    ino: Ino,
}

fn errno(e: kernel_ext2::Error) -> Errno {
    e.errno()
}

impl Ext2Fs {
    fn with<R>(&self, f: impl FnOnce(&mut Ext2<MemDevice>) -> kernel_ext2::Result<R>) -> Result<R> {
        f(self.fs.lock().unwrap().as_mut().expect("mounted")).map_err(errno)
    }

    fn handle(&self, ino: Ino) -> Arc<dyn Inode> {
        *self.handles.lock().unwrap().entry(ino).or_default() += 1;
        Arc::new(Ext2Inode { fs: self.me.upgrade().unwrap(), ino })
    }

    /// `ino` lost its last name: release it now or when its last handle goes.
    fn orphaned(&self, ino: Option<Ino>) -> Result<()> {
        let Some(ino) = ino else { return Ok(()) };
        if self.handles.lock().unwrap().get(&ino).copied().unwrap_or(0) == 0 {
            self.with(|fs| fs.release(ino))
        } else {
            self.orphans.lock().unwrap().insert(ino);
            Ok(())
        }
    }
}

impl Drop for Ext2Inode {
    fn drop(&mut self) {
        let last = {
            let mut h = self.fs.handles.lock().unwrap();
            let n = h.get_mut(&self.ino).unwrap();
            *n -= 1;
            *n == 0
        };
        if last && self.fs.orphans.lock().unwrap().remove(&self.ino) {
            self.fs.with(|fs| fs.release(self.ino)).unwrap();
        }
    }
}

fn time(sec: u32) -> Time {
    Time { sec: sec as i64, nsec: 0 }
}

fn owner(o: Owner, perm: u32) -> NewInode {
    NewInode { perm: perm as u16, uid: o.uid, gid: o.gid }
}

fn kind(t: kernel_ext2::FileType) -> FileType {
    FileType::from_mode(t.mode_bits() as u32).unwrap()
}

impl Ext2Inode {
    fn other<'a>(&self, other: &'a dyn Inode) -> Result<&'a Ext2Inode> {
        let o = other.as_any().downcast_ref::<Ext2Inode>().ok_or(Errno::EXDEV)?;
        if Arc::ptr_eq(&o.fs, &self.fs) {
            Ok(o)
        } else {
            Err(Errno::EXDEV)
        }
    }
}

impl Inode for Ext2Inode {
    fn ino(&self) -> u64 {
        self.ino as u64
    }

    fn getattr(&self) -> Result<Attr> {
        let a = self.fs.with(|fs| fs.getattr(self.ino))?;
        Ok(Attr {
            dev: 8,
            ino: self.ino as u64,
            mode: a.mode as u32,
            nlink: a.nlink as u32,
            uid: a.uid,
            gid: a.gid,
            rdev: a.rdev,
            size: a.size,
            blocks: a.blocks,
            atime: time(a.atime),
            mtime: time(a.mtime),
            ctime: time(a.ctime),
        })
    }

    fn setattr(&self, c: &SetAttr) -> Result<()> {
        let change = kernel_ext2::SetAttr {
            mode: c.perm.map(|p| p as u16),
            uid: c.uid,
            gid: c.gid,
            size: c.size,
            atime: c.atime.map(|t| t.sec as u32),
            mtime: c.mtime.map(|t| t.sec as u32),
            ctime: None,
            atime_nsec: c.atime.map_or(0, |t| t.nsec),
            mtime_nsec: c.mtime.map_or(0, |t| t.nsec),
        };
        self.fs.with(|fs| fs.setattr(self.ino, &change)).map(|_| ())
    }

    fn lookup(&self, name: &str) -> Result<Arc<dyn Inode>> {
        let ino = self.fs.with(|fs| fs.lookup(self.ino, name.as_bytes()))?;
        Ok(self.fs.handle(ino))
    }

    fn create(&self, name: &str, mode: u32, o: Owner, rdev: (u32, u32)) -> Result<Arc<dyn Inode>> {
        let t = kernel_ext2::FileType::from_mode(mode as u16).ok_or(Errno::EINVAL)?;
        let ino = self.fs.with(|fs| fs.mknod(self.ino, name.as_bytes(), t, owner(o, mode & 0o7777), rdev))?;
        Ok(self.fs.handle(ino))
    }

    fn mkdir(&self, name: &str, perm: u32, o: Owner) -> Result<Arc<dyn Inode>> {
        let ino = self.fs.with(|fs| fs.mkdir(self.ino, name.as_bytes(), owner(o, perm)))?;
        Ok(self.fs.handle(ino))
    }

    fn symlink(&self, name: &str, target: &str, o: Owner) -> Result<Arc<dyn Inode>> {
        let ino = self.fs.with(|fs| fs.symlink(self.ino, name.as_bytes(), target.as_bytes(), owner(o, 0o777)))?;
        Ok(self.fs.handle(ino))
    }

    fn link(&self, name: &str, target: &dyn Inode) -> Result<()> {
        let target = self.other(target)?;
        self.fs.with(|fs| fs.link(target.ino, self.ino, name.as_bytes()))
    }

    fn unlink(&self, name: &str) -> Result<()> {
        let gone = self.fs.with(|fs| fs.unlink(self.ino, name.as_bytes()))?;
        self.fs.orphaned(gone)
    }

    fn rmdir(&self, name: &str) -> Result<()> {
        let gone = self.fs.with(|fs| fs.rmdir(self.ino, name.as_bytes()))?;
        self.fs.orphaned(gone)
    }

    fn rename(&self, old: &str, new_dir: &dyn Inode, new: &str) -> Result<()> {
        let new_dir = self.other(new_dir)?;
        let gone = self.fs.with(|fs| fs.rename(self.ino, old.as_bytes(), new_dir.ino, new.as_bytes()))?;
        self.fs.orphaned(gone)
    }

    fn readdir(&self, cookie: u64, emit: &mut dyn FnMut(DirEntry) -> bool) -> Result<()> {
        self.fs.with(|fs| {
            fs.readdir(self.ino, cookie, &mut |e| {
                let name = String::from_utf8_lossy(&e.name);
                let kind = e.file_type.map_or(FileType::Regular, kind);
                emit(DirEntry { ino: e.ino as u64, kind, name: &name, next: e.next })
            })
        })
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        self.fs.with(|fs| fs.read_at(self.ino, offset, buf))
    }

    fn write_at(&self, offset: u64, buf: &[u8]) -> Result<usize> {
        self.fs.with(|fs| fs.write_at(self.ino, offset, buf))
    }

    fn readlink(&self) -> Result<String> {
        let t = self.fs.with(|fs| fs.readlink(self.ino))?;
        String::from_utf8(t).map_err(|_| Errno::EINVAL)
    }

    fn sync(&self) -> Result<()> {
        self.fs.with(|fs| fs.sync())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl FileSystem for Ext2Fs {
    fn root(&self) -> Arc<dyn Inode> {
        self.handle(ROOT_INO)
    }

    fn dev(&self) -> u64 {
        8
    }

    fn statfs(&self) -> StatFs {
        let s = self.with(|fs| Ok(fs.statfs())).unwrap();
        StatFs {
            magic: 0xef53,
            block_size: s.block_size as u64,
            blocks: s.blocks,
            blocks_free: s.free_blocks,
            files: s.files,
            files_free: s.free_files,
            name_max: s.name_max as u64,
        }
    }
}

fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/sbin", "/usr/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

const ROOT: Creds = Creds::ROOT;

#[test]
fn ext2_through_the_vfs_keeps_the_rules_and_stays_fsck_clean() {
    let (Some(mke2fs), Some(e2fsck)) = (tool("mke2fs"), tool("e2fsck")) else {
        eprintln!("skipped: mke2fs or e2fsck (e2fsprogs) not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("fs.img");
    let out =
        Command::new(mke2fs).args(["-q", "-F", "-t", "ext2", "-b", "1024"]).arg(&img).arg("4096k").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dev = MemDevice::new(std::fs::read(&img).unwrap());
    let (ext2, _) = Ext2::mount(dev, MountOptions { read_only: false, clock: || 1_700_000_000 }).unwrap();
    let fs = Arc::new_cyclic(|me| Ext2Fs {
        fs: Mutex::new(Some(ext2)),
        handles: Mutex::default(),
        orphans: Mutex::default(),
        me: me.clone(),
    });
    {
        let ns = Namespace::new(Superblock::new(fs.clone()), "ext2", "/dev/vda");
        let r = ns.root();
        let parent = |p: &str| ns.resolve_parent(&r, p, Some(&ROOT)).unwrap();
        ns.mkdir(&parent("/a"), 0o755, &ROOT).unwrap();
        let b = ns.mkdir(&parent("/a/b"), 0o755, &ROOT).unwrap();
        let f = ns.create(&ns.resolve_parent(&b, "f", None).unwrap(), S_IFREG | 0o644, (0, 0), &ROOT).unwrap();
        assert_eq!(f.inode().write_at(0, b"on disk").unwrap(), 7);
        // The working directory follows a rename above it.
        ns.rename(&parent("/a"), &parent("/z"), Rename::Replace, &ROOT).unwrap();
        assert_eq!(ns.path_of(&b).unwrap(), "/z/b");
        assert_eq!(ns.resolve(&b, "../b/f", true, None).unwrap().attr().unwrap().size, 7);
        assert_eq!(ns.rename(&parent("/z"), &parent("/z/b/in"), Rename::Replace, &ROOT), Err(Errno::EINVAL));
        // Links, symlinks, listing by cookies.
        ns.link(&f, &parent("/g"), &ROOT).unwrap();
        assert_eq!(f.attr().unwrap().nlink, 2);
        ns.symlink(&parent("/s"), "z/b/f", &ROOT).unwrap();
        assert_eq!(ns.resolve(&r, "/s", true, None).unwrap().inode().ino(), f.inode().ino());
        let mut names = Vec::new();
        r.inode()
            .readdir(0, &mut |e| {
                names.push(e.name.to_string());
                true
            })
            .unwrap();
        for n in [".", "..", "lost+found", "z", "g", "s"] {
            assert!(names.iter().any(|x| x == n), "{n} missing from {names:?}");
        }
        // An unlinked file stays readable while held, and is released after.
        ns.unlink(&parent("/g"), &ROOT).unwrap();
        ns.unlink(&ns.resolve_parent(&b, "f", None).unwrap(), &ROOT).unwrap();
        let mut buf = [0u8; 7];
        assert_eq!(f.inode().read_at(0, &mut buf).unwrap(), 7);
        assert_eq!(&buf, b"on disk");
        drop(f);
        assert!(fs.orphans.lock().unwrap().is_empty());
        assert_eq!(ns.rmdir(&parent("/z"), &ROOT), Err(Errno::ENOTEMPTY));
        ns.rmdir(&ns.resolve_parent(&r, "/z/b", None).unwrap(), &ROOT).unwrap();
        assert_eq!(ns.path_of(&b), Err(Errno::ENOENT));
    }
    let bytes = fs.fs.lock().unwrap().take().unwrap().unmount().unwrap().into_bytes();
    std::fs::write(&img, bytes).unwrap();
    let out = Command::new(e2fsck).args(["-fn"]).arg(&img).output().unwrap();
    assert!(
        out.status.success(),
        "e2fsck -fn: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
