//! What can go wrong: bad key configuration, or a sealed value that does not open.

/// Errors from building a [`crate::Keyring`] or opening a [`crate::Sealed`] value.
///
/// Messages never contain key material or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// The configured key is neither 64 hex digits nor exactly 32 bytes.
    #[error("32바이트 키가 필요합니다: 16진수 64자 또는 32자 (invalid key: {len} bytes given)")]
    InvalidKey { len: usize },

    /// Two keys in one keyring share a version id.
    #[error("키 버전이 중복되었습니다 (duplicate key version {0})")]
    DuplicateVersion(u8),

    /// The sealed value names a key version this keyring does not hold.
    #[error("알 수 없는 키 버전입니다 (unknown key version {0})")]
    UnknownVersion(u8),

    /// The text or bytes are not a sealed value at all (prefix, base64 or length).
    #[error("암호문 형식이 아닙니다 (malformed sealed value: {0})")]
    Malformed(&'static str),

    /// Authentication failed: wrong key, wrong context, or the value was altered.
    #[error("복호화에 실패했습니다: 키, 문맥 또는 데이터가 맞지 않습니다 (decryption failed)")]
    Decrypt,

    /// The value opened, but the plaintext is not UTF-8 (only from `open_string`).
    #[error("복호화한 값이 UTF-8 문자열이 아닙니다 (plaintext is not UTF-8)")]
    NotUtf8,
}
