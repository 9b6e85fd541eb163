//! Device drivers (safe code over `arch::mmio`).

pub mod uart_pl011;
