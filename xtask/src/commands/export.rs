//! `cargo xtask export lava --profile P --scenario PHASE... --out DIR`:
//! one LAVA job definition per scenario (`export::lava`). Image URLs come
//! from `--image-url` (a template with `{profile}` and `{image}`, for a lab's
//! file server); without it the profile's artifacts are built (or found in the
//! cache) and given as `file://` URLs with their sha256, for a dispatcher on
//! this machine.

use std::path::Path;

use anyhow::Context as _;

use super::scenario::load_scenarios;
use super::workspace;
use crate::artifacts;
use crate::cli::{ExportArgs, ExportTarget};
use crate::error::{Error, Exit, Result};
use crate::export::lava;

pub fn run(args: ExportArgs) -> Result<Exit> {
    let ExportTarget::Lava(args) = args.target;
    let ws = workspace()?;
    let profile = ws.profile(&args.profile)?;
    // The jobs boot with LAVA's QEMU method from -kernel/-initrd: there is
    // no place in them for the firmware, its NVRAM or the ESP we build.
    if profile.uefi().is_some() {
        return Err(Error::bad_input(format!(
            "profile `{}` boots through UEFI firmware (boot: uefi), which LAVA jobs exported here cannot carry \
             (they boot the kernel directly with -kernel and -initrd); export a `boot: direct` profile instead",
            profile.name
        )));
    }
    let scenarios = load_scenarios(&ws, &args.scenarios)?;
    let images = match &args.image_url {
        Some(template) => {
            if !template.contains("{image}") {
                return Err(Error::bad_input(format!("--image-url `{template}` has no {{image}}")));
            }
            let url = |image: &str| lava::Image {
                url: template.replace("{profile}", &profile.name).replace("{image}", image),
                sha256: None,
            };
            lava::Images {
                kernel: url("kernel"),
                ramdisk: Some(url("initramfs.cpio")),
                disks: profile.disks.iter().map(|d| (d.name.clone(), url(&format!("disk-{}.img", d.name)))).collect(),
            }
        }
        None => {
            let a = artifacts::build_all(&ws, &profile, &mut |line: &str| eprintln!("  {line}"))?;
            lava::Images {
                kernel: file_image(&a.kernel)?,
                ramdisk: a.initrd.as_deref().map(file_image).transpose()?,
                disks: a.disks.iter().map(|d| Ok((d.name.clone(), file_image(&d.path)?))).collect::<Result<_>>()?,
            }
        }
    };
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let commit = super::scenario::git_commit(&ws.root);
    for scenario in &scenarios {
        let job = lava::job(&profile, scenario, &images, commit.as_deref());
        let path = args.out.join(format!("{}-{}.yaml", profile.name, scenario.phase));
        let text = serde_norway::to_string(&job).context("serialising a LAVA job")?;
        crate::report::write_atomic(&path, text.as_bytes())?;
        let left_out = job["metadata"]["xtask.not_exported"].as_str();
        println!("{}{}", path.display(), left_out.map(|l| format!(" (not exported: {l})")).unwrap_or_default());
    }
    Ok(Exit::Success)
}

/// A built artifact for a dispatcher on this machine: its file:// URL and sha256.
fn file_image(path: &Path) -> Result<lava::Image> {
    Ok(lava::Image { url: format!("file://{}", path.display()), sha256: Some(artifacts::cache::file_sha256(path)?) })
}
