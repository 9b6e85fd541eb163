//! Device drivers (safe code over `arch::mmio`; the virtio HAL is the one
//! unsafe module here).

pub mod rtc_pl031;
pub mod uart_pl011;
pub mod virtio;
