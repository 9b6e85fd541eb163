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
pub const STACK_TOP: u64 = 0x40_0000_0000;
/// Stack pages mapped at exec (no growth on fault yet).
const STACK_PAGES: u64 = 64;

pub struct Loaded {
    pub space: AddressSpace,
    pub frame: TrapFrame,
    pub brk: u64,
    /// argv joined with NULs (/proc/<pid>/cmdline).
    pub cmdline: Vec<u8>,
    /// The last component of the executable's path (comm).
    pub name: alloc::string::String,
}

/// Loads the executable at absolute `path` from the VFS; a `#!` script
/// runs its interpreter with the script's path inserted (one optional
/// interpreter argument, like Linux).
pub fn load_path(path: &str, argv: &[&str], envp: &[&str]) -> Result<Loaded, Errno> {
    let node = executable(path)?;
    // The `#!` line (at most 256 bytes, like Linux), copied out of the lock.
    let script: Option<alloc::string::String> = with_bytes(&node, |image| {
        let rest = image.strip_prefix(b"#!")?;
        let end = rest.iter().take(256).position(|&b| b == b'\n').unwrap_or(rest.len().min(256));
        Some(alloc::string::String::from_utf8_lossy(&rest[..end]).into_owned())
    })?;
    let Some(line) = script else {
        // The file's bytes are read in place: no copy of the whole image.
        return with_bytes(&node, |image| load(image, path, argv, envp))?;
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
    with_bytes(&inode, |image| load(image, interp, &args, envp))?
}

/// The regular, executable file at absolute `path`.
fn executable(path: &str) -> Result<alloc::sync::Arc<crate::fs::Inode>, Errno> {
    let node = crate::fs::resolve("/", path, true)?;
    if node.file_type() != crate::fs::S_IFREG || node.mode() & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    Ok(node)
}

/// Runs `f` on a regular file's bytes, under its data lock (single CPU and
/// no preemption in the kernel: nobody waits on it meanwhile).
fn with_bytes<R>(node: &crate::fs::Inode, f: impl FnOnce(&[u8]) -> R) -> Result<R, Errno> {
    match &*node.data.lock() {
        crate::fs::Data::File(v) => Ok(f(v)),
        _ => Err(Errno::EACCES),
    }
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
    for seg in elf.segments() {
        let perms = UserPerms { write: seg.writable(), exec: seg.executable() };
        let data = elf.segment_data(&seg);
        let first = seg.vaddr / PAGE_SIZE * PAGE_SIZE;
        let last = (seg.vaddr + seg.memsz).div_ceil(PAGE_SIZE) * PAGE_SIZE;
        end = end.max(last);
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
                let frame = Frame::alloc_zeroed().ok_or(Errno::ENOMEM)?;
                fill(frame.bytes_mut());
                space.map(page, frame, perms).map_err(map_err)?;
            }
            page += PAGE_SIZE;
        }
    }
    for i in 1..=STACK_PAGES {
        let frame = Frame::alloc_zeroed().ok_or(Errno::ENOMEM)?;
        space.map(STACK_TOP - i * PAGE_SIZE, frame, UserPerms { write: true, exec: false }).map_err(map_err)?;
    }
    crate::arch::sync_icache();
    space.activate();
    let sp = build_stack(&elf, path, argv, envp)?;
    let frame = TrapFrame::new_user(elf.entry, sp);
    let mut cmdline = Vec::new();
    for a in argv {
        cmdline.extend_from_slice(a.as_bytes());
        cmdline.push(0);
    }
    let name = path.rsplit('/').next().unwrap_or(path).into();
    Ok(Loaded { space, frame, brk: end, cmdline, name })
}

/// Writes strings, AT_RANDOM bytes and the argc/argv/envp/auxv block below
/// STACK_TOP (through the active space); returns the 16-aligned sp.
fn build_stack(elf: &Elf, path: &str, argv: &[&str], envp: &[&str]) -> Result<u64, Errno> {
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
    let mut top = STACK_TOP;
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
    let auxv: [(u64, u64); 15] = [
        (AT_PHDR, phdr),
        (AT_PHENT, elf.phentsize as u64),
        (AT_PHNUM, elf.phnum as u64),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_BASE, 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, elf.entry),
        (AT_UID, 0),
        (AT_EUID, 0),
        (AT_GID, 0),
        (AT_EGID, 0),
        (AT_HWCAP, 0),
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
