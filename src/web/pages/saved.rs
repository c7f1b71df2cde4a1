//! `/saved`: what a person keeps an eye on — saved programs by deadline (with D-day), saved
//! searches (opened as catalogue URLs), in-app notifications, and the secret calendar feed of the
//! saved deadlines. Changes go to the JSON API (`/api/me/…`) from `app.js`.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::me::{notifications, saved};
use crate::api::AppState;
use crate::catalog::status::Clock;
use crate::notify::Kind;
use crate::web::error::PageError;
use crate::web::format;
use crate::web::page::{self, Chrome};
use crate::web::viewer::MaybeViewer;

pub struct SavedRow {
    pub program_id: i64,
    pub title: String,
    pub agency: String,
    pub deadline: String,
    pub dday: String,
    pub closed: bool,
}

pub struct SearchRow {
    pub id: i64,
    pub name: String,
    /// `/programs?…`
    pub url: String,
}

pub struct SettingRow {
    pub kind: &'static str,
    pub label: &'static str,
    pub mail: bool,
    pub in_app: bool,
    /// The new-match threshold, for that kind only.
    pub min_score: Option<i64>,
}

fn setting_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Deadline => "마감 알림 (관심·맞춤 공고, 마감 7일·3일·1일 전 아침 9시)",
        Kind::Digest => "주간 요약 (매주 월요일 아침 9시)",
        Kind::NewMatch => "새 맞춤 공고",
        Kind::ProgramChanged => "관심 공고의 마감일·서류 변경",
    }
}

pub struct NotificationRow {
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub at: String,
    pub read: bool,
}

#[derive(Template)]
#[template(path = "saved.html")]
pub struct Saved {
    pub page: Chrome,
    pub programs: Vec<SavedRow>,
    pub searches: Vec<SearchRow>,
    pub notifications: Vec<NotificationRow>,
    pub unread: usize,
    pub settings: Vec<SettingRow>,
}

pub async fn show(State(state): State<AppState>, viewer: MaybeViewer) -> Result<Response, PageError> {
    let viewer = match viewer.require("/saved") {
        Ok(viewer) => viewer,
        Err(login) => return Ok(login.into_response()),
    };
    let programs = {
        let client = state.db.get().await?;
        saved::saved_programs(&**client, viewer.user_id()).await?
    };
    let axum::Json(searches) = saved::searches(State(state.clone()), viewer.caller.clone()).await?;
    let axum::Json(notes) = notifications::list(
        State(state.clone()),
        viewer.caller.clone(),
        axum::extract::Query(notifications::ListQuery { unread: false }),
    )
    .await?;
    let axum::Json(settings) = notifications::settings(State(state.clone()), viewer.caller.clone()).await?;
    let today = Clock::now().today();
    let page = Saved {
        page: Chrome::private("관심 공고와 알림", Some(viewer)).section("saved"),
        programs: programs
            .iter()
            .map(|p| {
                let days = p.deadline.map(|d| (d - today).num_days());
                SavedRow {
                    program_id: p.program_id,
                    title: p.title.clone(),
                    agency: p.agency.clone().unwrap_or_default(),
                    deadline: p.deadline.map(format::date).unwrap_or_else(|| "마감일 미정".into()),
                    dday: match days {
                        None => String::new(),
                        Some(d) if d < 0 => "마감".into(),
                        Some(0) => "D-day".into(),
                        Some(d) => format!("D-{d}"),
                    },
                    closed: days.is_some_and(|d| d < 0),
                }
            })
            .collect(),
        searches: searches
            .iter()
            .map(|s| SearchRow { id: s.id, name: s.name.clone(), url: format!("/programs?{}", s.query) })
            .collect(),
        settings: settings
            .iter()
            .map(|s| SettingRow {
                kind: s.kind.as_str(),
                label: setting_label(s.kind),
                mail: s.mail,
                in_app: s.in_app,
                min_score: s.min_score,
            })
            .collect(),
        unread: notes.iter().filter(|n| !n.read).count(),
        notifications: notes
            .iter()
            .take(20)
            .map(|n| NotificationRow {
                title: n.title.clone(),
                body: n.body.clone(),
                link: n.link.clone(),
                at: format::datetime(n.created_at),
                read: n.read,
            })
            .collect(),
    };
    Ok(page::render(StatusCode::OK, &page, &page.page))
}
