//! Character devices: the console TTY, null, zero, (u)random.

use kernel_abi::Errno;
use spin::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// /dev/console, /dev/tty, /dev/ttyAMA0: the PL011 through the line discipline.
    Console,
    Null,
    Zero,
    Random,
}

impl Device {
    /// The device a `(major, minor)` pair names, as Linux numbers them.
    pub fn from_numbers(major: u32, minor: u32) -> Option<Device> {
        match (major, minor) {
            (1, 3) => Some(Device::Null),
            (1, 5) => Some(Device::Zero),
            (1, 8) | (1, 9) => Some(Device::Random),
            (5, 0) | (5, 1) | (204, 64) => Some(Device::Console),
            _ => None,
        }
    }

    pub fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        match self {
            Device::Console => crate::tty::read(buf, nonblock),
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

    pub fn write(&self, data: &[u8]) -> Result<usize, Errno> {
        match self {
            Device::Console => Ok(crate::tty::write(data)),
            Device::Null | Device::Zero | Device::Random => Ok(data.len()),
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
