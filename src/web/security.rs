//! The security headers of every HTML response. nginx sets most of them too (the spec's site
//! file); the app sets them itself so that they hold on any path to it, and it owns the
//! `Content-Security-Policy`: no inline or evaluated script, no inline style, no framing. The
//! checkout page alone ([`checkout_policy`]) also runs Toss's SDK, from its one configured origin.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self' wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// Where Toss's SDK opens its card registration window (an iframe on desktop) and sends its requests.
/// The exact hosts are Toss's to change, so the domain is allowed for frames and requests only, never
/// for scripts.
pub const TOSS_ORIGINS: &str = "https://*.tosspayments.com";

/// The policy of the checkout page: [`CONTENT_SECURITY_POLICY`] plus the SDK's origin as the one
/// other script origin, and the SDK's origin and [`TOSS_ORIGINS`] for its frames and requests.
pub fn checkout_policy(sdk_origin: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' {sdk_origin}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self' wss: {sdk_origin} {TOSS_ORIGINS}; frame-src {sdk_origin} {TOSS_ORIGINS}; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
}

pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

/// Two years, subdomains included, as the spec's nginx sends it.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains; preload";

/// Adds the headers to `headers`, keeping any a handler set itself.
pub fn apply(headers: &mut HeaderMap) {
    let fixed: [(HeaderName, &'static str); 6] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY),
        (header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY),
    ];
    for (name, value) in fixed {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
}

/// `response` with the checkout page's policy instead of the default one.
pub fn allow_sdk(mut response: Response, sdk_origin: &str) -> Response {
    match HeaderValue::from_str(&checkout_policy(sdk_origin)) {
        Ok(policy) => {
            response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        // A configured origin is a parsed URL's: never unprintable. Keep the strict default then.
        Err(_) => tracing::error!(sdk_origin, "SDK origin is no header value"),
    }
    response
}

/// Middleware of the web router.
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    apply(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_checkout_policy_adds_the_sdk_origin_only() {
        let policy = super::checkout_policy("https://js.tosspayments.com");
        let directive =
            |name: &str| policy.split(';').map(str::trim).find(|d| d.starts_with(name)).unwrap_or_default().to_string();
        assert_eq!(directive("script-src "), "script-src 'self' https://js.tosspayments.com");
        assert_eq!(directive("frame-src "), "frame-src https://js.tosspayments.com https://*.tosspayments.com");
        assert_eq!(directive("frame-ancestors "), "frame-ancestors 'none'");
        assert!(!policy.contains("unsafe"), "{policy}");
        // Everything but scripts, frames and requests stays as on every other page.
        for kept in ["default-src 'self'", "style-src 'self'", "base-uri 'self'", "form-action 'self'"] {
            assert!(super::CONTENT_SECURITY_POLICY.contains(kept) && policy.contains(kept), "{kept}");
        }
    }
}
