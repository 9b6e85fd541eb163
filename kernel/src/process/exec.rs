//! Loading a static ELF executable into a fresh address space, with the
//! initial stack the Linux ABI promises (argc, argv, envp, auxv).

use alloc::vec::Vec;

use kernel_abi::auxv::*;
use kernel_abi::Errno;
use kernel_elf::Elf;

use crate::arch::{exception::TrapFrame, timer};
use crate::mm::page_table::{AddressSpace, Frame, MapError, UserPerms, PAGE_SIZE};
use crate::mm::usercopy::copy_to_user;

/// Top of the initial stack (below the end of the 39-bit user half).
/// The highest stack top; ASLR moves each exec's down by up to 1 GiB.
pub const STACK_TOP: u64 = 0x40_0000_0000;
/// Stack pages mapped at exec (no growth on fault yet).
const STACK_PAGES: u64 = 64;

pub struct Loaded {
    pub space: AddressSpace,
    pub frame: TrapFrame,
    pub brk: u64,
    /// Where anonymous mmaps start (randomised: `aslr.rs`).
    pub mmap_base: u64,
    /// argv joined with NULs (/proc/<pid>/cmdline).
    pub cmdline: Vec<u8>,
    /// The last component of the executable's path (comm).
    pub name: alloc::string::String,
    /// The loaded ELF file and where its segments went (/proc/<pid>/maps).
    pub image: Image,
}

/// Loads the executable at absolute `path` from the VFS; a `#!` script
/// runs its interpreter with the script's path inserted (one optional
/// interpreter argument, like Linux).
pub fn load_path(path: &str, argv: &[&str], envp: &[&str]) -> Result<Loaded, Errno> {
    let node = executable(path)?;
    // The `#!` line (at most 256 bytes, like Linux).
    let mut head = [0u8; 258];
    let n = node.inode().read_at(0, &mut head)?;
    let script = head[..n].strip_prefix(b"#!").map(|rest| {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        alloc::string::String::from_utf8_lossy(&rest[..end]).into_owned()
    });
    let Some(line) = script else {
        let loaded = load(&read_whole(&node)?, path, argv, envp)?;
        return Ok(loaded.with_file(&node, path));
    };
    let line = line.trim();
    let mut parts = line.splitn(2, char::is_whitespace);
    let interp = parts.next().filter(|s| !s.is_empty()).ok_or(Errno::ENOEXEC)?;
    let mut args: Vec<&str> = alloc::vec![interp];
    if let Some(arg) = parts.next().map(str::trim).filter(|s| !s.is_empty()) {
        args.push(arg);
    }
    args.push(path);
    args.extend(argv.iter().skip(1));
    let inode = executable(interp)?;
    let mut loaded = load(&read_whole(&inode)?, interp, &args, envp)?;
    // The process is named after the script, as on Linux (`ps` shows
    // `{init} /bin/sh /init`).
    loaded.name = path.rsplit('/').next().unwrap_or(path).into();
    Ok(loaded.with_file(&inode, interp))
}

/// The regular, executable file at absolute `path`.
fn executable(path: &str) -> Result<crate::fs::Path, Errno> {
    let node = crate::fs::resolve(&crate::fs::root(), path, true)?;
    let attr = node.attr()?;
    if attr.mode & crate::fs::S_IFMT != crate::fs::S_IFREG {
        return Err(Errno::EACCES);
    }
    crate::fs::access::check(&attr, &crate::process::current_creds(), kernel_perm::MAY_EXEC)?;
    Ok(node)
}

/// A copy of the whole file (its pages are not contiguous), in the heap
/// while the image loads; ENOMEM when the heap cannot hold it.
fn read_whole(file: &crate::fs::Path) -> Result<Vec<u8>, Errno> {
    let size = usize::try_from(file.attr()?.size).map_err(|_| Errno::ENOMEM)?;
    if !crate::mm::heap::has_room(size) {
        return Err(Errno::ENOMEM);
    }
    let mut v = Vec::new();
    v.try_reserve_exact(size).map_err(|_| Errno::ENOMEM)?;
    v.resize(size, 0);
    let n = file.inode().read_at(0, &mut v)?;
    v.truncate(n);
    Ok(v)
}

