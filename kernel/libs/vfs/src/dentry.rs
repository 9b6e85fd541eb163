//! Dentries: the name and parent of an inode as reached through a
//! filesystem's tree, one per (parent, name) while anything holds it.
//! They are what a working directory, a `dirfd` or an open file refers
//! to, so renaming a directory above them keeps them valid and
//! `getcwd` rebuilds the path from parent links (Linux's dcache, without
//! negative entries or an LRU: an unused dentry is freed at once).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};

use spin::Mutex;

use crate::node::{FileSystem, Inode, Result};

/// A filesystem instance with the root of its dentry tree (shared by
/// every mount of it).
pub struct Superblock {
    pub fs: Arc<dyn FileSystem>,
    pub root: Arc<Dentry>,
}

impl Superblock {
    pub fn new(fs: Arc<dyn FileSystem>) -> Arc<Superblock> {
        let root = Dentry::new(fs.root(), String::new(), None);
        Arc::new(Superblock { fs, root })
    }
}

pub struct Dentry {
    inode: Arc<dyn Inode>,
    state: Mutex<State>,
    children: Mutex<BTreeMap<String, Weak<Dentry>>>,
}

struct State {
    name: String,
    /// None at the filesystem's root.
    parent: Option<Arc<Dentry>>,
    /// Unlinked (or replaced by a rename): its path is gone.
    dead: bool,
}

impl Dentry {
    fn new(inode: Arc<dyn Inode>, name: String, parent: Option<Arc<Dentry>>) -> Arc<Dentry> {
        Arc::new(Dentry {
            inode,
            state: Mutex::new(State { name, parent, dead: false }),
            children: Mutex::new(BTreeMap::new()),
        })
    }

    pub fn inode(&self) -> &Arc<dyn Inode> {
        &self.inode
    }

    pub fn name(&self) -> String {
        self.state.lock().name.clone()
    }

    pub fn parent(&self) -> Option<Arc<Dentry>> {
        self.state.lock().parent.clone()
    }

    pub fn is_dead(&self) -> bool {
        self.state.lock().dead
    }

    /// The child `name`: the filesystem's lookup, then the dentry already
    /// standing for that inode there, if any (so one exists per name).
    pub fn child(self: &Arc<Self>, name: &str) -> Result<Arc<Dentry>> {
        let inode = self.inode.lookup(name)?;
        Ok(self.adopt(name, inode))
    }

    /// The dentry for `inode`, just found or made under `name`.
    pub(crate) fn adopt(self: &Arc<Self>, name: &str, inode: Arc<dyn Inode>) -> Arc<Dentry> {
        let mut children = self.children.lock();
        if let Some(d) = children.get(name).and_then(Weak::upgrade) {
            if d.inode.ino() == inode.ino() {
                return d;
            }
            // Changed behind the VFS's back: the old one is stale.
            d.state.lock().dead = true;
        }
        let d = Dentry::new(inode, name.into(), Some(self.clone()));
        if children.len() >= 64 && children.len().is_power_of_two() {
            children.retain(|_, w| w.strong_count() > 0);
        }
        children.insert(name.into(), Arc::downgrade(&d));
        d
    }

    /// `name` was removed from this directory: a dentry still held for
    /// it is dead. The namespace operations call this; a kernel changing a
    /// filesystem directly through its inodes calls it too.
    pub fn forget(&self, name: &str) {
        if let Some(d) = self.children.lock().remove(name).and_then(|w| w.upgrade()) {
            d.state.lock().dead = true;
        }
    }

    /// `self` moved to `name` in `parent` (after the filesystem did it);
    /// what was called that is forgotten.
    pub(crate) fn moved(self: &Arc<Self>, old_parent: &Arc<Dentry>, parent: &Arc<Dentry>, name: &str) {
        let old_name = self.name();
        old_parent.children.lock().remove(&old_name);
        parent.forget(name);
        parent.children.lock().insert(name.into(), Arc::downgrade(self));
        let mut s = self.state.lock();
        s.name = name.into();
        s.parent = Some(parent.clone());
    }

    /// `a` (called `a_name` in `a_parent`) and `b` swapped places.
    pub(crate) fn exchanged(a: &Arc<Dentry>, a_parent: &Arc<Dentry>, b: &Arc<Dentry>, b_parent: &Arc<Dentry>) {
        let (a_name, b_name) = (a.name(), b.name());
        a_parent.children.lock().insert(a_name.clone(), Arc::downgrade(b));
        b_parent.children.lock().insert(b_name.clone(), Arc::downgrade(a));
        {
            let mut s = a.state.lock();
            s.name = b_name;
            s.parent = Some(b_parent.clone());
        }
        let mut s = b.state.lock();
        s.name = a_name;
        s.parent = Some(a_parent.clone());
    }

    /// Whether `self` is `ancestor` or below it in the same filesystem.
    pub fn is_within(self: &Arc<Self>, ancestor: &Arc<Dentry>) -> bool {
        let mut cur = self.clone();
        loop {
            if Arc::ptr_eq(&cur, ancestor) {
                return true;
            }
            match cur.parent() {
                Some(p) => cur = p,
                None => return false,
            }
        }
    }
}
