//! The namespace: path walks with symlinks and mounts, the rules of the
//! namespace operations, and working directories held as dentries.

use std::sync::Arc;

use kernel_abi::Errno;
use kernel_perm::Creds;
use kernel_vfs::*;

const ROOT: Creds = Creds::ROOT;

fn clock() -> Time {
    Time::default()
}

fn tmpfs(dev: u64) -> Arc<Superblock> {
    Superblock::new(Tmpfs::new(dev, VecPages::new(64), clock, 0o755, Owner { uid: 0, gid: 0 }))
}

fn ns() -> Namespace {
    Namespace::new(tmpfs(1), "rootfs", "rootfs")
}

fn user(uid: u32) -> Creds {
    let mut c = Creds::ROOT;
    c.uid = uid;
    c.euid = uid;
    c.suid = uid;
    c.gid = uid;
    c.egid = uid;
    c.sgid = uid;
    c
}

fn at(ns: &Namespace, path: &str) -> Result<Path> {
    ns.resolve(&ns.root(), path, true, Some(&ROOT))
}

fn parent(ns: &Namespace, start: &Path, path: &str) -> Parent {
    ns.resolve_parent(start, path, Some(&ROOT)).unwrap()
}

fn mkdir(ns: &Namespace, path: &str) -> Path {
    ns.mkdir(&parent(ns, &ns.root(), path), 0o755, &ROOT).unwrap()
}

fn touch(ns: &Namespace, path: &str) -> Path {
    ns.create(&parent(ns, &ns.root(), path), S_IFREG | 0o644, (0, 0), &ROOT).unwrap()
}

fn rename(ns: &Namespace, from: &str, to: &str) -> Result<()> {
    let r = ns.root();
    ns.rename(&parent(ns, &r, from), &parent(ns, &r, to), Rename::Replace, &ROOT)
}

#[test]
fn walks_follow_symlinks_relative_and_absolute() {
    let ns = ns();
    mkdir(&ns, "/a");
    mkdir(&ns, "/a/b");
    let target = touch(&ns, "/a/b/f");
    let p = parent(&ns, &ns.root(), "/a/rel");
    ns.symlink(&p, "b/f", &ROOT).unwrap();
    ns.symlink(&parent(&ns, &ns.root(), "/abs"), "/a/b", &ROOT).unwrap();
    ns.symlink(&parent(&ns, &ns.root(), "/a/b/up"), "..", &ROOT).unwrap();
    assert_eq!(at(&ns, "/a/rel").unwrap().inode().ino(), target.inode().ino());
    assert_eq!(at(&ns, "/abs/f").unwrap().inode().ino(), target.inode().ino());
    assert_eq!(at(&ns, "/abs/up/rel").unwrap().inode().ino(), target.inode().ino());
    // Not following the last one gives the link itself.
    let link = ns.resolve(&ns.root(), "/a/rel", false, None).unwrap();
    assert_eq!(link.attr().unwrap().mode & S_IFMT, S_IFLNK);
    // A trailing slash follows, and wants a directory.
    assert!(ns.resolve(&ns.root(), "/abs/", false, None).unwrap().is_dir());
    assert!(ns.resolve(&ns.root(), "/abs/.", false, None).unwrap().is_dir());
    assert_eq!(ns.resolve(&ns.root(), "/a/rel/.", false, None).err(), Some(Errno::ENOTDIR));
    assert_eq!(at(&ns, "/a/rel/").err(), Some(Errno::ENOTDIR));
    assert_eq!(at(&ns, "/a/b/f/x").err(), Some(Errno::ENOTDIR));
    assert_eq!(at(&ns, "/a/missing").err(), Some(Errno::ENOENT));
    assert_eq!(at(&ns, "").err(), Some(Errno::ENOENT));
    // `..` at the root stays there.
    assert!(at(&ns, "/../../a").is_ok());
}

#[test]
fn symlink_loops_are_eloop() {
    let ns = ns();
    ns.symlink(&parent(&ns, &ns.root(), "/x"), "/y", &ROOT).unwrap();
    ns.symlink(&parent(&ns, &ns.root(), "/y"), "/x", &ROOT).unwrap();
    assert_eq!(at(&ns, "/x").err(), Some(Errno::ELOOP));
    // Forty links in a chain are fine, forty-one are not.
    touch(&ns, "/l0");
    for i in 1..=41 {
        ns.symlink(&parent(&ns, &ns.root(), &format!("/l{i}")), &format!("l{}", i - 1), &ROOT).unwrap();
    }
    assert!(at(&ns, "/l40").is_ok());
    assert_eq!(at(&ns, "/l41").err(), Some(Errno::ELOOP));
}

