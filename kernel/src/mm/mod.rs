//! Memory management: physical frames, page tables (unsafe allowed), user
//! memory access (unsafe allowed).

pub mod frame;
#[allow(unsafe_code)]
pub mod page_table;
#[allow(unsafe_code)]
pub mod usercopy;
