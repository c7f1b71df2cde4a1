//! The stored form of an encrypted field.
//!
//! Bytes: `key version (1) ‖ nonce (12) ‖ ciphertext ‖ GCM tag (16)`.
//! Text (what goes in a TEXT column): `enc1:` followed by those bytes in unpadded URL-safe base64.
//! The `enc1:` prefix names the format, not the key; the key version is the first byte.

use crate::VaultError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::fmt;
use std::str::FromStr;

pub(crate) const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + NONCE_LEN;
/// Marks the text form, format 1.
pub const TEXT_PREFIX: &str = "enc1:";

/// An encrypted value: which key sealed it, its nonce, and the authenticated ciphertext.
///
/// Parsing checks the shape only; whether it opens is for [`crate::Keyring::open`] to say.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Sealed(Vec<u8>);

impl Sealed {
    pub(crate) fn assemble(version: u8, nonce: &[u8; NONCE_LEN], ciphertext: Vec<u8>) -> Sealed {
        let mut bytes = Vec::with_capacity(HEADER_LEN + ciphertext.len());
        bytes.push(version);
        bytes.extend_from_slice(nonce);
        bytes.extend_from_slice(&ciphertext);
        Sealed(bytes)
    }

    /// Accepts the binary form (e.g. from a BYTEA column).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Sealed, VaultError> {
        if bytes.len() < HEADER_LEN + TAG_LEN {
            return Err(VaultError::Malformed("too short"));
        }
        Ok(Sealed(bytes))
    }

    /// Accepts the text form, `enc1:<base64url>`.
    pub fn parse(text: &str) -> Result<Sealed, VaultError> {
        let encoded = text.strip_prefix(TEXT_PREFIX).ok_or(VaultError::Malformed("missing enc1: prefix"))?;
        let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| VaultError::Malformed("invalid base64"))?;
        Sealed::from_bytes(bytes)
    }

    /// Whether a stored text value looks like a sealed value (for migrating columns that still hold plaintext).
    pub fn is_sealed_text(text: &str) -> bool {
        Sealed::parse(text).is_ok()
    }

    pub fn to_text(&self) -> String {
        format!("{TEXT_PREFIX}{}", URL_SAFE_NO_PAD.encode(&self.0))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The version of the key that sealed this value.
    pub fn key_version(&self) -> u8 {
        self.0[0]
    }

    pub(crate) fn nonce(&self) -> &[u8] {
        &self.0[1..HEADER_LEN]
    }

    pub(crate) fn ciphertext(&self) -> &[u8] {
        &self.0[HEADER_LEN..]
    }
}

impl FromStr for Sealed {
    type Err = VaultError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Sealed::parse(text)
    }
}

impl fmt::Display for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed").field("key_version", &self.key_version()).field("len", &self.0.len()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips() {
        let sealed = Sealed::assemble(3, &[9; NONCE_LEN], vec![1; 20]);
        let text = sealed.to_text();
        assert!(text.starts_with("enc1:"), "{text}");
        assert!(!text.contains(['+', '/', '=']), "{text}");
        let back: Sealed = text.parse().unwrap();
        assert_eq!(back, sealed);
        assert_eq!(back.key_version(), 3);
        assert_eq!(back.nonce(), &[9; NONCE_LEN]);
        assert_eq!(back.ciphertext(), &[1; 20]);
    }

    #[test]
    fn malformed_text_is_rejected() {
        for bad in ["", "enc1:", "enc2:AAAA", "plain 220-81-62517", "enc1:***", "enc1:AQID"] {
            assert!(matches!(Sealed::parse(bad), Err(VaultError::Malformed(_))), "{bad}");
            assert!(!Sealed::is_sealed_text(bad));
        }
        assert!(Sealed::from_bytes(vec![1; HEADER_LEN + TAG_LEN - 1]).is_err());
        assert!(Sealed::from_bytes(vec![1; HEADER_LEN + TAG_LEN]).is_ok());
    }
}