#[test]
fn search_permission_is_checked_on_every_directory() {
    let ns = ns();
    let secret = mkdir(&ns, "/secret");
    touch(&ns, "/secret/f");
    secret.inode().setattr(&SetAttr { perm: Some(0o700), ..Default::default() }).unwrap();
    let bob = user(1000);
    assert_eq!(ns.resolve(&ns.root(), "/secret/f", true, Some(&bob)).err(), Some(Errno::EACCES));
    assert!(ns.resolve(&ns.root(), "/secret/f", true, None).is_ok());
    assert!(ns.resolve(&ns.root(), "/secret/f", true, Some(&ROOT)).is_ok());
}

#[test]
fn renaming_a_directory_into_its_own_subtree_is_einval() {
    let ns = ns();
    mkdir(&ns, "/a");
    mkdir(&ns, "/a/b");
    assert_eq!(rename(&ns, "/a", "/a/b/c"), Err(Errno::EINVAL));
    assert_eq!(rename(&ns, "/a", "/a/c"), Err(Errno::EINVAL));
    // Onto an ancestor: the ancestor is not empty.
    assert_eq!(rename(&ns, "/a/b", "/a"), Err(Errno::ENOTEMPTY));
    assert_eq!(rename(&ns, ".", "/z"), Err(Errno::EBUSY));
    assert_eq!(rename(&ns, "/a/..", "/z"), Err(Errno::EBUSY));
}

#[test]
fn rename_replaces_and_checks_types() {
    let ns = ns();
    touch(&ns, "/f");
    touch(&ns, "/g");
    mkdir(&ns, "/d");
    mkdir(&ns, "/e");
    touch(&ns, "/e/x");
    assert_eq!(rename(&ns, "/f", "/d"), Err(Errno::EISDIR));
    assert_eq!(rename(&ns, "/d", "/f"), Err(Errno::ENOTDIR));
    assert_eq!(rename(&ns, "/d", "/e"), Err(Errno::ENOTEMPTY));
    assert_eq!(rename(&ns, "/f/", "/h"), Err(Errno::ENOTDIR));
    let g = at(&ns, "/g").unwrap();
    rename(&ns, "/f", "/g").unwrap();
    assert!(g.dentry.is_dead(), "the replaced name is gone");
    assert_eq!(at(&ns, "/f").err(), Some(Errno::ENOENT));
    rename(&ns, "/d/", "/moved/").unwrap();
    assert!(at(&ns, "/moved").unwrap().is_dir());
}

#[test]
fn exdev_across_mounts_and_ebusy_on_mount_points() {
    let ns = ns();
    let mnt = mkdir(&ns, "/mnt");
    touch(&ns, "/f");
    ns.mount(&mnt, tmpfs(2), "tmpfs", "none", "", false).unwrap();
    mkdir(&ns, "/mnt/inner");
    assert_eq!(rename(&ns, "/f", "/mnt/f"), Err(Errno::EXDEV));
    let f = at(&ns, "/f").unwrap();
    assert_eq!(ns.link(&f, &parent(&ns, &ns.root(), "/mnt/f"), &ROOT), Err(Errno::EXDEV));
    assert_eq!(ns.rmdir(&parent(&ns, &ns.root(), "/mnt"), &ROOT), Err(Errno::EBUSY));
    assert_eq!(rename(&ns, "/mnt", "/elsewhere"), Err(Errno::EBUSY));
    // The mount's files stat with its st_dev; `..` leaves it.
    assert_eq!(at(&ns, "/mnt/inner").unwrap().attr().unwrap().dev, 2);
    assert_eq!(at(&ns, "/mnt/inner/../..").unwrap().attr().unwrap().dev, 1);
    assert_eq!(ns.path_of(&at(&ns, "/mnt/inner").unwrap()).unwrap(), "/mnt/inner");
    // umount: only of a mount's root, not while something is mounted inside.
    let inner = at(&ns, "/mnt/inner").unwrap();
    ns.mount(&inner, tmpfs(3), "tmpfs", "none", "", false).unwrap();
    drop(inner);
    assert_eq!(ns.umount(at(&ns, "/mnt").unwrap(), Umount::Normal).err(), Some(Errno::EBUSY));
    assert_eq!(ns.umount(at(&ns, "/f").unwrap(), Umount::Normal).err(), Some(Errno::EINVAL));
    assert_eq!(ns.umount(ns.root(), Umount::Normal).err(), Some(Errno::EBUSY));
    ns.umount(at(&ns, "/mnt/inner").unwrap(), Umount::Normal).unwrap();
    ns.umount(at(&ns, "/mnt").unwrap(), Umount::Normal).unwrap();
    assert_eq!(at(&ns, "/mnt/inner").err(), Some(Errno::ENOENT));
    let listed: Vec<String> = ns.mounts().iter().map(|m| ns.mount_path(m)).collect();
    assert_eq!(listed, ["/"]);
}

