//! virtio devices on the `virtio,mmio` transports the DTB lists. Every
//! node is asked for its magic and device ID (QEMU virt has 32 windows,
//! most empty, and places `-device` entries at decreasing addresses), so
//! no slot is ever assumed. Disks are named `vda`, `vdb`, ... from the
//! highest window down: the order of the `-device` options, as Linux names
//! the same disks on the PCI transport.

pub mod blk;
#[allow(unsafe_code)]
pub mod hal;
pub mod net;

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kernel_fdt::Node;
use spin::Once;
use virtio_drivers::transport::DeviceType;

use self::blk::Disk;
use self::net::NetDev;

static DISKS: Once<Vec<Arc<Disk>>> = Once::new();
static NET: Once<Option<Arc<NetDev>>> = Once::new();

/// The first virtio-net device (eth0), if the machine has one.
pub fn net() -> Option<&'static Arc<NetDev>> {
    NET.get().and_then(|n| n.as_ref())
}

/// The virtio-blk disks found at boot, `vda` first.
pub fn disks() -> &'static [Arc<Disk>] {
    DISKS.get().map_or(&[], |d| d.as_slice())
}

/// Probes every `virtio,mmio` node once (at boot) and brings up the
/// block devices; `enable_irq` turns on each device's interrupt (edge).
pub fn probe(nodes: &[Node], enable_irq: impl Fn(u32)) {
    let mut net = None;
    DISKS.call_once(|| {
        let mut nodes: Vec<Node> = nodes.to_vec();
        nodes.sort_by_key(|n| core::cmp::Reverse(n.reg.map_or(0, |r| r.0)));
        let mut disks = Vec::new();
        for node in nodes {
            let Some((base, size)) = node.reg else { continue };
            let Ok((transport, kind)) = hal::mmio_transport(base, size) else { continue };
            if kind == DeviceType::Network && net.is_none() {
                let Some(intid) = node.interrupt.and_then(|i| i.intid()) else { continue };
                match NetDev::new(transport, intid) {
                    Ok(dev) => {
                        let m = dev.mac;
                        printk!(
                            "virtio-net eth0: MAC {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x} at {base:#x}, irq {intid}",
                            m[0],
                            m[1],
                            m[2],
                            m[3],
                            m[4],
                            m[5]
                        );
                        enable_irq(intid);
                        net = Some(Arc::new(dev));
                    }
                    Err(e) => printk!(crate::printk::LEVEL_ERR, "virtio-net at {base:#x}: cannot start: {e:?}"),
                }
                continue;
            }
            if kind != DeviceType::Block {
                continue;
            }
            let Some(intid) = node.interrupt.and_then(|i| i.intid()) else {
                printk!(crate::printk::LEVEL_WARNING, "virtio-blk at {base:#x}: no interrupt in the device tree");
                continue;
            };
            let name = format!("vd{}", (b'a' + disks.len() as u8) as char);
            match hal::BlkQueue::new(transport) {
                Ok(queue) => {
                    let disk = Disk::new(name, intid, queue);
                    printk!(
                        "virtio-blk {}: {} sectors ({} MiB){} at {base:#x}, irq {intid}",
                        disk.name,
                        disk.sectors,
                        disk.sectors / 2048,
                        if disk.readonly { ", read-only" } else { "" }
                    );
                    enable_irq(intid);
                    disks.push(Arc::new(disk));
                }
                Err(e) => printk!(crate::printk::LEVEL_ERR, "virtio-blk at {base:#x}: cannot start: {e:?}"),
            }
            if disks.len() == 26 {
                break;
            }
        }
        disks
    });
    NET.call_once(|| net);
}

/// Routes a device interrupt; false when no virtio device owns `intid`.
pub fn interrupt(intid: u32) -> bool {
    let mut owned = false;
    for d in disks().iter().filter(|d| d.intid == intid) {
        d.interrupt();
        owned = true;
    }
    if let Some(n) = net().filter(|n| n.intid == intid) {
        n.ack_interrupt();
        crate::net::poll();
        owned = true;
    }
    owned
}
