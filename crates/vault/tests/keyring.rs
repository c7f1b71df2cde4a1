//! The keyring's contract: round trips, authentication, rotation and lookup hashes.

use sha2::{Digest, Sha256};
use vault::{Keyring, MasterKey, Sealed, VaultError};

const BIZNO: &[u8] = b"organization.business_number";
const KEY_A: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const KEY_B: &str = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

fn keyring(key: &str) -> Keyring {
    Keyring::from_config(key).unwrap()
}

/// New key B is current (version 2); old key A (version 1) is kept to open and hash.
fn rotated() -> Keyring {
    Keyring::new((2, MasterKey::from_config(KEY_B).unwrap()), vec![(1, MasterKey::from_config(KEY_A).unwrap())])
        .unwrap()
}

#[test]
fn round_trips_bytes_and_korean_text() {
    let ring = keyring(KEY_A);
    for plain in ["2208162517", "홍길동 대표, 서울특별시 강남구 테헤란로 123", "", "🙂 é"] {
        let sealed = ring.seal(plain.as_bytes(), BIZNO);
        assert_eq!(ring.open(&sealed, BIZNO).unwrap(), plain.as_bytes());
        assert_eq!(ring.open_string(&sealed, BIZNO).unwrap(), plain);
        // Through the TEXT column form and back.
        let stored = sealed.to_text();
        assert!(stored.starts_with("enc1:"));
        assert!(!stored.contains(plain) || plain.is_empty());
        assert_eq!(ring.open_string(&stored.parse().unwrap(), BIZNO).unwrap(), plain);
    }
    let binary = [0u8, 255, 1, 2, 3];
    assert_eq!(ring.open(&ring.seal(&binary, b"x"), b"x").unwrap(), binary);
}

#[test]
fn raw_32_character_key_works_too() {
    let ring = keyring("abcdefghijklmnopqrstuvwxyz012345");
    let sealed = ring.seal("사업자".as_bytes(), BIZNO);
    assert_eq!(ring.open_string(&sealed, BIZNO).unwrap(), "사업자");
    assert!(keyring(KEY_A).open(&sealed, BIZNO).is_err());
}

#[test]
fn every_seal_uses_a_fresh_nonce() {
    let ring = keyring(KEY_A);
    let sealed: Vec<Sealed> = (0..50).map(|_| ring.seal(b"2208162517", BIZNO)).collect();
    let mut nonces: Vec<&[u8]> = sealed.iter().map(|s| &s.as_bytes()[1..13]).collect();
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 50);
    assert_ne!(sealed[0].to_text(), sealed[1].to_text());
}

#[test]
fn any_altered_byte_fails_to_open() {
    let ring = keyring(KEY_A);
    let sealed = ring.seal("220-81-62517".as_bytes(), BIZNO);
    for i in 0..sealed.as_bytes().len() {
        let mut bytes = sealed.as_bytes().to_vec();
        bytes[i] ^= 0x01;
        let tampered = Sealed::from_bytes(bytes).unwrap();
        let err = ring.open(&tampered, BIZNO).unwrap_err();
        let expected = if i == 0 { VaultError::UnknownVersion(0) } else { VaultError::Decrypt };
        assert_eq!(err, expected, "byte {i}");
    }
    // Truncated: a shorter tag never opens.
    let mut short = sealed.as_bytes().to_vec();
    short.pop();
    assert_eq!(ring.open(&Sealed::from_bytes(short).unwrap(), BIZNO), Err(VaultError::Decrypt));
}

#[test]
fn wrong_context_or_key_fails_to_open() {
    let ring = keyring(KEY_A);
    let sealed = ring.seal(b"2208162517", BIZNO);
    assert_eq!(ring.open(&sealed, b"user.phone"), Err(VaultError::Decrypt));
    assert_eq!(ring.open(&sealed, b""), Err(VaultError::Decrypt));
    // Same version id, different key material.
    assert_eq!(keyring(KEY_B).open(&sealed, BIZNO), Err(VaultError::Decrypt));
}

#[test]
fn unknown_version_is_reported() {
    let sealed = rotated().seal(b"2208162517", BIZNO);
    assert_eq!(keyring(KEY_A).open(&sealed, BIZNO), Err(VaultError::UnknownVersion(2)));
}

