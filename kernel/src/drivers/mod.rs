//! Device drivers (safe code over `arch::mmio`; the virtio HAL is the one
//! unsafe module here).

pub mod uart_pl011;
pub mod virtio;