#[test]
fn stacked_mounts_show_the_latest() {
    let ns = ns();
    let mnt = mkdir(&ns, "/mnt");
    ns.mount(&mnt, tmpfs(2), "tmpfs", "a", "", false).unwrap();
    ns.mount(&at(&ns, "/mnt").unwrap(), tmpfs(3), "tmpfs", "b", "", false).unwrap();
    assert_eq!(at(&ns, "/mnt").unwrap().attr().unwrap().dev, 3);
    ns.umount(at(&ns, "/mnt").unwrap(), Umount::Normal).unwrap();
    assert_eq!(at(&ns, "/mnt").unwrap().attr().unwrap().dev, 2);
}

#[test]
fn a_working_directory_survives_renames_above_it() {
    let ns = ns();
    mkdir(&ns, "/a");
    mkdir(&ns, "/a/b");
    let cwd = mkdir(&ns, "/a/b/c");
    touch(&ns, "/a/b/c/file");
    rename(&ns, "/a", "/z").unwrap();
    assert_eq!(ns.path_of(&cwd).unwrap(), "/z/b/c");
    // Relative lookups still work from it, and `..` climbs the new names.
    assert!(ns.resolve(&cwd, "file", true, Some(&ROOT)).is_ok());
    assert_eq!(ns.path_of(&ns.resolve(&cwd, "../..", true, None).unwrap()).unwrap(), "/z");
    mkdir(&ns, "/y");
    rename(&ns, "/z/b", "/y/b2").unwrap();
    assert_eq!(ns.path_of(&cwd).unwrap(), "/y/b2/c");
    // A dirfd-like reference works the same way.
    let p = ns.resolve_parent(&cwd, "new", Some(&ROOT)).unwrap();
    ns.create(&p, S_IFREG | 0o600, (0, 0), &ROOT).unwrap();
    assert!(at(&ns, "/y/b2/c/new").is_ok());
}

#[test]
fn a_removed_working_directory_has_no_path() {
    let ns = ns();
    let cwd = mkdir(&ns, "/gone");
    ns.rmdir(&parent(&ns, &ns.root(), "/gone"), &ROOT).unwrap();
    assert_eq!(ns.path_of(&cwd).err(), Some(Errno::ENOENT));
    assert_eq!(ns.display_path(&cwd), "/gone (deleted)");
    // Nothing can be made in it.
    let p = ns.resolve_parent(&cwd, "x", Some(&ROOT)).unwrap();
    assert!(ns.create(&p, S_IFREG | 0o600, (0, 0), &ROOT).is_err());
}

#[test]
fn sticky_directories_protect_other_users_files() {
    let ns = ns();
    let tmp = mkdir(&ns, "/tmp");
    tmp.inode().setattr(&SetAttr { perm: Some(0o1777), ..Default::default() }).unwrap();
    let (alice, bob) = (user(1000), user(1001));
    let p = parent(&ns, &ns.root(), "/tmp/alice");
    let f = ns.create(&p, S_IFREG | 0o666, (0, 0), &alice).unwrap();
    assert_eq!(f.attr().unwrap().uid, 1000);
    assert_eq!(ns.unlink(&parent(&ns, &ns.root(), "/tmp/alice"), &bob), Err(Errno::EPERM));
    assert_eq!(
        ns.rename(&parent(&ns, &ns.root(), "/tmp/alice"), &parent(&ns, &ns.root(), "/tmp/b"), Rename::Replace, &bob),
        Err(Errno::EPERM)
    );
    ns.unlink(&parent(&ns, &ns.root(), "/tmp/alice"), &alice).unwrap();
    // Without write permission on the directory: EACCES.
    let ro = mkdir(&ns, "/ro");
    touch(&ns, "/ro/f");
    let _ = ro;
    assert_eq!(ns.unlink(&parent(&ns, &ns.root(), "/ro/f"), &bob), Err(Errno::EACCES));
    assert_eq!(ns.create(&parent(&ns, &ns.root(), "/ro/g"), S_IFREG | 0o644, (0, 0), &bob).err(), Some(Errno::EACCES));
}

