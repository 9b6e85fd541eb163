//! Memory management: physical frames (unsafe allowed for one declaration:
//! `free` is an `unsafe fn`, it has no unsafe block), the kernel heap
//! (unsafe allowed), page tables (unsafe allowed), user memory access
//! (unsafe allowed).
//! Every `pub` function of the unsafe modules is sound for any caller and
//! says why in its doc; what is not is an `unsafe fn` with `# Safety`.

#[allow(unsafe_code)]
pub mod frame;
#[allow(unsafe_code)]
pub mod heap;
#[allow(unsafe_code)]
pub mod page_table;
#[allow(unsafe_code)]
pub mod usercopy;
