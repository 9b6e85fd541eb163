//! mmap(2): anonymous mappings, private or shared (/dev/zero maps as
//! anonymous memory, as Linux), private copies of regular files and
//! MAP_SHARED mappings of them (the file's own pages: fs::filemap);
//! PROT_NONE, MAP_FIXED and MAP_FIXED_NOREPLACE. The work is in
//! process::memory. Flag bits Linux
//! does not know are ignored, as Linux does (MAP_SHARED_VALIDATE, a file
//! mapping's type only, rejects them: EOPNOTSUPP).

use kernel_abi::auxv::{MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_EXEC, PROT_READ, PROT_WRITE};
use kernel_abi::Errno;

use super::args::Fd;
use super::current::current;
use super::SyscallResult;
use crate::fs::dev::Device;
use crate::fs::file::Kind;
use crate::mm::page_table::UserPerms;
use crate::process::memory::Content;
use crate::process::{self, MapRequest, Placement};

const MAP_SHARED_VALIDATE: u64 = 0x03;
const MAP_GROWSDOWN: u64 = 0x100;
const MAP_HUGETLB: u64 = 0x4_0000;
const MAP_SYNC: u64 = 0x8_0000;
const MAP_FIXED_NOREPLACE: u64 = 0x10_0000;
/// Every flag Linux knows (MAP_SHARED_VALIDATE rejects the others).
const MAP_KNOWN: u64 = 0x03
    | MAP_FIXED
    | MAP_ANONYMOUS
    | MAP_GROWSDOWN
    | 0x800 // MAP_DENYWRITE
    | 0x1000 // MAP_EXECUTABLE
    | 0x2000 // MAP_LOCKED
    | 0x4000 // MAP_NORESERVE
    | 0x8000 // MAP_POPULATE
    | 0x1_0000 // MAP_NONBLOCK
    | 0x2_0000 // MAP_STACK
    | MAP_HUGETLB
    | MAP_SYNC
    | MAP_FIXED_NOREPLACE
    | 0x3f << 26; // MAP_UNINITIALIZED, huge page sizes

/// `prot` and `flags` are `unsigned long` in the kernel's prototype.
pub fn sys_mmap(addr: u64, len: usize, prot: u64, flags: u64, fd: Fd, off: i64) -> SyscallResult {
    let shared = match flags & 0x0f {
        MAP_PRIVATE => false,
        MAP_SHARED => true,
        // Anonymous memory knows only MAP_SHARED and MAP_PRIVATE (Linux's
        // do_mmap: any other type, MAP_SHARED_VALIDATE included, is EINVAL).
        MAP_SHARED_VALIDATE if flags & MAP_ANONYMOUS != 0 => return Err(Errno::EINVAL),
        MAP_SHARED_VALIDATE if flags & !MAP_KNOWN != 0 => return Err(Errno::EOPNOTSUPP),
        MAP_SHARED_VALIDATE => true,
        _ => return Err(Errno::EINVAL),
    };
    if flags & MAP_SYNC != 0 && flags & 0x0f == MAP_SHARED_VALIDATE {
        // Only DAX files support it.
        return Err(Errno::EOPNOTSUPP);
    }
    if off % 4096 != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MAP_HUGETLB != 0 {
        // No huge pages are reserved (Linux's default: nr_hugepages 0).
        return Err(Errno::ENOMEM);
    }
    if flags & MAP_GROWSDOWN != 0 {
        return Err(Errno::EINVAL);
    }
    let placement = if flags & MAP_FIXED_NOREPLACE != 0 {
        Placement::FixedNoReplace(addr)
    } else if flags & MAP_FIXED != 0 {
        Placement::Fixed(addr)
    } else if addr != 0 {
        Placement::Hint(addr)
    } else {
        Placement::Any
    };
    let req = MapRequest {
        placement,
        len: len as u64,
        perms: UserPerms { write: prot & PROT_WRITE != 0, exec: prot & PROT_EXEC != 0 },
        none: prot & (PROT_READ | PROT_WRITE | PROT_EXEC) == 0,
        shared,
    };
    let content = if flags & MAP_ANONYMOUS != 0 {
        Content::Anonymous
    } else {
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        let file = current().file(fd)?;
        // /dev/zero: anonymous memory, private or shared (Linux's
        // mmap_zero; a shared one is shmem, kept shared across fork).
        if matches!(file.kind, Kind::Device(Device::Zero)) {
            if !file.readable() || (shared && prot & PROT_WRITE != 0 && !file.writable()) {
                return Err(Errno::EACCES);
            }
            return current().with(|p| process::mmap(p, &req, Content::Anonymous)).map(|a| a as usize);
        }
        // A negative offset is EINVAL by the alignment rule's sign (Linux:
        // an unsigned page offset that overflows), never a huge read.
        let off = u64::try_from(off).map_err(|_| Errno::EINVAL)?;
        // Linux: a writable MAP_SHARED mapping needs a descriptor open
        // for writing (EACCES), checked before anything else about it.
        if shared && prot & PROT_WRITE != 0 && !file.writable() {
            return Err(Errno::EACCES);
        }
        process::memory::file_pages(&file, off, len as u64, shared)?
    };
    current().with(|p| process::mmap(p, &req, content)).map(|a| a as usize)
}
