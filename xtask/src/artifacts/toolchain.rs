//! The static musl C toolchain per guest arch, shared by BusyBox and the test
//! programs (RECIPES.md section 2), and its identity for cache keys.

use std::path::{Path, PathBuf};

use anyhow::Context;
use object::read::elf::ProgramHeader;
use object::Object;

use crate::config::Arch;

use super::cache::{Key, KeyBuilder};
use super::cmd;

pub struct Toolchain {
    pub arch: Arch,
    /// The musl wrapper around gcc.
    pub cc: &'static str,
    /// Prefix for binutils (`strip`, `ld`), empty for the host's.
    pub cross_compile: &'static str,
    /// `cc --version`, first line.
    pub version: String,
    /// Hash of the compiler, linker, musl and kernel-header identities.
    pub key: Key,
}

impl Toolchain {
    pub fn musl(arch: Arch) -> anyhow::Result<Toolchain> {
        let (cc, cross_compile, triple) = match arch {
            Arch::X86_64 => ("musl-gcc", "", "x86_64-linux-musl"),
            Arch::Aarch64 => ("aarch64-linux-musl-gcc", "aarch64-linux-gnu-", "aarch64-linux-musl"),
        };
        let version = cmd::version_line(cc)?;
        let ld = cmd::version_line(&format!("{cross_compile}ld"))?;
        let musl = Path::new("/usr/lib").join(triple);
        let headers = header_sources(arch);
        let key = KeyBuilder::new("toolchain")
            .str("arch", arch.name())
            .str("cc", cc)
            .str("cc --version", &version)
            .str("ld --version", &ld)
            .file("musl-gcc.specs", &musl.join("musl-gcc.specs"))?
            .file("libc.a", &musl.join("libc.a"))?
            .file("linux/version.h", &headers[0].1.join("version.h"))?
            .finish();
        Ok(Toolchain { arch, cc, cross_compile, version, key })
    }

    /// Makes `dir` hold only symlinks to the kernel UAPI header directories
    /// musl's `-nostdinc` hides (`linux`, `asm`, `asm-generic`, `mtd`); all of
    /// `/usr/include` would let glibc headers leak in.
    pub fn write_header_dir(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, target) in header_sources(self.arch) {
            if !target.is_dir() {
                anyhow::bail!("kernel headers missing: {} (see `cargo xtask doctor`)", target.display());
            }
            std::os::unix::fs::symlink(&target, dir.join(name))
                .with_context(|| format!("cannot link {}", dir.join(name).display()))?;
        }
        Ok(())
    }
}

