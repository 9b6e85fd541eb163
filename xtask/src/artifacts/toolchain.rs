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
