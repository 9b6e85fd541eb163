//! Where two builds of a bundle differ (`release --check-reproducible`):
//! every file that differs or exists on one side only, with the offset of
//! the first differing byte and, where the format is known, what lives
//! there (a cpio member, an ext2/ext4 superblock field, a partition table).

use std::path::Path;

use super::bundle::list_files;

/// One line per differing file; empty when the trees are identical.
pub fn compare_trees(a: &Path, b: &Path) -> anyhow::Result<Vec<String>> {
    let (fa, fb) = (list_files(a)?, list_files(b)?);
    let mut out = Vec::new();
    for rel in fa.iter().filter(|r| !fb.contains(r)) {
        out.push(format!("{rel}: only in the first build"));
    }
    for rel in fb.iter().filter(|r| !fa.contains(r)) {
        out.push(format!("{rel}: only in the second build"));
    }
    for rel in fa.iter().filter(|r| fb.contains(r)) {
        let (x, y) = (std::fs::read(a.join(rel))?, std::fs::read(b.join(rel))?);
        if let Some(why) = describe(rel, &x, &y) {
            out.push(format!("{rel}: {why}"));
        }
    }
    Ok(out)
}

/// `None` when equal; else the first difference and where it is.
pub fn describe(name: &str, a: &[u8], b: &[u8]) -> Option<String> {
    let first = a.iter().zip(b).position(|(x, y)| x != y);
    let at = match (first, a.len() == b.len()) {
        (None, true) => return None,
        (None, false) => {
            return Some(format!("sizes differ ({} vs {} bytes), equal up to the shorter", a.len(), b.len()))
        }
        (Some(at), _) => at,
    };
    let count = a.iter().zip(b).filter(|(x, y)| x != y).count();
    let mut s = format!("first difference at offset {at:#x} ({count} byte(s) differ");
    if a.len() != b.len() {
        s.push_str(&format!(", sizes {} vs {}", a.len(), b.len()));
    }
    s.push(')');
    if let Some(field) = locate(name, a, at) {
        s.push_str(&format!(": {field}"));
    } else if let (Ok(x), Ok(y)) = (std::str::from_utf8(a), std::str::from_utf8(b)) {
        // Text (JSON, Markdown, SHA256SUMS): the first differing line.
        let n = x.lines().zip(y.lines()).position(|(l, r)| l != r).unwrap_or(0);
        let line = |t: &str| t.lines().nth(n).unwrap_or("").trim().chars().take(100).collect::<String>();
        s.push_str(&format!(": line {}: `{}` vs `{}`", n + 1, line(x), line(y)));
    }
    Some(s)
}

/// What is at `at` in a file of a known format.
fn locate(name: &str, data: &[u8], at: usize) -> Option<String> {
    if data.starts_with(b"070701") {
        return cpio_member(data, at);
    }
    if name.ends_with(".img") {
        return disk_field(data, at);
    }
    None
}

/// The newc member whose header or data holds `at`.
fn cpio_member(data: &[u8], at: usize) -> Option<String> {
    let mut off = 0usize;
    while off + 110 <= data.len() {
        let field = |i: usize| {
            usize::from_str_radix(std::str::from_utf8(&data[off + 6 + i * 8..off + 14 + i * 8]).ok()?, 16).ok()
        };
        let (mtime, filesize, namesize) = (field(5)?, field(6)?, field(11)?);
        let name_end = off + 110 + namesize;
        let name = String::from_utf8_lossy(data.get(off + 110..name_end.saturating_sub(1))?).into_owned();
        let data_start = (name_end + 3) & !3;
        let next = (data_start + filesize + 3) & !3;
        if at < next {
            let names = [
                "magic",
                "ino",
                "mode",
                "uid",
                "gid",
                "nlink",
                "mtime",
                "filesize",
                "devmajor",
                "devminor",
                "rdevmajor",
                "rdevminor",
                "namesize",
                "check",
            ];
            let part = if at < off + 110 {
                let i = (at - off).saturating_sub(6) / 8;
                let f = if at - off < 6 { "magic" } else { names.get(i + 1).copied().unwrap_or("?") };
                format!("header field {f}{}", if f == "mtime" { format!(" (mtime {mtime:#x})") } else { String::new() })
            } else if at < data_start {
                "name".to_string()
            } else {
                format!("data at offset {}", at - data_start)
            };
            return Some(format!("cpio member `{name}`, {part}"));
        }
        if name == "TRAILER!!!" {
            break;
        }
        off = next;
    }
    None
}

