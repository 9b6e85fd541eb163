//! The namespace operations of the syscalls (create, mkdir, symlink,
//! link, unlink, rmdir, rename) with Linux's rules: who may do them
//! (`access`), what the names may be, EXDEV across mounts, EBUSY on mount
//! points, and a directory never moved into itself. The filesystem does
//! the change; the dentries follow it.

use kernel_abi::Errno;
use kernel_perm::{Creds, MAY_WRITE};

use crate::access::{self, is_dir};
use crate::namespace::{Last, Namespace, Parent, Path};
use crate::node::{Result, S_IFMT};

/// The name a creating call makes: `.`, `..` and `/` exist already;
/// nothing is made in a removed directory (ENOENT, as Linux's
/// `IS_DEADDIR`); a name that exists is EEXIST before a read-only mount
/// is EROFS, as on Linux.
fn new_name(p: &Parent) -> Result<&str> {
    if p.dir.dentry.is_dead() {
        return Err(Errno::ENOENT);
    }
    let name = match &p.last {
        Last::Name(n) => n,
        _ => return Err(Errno::EEXIST),
    };
    if p.dir.mount.readonly {
        if p.dir.dentry.child(name).is_ok() {
            return Err(Errno::EEXIST);
        }
        return Err(Errno::EROFS);
    }
    Ok(name)
}

impl Namespace {
    /// A new inode `mode` (type and permissions, umask applied) in `p`.
    /// mkdir goes through `mkdir`.
    pub fn create(&self, p: &Parent, mode: u32, rdev: (u32, u32), c: &Creds) -> Result<Path> {
        let name = new_name(p)?;
        if p.trailing_slash {
            return Err(Errno::EISDIR);
        }
        let dir = p.dir.attr()?;
        access::may_create(&dir, c)?;
        let (owner, perm) = access::new_owner(&dir, c, mode & 0o7777, false);
        let inode = p.dir.inode().create(name, (mode & S_IFMT) | perm, owner, rdev)?;
        Ok(Path { mount: p.dir.mount.clone(), dentry: p.dir.dentry.adopt(name, inode) })
    }

    pub fn mkdir(&self, p: &Parent, perm: u32, c: &Creds) -> Result<Path> {
        let name = new_name(p)?;
        let dir = p.dir.attr()?;
        access::may_create(&dir, c)?;
        let (owner, perm) = access::new_owner(&dir, c, perm & 0o7777, true);
        let inode = p.dir.inode().mkdir(name, perm, owner)?;
        Ok(Path { mount: p.dir.mount.clone(), dentry: p.dir.dentry.adopt(name, inode) })
    }

    pub fn symlink(&self, p: &Parent, target: &str, c: &Creds) -> Result<Path> {
        let name = new_name(p)?;
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        let dir = p.dir.attr()?;
        access::may_create(&dir, c)?;
        let (owner, _) = access::new_owner(&dir, c, 0o777, false);
        let inode = p.dir.inode().symlink(name, target, owner)?;
        Ok(Path { mount: p.dir.mount.clone(), dentry: p.dir.dentry.adopt(name, inode) })
    }

    /// A new name in `p` for the file at `old`.
    pub fn link(&self, old: &Path, p: &Parent, c: &Creds) -> Result<()> {
        let name = new_name(p)?;
        let attr = old.attr()?;
        if is_dir(&attr) {
            return Err(Errno::EPERM);
        }
        if p.trailing_slash {
            return Err(Errno::ENOENT);
        }
        match p.dir.dentry.child(name) {
            Ok(_) => return Err(Errno::EEXIST),
            Err(Errno::ENOENT) if p.dir.inode().lookup_missing_fails() => return Err(Errno::ENOENT),
            Err(_) => {}
        }
        if !alloc::sync::Arc::ptr_eq(&old.mount, &p.dir.mount) {
            return Err(Errno::EXDEV);
        }
        p.dir.mount.writable()?;
        // Linux checks the link rule before the directory.
        access::may_link(&attr, c)?;
        access::may_create(&p.dir.attr()?, c)?;
        p.dir.inode().link(name, &**old.inode())?;
        p.dir.dentry.adopt(name, old.inode().clone());
        Ok(())
    }

    /// unlink(2) of a non-directory.
    pub fn unlink(&self, p: &Parent, c: &Creds) -> Result<()> {
        let name = match &p.last {
            Last::Name(n) => n,
            _ => return Err(Errno::EISDIR),
        };
        p.dir.mount.writable()?;
        let child = p.dir.dentry.child(name)?;
        let attr = child.inode().getattr()?;
        if p.trailing_slash && !is_dir(&attr) {
            return Err(Errno::ENOTDIR);
        }
        access::may_delete(&p.dir.attr()?, &attr, c)?;
        if self.is_mount_point(&child) {
            return Err(Errno::EBUSY);
        }
        if is_dir(&attr) {
            return Err(Errno::EISDIR);
        }
        p.dir.inode().unlink(name)?;
        p.dir.dentry.forget(name);
        Ok(())
    }

    pub fn rmdir(&self, p: &Parent, c: &Creds) -> Result<()> {
        let name = match &p.last {
            Last::Name(n) => n,
            Last::Dot => return Err(Errno::EINVAL),
            Last::DotDot => return Err(Errno::ENOTEMPTY),
            Last::Root => return Err(Errno::EBUSY),
        };
        p.dir.mount.writable()?;
        let child = p.dir.dentry.child(name)?;
        let attr = child.inode().getattr()?;
        access::may_delete(&p.dir.attr()?, &attr, c)?;
        if !is_dir(&attr) {
            return Err(Errno::ENOTDIR);
        }
        if self.is_mount_point(&child) || self.root().dentry.is_within(&child) {
            return Err(Errno::EBUSY);
        }
        p.dir.inode().rmdir(name)?;
        p.dir.dentry.forget(name);
        Ok(())
    }

