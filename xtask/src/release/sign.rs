//! Signatures in minisign's format, through the `minisign` crate (no
//! cryptography here): `minisign -Vm SHA256SUMS -p KEY.pub` checks a bundle
//! with Debian's stock CLI. Secret keys are scrypt-encrypted minisign keys;
//! the password comes from `XTASK_KEY_PASSWORD` (CI) or a terminal prompt.

use std::io::Cursor;
use std::path::Path;

use minisign::{KeyPair, PublicKey, PublicKeyBox, SecretKey, SecretKeyBox, SignatureBox};

use super::BadInput;

/// The environment variable a non-interactive run reads the password from.
pub const PASSWORD_ENV: &str = "XTASK_KEY_PASSWORD";

/// A key pair as the two files minisign writes.
pub struct NewKey {
    pub public: String,
    pub secret: String,
    pub key_id: String,
}

/// The password from the environment; `None` means "ask on the terminal"
/// (minisign prompts, twice for a new key). Without either it is bad input.
pub fn password_from_env() -> Result<Option<String>, BadInput> {
    use std::io::IsTerminal;
    match std::env::var(PASSWORD_ENV) {
        Ok(p) => Ok(Some(p)),
        Err(_) if std::io::stdin().is_terminal() => Ok(None),
        Err(_) => Err(BadInput(format!("no terminal to ask for the key's password: set {PASSWORD_ENV}"))),
    }
}

/// A new password-protected key pair.
pub fn generate(password: Option<String>) -> anyhow::Result<NewKey> {
    let pair = KeyPair::generate_encrypted_keypair(password).map_err(|e| anyhow::anyhow!("generating a key: {e}"))?;
    let key_id = key_id(&pair.pk);
    let public = pair.pk.to_box().map_err(|e| anyhow::anyhow!("{e}"))?.into_string();
    let secret = pair
        .sk
        .to_box(Some(&format!("xtask release signing key {key_id}")))
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .into_string();
    Ok(NewKey { public, secret, key_id })
}

/// minisign's key id: the 8-byte key number as 16 uppercase hex digits
/// (what `minisign -V` prints).
pub fn key_id(pk: &PublicKey) -> String {
    pk.keynum().iter().rev().map(|b| format!("{b:02X}")).collect()
}

pub struct Signer {
    sk: SecretKey,
    pk: PublicKey,
}

impl Signer {
    /// Loads and decrypts a secret key file.
    pub fn load(path: &Path, password: Option<String>) -> Result<Signer, BadInput> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| BadInput(format!("{}: cannot read the secret key: {e}", path.display())))?;
        let boxed = SecretKeyBox::from_string(&text)
            .map_err(|e| BadInput(format!("{}: not a minisign secret key: {e}", path.display())))?;
        let sk = boxed.into_secret_key(password).map_err(|e| {
            BadInput(format!("{}: cannot decrypt the secret key (wrong password?): {e}", path.display()))
        })?;
        let pk = PublicKey::from_secret_key(&sk)
            .map_err(|e| BadInput(format!("{}: cannot derive the public key: {e}", path.display())))?;
        Ok(Signer { sk, pk })
    }

    pub fn key_id(&self) -> String {
        key_id(&self.pk)
    }

    pub fn public_key_text(&self) -> anyhow::Result<String> {
        Ok(self.pk.to_box().map_err(|e| anyhow::anyhow!("{e}"))?.into_string())
    }

    /// A `.minisig` file's text over `data`. The trusted comment is signed
    /// too; minisign's CLI prints it after a good verification.
    pub fn sign(&self, data: &[u8], trusted_comment: &str) -> anyhow::Result<String> {
        let untrusted = format!("signature from xtask release key {}", self.key_id());
        let sig = minisign::sign(Some(&self.pk), &self.sk, Cursor::new(data), Some(trusted_comment), Some(&untrusted))
            .map_err(|e| anyhow::anyhow!("signing: {e}"))?;
        Ok(sig.into_string())
    }
}

/// Reads a public key file (minisign's two-line format, or the bare
/// base64 line `minisign -P` takes).
pub fn load_public_key(path: &Path) -> Result<PublicKey, BadInput> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("{}: cannot read the public key: {e}", path.display())))?;
    parse_public_key(&text).map_err(|e| BadInput(format!("{}: not a minisign public key: {e}", path.display())))
}

pub fn parse_public_key(text: &str) -> Result<PublicKey, String> {
    let trimmed = text.trim();
    if trimmed.starts_with("untrusted comment:") {
        PublicKeyBox::from_string(trimmed).and_then(|b| b.into_public_key()).map_err(|e| e.to_string())
    } else {
        PublicKey::from_base64(trimmed).map_err(|e| e.to_string())
    }
}

/// What a good signature says.
#[derive(Debug)]
pub struct Verified {
    pub key_id: String,
    pub trusted_comment: String,
}

/// Checks a `.minisig` text over `data`; the error says what is wrong.
pub fn verify(pk: &PublicKey, data: &[u8], signature: &str) -> Result<Verified, String> {
    let sig = SignatureBox::from_string(signature).map_err(|e| format!("not a minisign signature: {e}"))?;
    minisign::verify(pk, &sig, Cursor::new(data), true, false, false).map_err(|e| e.to_string())?;
    let trusted_comment = sig.trusted_comment().map_err(|e| e.to_string())?;
    Ok(Verified { key_id: key_id(pk), trusted_comment })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify_round_trip_and_reject_changes() {
        let key = generate(Some("pw".into())).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("k"), &key.secret).unwrap();
        let signer = Signer::load(&dir.path().join("k"), Some("pw".into())).unwrap();
        assert_eq!(signer.key_id(), key.key_id);
        let sig = signer.sign(b"hello\n", "file:hello").unwrap();
        let pk = parse_public_key(&key.public).unwrap();
        let ok = verify(&pk, b"hello\n", &sig).unwrap();
        assert_eq!(ok.trusted_comment, "file:hello");
        assert!(verify(&pk, b"hellO\n", &sig).is_err());
        let other = parse_public_key(&generate(Some("x".into())).unwrap().public).unwrap();
        assert!(verify(&other, b"hello\n", &sig).unwrap_err().contains("different from public key"));
        let e = Signer::load(&dir.path().join("k"), Some("wrong".into())).err().unwrap();
        assert!(e.0.contains("wrong password"), "{e}");
    }
}
