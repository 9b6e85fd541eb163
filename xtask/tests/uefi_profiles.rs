//! The UEFI profiles' failure patterns on real firmware and loader lines:
//! each failure is caught at once, and nothing a good boot prints is.

use xtask::config::{Boot, Workspace};

/// Lines a broken UEFI boot prints (AAVMF, OVMF, EDK II, systemd-boot).
const FAILURES: &[&str] = &[
    "Synchronous Exception at 0x000000005C2B1234",
    "!!!! X64 Exception Type - 0D(#GP - General Protection)  CPU Apic ID - 00000000 !!!!",
    "ASSERT [BdsDxe] /build/edk2/MdeModulePkg/Universal/BdsDxe/BdsEntry.c(123): !EFI_ERROR (Status)",
    r#"BdsDxe: failed to load Boot0001 "UEFI Misc Device" from PciRoot(0x0)/Pci(0x1,0x0): Not Found"#,
    "UEFI Interactive Shell v2.2",
    "BdsDxe: No bootable option or device was found.",
    r"Error loading \xtask\linux: Not Found",
];

/// Lines of a good boot that look alarming but are not failures.
const FINE: &[&str] = &[
    "UEFI firmware (version  built at 13:10:49 on Nov  5 2024)",
    r#"BdsDxe: loading Boot0001 "UEFI Non-Block Boot Device" from PciRoot(0x0)/Pci(0x3,0x0)"#,
    "EFI stub: EFI_RNG_PROTOCOL unavailable",
    "EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path",
    "<6>[    0.000000] efi: EFI v2.70 by EDK II",
    "<4>[    0.012345] ACPI: Early table checksum verification disabled",
];

#[test]
fn firmware_failures_match_and_good_boot_lines_do_not() {
    let ws = Workspace::load(&xtask::project::root()).unwrap();
    for name in ["linux-aarch64-uefi", "linux-x86_64-uefi"] {
        let p = ws.profile(name).unwrap();
        assert!(matches!(p.boot, Boot::Uefi(_)), "{name} boots through UEFI");
        let caught = |line: &str| p.console.panic.iter().any(|re| re.is_match(line));
        for line in FAILURES {
            // The AArch64 exception text is AAVMF's; the x64 one OVMF's.
            let other_arch = (name.contains("x86") && line.starts_with("Synchronous"))
                || (name.contains("aarch64") && line.contains("X64"));
            assert!(caught(line) || other_arch, "{name} misses the failure {line:?}");
        }
        for line in FINE {
            assert!(!caught(line), "{name} takes a good boot line for a failure: {line:?}");
        }
        assert!(p.has_capability("uefi"));
    }
}
