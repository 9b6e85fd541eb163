//! Links the kernel with `link.ld` (the memory layout lives there).
//!
//! The script is copied into OUT_DIR and linked from there: the xtask
//! cache shares one target directory between checkouts of the workspace
//! (worktrees), and cargo reuses this script's output across them, so a
//! path into one checkout would outlive it.
fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let script = std::path::Path::new(&out).join("link.ld");
    std::fs::copy("link.ld", &script).expect("copy link.ld into OUT_DIR");
    println!("cargo:rustc-link-arg-bins=-T{}", script.display());
    println!("cargo:rerun-if-changed=link.ld");
    println!("cargo:rerun-if-changed=src/arch/aarch64/boot.S");
    println!("cargo:rerun-if-changed=src/arch/aarch64/vectors.S");
    println!("cargo:rerun-if-changed=src/arch/aarch64/usercopy.S");
}
