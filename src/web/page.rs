//! What every page shares: the frame around its content (title, canonical URL, Open Graph,
//! JSON-LD, navigation, assets) and turning a template into a response.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::viewer::Viewer;
use crate::api::AppState;

pub const SITE_NAME: &str = "Connect";
const DEFAULT_DESCRIPTION: &str =
    "정부·공공기관 지원사업 공고를 한곳에서 찾아보세요. 지역, 지원대상, 마감일로 걸러 보고 D-day를 확인할 수 있습니다.";

/// The frame of one page.
pub struct Chrome {
    /// `<title>` without the site name.
    pub title: String,
    pub description: String,
    /// Absolute canonical URL; `None` for pages that should not be indexed.
    pub canonical: Option<String>,
    /// `website` or `article`.
    pub og_type: &'static str,
    /// JSON-LD, already safe to place inside `<script type="application/ld+json">`.
    pub json_ld: Option<String>,
    pub viewer: Option<Viewer>,
    /// Which top navigation entry is current (`programs`, `pricing`, `account`, `admin`).
    pub section: &'static str,
    /// Extra scripts by asset name, after `app.js`.
    pub scripts: Vec<&'static str>,
}

impl Chrome {
    /// A public page at `path`, indexable, with its canonical URL on the public site.
    pub fn public(state: &AppState, title: impl Into<String>, path: &str, viewer: Option<Viewer>) -> Chrome {
        Chrome {
            title: title.into(),
            description: DEFAULT_DESCRIPTION.into(),
            canonical: Some(state.accounts.config.link(path)),
            og_type: "website",
            json_ld: None,
            viewer,
            section: "",
            scripts: Vec::new(),
        }
    }

    /// A page for one person (forms, account): not indexed, not cached.
    pub fn private(title: impl Into<String>, viewer: Option<Viewer>) -> Chrome {
        Chrome {
            title: title.into(),
            description: DEFAULT_DESCRIPTION.into(),
            canonical: None,
            og_type: "website",
            json_ld: None,
            viewer,
            section: "",
            scripts: Vec::new(),
        }
    }

    pub fn section(mut self, section: &'static str) -> Self {
        self.section = section;
        self
    }

    pub fn describe(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    pub fn full_title(&self) -> String {
        if self.title.is_empty() {
            format!("{SITE_NAME} — 정부 지원사업 찾기")
        } else {
            format!("{} | {SITE_NAME}", self.title)
        }
    }

    pub fn asset(&self, name: &str) -> &'static str {
        super::assets::url(name)
    }

    pub fn logged_in(&self) -> bool {
        self.viewer.is_some()
    }

    pub fn is_admin(&self) -> bool {
        self.viewer.as_ref().is_some_and(Viewer::is_admin)
    }

    pub fn csrf_token(&self) -> &str {
        self.viewer.as_ref().map(|v| v.csrf_token.as_str()).unwrap_or("")
    }

    /// `aria-current="page"` for the current navigation entry.
    pub fn current(&self, section: &str) -> &'static str {
        if self.section == section {
            "page"
        } else {
            "false"
        }
    }

    /// A `WebPage` with its `BreadcrumbList` (name, absolute URL) — real data only.
    pub fn web_page_ld(&self, state: &AppState, crumbs: &[(&str, &str)]) -> serde_json::Value {
        let items: Vec<_> = crumbs
            .iter()
            .enumerate()
            .map(|(i, (name, path))| {
                json!({"@type": "ListItem", "position": i + 1, "name": name, "item": state.accounts.config.link(path)})
            })
            .collect();
        let mut page = json!({
            "@context": "https://schema.org",
            "@type": "WebPage",
            "name": self.title,
            "description": self.description,
            "inLanguage": "ko-KR",
            "breadcrumb": {"@type": "BreadcrumbList", "itemListElement": items},
        });
        if let Some(url) = &self.canonical {
            page["url"] = json!(url);
        }
        page
    }

    pub fn with_breadcrumbs(self, state: &AppState, crumbs: &[(&str, &str)]) -> Self {
        let ld = self.web_page_ld(state, crumbs);
        self.with_json_ld(&ld)
    }

    pub fn with_json_ld(mut self, value: &serde_json::Value) -> Self {
        self.json_ld = Some(script_json(value));
        self
    }
}

/// JSON that cannot end its `<script>` element or open a comment inside it.
pub fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// Renders a page. Pages with a viewer carry their CSRF token and personal data: never cached.
pub fn render<T: Template>(status: StatusCode, template: &T, chrome: &Chrome) -> Response {
    let personal = chrome.viewer.is_some() || chrome.canonical.is_none();
    html(status, template, personal)
}

pub fn html<T: Template>(status: StatusCode, template: &T, personal: bool) -> Response {
    match template.render() {
        Ok(body) => {
            let cache = if personal { "private, no-store" } else { "no-cache" };
            let mut response = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "page template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "서버 내부 오류가 발생했습니다").into_response()
        }
    }
}
