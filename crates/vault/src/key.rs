//! Master keys and the purpose-bound sub-keys derived from them.
//!
//! A master key is never used directly: HKDF-SHA256 derives one sub-key for
//! AES-256-GCM and another for the lookup HMAC, so no key serves two purposes.

use crate::VaultError;
use hkdf::Hkdf;
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;
use std::fmt;

/// HKDF salt: fixed and public, it only separates Connect's derivations from any other use of the key.
const HKDF_SALT: &[u8] = b"connect/vault";
/// HKDF info labels, one per purpose. Changing either makes every stored value unreadable.
const INFO_ENCRYPTION: &[u8] = b"connect/vault/v1/aes-256-gcm";
const INFO_LOOKUP: &[u8] = b"connect/vault/v1/lookup-hmac-sha256";

/// A 32-byte master key. Dropping it wipes the bytes; `Debug` prints no key material.
pub struct MasterKey(SecretBox<[u8; 32]>);

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        MasterKey(SecretBox::new(Box::new(bytes)))
    }

    /// Parses the app's `ENCRYPTION_KEY` value: 64 hex digits, or exactly 32 bytes taken as they are.
    pub fn from_config(value: &str) -> Result<Self, VaultError> {
        let invalid = || VaultError::InvalidKey { len: value.len() };
        let mut bytes = Box::new([0u8; 32]);
        if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
            for (byte, pair) in bytes.iter_mut().zip(value.as_bytes().chunks_exact(2)) {
                *byte = (hex_value(pair[0]).ok_or_else(invalid)? << 4) | hex_value(pair[1]).ok_or_else(invalid)?;
            }
        } else if value.len() == 32 {
            bytes.copy_from_slice(value.as_bytes());
        } else {
            return Err(invalid());
        }
        Ok(MasterKey(SecretBox::new(bytes)))
    }

    /// Derives the two purpose-bound sub-keys.
    pub(crate) fn derive(&self) -> SubKeys {
        let hkdf = Hkdf::<Sha256>::new(Some(HKDF_SALT), self.0.expose_secret());
        let expand = |info: &[u8]| {
            let mut okm = Box::new([0u8; 32]);
            hkdf.expand(info, okm.as_mut()).expect("32 bytes is a valid HKDF-SHA256 output length");
            SecretBox::new(okm)
        };
        SubKeys { encryption: expand(INFO_ENCRYPTION), lookup: expand(INFO_LOOKUP) }
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|v| v as u8)
}

/// The sub-keys of one master key.
pub(crate) struct SubKeys {
    pub(crate) encryption: SecretBox<[u8; 32]>,
    pub(crate) lookup: SecretBox<[u8; 32]>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_raw_forms_parse() {
        let hex = MasterKey::from_config(&"0f".repeat(32)).unwrap();
        assert_eq!(hex.0.expose_secret(), &[0x0f; 32]);
        let upper = MasterKey::from_config(&"AB".repeat(32)).unwrap();
        assert_eq!(upper.0.expose_secret(), &[0xab; 32]);
        let raw = MasterKey::from_config("abcdefghijklmnopqrstuvwxyz012345").unwrap();
        assert_eq!(raw.0.expose_secret(), b"abcdefghijklmnopqrstuvwxyz012345");
    }

    #[test]
    fn sub_keys_differ_from_each_other_and_from_the_master() {
        let master = MasterKey::from_bytes([7; 32]);
        let keys = master.derive();
        assert_ne!(keys.encryption.expose_secret(), keys.lookup.expose_secret());
        assert_ne!(keys.encryption.expose_secret(), &[7; 32]);
        assert_ne!(keys.lookup.expose_secret(), &[7; 32]);
    }

    #[test]
    fn debug_hides_the_key() {
        let shown = format!("{:?}", MasterKey::from_config(&"ab".repeat(32)).unwrap());
        assert_eq!(shown, "MasterKey([REDACTED])");
    }
}