/// Partition tables and the ext2/ext4 superblock (of the image or of the
/// partition that holds `at`, at 1 MiB for our MBR/GPT images).
fn disk_field(data: &[u8], at: usize) -> Option<String> {
    match at {
        0x1b8..=0x1bb => return Some("MBR disk signature".into()),
        0x1be..=0x1fd => return Some("MBR partition entry".into()),
        0x200..=0x3ff if data.get(0x200..0x208) == Some(b"EFI PART") => {
            let f = match at - 0x200 {
                0x38..=0x47 => "disk GUID",
                0x10..=0x13 => "header CRC32",
                0x58..=0x5b => "partition entries CRC32",
                _ => "field",
            };
            return Some(format!("GPT header {f}"));
        }
        _ => {}
    }
    let base = if data.get(0x438..0x43a) == Some(&[0x53, 0xef]) { 0 } else { 0x10_0000 };
    let sb = base + 1024;
    if data.get(sb + 0x38..sb + 0x3a) != Some(&[0x53, 0xef]) {
        return None;
    }
    if (sb..sb + 1024).contains(&at) {
        let f = match at - sb {
            0x2c..=0x2f => "s_mtime",
            0x30..=0x33 => "s_wtime",
            0x40..=0x43 => "s_lastcheck",
            0x68..=0x77 => "s_uuid",
            0x78..=0x87 => "s_volume_name",
            0xec..=0xfb => "s_hash_seed",
            0x108..=0x10b => "s_mkfs_time",
            0x3fc..=0x3ff => "s_checksum",
            _ => "another field",
        };
        return Some(format!("ext superblock {f} (offset {:#x} in the superblock)", at - sb));
    }
    Some(format!("inside the filesystem, block {} (of 1 KiB)", (at - base) / 1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_sizes_offsets_and_cpio_members() {
        assert_eq!(describe("x", b"abc", b"abc"), None);
        assert_eq!(
            describe("x", b"abc", b"abd").unwrap(),
            "first difference at offset 0x2 (1 byte(s) differ): line 1: `abc` vs `abd`"
        );
        assert_eq!(describe("x", b"a\n\xff", b"a\n\xfe").unwrap(), "first difference at offset 0x2 (1 byte(s) differ)");
        let mut w = Vec::new();
        for (name, body, mtime) in [("a", "hello", 1u32), ("TRAILER!!!", "", 0)] {
            w.extend(
                format!(
                    "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
                    1,
                    0o100644,
                    0,
                    0,
                    1,
                    mtime,
                    body.len(),
                    0,
                    0,
                    0,
                    0,
                    name.len() + 1,
                    0
                )
                .as_bytes(),
            );
            w.extend(name.as_bytes());
            w.push(0);
            while w.len() % 4 != 0 {
                w.push(0);
            }
            w.extend(body.as_bytes());
            while w.len() % 4 != 0 {
                w.push(0);
            }
        }
        let mut v = w.clone();
        v[6 + 5 * 8 + 7] = b'2';
        let d = describe("initramfs.cpio", &w, &v).unwrap();
        assert!(d.ends_with("cpio member `a`, header field mtime (mtime 0x1)"), "{d}");
        let mut v = w.clone();
        let body = w.windows(5).position(|x| x == b"hello").unwrap();
        v[body + 1] = b'E';
        assert!(describe("i.cpio", &w, &v).unwrap().ends_with("cpio member `a`, data at offset 1"));
    }

    /// Needs mke2fs (e2fsprogs); says so and passes without it.
    #[test]
    fn an_ext4_uuid_difference_is_named() {
        let Some(mke2fs) = crate::artifacts::tools::find(&crate::artifacts::tools::MKE2FS) else {
            eprintln!("skipped: e2fsprogs not installed");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let make = |name: &str, uuid: &str| {
            let img = dir.path().join(name);
            let args = ["-q", "-t", "ext4", "-U", uuid, "-E", &format!("hash_seed={uuid}")];
            duct::cmd(&mke2fs, args.iter().copied().chain([img.to_str().unwrap(), "4M"]))
                .env("E2FSPROGS_FAKE_TIME", "1700000000")
                .run()
                .unwrap();
            std::fs::read(img).unwrap()
        };
        let a = make("a.img", "11111111-2222-4333-8444-555555555555");
        let b = make("b.img", "11111111-2222-4333-8444-555555555556");
        let d = describe("data.img", &a, &b).unwrap();
        assert!(d.contains("ext superblock s_uuid"), "{d}");
    }
}