fn map_err(e: MapError) -> Errno {
    match e {
        MapError::OutOfMemory => Errno::ENOMEM,
        MapError::NotUser | MapError::AlreadyMapped => Errno::ENOEXEC,
    }
}

/// Loads `image` and builds its stack; the new space is left active
/// (the stack is written through it).
pub fn load(image: &[u8], path: &str, argv: &[&str], envp: &[&str]) -> Result<Loaded, Errno> {
    let elf = Elf::parse(image).map_err(|_| Errno::ENOEXEC)?;
    if elf.kind != kernel_elf::ET_EXEC {
        // Static PIE needs a load bias; not yet.
        return Err(Errno::ENOEXEC);
    }
    let mut space = AddressSpace::new().ok_or(Errno::ENOMEM)?;
    let mut end = 0;
    let mut segments = Vec::new();
    for seg in elf.segments() {
        let perms = UserPerms { write: seg.writable(), exec: seg.executable() };
        let data = elf.segment_data(&seg);
        let first = seg.vaddr / PAGE_SIZE * PAGE_SIZE;
        let last = (seg.vaddr + seg.memsz).div_ceil(PAGE_SIZE) * PAGE_SIZE;
        end = end.max(last);
        segments.push(ImageSegment {
            start: first,
            file_end: (seg.vaddr + seg.filesz).div_ceil(PAGE_SIZE) * PAGE_SIZE,
            offset: seg.offset / PAGE_SIZE * PAGE_SIZE,
        });
        let mut page = first;
        while page < last {
            // The part of the file data that lands in this page.
            let lo = page.max(seg.vaddr);
            let hi = (page + PAGE_SIZE).min(seg.vaddr + seg.filesz);
            let fill = |bytes: &mut [u8]| {
                if lo < hi {
                    let src = &data[(lo - seg.vaddr) as usize..(hi - seg.vaddr) as usize];
                    bytes[(lo - page) as usize..(hi - page) as usize].copy_from_slice(src);
                }
            };
            if let Some(bytes) = space.widen(page, perms) {
                fill(bytes);
            } else {
                let mut frame = Frame::alloc_zeroed().ok_or(Errno::ENOMEM)?;
                fill(frame.bytes_mut());
                space.map(page, frame, perms).map_err(map_err)?;
            }
            page += PAGE_SIZE;
        }
    }
    let layout = super::aslr::layout();
    // Room for the strings and pointers on top of the usual stack.
    let args: usize = argv.iter().chain(envp).map(|s| s.len() + 9).sum::<usize>() + path.len() + 1;
    for i in 1..=STACK_PAGES + args.div_ceil(PAGE_SIZE as usize) as u64 {
        let frame = Frame::alloc_zeroed().ok_or(Errno::ENOMEM)?;
        space.map(layout.stack_top - i * PAGE_SIZE, frame, UserPerms { write: true, exec: false }).map_err(map_err)?;
    }
    crate::arch::sync_icache();
    space.activate();
    let sp = build_stack(&elf, layout.stack_top, path, argv, envp)?;
    let frame = TrapFrame::new_user(elf.entry, sp);
    // /proc/<pid>/cmdline keeps the first page of the arguments (as Linux
    // before 4.2 showed): the process record stays small when they are huge.
    let mut cmdline = Vec::new();
    for a in argv {
        cmdline.extend_from_slice(a.as_bytes());
        cmdline.push(0);
    }
    cmdline.truncate(PAGE_SIZE as usize);
    let name = path.rsplit('/').next().unwrap_or(path).into();
    let image = Image { path: path.into(), dev: 0, ino: 0, segments, stack_top: layout.stack_top };
    Ok(Loaded { space, frame, brk: end + layout.brk_gap, mmap_base: layout.mmap_base, cmdline, name, image })
}

