//! Kernel modules for the initramfs, taken from a Debian kernel package.
//!
//! `rootfs.modules` names modules in load order (`-` and `_` are the same);
//! each module's `.modinfo` `depends=` adds its dependencies before it. The
//! entry is a rootfs fragment: the `.ko` files at their package paths under
//! `lib/modules/<release>/`, a kmod-format `modules.dep` for them, the
//! package's `modules.builtin`, and `etc/xtask/modules`, the load order as
//! absolute paths that `/init` passes to `insmod` one by one.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::Profile;

use super::cache::{self, Cache, Entry, Job, KeyBuilder};
use super::cmd::Compression;
use super::linux::DebianKernel;

const RECIPE: &str = "modules-1";

/// Module names compare with `-` and `_` the same, as the kernel does.
pub fn normalize(name: &str) -> String {
    name.trim().replace('-', "_")
}

/// The `.ko` files of one `lib/modules/<release>` directory.
pub struct ModuleIndex {
    root: PathBuf,
    /// Normalized name -> path relative to `root` (possibly `.ko.xz` etc.).
    by_name: BTreeMap<String, String>,
    builtin: BTreeSet<String>,
}

impl ModuleIndex {
    pub fn scan(root: &Path) -> anyhow::Result<ModuleIndex> {
        let mut by_name = BTreeMap::new();
        for (rel, meta) in cache::walk(root)? {
            if meta.is_file() {
                if let Some(name) = module_name(&rel) {
                    by_name.entry(name).or_insert(rel);
                }
            }
        }
        let builtin = match std::fs::read_to_string(root.join("modules.builtin")) {
            Ok(text) => text.lines().filter_map(module_name).collect(),
            Err(_) => BTreeSet::new(),
        };
        Ok(ModuleIndex { root: root.to_path_buf(), by_name, builtin })
    }

    pub fn path(&self, name: &str) -> Option<&str> {
        self.by_name.get(&normalize(name)).map(String::as_str)
    }

    pub fn is_builtin(&self, name: &str) -> bool {
        self.builtin.contains(&normalize(name))
    }

    /// The module's ELF bytes, decompressed if the package compresses modules.
    pub fn read(&self, rel: &str) -> anyhow::Result<Vec<u8>> {
        let data = std::fs::read(self.root.join(rel)).with_context(|| format!("cannot read module {rel}"))?;
        match Compression::detect(&data) {
            Some(c) => c.decompress(&data).with_context(|| format!("cannot decompress {rel}")),
            None => Ok(data),
        }
    }
}

/// `kernel/fs/ext4/ext4.ko(.xz)` gives `ext4`; other files give `None`.
fn module_name(rel: &str) -> Option<String> {
    let file = rel.rsplit('/').next()?;
    let stem = [".ko", ".ko.xz", ".ko.gz", ".ko.zst"].iter().find_map(|s| file.strip_suffix(s))?;
    Some(normalize(stem))
}

/// The uncompressed path a module is installed at: `x.ko.xz` becomes `x.ko`.
fn installed_path(rel: &str) -> String {
    match rel.rfind(".ko") {
        Some(i) => format!("{}.ko", &rel[..i]),
        None => rel.to_string(),
    }
}

/// The `key=value` strings of a module's `.modinfo` section.
pub fn modinfo(ko: &[u8]) -> anyhow::Result<Vec<(String, String)>> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(ko).context("not an ELF file")?;
    let section = file.section_by_name(".modinfo").context("no .modinfo section")?;
    let data = section.data().context("unreadable .modinfo section")?;
    Ok(data
        .split(|b| *b == 0)
        .filter_map(|s| std::str::from_utf8(s).ok()?.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

/// The modules listed in `depends=` (empty when none).
pub fn depends(info: &[(String, String)]) -> Vec<String> {
    info.iter()
        .filter(|(k, _)| k == "depends")
        .flat_map(|(_, v)| v.split(',').filter(|s| !s.is_empty()).map(normalize))
        .collect()
}

/// One module to load, with the modules it depends on directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub name: String,
    pub deps: Vec<String>,
}

/// Orders `requested` for loading: each module after its dependencies,
/// otherwise in the requested order; built-in modules are passed to
/// `on_builtin` and left out.
pub fn load_order(
    requested: &[String],
    is_builtin: &dyn Fn(&str) -> bool,
    deps_of: &mut dyn FnMut(&str) -> anyhow::Result<Vec<String>>,
    on_builtin: &mut dyn FnMut(&str),
) -> anyhow::Result<Vec<Module>> {
    struct Walk<'a> {
        is_builtin: &'a dyn Fn(&str) -> bool,
        deps_of: &'a mut dyn FnMut(&str) -> anyhow::Result<Vec<String>>,
        on_builtin: &'a mut dyn FnMut(&str),
        done: BTreeSet<String>,
        skipped: BTreeSet<String>,
        path: Vec<String>,
        order: Vec<Module>,
    }
    impl Walk<'_> {
        fn visit(&mut self, name: &str) -> anyhow::Result<()> {
            if self.done.contains(name) || self.skipped.contains(name) {
                return Ok(());
            }
            if (self.is_builtin)(name) {
                self.skipped.insert(name.to_string());
                (self.on_builtin)(name);
                return Ok(());
            }
            if self.path.iter().any(|p| p == name) {
                anyhow::bail!("module dependency cycle: {} -> {name}", self.path.join(" -> "));
            }
            self.path.push(name.to_string());
            let deps = (self.deps_of)(name)?;
            for d in &deps {
                self.visit(d).with_context(|| format!("needed by `{name}`"))?;
            }
            self.path.pop();
            self.done.insert(name.to_string());
            let deps = deps.into_iter().filter(|d| !self.skipped.contains(d)).collect();
            self.order.push(Module { name: name.to_string(), deps });
            Ok(())
        }
    }
    let mut walk = Walk {
        is_builtin,
        deps_of,
        on_builtin,
        done: BTreeSet::new(),
        skipped: BTreeSet::new(),
        path: Vec::new(),
        order: Vec::new(),
    };
    for name in requested {
        walk.visit(&normalize(name))?;
    }
    Ok(walk.order)
}

