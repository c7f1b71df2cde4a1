//! Field encryption and keyed lookup hashes for personal data.
//!
//! - [`Keyring::seal`] / [`Keyring::open`]: AES-256-GCM with a random 96-bit nonce; the field's context
//!   (e.g. `b"organization.business_number"`) is authenticated, so a value cannot be moved to another field.
//! - [`Keyring::lookup_hash`]: HMAC-SHA256, for `WHERE business_number_hash = $1` without decrypting.
//! - Rotation: values carry their key version; [`Keyring::needs_rotation`] and [`Keyring::reseal`]
//!   move them to the current key, and [`Keyring::lookup_hashes`] keeps lookups working meanwhile.
//!
//! Each master key is split by HKDF-SHA256 into an encryption sub-key and a lookup sub-key.

mod error;
mod key;
mod keyring;
mod sealed;

pub use error::VaultError;
pub use key::MasterKey;
pub use keyring::Keyring;
pub use sealed::{Sealed, TEXT_PREFIX};