#[test]
fn new_files_take_a_set_group_id_directorys_group() {
    let ns = ns();
    let shared = mkdir(&ns, "/shared");
    shared.inode().setattr(&SetAttr { perm: Some(0o2777), gid: Some(50), ..Default::default() }).unwrap();
    let alice = user(1000);
    let f = ns.create(&parent(&ns, &ns.root(), "/shared/f"), S_IFREG | 0o644, (0, 0), &alice).unwrap();
    assert_eq!((f.attr().unwrap().uid, f.attr().unwrap().gid), (1000, 50));
    let d = ns.mkdir(&parent(&ns, &ns.root(), "/shared/d"), 0o755, &alice).unwrap();
    assert_eq!(d.attr().unwrap().mode, S_IFDIR | 0o2755);
}

#[test]
fn names_that_exist_already_or_are_dots() {
    let ns = ns();
    mkdir(&ns, "/d");
    touch(&ns, "/d/f");
    let r = ns.root();
    assert_eq!(ns.mkdir(&parent(&ns, &r, "/d"), 0o755, &ROOT).err(), Some(Errno::EEXIST));
    assert_eq!(ns.mkdir(&parent(&ns, &r, "/"), 0o755, &ROOT).err(), Some(Errno::EEXIST));
    assert_eq!(ns.mkdir(&parent(&ns, &r, "/d/."), 0o755, &ROOT).err(), Some(Errno::EEXIST));
    assert_eq!(ns.rmdir(&parent(&ns, &r, "/d/."), &ROOT), Err(Errno::EINVAL));
    assert_eq!(ns.rmdir(&parent(&ns, &r, "/d/.."), &ROOT), Err(Errno::ENOTEMPTY));
    assert_eq!(ns.rmdir(&parent(&ns, &r, "/"), &ROOT), Err(Errno::EBUSY));
    assert_eq!(ns.rmdir(&parent(&ns, &r, "/d/f"), &ROOT), Err(Errno::ENOTDIR));
    assert_eq!(ns.rmdir(&parent(&ns, &r, "/d"), &ROOT), Err(Errno::ENOTEMPTY));
    assert_eq!(ns.unlink(&parent(&ns, &r, "/d"), &ROOT), Err(Errno::EISDIR));
    assert_eq!(ns.unlink(&parent(&ns, &r, "/d/f/"), &ROOT), Err(Errno::ENOTDIR));
    assert_eq!(ns.create(&parent(&ns, &r, "/d/new/"), S_IFREG, (0, 0), &ROOT).err(), Some(Errno::EISDIR));
    let long = "x".repeat(256);
    assert_eq!(ns.resolve_parent(&r, &long, None).err(), Some(Errno::ENAMETOOLONG));
    assert_eq!(ns.resolve_parent(&r, "/d/f/x", None).err(), Some(Errno::ENOTDIR));
}

#[test]
fn links_keep_one_dentry_per_name() {
    let ns = ns();
    let f = touch(&ns, "/f");
    ns.link(&f, &parent(&ns, &ns.root(), "/g"), &ROOT).unwrap();
    assert_eq!(f.attr().unwrap().nlink, 2);
    assert_eq!(ns.link(&f, &parent(&ns, &ns.root(), "/g"), &ROOT), Err(Errno::EEXIST));
    let d = mkdir(&ns, "/d");
    assert_eq!(ns.link(&d, &parent(&ns, &ns.root(), "/dl"), &ROOT), Err(Errno::EPERM));
    // protected_hardlinks: bob may not link root's file he cannot write.
    let bob = user(1001);
    assert_eq!(ns.link(&f, &parent(&ns, &ns.root(), "/h"), &bob), Err(Errno::EPERM));
    // The same name resolved twice is the same dentry.
    assert!(Arc::ptr_eq(&at(&ns, "/g").unwrap().dentry, &at(&ns, "/g").unwrap().dentry));
}

