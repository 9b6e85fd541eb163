//! `cargo xtask keygen`: a minisign key pair for signing bundles. The secret
//! key is scrypt-encrypted with a password ($XTASK_KEY_PASSWORD, else asked
//! for); it is written only to `--out` (mode 0600) and never printed.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use super::EXIT_OK;
use crate::cli::KeygenArgs;
use crate::release::{sign, BadInput};

pub fn run(args: KeygenArgs) -> anyhow::Result<i32> {
    let public_path = args.out.with_file_name(format!(
        "{}.pub",
        args.out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    ));
    for p in [&args.out, &public_path] {
        if p.exists() {
            return Err(BadInput(format!("{}: already exists; refusing to overwrite a key", p.display())).into());
        }
    }
    let key = sign::generate(sign::password_from_env()?)?;
    // create_new + 0600: never replace a key, never let others read it.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&args.out)
        .map_err(|e| BadInput(format!("{}: {e}", args.out.display())))?;
    f.write_all(key.secret.as_bytes())?;
    std::fs::write(&public_path, &key.public)?;
    eprintln!("secret key: {} (keep it offline; password protected)", args.out.display());
    eprintln!("public key: {} (key id {})", public_path.display(), key.key_id);
    print!("{}", key.public);
    Ok(EXIT_OK)
}