    /// rename(2) and renameat2(2): `op`'s last name to `np`'s, replacing
    /// what is there, or not (`Rename::NoReplace`: EEXIST), or swapping
    /// the two (`Rename::Exchange`).
    pub fn rename(&self, op: &Parent, np: &Parent, how: Rename, c: &Creds) -> Result<()> {
        if how == Rename::Exchange {
            return self.exchange(op, np, c);
        }
        let (Last::Name(oname), Last::Name(nname)) = (&op.last, &np.last) else {
            return Err(Errno::EBUSY);
        };
        if !alloc::sync::Arc::ptr_eq(&op.dir.mount, &np.dir.mount) {
            return Err(Errno::EXDEV);
        }
        op.dir.mount.writable()?;
        let old = op.dir.dentry.child(oname)?;
        let attr = old.inode().getattr()?;
        let moving_dir = is_dir(&attr);
        if (op.trailing_slash || np.trailing_slash) && !moving_dir {
            return Err(Errno::ENOTDIR);
        }
        let (odir, ndir) = (op.dir.attr()?, np.dir.attr()?);
        access::may_delete(&odir, &attr, c)?;
        let target = match np.dir.dentry.child(nname) {
            Ok(t) => Some(t),
            Err(Errno::ENOENT) => None,
            Err(e) => return Err(e),
        };
        match &target {
            Some(_) if how == Rename::NoReplace => return Err(Errno::EEXIST),
            Some(t) => access::may_delete(&ndir, &t.inode().getattr()?, c)?,
            None => access::may_create(&ndir, c)?,
        }
        let changes_parent = !alloc::sync::Arc::ptr_eq(&op.dir.dentry, &np.dir.dentry);
        if moving_dir && changes_parent {
            // Its `..` changes.
            access::check(&attr, c, MAY_WRITE)?;
        }
        if let Some(t) = &target {
            if alloc::sync::Arc::ptr_eq(t, &old) || t.inode().ino() == attr.ino {
                // Two names of one file: nothing to do (POSIX).
                return Ok(());
            }
            let tattr = t.inode().getattr()?;
            match (moving_dir, is_dir(&tattr)) {
                (true, false) => return Err(Errno::ENOTDIR),
                (false, true) => return Err(Errno::EISDIR),
                _ => {}
            }
            if self.is_mount_point(t) {
                return Err(Errno::EBUSY);
            }
            if old.is_within(t) {
                // The target is an ancestor of the source: not empty.
                return Err(Errno::ENOTEMPTY);
            }
        }
        if self.is_mount_point(&old) {
            return Err(Errno::EBUSY);
        }
        if moving_dir && np.dir.dentry.is_within(&old) {
            // Into its own subtree.
            return Err(Errno::EINVAL);
        }
        op.dir.inode().rename(oname, &**np.dir.inode(), nname)?;
        old.moved(&op.dir.dentry, &np.dir.dentry, nname);
        Ok(())
    }
}

/// What renameat2 does with an existing target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rename {
    Replace,
    /// RENAME_NOREPLACE: EEXIST if the target exists.
    NoReplace,
    /// RENAME_EXCHANGE: both exist and swap places.
    Exchange,
}

impl Namespace {
    /// RENAME_EXCHANGE, with Linux's checks: both names exist (ENOENT),
    /// may be deleted from their directories, a directory changing parent
    /// may be written (its `..`), none is a mount point, and neither
    /// directory ends up inside itself (EINVAL).
    fn exchange(&self, op: &Parent, np: &Parent, c: &Creds) -> Result<()> {
        let (Last::Name(oname), Last::Name(nname)) = (&op.last, &np.last) else {
            return Err(Errno::EBUSY);
        };
        if !alloc::sync::Arc::ptr_eq(&op.dir.mount, &np.dir.mount) {
            return Err(Errno::EXDEV);
        }
        op.dir.mount.writable()?;
        let a = op.dir.dentry.child(oname)?;
        let b = np.dir.dentry.child(nname)?;
        let (aattr, battr) = (a.inode().getattr()?, b.inode().getattr()?);
        access::may_delete(&op.dir.attr()?, &aattr, c)?;
        access::may_delete(&np.dir.attr()?, &battr, c)?;
        let changes_parent = !alloc::sync::Arc::ptr_eq(&op.dir.dentry, &np.dir.dentry);
        for attr in [&aattr, &battr] {
            if is_dir(attr) && changes_parent {
                access::check(attr, c, MAY_WRITE)?;
            }
        }
        if self.is_mount_point(&a) || self.is_mount_point(&b) {
            return Err(Errno::EBUSY);
        }
        if (is_dir(&aattr) && np.dir.dentry.is_within(&a)) || (is_dir(&battr) && op.dir.dentry.is_within(&b)) {
            return Err(Errno::EINVAL);
        }
        if alloc::sync::Arc::ptr_eq(&a, &b) {
            return Ok(());
        }
        op.dir.inode().exchange(oname, &**np.dir.inode(), nname)?;
        crate::dentry::Dentry::exchanged(&a, &op.dir.dentry, &b, &np.dir.dentry);
        Ok(())
    }
}
