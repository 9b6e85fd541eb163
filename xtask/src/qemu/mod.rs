//! QEMU: the command line (pure), the live process, QMP and accelerator choice.

pub mod accel;
pub mod cmdline;
pub mod disks;
pub mod process;
pub mod qmp;
pub mod snapshot;
