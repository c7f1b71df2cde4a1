//! CSS, JavaScript and icons, embedded in the binary and served under a fingerprinted name:
//! `/static/app.<first 10 hex of SHA-256>.css`. The name changes whenever the content does, so
//! browsers and nginx may keep each file for a year (`immutable`). Hashes are computed once, on
//! first use at start-up; templates ask [`url`] for the current name.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// (logical name, content type, bytes)
const FILES: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../../static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../../static/app.js")),
    ("admin.js", "text/javascript; charset=utf-8", include_bytes!("../../static/admin.js")),
    ("icon.svg", "image/svg+xml", include_bytes!("../../static/icon.svg")),
];

pub struct Asset {
    pub content_type: &'static str,
    pub bytes: &'static [u8],
    /// `/static/app.0123456789.css`
    pub url: String,
}

struct Assets {
    by_name: HashMap<&'static str, Asset>,
    /// Fingerprinted file name → logical name.
    by_file: HashMap<String, &'static str>,
}

static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    let mut by_name = HashMap::new();
    let mut by_file = HashMap::new();
    for (name, content_type, bytes) in FILES {
        let file = fingerprinted(name, bytes);
        by_file.insert(file.clone(), *name);
        by_name.insert(*name, Asset { content_type, bytes, url: format!("/static/{file}") });
    }
    Assets { by_name, by_file }
});

/// `app.css` + content → `app.<hash>.css`.
fn fingerprinted(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

/// The URL of an embedded asset by its logical name (`app.css`).
///
/// # Panics
/// On a name that is not embedded: a template bug that every page test would catch.
pub fn url(name: &str) -> &'static str {
    match ASSETS.by_name.get(name) {
        Some(asset) => &asset.url,
        None => panic!("unknown asset {name}"),
    }
}

/// Every embedded asset by logical name, for tests and page-weight measurements.
pub fn get(name: &str) -> Option<&'static Asset> {
    ASSETS.by_name.get(name)
}

/// Computes the fingerprints now rather than on the first request.
pub fn prepare() {
    LazyLock::force(&ASSETS);
}

/// `GET /static/{file}`: only current fingerprints exist; an old one is 404, never stale content.
pub async fn serve(Path(file): Path<String>) -> Response {
    let Some(asset) = ASSETS.by_file.get(&file).and_then(|name| ASSETS.by_name.get(name)) else {
        return (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, "no-store")], "not found").into_response();
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    (headers, asset.bytes).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_ten_hex_digits_of_the_content_hash() {
        let a = fingerprinted("app.css", b"body{}");
        let b = fingerprinted("app.css", b"body{color:red}");
        assert_ne!(a, b, "a change of content changes the name");
        let hash = a.strip_prefix("app.").and_then(|s| s.strip_suffix(".css")).unwrap();
        assert_eq!(hash.len(), 10);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(url("app.js").starts_with("/static/app.") && url("app.js").ends_with(".js"));
    }
}
