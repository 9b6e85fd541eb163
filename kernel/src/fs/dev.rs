//! Character devices: terminals (the console, /dev/tty, PTYs), null,
//! zero, (u)random.

use alloc::sync::Arc;

use kernel_abi::Errno;
use spin::Mutex;

use crate::tty::pty::Pty;

#[derive(Clone)]
pub enum Device {
    /// /dev/console, /dev/ttyAMA0: the PL011 through the line discipline.
    Console,
    /// /dev/tty: opens the caller's controlling terminal (`tty::open_node`).
    ControllingTty,
    /// /dev/ptmx: opening it makes a new PTY pair (`tty::open_node`).
    Ptmx,
    PtyMaster(Arc<Pty>),
    /// /dev/pts/N.
    PtySlave(Arc<Pty>),
    Null,
    Zero,
    Random,
}

impl Device {
    /// The device a `(major, minor)` pair names, as Linux numbers them
    /// (major 136: the slave of the live PTY pair with that index).
    pub fn from_numbers(major: u32, minor: u32) -> Option<Device> {
        match (major, minor) {
            (136, index) => crate::tty::pty::by_index(index).map(Device::PtySlave),
            (1, 3) => Some(Device::Null),
            (1, 5) => Some(Device::Zero),
            (1, 8) | (1, 9) => Some(Device::Random),
            (5, 0) => Some(Device::ControllingTty),
            (5, 1) | (204, 64) => Some(Device::Console),
            (5, 2) => Some(Device::Ptmx),
            _ => None,
        }
    }

    pub fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        match self {
            Device::Console => crate::tty::console::read(buf, nonblock),
            Device::PtyMaster(p) => p.master_read(buf, nonblock),
            Device::PtySlave(p) => p.slave_read(buf, nonblock),
            // Opened as something else (`tty::open_node`): only reachable
            // through a node opened before it existed, which cannot happen.
            Device::ControllingTty | Device::Ptmx => Err(Errno::ENXIO),
            Device::Null => Ok(0),
            Device::Zero => {
                buf.fill(0);
                Ok(buf.len())
            }
            Device::Random => {
                fill_random(buf);
                Ok(buf.len())
            }
        }
    }

    pub fn write(&self, data: &[u8], nonblock: bool) -> Result<usize, Errno> {
        match self {
            Device::Console => crate::tty::console::write(data),
            Device::PtyMaster(p) => p.master_write(data, nonblock),
            Device::PtySlave(p) => p.slave_write(data, nonblock),
            Device::ControllingTty | Device::Ptmx => Err(Errno::ENXIO),
            Device::Null | Device::Zero | Device::Random => Ok(data.len()),
        }
    }

    /// poll(2) readiness (POLLIN 1, POLLOUT 4, POLLERR 8, POLLHUP 16).
    pub fn poll(&self) -> u16 {
        match self {
            Device::Console => (if crate::tty::console::readable() { 1 } else { 0 }) | 4,
            Device::PtyMaster(p) => p.master_poll(),
            Device::PtySlave(p) => p.slave_poll(),
            _ => 1 | 4,
        }
    }

    /// The terminal behind this device, if it is one.
    pub fn tty(&self) -> Option<(crate::tty::TtyRef, bool)> {
        use crate::tty::TtyRef;
        match self {
            Device::Console => Some((TtyRef::Console, false)),
            Device::PtyMaster(p) => Some((TtyRef::Pty(p.clone()), true)),
            Device::PtySlave(p) => Some((TtyRef::Pty(p.clone()), false)),
            _ => None,
        }
    }
}

/// xorshift128+ seeded from the counter at first use and stirred with it on
/// every call: unpredictable enough for a test kernel, not cryptographic.
static RNG: Mutex<(u64, u64)> = Mutex::new((0, 0));

pub fn fill_random(buf: &mut [u8]) {
    let mut s = RNG.lock();
    let now = crate::arch::timer::counter();
    if s.0 == 0 && s.1 == 0 {
        *s = (now | 1, now.rotate_left(29) ^ 0x9e37_79b9_7f4a_7c15);
    }
    s.1 ^= now;
    for chunk in buf.chunks_mut(8) {
        let (mut x, y) = *s;
        x ^= x << 23;
        x ^= x >> 17;
        x ^= y ^ (y >> 26);
        *s = (y, x);
        let v = x.wrapping_add(y).to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}
