//! The `data` string of mount(2) for the in-memory filesystems:
//! comma-separated `key` or `key=value` options.

use kernel_abi::Errno;

pub struct Options;

impl Options {
    /// `(key, value)` pairs, empty items skipped.
    pub fn parse(data: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
        data.split(',').filter(|o| !o.is_empty()).map(|o| match o.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (o, None),
        })
    }

    /// An octal number such as a `mode=` value.
    pub fn octal(v: &str) -> Result<u32, Errno> {
        u32::from_str_radix(v, 8).map_err(|_| Errno::EINVAL)
    }
}
