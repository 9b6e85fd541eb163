//! What the boot protocol handed over, read from the DTB: RAM, devices,
//! the initrd and the command line.

use kernel_fdt::{be_cells, Fdt};

use crate::arch::layout;

#[derive(Debug, Clone, Copy, Default)]
pub struct BootInfo {
    pub dtb: (u64, u64),
    /// The DTB's bytes (lent for good: `layout::boot_blob`), for drivers
    /// that look up their nodes after boot (virtio).
    pub dtb_data: &'static [u8],
    pub ram: (u64, u64),
    pub uart: Option<(u64, u64)>,
    /// The PL031 real-time clock's registers.
    pub rtc: Option<(u64, u64)>,
    pub gic_dist: Option<(u64, u64)>,
    pub gic_redist: Option<(u64, u64)>,
    pub initrd: Option<(u64, u64)>,
    /// The initrd's bytes, borrowed now: boot blobs can be borrowed only
    /// before the frame allocator starts (`layout::boot_blob`).
    pub initrd_data: Option<&'static [u8]>,
    pub cmdline: &'static str,
}

#[derive(Debug)]
pub enum BootError {
    NoDtb(#[allow(dead_code)] u64),
    /// The initrd range is not RAM the kernel can lend out.
    BadInitrd(#[allow(dead_code)] (u64, u64)),
    BadDtb(#[allow(dead_code)] kernel_fdt::Error),
    NoMemory,
}

pub fn parse(dtb_pa: u64) -> Result<BootInfo, BootError> {
    let header = layout::boot_blob(dtb_pa, 40).ok_or(BootError::NoDtb(dtb_pa))?;
    let size = kernel_fdt::total_size(header).map_err(BootError::BadDtb)?;
    let blob = layout::boot_blob(dtb_pa, size).ok_or(BootError::NoDtb(dtb_pa))?;
    let fdt = Fdt::new(blob).map_err(BootError::BadDtb)?;
    let mut mem = [(0, 0); 4];
    let n = fdt.memory(&mut mem).map_err(BootError::BadDtb)?;
    let ram = *mem[..n].iter().max_by_key(|m| m.1).ok_or(BootError::NoMemory)?;
    let mut gic = [(0, 0); 2];
    let gic_n = fdt.regs_of_compatible("arm,gic-v3", &mut gic).map_err(BootError::BadDtb)?;
    let initrd = match (
        fdt.property("chosen", "linux,initrd-start").map_err(BootError::BadDtb)?.and_then(be_cells),
        fdt.property("chosen", "linux,initrd-end").map_err(BootError::BadDtb)?.and_then(be_cells),
    ) {
        (Some(s), Some(e)) if e > s => Some((s, e)),
        _ => None,
    };
    let initrd_data = match initrd {
        Some((start, end)) => {
            Some(layout::boot_blob(start, (end - start) as usize).ok_or(BootError::BadInitrd((start, end)))?)
        }
        None => None,
    };
    let cmdline = fdt
        .property("chosen", "bootargs")
        .map_err(BootError::BadDtb)?
        .and_then(|v| core::str::from_utf8(v.strip_suffix(&[0]).unwrap_or(v)).ok())
        .unwrap_or("");
    Ok(BootInfo {
        dtb: (dtb_pa, size as u64),
        dtb_data: blob,
        ram,
        uart: fdt.reg_of_compatible("arm,pl011").map_err(BootError::BadDtb)?,
        rtc: fdt.reg_of_compatible("arm,pl031").map_err(BootError::BadDtb)?,
        gic_dist: (gic_n >= 1).then_some(gic[0]),
        gic_redist: (gic_n >= 2).then_some(gic[1]),
        initrd,
        initrd_data,
        cmdline,
    })
}