fn header_sources(arch: Arch) -> [(&'static str, PathBuf); 4] {
    match arch {
        Arch::X86_64 => [
            ("linux", "/usr/include/linux".into()),
            ("asm", "/usr/include/x86_64-linux-gnu/asm".into()),
            ("asm-generic", "/usr/include/asm-generic".into()),
            ("mtd", "/usr/include/mtd".into()),
        ],
        Arch::Aarch64 => {
            let base = Path::new("/usr/aarch64-linux-gnu/include");
            [
                ("linux", base.join("linux")),
                ("asm", base.join("asm")),
                ("asm-generic", base.join("asm-generic")),
                ("mtd", base.join("mtd")),
            ]
        }
    }
}

/// Checks that `path` is a static executable ELF for `arch` (no interpreter).
pub fn check_static_elf(path: &Path, arch: Arch) -> anyhow::Result<()> {
    let data = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file = object::File::parse(&*data).with_context(|| format!("{} is not an ELF file", path.display()))?;
    let want = match arch {
        Arch::X86_64 => object::Architecture::X86_64,
        Arch::Aarch64 => object::Architecture::Aarch64,
    };
    if file.architecture() != want {
        anyhow::bail!("{} is built for {:?}, not {}", path.display(), file.architecture(), arch.name());
    }
    // PT_INTERP names the dynamic loader; a static binary has none.
    let object::File::Elf64(elf) = &file else {
        anyhow::bail!("{} is not a 64-bit ELF file", path.display());
    };
    let dynamic = elf.elf_program_headers().iter().any(|ph| ph.p_type(elf.endian()) == object::elf::PT_INTERP);
    if dynamic {
        anyhow::bail!("{} is dynamically linked; expected a static binary", path.display());
    }
    Ok(())
}

/// The Rust toolchain that builds the in-tree kernel (`kernel: cargo`):
/// bare-metal `aarch64-unknown-none` with `-Zbuild-std`, so it needs the
/// standard library's source (RECIPES.md section 1).
#[derive(Debug, Clone)]
pub struct KernelToolchain {
    pub rustc: PathBuf,
    pub cargo: PathBuf,
    /// `ld.lld`: the bare-metal target's linker.
    pub linker: PathBuf,
    /// Where it comes from, e.g. `rustup toolchain nightly-x86_64-unknown-linux-gnu`
    /// or `Debian rustc-web (/usr/bin/rustc)`.
    pub origin: String,
    /// `rustc --version`, part of the kernel's cache key.
    pub version: String,
}

/// Debian's packaged toolchain with a matching `rust-src` (rustc-web 1.96).
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
/// What to install when no toolchain has the library source.
pub const KERNEL_TOOLCHAIN_PACKAGES: &[&str] = &["rustc-web", "cargo-web", "rust-web-src", "lld"];

/// The standard library source build-std compiles, under a sysroot.
fn has_rust_src(sysroot: &Path) -> bool {
    sysroot.join("lib/rustlib/src/rust/library/core/Cargo.toml").is_file()
}

impl KernelToolchain {
    /// Finds a usable toolchain: a rustup toolchain with `rust-src` (nightly
    /// first), else Debian's `/usr/bin/rustc` + `/usr/bin/cargo` with
    /// `rust-web-src`. Unstable flags are enabled with `RUSTC_BOOTSTRAP=1`
    /// either way. The error says exactly what to install.
    pub fn discover() -> anyhow::Result<KernelToolchain> {
        let linker = super::tools::find_program("ld.lld");
        let found = rustup_with_src().or_else(debian_with_src);
        match (found, linker) {
            (Some((rustc, cargo, origin)), Some(linker)) => {
                let version = cmd::version_line(&rustc.display().to_string())?;
                Ok(KernelToolchain { rustc, cargo, linker, origin, version })
            }
            (found, linker) => {
                let mut missing = Vec::new();
                if found.is_none() {
                    missing.push("a Rust toolchain with rust-src (for -Zbuild-std)");
                }
                if linker.is_none() {
                    missing.push("ld.lld");
                }
                anyhow::bail!(
                    "the in-tree kernel needs {}\ninstall Debian's toolchain with:\n  apt-get install -y --no-install-recommends {}\nor add rust-src to a rustup toolchain: rustup component add rust-src --toolchain nightly",
                    missing.join(" and "),
                    KERNEL_TOOLCHAIN_PACKAGES.join(" ")
                )
            }
        }
    }

    /// Whether some rustup toolchain already has `rust-src` (then the Debian
    /// packages are not needed).
    pub fn rustup_available() -> bool {
        rustup_with_src().is_some()
    }
}

/// `(rustc, cargo, origin)` of the first rustup toolchain with rust-src, nightly first.
fn rustup_with_src() -> Option<(PathBuf, PathBuf, String)> {
    let rustup = super::tools::find_program("rustup")?;
    let list =
        duct::cmd(rustup.as_os_str(), ["toolchain", "list"]).stdout_capture().stderr_null().unchecked().run().ok()?;
    let mut names: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect();
    names.sort_by_key(|n| !n.starts_with("nightly"));
    let home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".rustup")))?;
    names.into_iter().find_map(|name| {
        let sysroot = home.join("toolchains").join(&name);
        let (rustc, cargo) = (sysroot.join("bin/rustc"), sysroot.join("bin/cargo"));
        (has_rust_src(&sysroot) && rustc.is_file() && cargo.is_file())
            .then(|| (rustc, cargo, format!("rustup toolchain {name}")))
    })
}

fn debian_with_src() -> Option<(PathBuf, PathBuf, String)> {
    let (rustc, cargo) = (PathBuf::from(DEBIAN_RUSTC), PathBuf::from(DEBIAN_CARGO));
    (rustc.is_file() && cargo.is_file() && has_rust_src(Path::new("/usr")))
        .then(|| (rustc, cargo, format!("Debian rustc-web ({DEBIAN_RUSTC}) with RUSTC_BOOTSTRAP=1")))
}
