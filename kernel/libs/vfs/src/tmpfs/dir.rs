//! A tmpfs directory: entries by name, and by cookie for readdir. Each
//! entry's cookie is fixed when it is added, so a reader resuming from a
//! cookie skips nothing that stayed and sees nothing twice, whatever was
//! added or removed meanwhile (`rm -r` removes while it reads).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};

use kernel_abi::Errno;

use super::Node;
use crate::page::PageAlloc;

pub(super) struct Dir<P: PageAlloc> {
    by_name: BTreeMap<String, u64>,
    by_cookie: BTreeMap<u64, (String, Arc<Node<P>>)>,
    /// 0 and 1 are `.` and `..`.
    next_cookie: u64,
    /// None for the root (its `..` is itself).
    pub parent: Option<Weak<Node<P>>>,
}

impl<P: PageAlloc> Dir<P> {
    pub fn new(parent: Option<Weak<Node<P>>>) -> Dir<P> {
        Dir { by_name: BTreeMap::new(), by_cookie: BTreeMap::new(), next_cookie: 2, parent }
    }

    pub fn get(&self, name: &str) -> Option<Arc<Node<P>>> {
        let c = self.by_name.get(name)?;
        self.by_cookie.get(c).map(|(_, n)| n.clone())
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    pub fn insert(&mut self, name: &str, node: Arc<Node<P>>) -> Result<(), Errno> {
        if self.by_name.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let c = self.next_cookie;
        self.next_cookie += 1;
        self.by_name.insert(name.into(), c);
        self.by_cookie.insert(c, (name.into(), node));
        Ok(())
    }

    /// Puts `node` in the place of the entry `name` (same cookie).
    pub fn replace(&mut self, name: &str, node: Arc<Node<P>>) {
        if let Some(c) = self.by_name.get(name) {
            if let Some(entry) = self.by_cookie.get_mut(c) {
                entry.1 = node;
            }
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<Arc<Node<P>>> {
        let c = self.by_name.remove(name)?;
        self.by_cookie.remove(&c).map(|(_, n)| n)
    }

    /// Entries with cookie >= `cookie`, in order.
    pub fn from(&self, cookie: u64) -> impl Iterator<Item = (u64, &str, &Arc<Node<P>>)> {
        self.by_cookie.range(cookie..).map(|(c, (name, node))| (*c, name.as_str(), node))
    }
}
