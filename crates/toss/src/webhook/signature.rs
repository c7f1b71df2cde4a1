//! HMAC-SHA256 signatures of the webhook versions that sign (payouts, sellers).
//!
//! Toss signs `{body}:{transmission time}` with the merchant's webhook security key and sends
//! `tosspayments-webhook-signature: v1:<base64>,v1:<base64>` (two signatures while keys rotate);
//! one matching is enough.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret as _, SecretString};
use sha2::Sha256;

/// Header with the time Toss sent the webhook, part of what is signed.
pub const TRANSMISSION_TIME_HEADER: &str = "tosspayments-webhook-transmission-time";
/// Header with the `v1:` signatures.
pub const SIGNATURE_HEADER: &str = "tosspayments-webhook-signature";

type HmacSha256 = Hmac<Sha256>;

/// Why a signed webhook is rejected. For logs; the sender gets a bare 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("webhook header {0} is missing or not text")]
    MissingHeader(&'static str),
    #[error("webhook signature header has no v1 signature in base64")]
    Malformed,
    #[error("webhook signature does not match the body")]
    Mismatch,
}

/// Checks the signature headers of a signed webhook against its raw `body` (exactly as
/// received) and the webhook `security_key`. The comparison is constant-time.
pub fn verify_signature(body: &[u8], headers: &HeaderMap, security_key: &SecretString) -> Result<(), SignatureError> {
    let header = |name: &'static str| {
        headers.get(name).and_then(|value| value.to_str().ok()).ok_or(SignatureError::MissingHeader(name))
    };
    let time = header(TRANSMISSION_TIME_HEADER)?;
    let signatures = header(SIGNATURE_HEADER)?
        .split(',')
        .filter_map(|part| part.trim().strip_prefix("v1:"))
        .filter_map(|encoded| STANDARD.decode(encoded.trim()).ok())
        .collect::<Vec<_>>();
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let mac = signed(body, time, security_key);
    if signatures.iter().any(|signature| mac.clone().verify_slice(signature).is_ok()) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The `tosspayments-webhook-signature` value Toss would send for `body` at `transmission_time`
/// (for fakes and tests).
pub fn sign(body: &[u8], transmission_time: &str, security_key: &SecretString) -> String {
    format!("v1:{}", STANDARD.encode(signed(body, transmission_time, security_key).finalize().into_bytes()))
}

fn signed(body: &[u8], transmission_time: &str, security_key: &SecretString) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(security_key.expose_secret().as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.update(b":");
    mac.update(transmission_time.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    const TIME: &str = "2024-09-05T12:19:21+09:00";

    fn headers(signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(TRANSMISSION_TIME_HEADER, HeaderValue::from_static(TIME));
        headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
        headers
    }

    #[test]
    fn signature_is_hmac_sha256_of_body_colon_time() {
        // HMAC-SHA256(key="key", "body:2024-09-05T12:19:21+09:00"), computed independently.
        let key = SecretString::from("key");
        let expected = {
            let mut mac = HmacSha256::new_from_slice(b"key").unwrap();
            mac.update(format!("body:{TIME}").as_bytes());
            format!("v1:{}", STANDARD.encode(mac.finalize().into_bytes()))
        };
        assert_eq!(sign(b"body", TIME, &key), expected);
    }

    #[test]
    fn either_of_two_signatures_will_do() {
        let key = SecretString::from("security-key");
        let good = sign(b"{}", TIME, &key);
        let other = sign(b"{}", TIME, &SecretString::from("old-key"));
        assert_eq!(verify_signature(b"{}", &headers(&format!("{other},{good}")), &key), Ok(()));
        assert_eq!(verify_signature(b"{}", &headers(&other), &key), Err(SignatureError::Mismatch));
        assert_eq!(verify_signature(b"{}", &headers("v2:abc"), &key), Err(SignatureError::Malformed));
        assert_eq!(
            verify_signature(b"{}", &HeaderMap::new(), &key),
            Err(SignatureError::MissingHeader(TRANSMISSION_TIME_HEADER))
        );
    }
}
