//! `struct timespec` and `struct timeval` (arm64: two 64-bit fields).

use kernel_abi::Errno;

use crate::mm::usercopy::UserValue;

const NS_PER_SEC: u64 = 1_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timespec {
    pub sec: i64,
    pub nsec: i64,
}

impl Timespec {
    pub fn from_ns(ns: u64) -> Timespec {
        Timespec { sec: (ns / NS_PER_SEC) as i64, nsec: (ns % NS_PER_SEC) as i64 }
    }

    /// The duration or instant in nanoseconds: EINVAL for a negative second
    /// count or nanoseconds outside 0..1e9, as Linux's `timespec64_valid`.
    pub fn to_ns(self) -> Result<u64, Errno> {
        if self.sec < 0 || !(0..NS_PER_SEC as i64).contains(&self.nsec) {
            return Err(Errno::EINVAL);
        }
        Ok((self.sec as u64).saturating_mul(NS_PER_SEC).saturating_add(self.nsec as u64))
    }
}

impl UserValue for Timespec {
    const SIZE: usize = 16;
    fn decode(b: &[u8]) -> Self {
        Timespec { sec: i64::decode(&b[..8]), nsec: i64::decode(&b[8..16]) }
    }
    fn encode(&self, b: &mut [u8]) {
        self.sec.encode(&mut b[..8]);
        self.nsec.encode(&mut b[8..16]);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeval {
    pub sec: i64,
    pub usec: i64,
}

impl Timeval {
    pub fn from_ns(ns: u64) -> Timeval {
        Timeval { sec: (ns / NS_PER_SEC) as i64, usec: ((ns / 1000) % 1_000_000) as i64 }
    }
}

impl UserValue for Timeval {
    const SIZE: usize = 16;
    fn decode(b: &[u8]) -> Self {
        Timeval { sec: i64::decode(&b[..8]), usec: i64::decode(&b[8..16]) }
    }
    fn encode(&self, b: &mut [u8]) {
        self.sec.encode(&mut b[..8]);
        self.usec.encode(&mut b[8..16]);
    }
}
