//! `AT_HWCAP` bits (arm64 `include/uapi/asm/hwcap.h`) from the CPU's ID
//! registers, and their `/proc/cpuinfo` names. Only features user space can
//! really use count: `evtstrm` (the timer event stream) and `cpuid` (EL0
//! reads of ID registers, emulated on a trap) need kernel support that is
//! not there, so they are never reported.

pub const HWCAP_FP: u64 = 1 << 0;
pub const HWCAP_ASIMD: u64 = 1 << 1;
pub const HWCAP_AES: u64 = 1 << 3;
pub const HWCAP_PMULL: u64 = 1 << 4;
pub const HWCAP_SHA1: u64 = 1 << 5;
pub const HWCAP_SHA2: u64 = 1 << 6;
pub const HWCAP_CRC32: u64 = 1 << 7;
pub const HWCAP_ATOMICS: u64 = 1 << 8;

/// Names in `/proc/cpuinfo`'s `Features` order.
const NAMES: &[(u64, &str)] = &[
    (HWCAP_FP, "fp"),
    (HWCAP_ASIMD, "asimd"),
    (HWCAP_AES, "aes"),
    (HWCAP_PMULL, "pmull"),
    (HWCAP_SHA1, "sha1"),
    (HWCAP_SHA2, "sha2"),
    (HWCAP_CRC32, "crc32"),
    (HWCAP_ATOMICS, "atomics"),
];

/// The bits `ID_AA64ISAR0_EL1` and `ID_AA64PFR0_EL1` give.
pub fn from_id_registers(isar0: u64, pfr0: u64) -> u64 {
    let field = |reg: u64, shift: u32| (reg >> shift) & 0xf;
    let mut caps = 0;
    // PFR0.FP and .AdvSIMD: 0 (or 1, with half precision) present, 0xf absent.
    if field(pfr0, 16) != 0xf {
        caps |= HWCAP_FP;
    }
    if field(pfr0, 20) != 0xf {
        caps |= HWCAP_ASIMD;
    }
    match field(isar0, 4) {
        1 => caps |= HWCAP_AES,
        2.. => caps |= HWCAP_AES | HWCAP_PMULL,
        _ => {}
    }
    if field(isar0, 8) >= 1 {
        caps |= HWCAP_SHA1;
    }
    if field(isar0, 12) >= 1 {
        caps |= HWCAP_SHA2;
    }
    if field(isar0, 16) >= 1 {
        caps |= HWCAP_CRC32;
    }
    if field(isar0, 20) >= 2 {
        caps |= HWCAP_ATOMICS;
    }
    caps
}

/// The names of `caps`, space-separated (the `Features` line).
pub fn names(caps: u64, mut push: impl FnMut(&'static str)) {
    for &(bit, name) in NAMES {
        if caps & bit != 0 {
            push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cortex_a72_with_crypto() {
        // QEMU's cortex-a72: ISAR0 0x11120, PFR0 0x2222.
        let caps = from_id_registers(0x11120, 0x2222);
        assert_eq!(alloc_free_names(caps), ["fp", "asimd", "aes", "pmull", "sha1", "sha2", "crc32", ""]);
    }

    #[test]
    fn no_fp_no_simd_no_crypto() {
        assert_eq!(from_id_registers(0, 0xff << 16), 0);
    }

    fn alloc_free_names(caps: u64) -> [&'static str; 8] {
        let mut out = [""; 8];
        let mut i = 0;
        names(caps, |n| {
            out[i] = n;
            i += 1;
        });
        out
    }
}
