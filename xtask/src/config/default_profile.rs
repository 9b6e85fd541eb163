//! The embedded default profile (`default-profile.yaml`): the root of every
//! `inherits` chain, so built-in defaults are a commented YAML file a
//! contributor can read, not literals inside the resolver.

use std::path::Path;
use std::sync::LazyLock;

use super::parse::Source;
use super::raw::RawProfile;

pub const TEXT: &str = include_str!("default-profile.yaml");

/// The file name errors and `validate` show for the embedded profile.
pub const NAME: &str = "<built-in default profile>";

static DEFAULT: LazyLock<RawProfile> = LazyLock::new(|| {
    Source::from_text(Path::new(NAME), TEXT.to_string())
        .deserialize()
        .expect("the embedded default profile parses (tested)")
});

/// The defaults as a raw profile, to merge under a chain.
pub fn raw() -> RawProfile {
    DEFAULT.clone()
}

/// A value the default profile sets, so a merged chain always has it.
pub fn always<T>(value: Option<T>, key: &str) -> T {
    value.unwrap_or_else(|| panic!("the embedded default profile sets `{key}` (see default-profile.yaml)"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_and_sets_what_the_resolver_relies_on() {
        let d = super::raw();
        assert!(d.boot.is_some());
        assert!(d.uefi.is_none(), "`uefi` on a direct boot is an error");
        let q = d.qemu.unwrap();
        assert!(q.smp.is_some() && q.memory_mib.is_some() && q.accel.is_some() && q.virtio_transport.is_some());
        assert!(d.rootfs.unwrap().test_programs.is_some());
        assert!(d.console.unwrap().transcript_limit_kib.is_some());
        let t = d.timeouts.unwrap();
        assert!(t.boot.is_some() && t.step.is_some() && t.test.is_some());
        assert!(d.arch.is_none() && d.kernel.is_none(), "no default for what a profile must choose");
    }
}