#[test]
fn changes_made_below_the_vfs_leave_no_stale_dentry() {
    // The kernel's devpts adds and removes nodes through the inodes: a
    // dentry still held for a removed name is dead, and the new node of
    // the same name is found, not the old one.
    let ns = ns();
    let d = mkdir(&ns, "/d");
    let old = touch(&ns, "/d/x");
    d.inode().unlink("x").unwrap();
    d.dentry.forget("x");
    assert!(old.dentry.is_dead());
    let new = d.inode().create("x", S_IFREG | 0o600, Owner { uid: 0, gid: 0 }, (0, 0)).unwrap();
    let found = at(&ns, "/d/x").unwrap();
    assert_eq!(found.inode().ino(), new.ino());
    assert!(!Arc::ptr_eq(&found.dentry, &old.dentry));
    // Without `forget`, a lookup still notices the inode changed.
    let held = at(&ns, "/d/x").unwrap();
    d.inode().unlink("x").unwrap();
    let newer = d.inode().create("x", S_IFREG | 0o600, Owner { uid: 0, gid: 0 }, (0, 0)).unwrap();
    assert_eq!(at(&ns, "/d/x").unwrap().inode().ino(), newer.ino());
    assert!(held.dentry.is_dead());
}

#[test]
fn readdir_through_a_path_lists_dot_and_dotdot_first() {
    let ns = ns();
    mkdir(&ns, "/d");
    touch(&ns, "/d/a");
    let d = at(&ns, "/d").unwrap();
    let mut names = Vec::new();
    d.inode()
        .readdir(0, &mut |e| {
            names.push((e.name.to_string(), e.kind));
            true
        })
        .unwrap();
    assert_eq!(
        names,
        [
            (".".to_string(), FileType::Directory),
            ("..".to_string(), FileType::Directory),
            ("a".to_string(), FileType::Regular)
        ]
    );
}

#[test]
fn a_mount_in_use_is_busy_unless_detached() {
    let ns = ns();
    let mnt = mkdir(&ns, "/mnt");
    ns.mount(&mnt, tmpfs(2), "tmpfs", "none", "", false).unwrap();
    let file = touch(&ns, "/mnt/f");
    file.inode().write_at(0, b"kept").unwrap();
    // An open file (or a working directory) inside holds the mount.
    assert_eq!(ns.umount(at(&ns, "/mnt").unwrap(), Umount::Normal), Err(Errno::EBUSY));
    assert_eq!(ns.umount(at(&ns, "/mnt").unwrap(), Umount::Expire), Err(Errno::EBUSY));
    ns.umount(at(&ns, "/mnt").unwrap(), Umount::Detach).unwrap();
    assert_eq!(at(&ns, "/mnt/f").err(), Some(Errno::ENOENT));
    let mut buf = [0u8; 4];
    assert_eq!(file.inode().read_at(0, &mut buf).unwrap(), 4, "what is held stays usable");
    // Expiry: a first call marks, a second unmounts, unless a walk into
    // the mount used it in between (that clears the mark, as on Linux).
    ns.mount(&at(&ns, "/mnt").unwrap(), tmpfs(3), "tmpfs", "none", "", false).unwrap();
    assert_eq!(ns.umount(at(&ns, "/mnt").unwrap(), Umount::Expire), Err(Errno::EAGAIN));
    assert_eq!(at(&ns, "/mnt").unwrap().attr().unwrap().dev, 3);
    assert_eq!(ns.umount(at(&ns, "/mnt").unwrap(), Umount::Expire), Err(Errno::EAGAIN), "used since marked");
    ns.umount(at(&ns, "/mnt").unwrap(), Umount::Expire).unwrap();
    assert_eq!(at(&ns, "/mnt").unwrap().attr().unwrap().dev, 1);
}

fn rename2(ns: &Namespace, from: &str, to: &str, how: Rename) -> Result<()> {
    let r = ns.root();
    ns.rename(&parent(ns, &r, from), &parent(ns, &r, to), how, &ROOT)
}

