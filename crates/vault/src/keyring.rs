//! The keyring: one current key that seals, older keys that still open, all of them for lookup hashes.

use crate::key::{MasterKey, SubKeys};
use crate::sealed::{Sealed, NONCE_LEN};
use crate::VaultError;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::zeroize::Zeroizing;
use secrecy::ExposeSecret;
use sha2::Sha256;
use std::fmt;

/// Versioned keys for sealing fields and hashing them for lookup.
///
/// The current key seals; every key opens what it sealed. `Debug` lists versions only.
pub struct Keyring {
    /// Current key first, then the previous keys in the order given.
    keys: Vec<(u8, SubKeys)>,
}

impl Keyring {
    /// A keyring whose `current` key seals and whose `previous` keys only open and hash.
    pub fn new(current: (u8, MasterKey), previous: Vec<(u8, MasterKey)>) -> Result<Keyring, VaultError> {
        let mut keys: Vec<(u8, SubKeys)> = Vec::with_capacity(1 + previous.len());
        for (version, master) in std::iter::once(current).chain(previous) {
            if keys.iter().any(|(v, _)| *v == version) {
                return Err(VaultError::DuplicateVersion(version));
            }
            keys.push((version, master.derive()));
        }
        Ok(Keyring { keys })
    }

    /// The app's single `ENCRYPTION_KEY` (64 hex digits or 32 bytes), as key version 1.
    pub fn from_config(encryption_key: &str) -> Result<Keyring, VaultError> {
        Keyring::new((1, MasterKey::from_config(encryption_key)?), Vec::new())
    }

    pub fn current_version(&self) -> u8 {
        self.keys[0].0
    }

    /// Every key version, current first.
    pub fn versions(&self) -> Vec<u8> {
        self.keys.iter().map(|(v, _)| *v).collect()
    }

    /// Encrypts under the current key with a fresh random nonce. `context` names the field
    /// (e.g. `b"organization.business_number"`) and must be given again to open.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Sealed {
        let (version, keys) = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = associated_data(*version, context);
        let ciphertext = cipher(keys)
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad: &aad })
            .expect("AES-GCM seals any plaintext shorter than 64 GiB");
        Sealed::assemble(*version, &nonce, ciphertext)
    }

    /// Decrypts with the key the value names. Wrong key, wrong context or any altered byte is an error.
    pub fn open(&self, sealed: &Sealed, context: &[u8]) -> Result<Vec<u8>, VaultError> {
        let version = sealed.key_version();
        let keys = self.key(version).ok_or(VaultError::UnknownVersion(version))?;
        let aad = associated_data(version, context);
        cipher(keys)
            .decrypt(Nonce::from_slice(sealed.nonce()), Payload { msg: sealed.ciphertext(), aad: &aad })
            .map_err(|_| VaultError::Decrypt)
    }

    /// [`Keyring::open`] for values that were sealed from text.
    pub fn open_string(&self, sealed: &Sealed, context: &[u8]) -> Result<String, VaultError> {
        String::from_utf8(self.open(sealed, context)?).map_err(|_| VaultError::NotUtf8)
    }

    /// Whether the value was sealed under a key other than the current one.
    pub fn needs_rotation(&self, sealed: &Sealed) -> bool {
        sealed.key_version() != self.current_version()
    }

    /// Opens the value and seals it again under the current key (with a new nonce).
    pub fn reseal(&self, sealed: &Sealed, context: &[u8]) -> Result<Sealed, VaultError> {
        let plaintext = Zeroizing::new(self.open(sealed, context)?);
        Ok(self.seal(&plaintext, context))
    }

    /// A keyed, deterministic hash for equality lookups (lowercase hex, 64 chars): HMAC-SHA256 under the
    /// current key's lookup sub-key, bound to `context`. Without the key it cannot be reversed by trying
    /// every 10-digit number.
    pub fn lookup_hash(&self, value: &[u8], context: &[u8]) -> String {
        lookup_hash_with(&self.keys[0].1, value, context)
    }

    /// The lookup hash under every key, current first: query with all of them while a rotation is under way.
    pub fn lookup_hashes(&self, value: &[u8], context: &[u8]) -> Vec<String> {
        self.keys.iter().map(|(_, keys)| lookup_hash_with(keys, value, context)).collect()
    }

    fn key(&self, version: u8) -> Option<&SubKeys> {
        self.keys.iter().find(|(v, _)| *v == version).map(|(_, keys)| keys)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring").field("current", &self.current_version()).field("versions", &self.versions()).finish()
    }
}

fn cipher(keys: &SubKeys) -> Aes256Gcm {
    Aes256Gcm::new(keys.encryption.expose_secret().into())
}

/// The key version is authenticated along with the caller's context.
fn associated_data(version: u8, context: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(1 + context.len());
    aad.push(version);
    aad.extend_from_slice(context);
    aad
}

fn lookup_hash_with(keys: &SubKeys, value: &[u8], context: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(keys.lookup.expose_secret()).expect("HMAC accepts keys of any length");
    // Length-prefixing the context keeps (context, value) pairs from running into each other.
    mac.update(&(context.len() as u64).to_be_bytes());
    mac.update(context);
    mac.update(value);
    to_hex(&mac.finalize().into_bytes())
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)] as char, DIGITS[usize::from(b & 0x0f)] as char]).collect()
}
