//! GICv3: distributor, this CPU's redistributor and the system-register
//! CPU interface. Group 1 non-secure interrupts only.

use core::arch::asm;

use super::mmio::Mmio;

pub struct Gic {
    dist: Mmio,
    /// This CPU's redistributor: RD_base (64 KiB) then SGI_base (64 KiB).
    redist: Mmio,
}

const GICD_CTLR: u64 = 0x0;
const GICD_TYPER: u64 = 0x4;
const GICD_IGROUPR: u64 = 0x80;
const GICD_ISENABLER: u64 = 0x100;
const GICD_IPRIORITYR: u64 = 0x400;
const GICD_ICFGR: u64 = 0xc00;
const GICD_IROUTER: u64 = 0x6000;
const GICR_WAKER: u64 = 0x14;
const SGI_BASE: u64 = 0x10000;

const PRIORITY: u8 = 0xa0;
/// Spurious interrupt IDs returned by IAR.
pub const SPURIOUS: u32 = 1020;

impl Gic {
    /// Brings up the GIC from its DTB `reg` windows (distributor,
    /// redistributors). Safe: the windows go through `Mmio::new`, which
    /// accepts only the device region.
    pub fn init(dist: (u64, u64), redist: (u64, u64)) -> Option<Gic> {
        let gic = Gic { dist: Mmio::new(dist.0, dist.1)?, redist: Mmio::new(redist.0, 0x20000)? };
        // Distributor: affinity routing, group 1 enabled.
        gic.dist.write32(GICD_CTLR, (1 << 4) | (1 << 1) | 1);
        // Wake this CPU's redistributor.
        let waker = gic.redist.read32(GICR_WAKER);
        gic.redist.write32(GICR_WAKER, waker & !(1 << 1));
        let mut spins = 0;
        while gic.redist.read32(GICR_WAKER) & (1 << 2) != 0 {
            spins += 1;
            if spins > 1_000_000 {
                return None;
            }
        }
        // SGIs and PPIs: group 1.
        gic.redist.write32(SGI_BASE + 0x80, u32::MAX);
        // SAFETY: the CPU interface system registers exist on a GICv3
        // machine (the DTB said arm,gic-v3) and are enabled for EL1 (boot.S).
        unsafe {
            asm!(
                "mrs {t}, S3_0_C12_C12_5", // ICC_SRE_EL1
                "orr {t}, {t}, #1",
                "msr S3_0_C12_C12_5, {t}",
                "isb",
                "msr S3_0_C4_C6_0, {pmr}", // ICC_PMR_EL1: allow all priorities
                "msr S3_0_C12_C12_3, xzr", // ICC_BPR1_EL1
                "msr S3_0_C12_C12_7, {one}", // ICC_IGRPEN1_EL1
                "isb",
                t = out(reg) _,
                pmr = in(reg) 0xffu64,
                one = in(reg) 1u64,
                options(nostack),
            );
        }
        Some(gic)
    }

    /// Number of interrupt lines the distributor implements (safe: a
    /// register read).
    pub fn lines(&self) -> u32 {
        ((self.dist.read32(GICD_TYPER) & 0x1f) + 1) * 32
    }

    /// Makes SPI `intid` edge-triggered (as the DTB declares virtio-mmio's
    /// interrupts), then enables it. Safe: as `enable`.
    pub fn enable_edge(&self, intid: u32) {
        if intid >= 32 {
            let reg = GICD_ICFGR + (intid / 16) as u64 * 4;
            let cfg = self.dist.read32(reg);
            self.dist.write32(reg, cfg | 2 << (2 * (intid % 16)));
        }
        self.enable(intid);
    }

    /// Enables interrupt `intid` (PPI: this CPU; SPI: routed to CPU 0).
    /// Safe: an interrupt with no driver is acknowledged and ignored.
    pub fn enable(&self, intid: u32) {
        let (reg, bit) = ((intid / 32) as u64 * 4, 1u32 << (intid % 32));
        if intid < 32 {
            self.redist.write8(SGI_BASE + GICD_IPRIORITYR + intid as u64, PRIORITY);
            self.redist.write32(SGI_BASE + GICD_ISENABLER, bit);
        } else {
            let group = self.dist.read32(GICD_IGROUPR + reg);
            self.dist.write32(GICD_IGROUPR + reg, group | bit);
            self.dist.write8(GICD_IPRIORITYR + intid as u64, PRIORITY);
            self.dist.write64(GICD_IROUTER + 8 * intid as u64, 0);
            self.dist.write32(GICD_ISENABLER + reg, bit);
        }
    }
}

/// Acknowledges the highest-priority pending interrupt (safe: a system
/// register access; the caller ends it with `eoi`).
pub fn ack() -> u32 {
    let intid: u64;
    // SAFETY: reading ICC_IAR1_EL1 acknowledges the interrupt; the caller ends it with `eoi`.
    unsafe { asm!("mrs {}, S3_0_C12_C12_0", out(reg) intid, options(nomem, nostack)) };
    intid as u32
}

/// Ends handling of `intid` (safe: a system register write).
pub fn eoi(intid: u32) {
    // SAFETY: writing ICC_EOIR1_EL1 with an acknowledged ID drops its priority.
    unsafe { asm!("msr S3_0_C12_C12_1, {}", in(reg) intid as u64, options(nomem, nostack)) };
}