#[test]
fn rotation_opens_old_values_and_reseals_them_under_the_new_key() {
    let old = keyring(KEY_A);
    let sealed = old.seal("홍길동".as_bytes(), BIZNO);
    assert!(!old.needs_rotation(&sealed));

    let ring = rotated();
    assert_eq!(ring.current_version(), 2);
    assert_eq!(ring.versions(), vec![2, 1]);
    assert!(ring.needs_rotation(&sealed));
    assert_eq!(ring.open_string(&sealed, BIZNO).unwrap(), "홍길동");

    let resealed = ring.reseal(&sealed, BIZNO).unwrap();
    assert_eq!(resealed.key_version(), 2);
    assert!(!ring.needs_rotation(&resealed));
    assert_eq!(ring.open_string(&resealed, BIZNO).unwrap(), "홍길동");
    // Once the old key is retired, the resealed value still opens and the old one does not.
    let new_only = Keyring::new((2, MasterKey::from_config(KEY_B).unwrap()), vec![]).unwrap();
    assert_eq!(new_only.open(&sealed, BIZNO), Err(VaultError::UnknownVersion(1)));
    assert_eq!(new_only.open_string(&resealed, BIZNO).unwrap(), "홍길동");
    // Resealing needs the right context too.
    assert_eq!(ring.reseal(&sealed, b"user.name"), Err(VaultError::Decrypt));
}

#[test]
fn lookup_hash_is_deterministic_keyed_and_context_bound() {
    let ring = keyring(KEY_A);
    let hash = ring.lookup_hash(b"2208162517", BIZNO);
    assert_eq!(hash.len(), 64);
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(hash, keyring(KEY_A).lookup_hash(b"2208162517", BIZNO));
    assert_ne!(hash, ring.lookup_hash(b"2208162518", BIZNO));
    assert_ne!(hash, ring.lookup_hash(b"2208162517", b"user.phone"));
    assert_ne!(hash, keyring(KEY_B).lookup_hash(b"2208162517", BIZNO));
    // Context and value do not run into each other.
    assert_ne!(ring.lookup_hash(b"bc", b"a"), ring.lookup_hash(b"c", b"ab"));

    let plain_sha256: String = Sha256::digest(b"2208162517").iter().map(|b| format!("{b:02x}")).collect();
    assert_ne!(hash, plain_sha256);
    // The hash sub-key is not the encryption sub-key: the hash is not in the ciphertext.
    assert!(!ring.seal(b"2208162517", BIZNO).to_text().contains(&hash));
}

#[test]
fn lookup_hashes_cover_every_key_current_first() {
    let ring = rotated();
    let hashes = ring.lookup_hashes(b"2208162517", BIZNO);
    assert_eq!(
        hashes,
        vec![keyring(KEY_B).lookup_hash(b"2208162517", BIZNO), keyring(KEY_A).lookup_hash(b"2208162517", BIZNO)]
    );
    assert_eq!(hashes[0], ring.lookup_hash(b"2208162517", BIZNO));
}

#[test]
fn invalid_key_configuration_is_an_error() {
    let bad = [
        "",
        "short",
        &"a".repeat(31),
        &"a".repeat(33),
        &"0".repeat(63),
        &"0".repeat(65),
        &"g".repeat(64),              // 64 characters but not hex
        &"가".repeat(32),             // 32 characters, 96 bytes
        &format!(" {}", &KEY_A[1..]), // whitespace is not trimmed
    ];
    for key in bad {
        assert!(matches!(Keyring::from_config(key), Err(VaultError::InvalidKey { .. })), "{key:?}");
    }
    let err = MasterKey::from_config("short").unwrap_err().to_string();
    assert!(err.contains("5 bytes"), "{err}");
    assert!(!err.contains("short"), "the message must not echo the key: {err}");

    let duplicate =
        Keyring::new((1, MasterKey::from_config(KEY_A).unwrap()), vec![(1, MasterKey::from_config(KEY_B).unwrap())]);
    assert_eq!(duplicate.unwrap_err(), VaultError::DuplicateVersion(1));
}

#[test]
fn debug_output_holds_no_key_material() {
    let ring = rotated();
    let shown = format!("{ring:?} {:?}", MasterKey::from_config(KEY_A).unwrap());
    assert_eq!(shown, "Keyring { current: 2, versions: [2, 1] } MasterKey([REDACTED])");
    let sealed = format!("{:?}", ring.seal(b"2208162517", BIZNO));
    assert!(sealed.starts_with("Sealed { key_version: 2"), "{sealed}");
}
