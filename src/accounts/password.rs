//! Passwords: argon2id with the crate's recommended parameters (19 MiB, 2 passes), PHC strings.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 256;

/// Checks a new password against the policy, naming what is wrong in Korean.
pub fn check_policy(password: &str, email: Option<&str>) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        return Err("비밀번호는 10자 이상이어야 합니다");
    }
    if chars > MAX_LENGTH {
        return Err("비밀번호는 256자 이하여야 합니다");
    }
    if password.chars().all(|c| c == password.chars().next().unwrap_or(' ')) {
        return Err("같은 문자만 반복한 비밀번호는 사용할 수 없습니다");
    }
    if email.is_some_and(|e| password.eq_ignore_ascii_case(e)) {
        return Err("이메일 주소와 같은 비밀번호는 사용할 수 없습니다");
    }
    Ok(())
}

/// Hashes on a blocking thread: argon2 takes tens of milliseconds of CPU by design.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
    })
    .await?
}

/// True when `password` matches the stored PHC string. A malformed stored hash never matches.
pub async fn verify(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Spends the same time as a real verification, so that "no such account" and "wrong password"
/// cannot be told apart by timing.
pub async fn verify_nothing(password: String) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = match DUMMY.get() {
        Some(d) => d.clone(),
        None => {
            let made = hash("connect-dummy-password".into()).await.unwrap_or_default();
            DUMMY.get_or_init(|| made).clone()
        }
    };
    let _ = verify(password, dummy).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let stored = hash("올바른 비밀번호 123".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify("올바른 비밀번호 123".into(), stored.clone()).await);
        assert!(!verify("틀린 비밀번호 123".into(), stored).await);
        assert!(!verify("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn policy_names_the_problem() {
        assert!(check_policy("short", None).unwrap_err().contains("10자"));
        assert!(check_policy("aaaaaaaaaaaa", None).is_err());
        assert!(check_policy("me@example.com", Some("ME@example.com")).is_err());
        assert!(check_policy("correct horse battery", Some("me@example.com")).is_ok());
    }
}
