//! Bearer tokens for scripts: short-lived JWTs (HS256 under `JWT_SECRET`). The token carries who
//! (`sub`), its own id (`jti`, for revocation) and the user's token version (`ver`); the role is read
//! from the database on every request. Only our fixed header is accepted, so no `alg` games.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
const ISSUER: &str = "connect";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub jti: String,
    pub ver: i32,
    pub iat: i64,
    pub exp: i64,
}

impl Claims {
    pub fn user_id(&self) -> Option<i64> {
        self.sub.parse().ok()
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.exp, 0).unwrap_or_default()
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("토큰 형식이 올바르지 않습니다")]
    Malformed,
    #[error("토큰 서명이 올바르지 않습니다")]
    BadSignature,
    #[error("토큰이 만료되었습니다")]
    Expired,
}

fn mac(secret: &SecretString) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()).expect("HMAC takes any key length")
}

pub fn mint(
    secret: &SecretString,
    user_id: i64,
    version: i32,
    ttl: chrono::Duration,
    now: DateTime<Utc>,
) -> (String, Claims) {
    let claims = Claims {
        iss: ISSUER.into(),
        sub: user_id.to_string(),
        jti: super::secret::token(),
        ver: version,
        iat: now.timestamp(),
        exp: (now + ttl).timestamp(),
    };
    let payload = serde_json::to_vec(&claims).expect("claims serialise");
    let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(HEADER), URL_SAFE_NO_PAD.encode(payload));
    let mut mac = mac(secret);
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    (format!("{signing_input}.{signature}"), claims)
}

pub fn verify(secret: &SecretString, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    if URL_SAFE_NO_PAD.decode(header).map_err(|_| TokenError::Malformed)? != HEADER.as_bytes() {
        return Err(TokenError::Malformed);
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
    let mut mac = mac(secret);
    mac.update(header.as_bytes());
    mac.update(b".");
    mac.update(payload.as_bytes());
    mac.verify_slice(&signature).map_err(|_| TokenError::BadSignature)?;
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| TokenError::Malformed)?;
    let claims: Claims = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
    if claims.iss != ISSUER || claims.user_id().is_none() {
        return Err(TokenError::Malformed);
    }
    if claims.exp <= now.timestamp() {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SecretString {
        SecretString::from("0123456789abcdef0123456789abcdef".to_string())
    }

    #[test]
    fn a_minted_token_verifies_until_it_expires() {
        let now = Utc::now();
        let (token, claims) = mint(&secret(), 42, 3, chrono::Duration::minutes(15), now);
        let read = verify(&secret(), &token, now).unwrap();
        assert_eq!(read, claims);
        assert_eq!(read.user_id(), Some(42));
        assert_eq!(read.ver, 3);
        assert_eq!(verify(&secret(), &token, now + chrono::Duration::minutes(16)), Err(TokenError::Expired));
    }

    #[test]
    fn tampering_or_another_key_or_algorithm_is_refused() {
        let now = Utc::now();
        let (token, _) = mint(&secret(), 42, 0, chrono::Duration::minutes(15), now);
        let other = SecretString::from("another-secret-another-secret-12".to_string());
        assert_eq!(verify(&other, &token, now), Err(TokenError::BadSignature));

        let parts: Vec<&str> = token.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD
            .encode(String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap().replace("\"42\"", "\"1\""));
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(verify(&secret(), &forged, now), Err(TokenError::BadSignature));

        let none_alg = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), parts[1]);
        assert_eq!(verify(&secret(), &none_alg, now), Err(TokenError::Malformed));
        assert_eq!(verify(&secret(), "abc", now), Err(TokenError::Malformed));
    }
}