#[test]
fn renameat2_noreplace_and_exchange() {
    let ns = ns();
    let one = touch(&ns, "/one");
    touch(&ns, "/two");
    assert_eq!(rename2(&ns, "/one", "/two", Rename::NoReplace), Err(Errno::EEXIST));
    rename2(&ns, "/one", "/three", Rename::NoReplace).unwrap();
    assert_eq!(ns.path_of(&one).unwrap(), "/three");
    // Exchange across directories, a directory with a file.
    let d = mkdir(&ns, "/d");
    let inner = touch(&ns, "/d/inner");
    rename2(&ns, "/three", "/d", Rename::Exchange).unwrap();
    assert_eq!(ns.path_of(&one).unwrap(), "/d");
    assert_eq!(ns.path_of(&d).unwrap(), "/three");
    assert_eq!(ns.path_of(&inner).unwrap(), "/three/inner");
    assert!(at(&ns, "/three/inner").is_ok());
    assert!(!at(&ns, "/d").unwrap().is_dir());
    assert_eq!(rename2(&ns, "/two", "/missing", Rename::Exchange), Err(Errno::ENOENT));
    // A directory cannot swap with something inside it.
    mkdir(&ns, "/three/sub");
    assert_eq!(rename2(&ns, "/three", "/three/sub", Rename::Exchange), Err(Errno::EINVAL));
    // Across directories the link counts follow the directories.
    mkdir(&ns, "/e");
    let root_links = ns.root().attr().unwrap().nlink;
    rename2(&ns, "/three/sub", "/two", Rename::Exchange).unwrap();
    assert_eq!(ns.root().attr().unwrap().nlink, root_links + 1);
    assert_eq!(at(&ns, "/three").unwrap().attr().unwrap().nlink, 2);
    assert!(at(&ns, "/two").unwrap().is_dir());
}

#[test]
fn a_read_only_mount_refuses_changes() {
    let ns = ns();
    let mnt = mkdir(&ns, "/ro");
    let sb = tmpfs(2);
    sb.root.inode().mkdir("d", 0o755, Owner { uid: 0, gid: 0 }).unwrap();
    sb.root.inode().create("f", S_IFREG | 0o644, Owner { uid: 0, gid: 0 }, (0, 0)).unwrap();
    ns.mount(&mnt, sb, "tmpfs", "none", "", true).unwrap();
    let r = ns.root();
    assert_eq!(ns.create(&parent(&ns, &r, "/ro/new"), S_IFREG | 0o644, (0, 0), &ROOT).err(), Some(Errno::EROFS));
    assert_eq!(ns.mkdir(&parent(&ns, &r, "/ro/d"), 0o755, &ROOT).err(), Some(Errno::EEXIST));
    assert_eq!(ns.mkdir(&parent(&ns, &r, "/ro/e"), 0o755, &ROOT).err(), Some(Errno::EROFS));
    assert_eq!(ns.unlink(&parent(&ns, &r, "/ro/f"), &ROOT), Err(Errno::EROFS));
    assert_eq!(ns.rmdir(&parent(&ns, &r, "/ro/d"), &ROOT), Err(Errno::EROFS));
    assert_eq!(rename(&ns, "/ro/f", "/ro/g"), Err(Errno::EROFS));
    assert!(at(&ns, "/ro/f").is_ok());
}

/// A procfs-like filesystem: an empty root whose lookup of a missing name
/// is an error (Linux's procfs answers ENOENT from lookup).
struct LookupFails;

impl Inode for LookupFails {
    fn ino(&self) -> u64 {
        1
    }
    fn getattr(&self) -> Result<Attr> {
        Ok(Attr {
            dev: 9,
            ino: 1,
            mode: S_IFDIR | 0o555,
            nlink: 2,
            uid: 0,
            gid: 0,
            rdev: (0, 0),
            size: 0,
            blocks: 0,
            atime: Time::default(),
            mtime: Time::default(),
            ctime: Time::default(),
        })
    }
    fn setattr(&self, _change: &SetAttr) -> Result<()> {
        Err(Errno::EPERM)
    }
    fn lookup(&self, _name: &str) -> Result<Arc<dyn Inode>> {
        Err(Errno::ENOENT)
    }
    fn lookup_missing_fails(&self) -> bool {
        true
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl FileSystem for LookupFails {
    fn root(&self) -> Arc<dyn Inode> {
        Arc::new(LookupFails)
    }
    fn dev(&self) -> u64 {
        9
    }
    fn statfs(&self) -> StatFs {
        StatFs::default()
    }
}

#[test]
fn link_into_a_directory_whose_lookup_fails_is_enoent_before_exdev() {
    let ns = ns();
    let mnt = mkdir(&ns, "/proc");
    touch(&ns, "/f");
    ns.mount(&mnt, Superblock::new(Arc::new(LookupFails)), "proc", "proc", "", false).unwrap();
    let f = at(&ns, "/f").unwrap();
    assert_eq!(ns.link(&f, &parent(&ns, &ns.root(), "/proc/x"), &ROOT), Err(Errno::ENOENT));
}