/// Writes strings, AT_RANDOM bytes and the argc/argv/envp/auxv block below
/// `stack_top` (through the active space); returns the 16-aligned sp.
fn build_stack(elf: &Elf, stack_top: u64, path: &str, argv: &[&str], envp: &[&str]) -> Result<u64, Errno> {
    fn push_bytes(bytes: &[u8], top: &mut u64) -> Result<u64, Errno> {
        *top -= bytes.len() as u64;
        copy_to_user(*top, bytes)?;
        Ok(*top)
    }
    fn push_str(s: &str, top: &mut u64) -> Result<u64, Errno> {
        let mut v = Vec::with_capacity(s.len() + 1);
        v.extend_from_slice(s.as_bytes());
        v.push(0);
        push_bytes(&v, top)
    }
    let mut top = stack_top;
    let execfn = push_str(path, &mut top)?;
    let mut argv_ptrs = Vec::new();
    for a in argv {
        argv_ptrs.push(push_str(a, &mut top)?);
    }
    let mut envp_ptrs = Vec::new();
    for e in envp {
        envp_ptrs.push(push_str(e, &mut top)?);
    }
    top &= !15;
    let seed = timer::counter();
    let mut random = [0u8; 16];
    for (i, b) in random.iter_mut().enumerate() {
        *b = (seed.rotate_left(i as u32 * 7) ^ (seed >> (i % 8)) ^ 0x5a) as u8;
    }
    top -= 16;
    copy_to_user(top, &random)?;
    let random_ptr = top;

    let phdr = elf.phdr_vaddr().unwrap_or(0);
    // exec keeps the credentials (set-user-ID/set-group-ID bits are not
    // honoured: no AT_SECURE transition).
    let c = crate::process::current_creds();
    let auxv: [(u64, u64); 15] = [
        (AT_PHDR, phdr),
        (AT_PHENT, elf.phentsize as u64),
        (AT_PHNUM, elf.phnum as u64),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_BASE, 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, elf.entry),
        (AT_UID, c.uid as u64),
        (AT_EUID, c.euid as u64),
        (AT_GID, c.gid as u64),
        (AT_EGID, c.egid as u64),
        (AT_HWCAP, crate::arch::hwcaps()),
        (AT_CLKTCK, crate::init::HZ),
        (AT_SECURE, 0),
        (AT_RANDOM, random_ptr),
    ];
    let mut words: Vec<u64> = Vec::new();
    words.push(argv.len() as u64);
    words.extend(&argv_ptrs);
    words.push(0);
    words.extend(&envp_ptrs);
    words.push(0);
    for (k, v) in auxv {
        words.extend([k, v]);
    }
    words.extend([AT_EXECFN, execfn, AT_NULL, 0]);
    let size = words.len() as u64 * 8;
    let sp = (top - size) & !15;
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    copy_to_user(sp, &bytes)?;
    Ok(sp)
}

/// The ELF file an image was loaded from, as /proc/<pid>/maps names it.
#[derive(Debug, Clone, Default)]
pub struct Image {
    /// Absolute path with every symlink resolved (`/bin/cat` is `/bin/busybox`).
    pub path: alloc::string::String,
    /// `st_dev` and `st_ino` of the file.
    pub dev: u64,
    pub ino: u64,
    pub segments: Vec<ImageSegment>,
    /// The top of the stack mapped at exec (`[stack]` in maps).
    pub stack_top: u64,
}

/// One PT_LOAD segment, in whole pages.
#[derive(Debug, Clone, Copy)]
pub struct ImageSegment {
    pub start: u64,
    /// End of the pages that hold file bytes; the rest (up to the next
    /// segment or the heap) is zero-filled .bss, an anonymous mapping.
    pub file_end: u64,
    /// File offset of `start`.
    pub offset: u64,
}

impl Loaded {
    /// Records the file the image came from (`path` as it was executed).
    fn with_file(mut self, node: &crate::fs::Path, path: &str) -> Loaded {
        if let Ok(attr) = node.attr() {
            self.image.dev = attr.dev;
            self.image.ino = attr.ino;
        }
        self.image.path = crate::fs::ns().path_of(node).unwrap_or_else(|_| path.into());
        self
    }
}
