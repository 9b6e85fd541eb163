//! `inherits`: a child profile's values over its parent's, key by key.
//! Sections merge field by field; lists and the kernel source are replaced
//! whole (mixing two kernel sources or half a list makes no sense).

use super::raw::*;

/// `child` over `parent`.
pub(super) fn merge(child: RawProfile, parent: RawProfile) -> RawProfile {
    RawProfile {
        inherits: child.inherits,
        is_abstract: child.is_abstract,
        description: child.description.or(parent.description),
        arch: child.arch.or(parent.arch),
        boot: child.boot.or(parent.boot),
        uefi: merge_opt(child.uefi, parent.uefi, |c, p| RawUefi {
            code: c.code.or(p.code),
            vars: c.vars.or(p.vars),
            loader_version: c.loader_version.or(p.loader_version),
        }),
        qemu: merge_opt(child.qemu, parent.qemu, |c, p| RawQemu {
            binary: c.binary.or(p.binary),
            machine: c.machine.or(p.machine),
            cpu: c.cpu.or(p.cpu),
            smp: c.smp.or(p.smp),
            memory_mib: c.memory_mib.or(p.memory_mib),
            accel: c.accel.or(p.accel),
            virtio_transport: c.virtio_transport.or(p.virtio_transport),
            firmware: c.firmware.or(p.firmware),
            extra_args: c.extra_args.or(p.extra_args),
        }),
        // A kernel source is replaced whole: mixing two sources makes no sense.
        kernel: child.kernel.or(parent.kernel),
        cmdline: child.cmdline.or(parent.cmdline),
        rootfs: merge_opt(child.rootfs, parent.rootfs, |c, p| RawRootfs {
            busybox_config: c.busybox_config.or(p.busybox_config),
            overlays: c.overlays.or(p.overlays),
            modules: c.modules.or(p.modules),
            test_programs: c.test_programs.or(p.test_programs),
        }),
        disks: child.disks.or(parent.disks),
        network: merge_opt(child.network, parent.network, |c, p| RawNetwork {
            mode: c.mode.or(p.mode),
            forwards: c.forwards.or(p.forwards),
        }),
        console: merge_opt(child.console, parent.console, |c, p| RawConsole {
            prompt: c.prompt.or(p.prompt),
            panic: c.panic.or(p.panic),
            noise: c.noise.or(p.noise),
            warning: c.warning.or(p.warning),
            setup: c.setup.or(p.setup),
            transcript_limit_kib: c.transcript_limit_kib.or(p.transcript_limit_kib),
        }),
        boot_markers: child.boot_markers.or(parent.boot_markers),
        timeouts: merge_opt(child.timeouts, parent.timeouts, |c, p| RawTimeouts {
            boot: c.boot.or(p.boot),
            step: c.step.or(p.step),
            test: c.test.or(p.test),
        }),
        capabilities: child.capabilities.or(parent.capabilities),
    }
}

fn merge_opt<T>(child: Option<T>, parent: Option<T>, f: impl FnOnce(T, T) -> T) -> Option<T> {
    match (child, parent) {
        (Some(c), Some(p)) => Some(f(c, p)),
        (c, p) => c.or(p),
    }
}
