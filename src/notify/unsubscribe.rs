//! One-click unsubscribe links (RFC 8058) that need no login: the user and the kind, signed with
//! HMAC-SHA256 under `JWT_SECRET`. Nothing to store; a link stays valid until the secret changes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use super::Kind;

fn mac(secret: &SecretString, user_id: i64, kind: Kind) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()).expect("any key length");
    mac.update(format!("unsubscribe:{user_id}:{}", kind.as_str()).as_bytes());
    mac
}

/// The token of a link: `<user>.<kind>.<signature>`.
pub fn token(secret: &SecretString, user_id: i64, kind: Kind) -> String {
    let signature = URL_SAFE_NO_PAD.encode(mac(secret, user_id, kind).finalize().into_bytes());
    format!("{user_id}.{}.{signature}", kind.as_str())
}

/// The user and kind a token names, if its signature is right.
pub fn verify(secret: &SecretString, token: &str) -> Option<(i64, Kind)> {
    let mut parts = token.split('.');
    let user_id: i64 = parts.next()?.parse().ok()?;
    let kind = Kind::parse(parts.next()?)?;
    let signature = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
    if parts.next().is_some() {
        return None;
    }
    mac(secret, user_id, kind).verify_slice(&signature).ok()?;
    Some((user_id, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_unchanged() {
        let secret = SecretString::from("0123456789abcdef0123456789abcdef".to_string());
        let token = token(&secret, 42, Kind::Deadline);
        assert_eq!(verify(&secret, &token), Some((42, Kind::Deadline)));
        assert_eq!(verify(&secret, &token.replacen("42", "43", 1)), None);
        assert_eq!(verify(&secret, &token.replace("deadline", "digest")), None);
        let other = SecretString::from("another-secret-another-secret-12".to_string());
        assert_eq!(verify(&other, &token), None);
        assert_eq!(verify(&secret, "garbage"), None);
    }
}
