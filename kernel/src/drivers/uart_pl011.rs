//! ARM PL011 UART: the console. Polled transmit; receive by interrupt into
//! a small ring (read by the console TTY).

use crate::arch::mmio::Mmio;

const DR: u64 = 0x00;
const FR: u64 = 0x18;
const IBRD: u64 = 0x24;
const FBRD: u64 = 0x28;
const LCRH: u64 = 0x2c;
const CR: u64 = 0x30;
const IMSC: u64 = 0x38;
const ICR: u64 = 0x44;

const FR_TXFF: u32 = 1 << 5;
const FR_RXFE: u32 = 1 << 4;

/// QEMU virt's PL011, used before the DTB is read.
pub const EARLY_BASE: u64 = 0x0900_0000;

pub struct Pl011 {
    regs: Mmio,
}

impl Pl011 {
    pub fn new(base: u64, size: u64) -> Option<Pl011> {
        Some(Pl011 { regs: Mmio::new(base, size.max(0x1000))? })
    }

    /// 8N1, FIFOs on, transmit and receive enabled, receive interrupts on.
    pub fn init(&self) {
        self.regs.write32(CR, 0);
        self.regs.write32(ICR, 0x7ff);
        // 115200 baud at 24 MHz (QEMU ignores the divisor).
        self.regs.write32(IBRD, 13);
        self.regs.write32(FBRD, 1);
        self.regs.write32(LCRH, (3 << 5) | (1 << 4));
        // RX and RX-timeout interrupts.
        self.regs.write32(IMSC, (1 << 4) | (1 << 6));
        self.regs.write32(CR, (1 << 9) | (1 << 8) | 1);
    }

    pub fn put(&self, byte: u8) {
        while self.regs.read32(FR) & FR_TXFF != 0 {
            core::hint::spin_loop();
        }
        self.regs.write32(DR, byte as u32);
    }

    pub fn write(&self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\n' {
                self.put(b'\r');
            }
            self.put(b);
        }
    }

    /// Bytes as they are (the TTY did the output processing).
    pub fn write_raw(&self, bytes: &[u8]) {
        for &b in bytes {
            self.put(b);
        }
    }

    /// A received byte, if one is waiting.
    pub fn get(&self) -> Option<u8> {
        if self.regs.read32(FR) & FR_RXFE != 0 {
            None
        } else {
            Some(self.regs.read32(DR) as u8)
        }
    }

    /// Clears the receive interrupt (after draining with `get`).
    pub fn clear_interrupts(&self) {
        self.regs.write32(ICR, (1 << 4) | (1 << 6));
    }
}