/// kmod's `modules.dep`: per module, every transitive dependency, the one to
/// load last first (`modprobe` loads the list from its end).
pub fn modules_dep(order: &[Module], path_of: &dyn Fn(&str) -> String) -> String {
    let position: HashMap<&str, usize> = order.iter().enumerate().map(|(i, m)| (m.name.as_str(), i)).collect();
    let direct: HashMap<&str, &[String]> = order.iter().map(|m| (m.name.as_str(), m.deps.as_slice())).collect();
    let mut out = String::new();
    for m in order {
        let mut all: BTreeSet<usize> = BTreeSet::new();
        let mut stack: Vec<&str> = m.deps.iter().map(String::as_str).collect();
        while let Some(d) = stack.pop() {
            if let Some(&i) = position.get(d) {
                if all.insert(i) {
                    stack.extend(direct[d].iter().map(String::as_str));
                }
            }
        }
        out.push_str(&path_of(&m.name));
        out.push(':');
        for i in all.iter().rev() {
            out.push(' ');
            out.push_str(&path_of(&order[*i].name));
        }
        out.push('\n');
    }
    out
}

/// Builds the module fragment for `profile` from the unpacked package.
pub fn build(
    cache: &Cache,
    profile: &Profile,
    kernel: &mut DebianKernel,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<Entry> {
    let requested = &profile.rootfs.modules;
    let key = KeyBuilder::new("modules")
        .str("recipe", RECIPE)
        .key("kernel package", &kernel.deb_key)
        .str("modules", &requested.iter().map(|m| normalize(m)).collect::<Vec<_>>().join(" "))
        .finish();
    let job = Job {
        kind: "modules",
        key,
        label: format!("modules {} ({} requested)", kernel.release, requested.len()),
        estimate: None,
    };
    let release = kernel.release.clone();
    let package = format!("{} {}", kernel.package, kernel.version);
    cache.get_or_build(job, log, |dirs, log| {
        let root = kernel.unpacked_root(log)?.join("lib/modules").join(&release);
        let index = ModuleIndex::scan(&root)?;
        let mut bytes: HashMap<String, Vec<u8>> = HashMap::new();
        let order = load_order(
            requested,
            &|n| index.is_builtin(n),
            &mut |name| {
                let rel = index.path(name).with_context(|| {
                    format!("profile `{}`: kernel module `{name}` is not in {package} ({release})", profile.name)
                })?;
                let data = index.read(rel)?;
                let deps = depends(&modinfo(&data).with_context(|| format!("module {rel}"))?);
                bytes.insert(name.to_string(), data);
                Ok(deps)
            },
            &mut |name| log(&format!("modules: `{name}` is built into {release}, skipping")),
        )?;
        let tree = dirs.out.join("tree");
        let base = tree.join("lib/modules").join(&release);
        let path_of = |name: &str| installed_path(index.path(name).unwrap_or_default());
        let mut list = String::new();
        for m in &order {
            let rel = path_of(&m.name);
            let dest = base.join(&rel);
            std::fs::create_dir_all(dest.parent().context("module path has no parent")?)?;
            std::fs::write(&dest, &bytes[&m.name])?;
            list.push_str(&format!("/lib/modules/{release}/{rel}\n"));
        }
        std::fs::write(base.join("modules.dep"), modules_dep(&order, &path_of))?;
        if root.join("modules.builtin").is_file() {
            std::fs::copy(root.join("modules.builtin"), base.join("modules.builtin"))?;
        }
        std::fs::create_dir_all(tree.join("etc/xtask"))?;
        std::fs::write(tree.join("etc/xtask/modules"), list)?;
        let names: Vec<&str> = order.iter().map(|m| m.name.as_str()).collect();
        log(&format!("modules: load order {}", names.join(" ")));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake() -> HashMap<&'static str, Vec<&'static str>> {
        HashMap::from([
            ("virtio_blk", vec!["virtio_ring", "virtio"]),
            ("virtio_net", vec!["net_failover", "virtio", "virtio_ring"]),
            ("net_failover", vec!["failover"]),
            ("failover", vec![]),
            ("virtio", vec![]),
            ("virtio_ring", vec![]),
            ("ext4", vec!["crc16", "mbcache", "jbd2"]),
            ("jbd2", vec![]),
            ("mbcache", vec![]),
            ("crc16", vec![]),
        ])
    }

    fn order(requested: &[&str], builtin: &[&str]) -> anyhow::Result<(Vec<Module>, Vec<String>)> {
        let graph = fake();
        let requested: Vec<String> = requested.iter().map(|s| s.to_string()).collect();
        let mut skipped = Vec::new();
        let order = load_order(
            &requested,
            &|n| builtin.contains(&n),
            &mut |n| {
                let deps = graph.get(n).with_context(|| format!("kernel module `{n}` not found"))?;
                Ok(deps.iter().map(|d| d.to_string()).collect())
            },
            &mut |n| skipped.push(n.to_string()),
        )?;
        Ok((order, skipped))
    }

    fn names(order: &[Module]) -> Vec<&str> {
        order.iter().map(|m| m.name.as_str()).collect()
    }

    #[test]
    fn dependencies_come_first_and_profile_order_is_kept() {
        let (o, skipped) = order(&["virtio-blk", "virtio_net", "ext4"], &[]).unwrap();
        assert_eq!(
            names(&o),
            [
                "virtio_ring",
                "virtio",
                "virtio_blk",
                "failover",
                "net_failover",
                "virtio_net",
                "crc16",
                "mbcache",
                "jbd2",
                "ext4"
            ]
        );
        assert!(skipped.is_empty());
    }

    #[test]
    fn builtins_are_skipped_and_reported_once() {
        let (o, skipped) = order(&["virtio_ring", "virtio_blk", "virtio_net"], &["virtio", "virtio_ring"]).unwrap();
        assert_eq!(names(&o), ["virtio_blk", "failover", "net_failover", "virtio_net"]);
        assert_eq!(skipped, ["virtio_ring", "virtio"]);
        assert!(o[0].deps.is_empty());
    }

    #[test]
    fn unknown_module_is_an_error_naming_it() {
        let err = order(&["ext4", "nosuch"], &[]).unwrap_err();
        assert!(format!("{err:#}").contains("`nosuch`"), "{err:#}");
    }

    #[test]
    fn modules_dep_lists_transitive_deps_last_loaded_first() {
        let (o, _) = order(&["virtio_net", "ext4"], &["virtio", "virtio_ring"]).unwrap();
        let dep = modules_dep(&o, &|n| format!("kernel/{n}.ko"));
        assert_eq!(
            dep,
            "kernel/failover.ko:\n\
             kernel/net_failover.ko: kernel/failover.ko\n\
             kernel/virtio_net.ko: kernel/net_failover.ko kernel/failover.ko\n\
             kernel/crc16.ko:\nkernel/mbcache.ko:\nkernel/jbd2.ko:\n\
             kernel/ext4.ko: kernel/jbd2.ko kernel/mbcache.ko kernel/crc16.ko\n"
        );
    }

    #[test]
    fn modinfo_depends_parsing() {
        let info = vec![
            ("license".to_string(), "GPL".to_string()),
            ("depends".to_string(), "virtio-ring,virtio".to_string()),
            ("name".to_string(), "virtio_blk".to_string()),
        ];
        assert_eq!(depends(&info), ["virtio_ring", "virtio"]);
        assert!(depends(&[("depends".to_string(), String::new())]).is_empty());
    }

    #[test]
    fn module_names_and_paths() {
        assert_eq!(module_name("kernel/drivers/char/hw_random/virtio-rng.ko").as_deref(), Some("virtio_rng"));
        assert_eq!(module_name("kernel/fs/ext4/ext4.ko.xz").as_deref(), Some("ext4"));
        assert_eq!(module_name("modules.order"), None);
        assert_eq!(installed_path("kernel/fs/ext4/ext4.ko.xz"), "kernel/fs/ext4/ext4.ko");
    }
}
