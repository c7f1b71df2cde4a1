//! The two supported login providers and their documented endpoints.

use std::fmt;
use std::str::FromStr;

use url::Url;

/// A social-login provider Connect accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Kakao,
    Naver,
}

/// A provider name that is neither `kakao` nor `naver`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown login provider {0:?} (expected \"kakao\" or \"naver\")")]
pub struct UnknownProvider(pub String);

impl Provider {
    /// Every supported provider.
    pub const ALL: [Provider; 2] = [Provider::Kakao, Provider::Naver];

    /// Stable lower-case name, as used in routes and stored accounts.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Kakao => "kakao",
            Provider::Naver => "naver",
        }
    }

    /// Name shown to users (Korean).
    pub fn display_name(self) -> &'static str {
        match self {
            Provider::Kakao => "카카오",
            Provider::Naver => "네이버",
        }
    }

    /// Production base URL of the authorization server (authorize and token endpoints).
    pub fn default_auth_base(self) -> Url {
        let base = match self {
            Provider::Kakao => "https://kauth.kakao.com/",
            Provider::Naver => "https://nid.naver.com/",
        };
        Url::parse(base).expect("static URL")
    }

    /// Production base URL of the resource server (user profile endpoint).
    pub fn default_api_base(self) -> Url {
        let base = match self {
            Provider::Kakao => "https://kapi.kakao.com/",
            Provider::Naver => "https://openapi.naver.com/",
        };
        Url::parse(base).expect("static URL")
    }

    /// Path segments of the authorize endpoint below the auth base.
    pub fn authorize_path(self) -> &'static [&'static str] {
        match self {
            Provider::Kakao => &["oauth", "authorize"],
            Provider::Naver => &["oauth2.0", "authorize"],
        }
    }

    /// Path segments of the token endpoint below the auth base.
    pub fn token_path(self) -> &'static [&'static str] {
        match self {
            Provider::Kakao => &["oauth", "token"],
            Provider::Naver => &["oauth2.0", "token"],
        }
    }

    /// Path segments of the profile endpoint below the API base.
    pub fn profile_path(self) -> &'static [&'static str] {
        match self {
            Provider::Kakao => &["v2", "user", "me"],
            Provider::Naver => &["v1", "nid", "me"],
        }
    }

    /// Whether the provider accepts PKCE (RFC 7636) on the authorization-code flow.
    pub fn supports_pkce(self) -> bool {
        matches!(self, Provider::Kakao)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = UnknownProvider;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownProvider(s.to_owned()))
    }
}

/// `base` with `segments` appended as path segments, keeping any path prefix `base` already has.
pub(crate) fn endpoint(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for provider in Provider::ALL {
            assert_eq!(provider.as_str().parse::<Provider>(), Ok(provider));
        }
        assert_eq!("KAKAO".parse::<Provider>(), Ok(Provider::Kakao));
        assert!("google".parse::<Provider>().is_err());
    }

    #[test]
    fn endpoints_keep_base_prefix() {
        let base = Url::parse("http://127.0.0.1:8080/proxy/kakao/").unwrap();
        assert_eq!(
            endpoint(&base, Provider::Kakao.token_path()).as_str(),
            "http://127.0.0.1:8080/proxy/kakao/oauth/token"
        );
        let bare = Url::parse("https://kapi.kakao.com").unwrap();
        assert_eq!(endpoint(&bare, Provider::Kakao.profile_path()).as_str(), "https://kapi.kakao.com/v2/user/me");
    }
}
