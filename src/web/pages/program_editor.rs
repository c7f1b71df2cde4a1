//! `/admin/programs`: staff find a program by number or title; `/admin/programs/{id}`: the program
//! data editor — stored fields with corrections and what the source published, the eligibility
//! rules in the matcher's Korean (extracted and corrected), the duplicate group with split and merge,
//! and the revision history with 되돌리기. Read through the admin API (`api::admin::programs`);
//! forms post to it. Anyone who is not staff gets the 404 page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use eligibility::{Provenance, Rule};
use normalize::period::PeriodKind;
use normalize::{AnnouncementType, Region};
use serde_json::Value;

use super::orgs::{choices, Choice};
use super::program::source_name;
use crate::accounts::Admin;
use crate::api::admin::programs::{self, FindQuery, ProgramEdit};
use crate::api::AppState;
use crate::catalog::corrections::{self, PERIOD_KINDS};
use crate::catalog::groups::{Group, Member};
use crate::catalog::revisions::{Aspect, Revision};
use crate::catalog::status::{Clock, Status};
use crate::catalog::vocab::{target_label, TARGET_TYPES};
use crate::web::error::{not_found_page, PageError};
use crate::web::format;
use crate::web::page::{self, Chrome};
use crate::web::viewer::MaybeViewer;

#[derive(Template)]
#[template(path = "admin_programs.html")]
pub struct FindPage {
    pub page: Chrome,
    pub q: String,
    pub found: Vec<FoundRow>,
}

pub struct FoundRow {
    pub id: i64,
    pub title: String,
    pub source: &'static str,
    pub deadline: String,
    pub note: &'static str,
}

/// `/admin/programs?q=`: a number opens that program's editor; words list the programs whose
/// title has them all.
pub async fn find(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Query(query): Query<FindQuery>,
) -> Result<Response, PageError> {
    let Some(viewer) = viewer.filter(|v| v.is_admin()) else {
        return Ok(not_found_page());
    };
    let q = query.q.as_deref().unwrap_or_default().trim().trim_start_matches('#').to_string();
    if let Ok(id) = q.parse::<i64>() {
        return Ok(Redirect::to(&format!("/admin/programs/{id}")).into_response());
    }
    let axum::Json(found) =
        programs::find(State(state), Admin(viewer.caller.clone()), Query(FindQuery { q: Some(q.clone()) })).await?;
    let page = FindPage {
        page: Chrome::private("공고 편집", Some(viewer)).section("admin"),
        q,
        found: found
            .into_iter()
            .map(|f| FoundRow {
                id: f.id,
                title: f.title,
                source: source_name(&f.source),
                deadline: f.deadline.map(format::date).unwrap_or_default(),
                note: match (f.removed, f.duplicate_of.is_some()) {
                    (true, _) => "내려감",
                    (false, true) => "중복",
                    _ => "",
                },
            })
            .collect(),
    };
    Ok(page::render(StatusCode::OK, &page, &page.page))
}

#[derive(Template)]
#[template(path = "admin_program.html")]
pub struct EditorPage {
    pub page: Chrome,
    pub id: i64,
    pub title: String,
    pub source: &'static str,
    pub external_id: String,
    pub removed: bool,
    pub status: &'static str,
    pub fields: Vec<FieldRow>,
    pub rules: Vec<RuleRow>,
    pub rules_corrected: bool,
    /// The lines staff wrote for the current correction, to edit them again.
    pub conditions: String,
    pub droppable: Vec<RuleKind>,
    pub duplicate_of: Option<i64>,
    pub decided: bool,
    pub group: Vec<GroupRow>,
    pub history: Vec<HistoryRow>,
}

/// One correctable field with the input that edits it.
pub struct FieldRow {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `date`, `number`, `select` or `checks`.
    pub input: &'static str,
    /// The input's value (text inputs).
    pub value: String,
    /// The stored value in words.
    pub shown: String,
    pub options: Vec<Choice>,
    /// What the source published, in words, when staff corrected the field.
    pub source_value: Option<String>,
    pub corrected_at: String,
}

/// A kind of extracted rule staff may drop, with the rules of that kind in words.
pub struct RuleKind {
    pub kind: &'static str,
    pub rules: String,
    pub dropped: bool,
}

pub struct RuleRow {
    pub text: String,
    pub origin: String,
    pub confidence: u8,
    pub hard: bool,
    pub sentence: String,
}

pub struct GroupRow {
    pub id: i64,
    pub canonical: bool,
    pub this: bool,
    pub source: &'static str,
    pub title: String,
    pub deadline: String,
    pub link: Option<String>,
    pub removed: bool,
    pub decided: bool,
}

pub struct HistoryRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub changes: Vec<String>,
    pub note: String,
    pub undoes: Option<i64>,
    pub undone_by: Option<i64>,
    /// The revision belongs to the other program of a split or merge.
    pub elsewhere: Option<i64>,
}

pub async fn show(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let Some(viewer) = viewer.filter(|v| v.is_admin()) else {
        return Ok(not_found_page());
    };
    let axum::Json(edit) = programs::show(State(state), Admin(viewer.caller.clone()), Path(id)).await?;
    let title = edit.fields.iter().find(|f| f.name == "title").and_then(|f| f.value.as_str()).unwrap_or_default();
    let page = EditorPage {
        page: Chrome::private(format!("공고 편집: {title}"), Some(viewer)).section("admin"),
        title: title.to_string(),
        status: status(&edit).label_ko(),
        fields: edit.fields.iter().map(|f| field_row(f.name, f.label, &f.value, f.correction.as_ref())).collect(),
        rules: edit.rules.effective.iter().map(rule_row).collect(),
        rules_corrected: edit.rules.corrected.is_some() || !edit.rules.dropped_kinds.is_empty(),
        conditions: conditions(edit.rules.corrected.as_deref().unwrap_or_default()),
        droppable: droppable(edit.rules.extracted.as_deref().unwrap_or_default(), &edit.rules.dropped_kinds),
        duplicate_of: edit.placement.canonical_id,
        decided: edit.placement.decided,
        group: edit.group.as_ref().map(|g| group_rows(g, edit.id)).unwrap_or_default(),
        history: edit.history.iter().map(|r| history_row(r, edit.id)).collect(),
        id: edit.id,
        source: source_name(&edit.source),
        external_id: edit.external_id,
        removed: edit.removed,
    };
    Ok(page::render(StatusCode::OK, &page, &page.page))
}

/// The status the stored period gives the program now.
fn status(edit: &ProgramEdit) -> Status {
    let value =
        |name: &str| edit.fields.iter().find(|f| f.name == name).map(|f| f.value.clone()).unwrap_or(Value::Null);
    let date = |name: &str| value(name).as_str().and_then(|d| d.parse().ok());
    let kind = value("period_kind").as_str().and_then(PeriodKind::from_code).unwrap_or(PeriodKind::Unknown);
    let period =
        normalize::period::Period { start: date("period_start"), end: date("period_end"), end_time: None, kind };
    Status::of(&period, &Clock::now())
}

fn field_row(
    name: &'static str,
    label: &'static str,
    value: &Value,
    correction: Option<&corrections::Correction>,
) -> FieldRow {
    let codes: Vec<String> =
        value.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default();
    let chosen = value.as_str().map(String::from).into_iter().collect::<Vec<_>>();
    let (input, options) = match name {
        "announcement_type" => (
            "select",
            AnnouncementType::ALL
                .iter()
                .map(|t| Choice {
                    value: t.as_str(),
                    label: t.label_ko(),
                    selected: chosen.iter().any(|c| c == t.as_str()),
                })
                .collect(),
        ),
        "period_kind" => (
            "select",
            PERIOD_KINDS
                .iter()
                .filter_map(|&code| {
                    let kind = PeriodKind::from_code(code)?;
                    Some(Choice { value: code, label: kind.label_ko(), selected: chosen.iter().any(|c| c == code) })
                })
                .collect(),
        ),
        "regions" => (
            "checks",
            std::iter::once(&Region::Nationwide)
                .chain(Region::all_sido())
                .map(|r| Choice {
                    value: r.as_str(),
                    label: r.label_ko(),
                    selected: codes.iter().any(|c| c == r.as_str()),
                })
                .collect(),
        ),
        "target_types" => ("checks", choices(TARGET_TYPES, &codes)),
        "period_start" | "period_end" => ("date", Vec::new()),
        "budget_krw" => ("number", Vec::new()),
        _ => ("text", Vec::new()),
    };
    FieldRow {
        name,
        label,
        input,
        value: match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        },
        shown: words(name, value),
        options,
        source_value: correction.map(|c| words(name, &c.source_value)),
        corrected_at: correction.map(|c| format::datetime(c.set_at)).unwrap_or_default(),
    }
}

/// A field's value (the column's JSON) as people read it.
fn words(field: &str, value: &Value) -> String {
    let list = |label: &dyn Fn(&str) -> Option<&'static str>| match value.as_array() {
        Some(codes) if !codes.is_empty() => codes
            .iter()
            .filter_map(Value::as_str)
            .map(|c| label(c).unwrap_or("?").to_string())
            .collect::<Vec<_>>()
            .join(", "),
        _ => "없음".to_string(),
    };
    match (field, value) {
        (_, Value::Null) => "없음".into(),
        ("regions", _) => list(&|c| Region::from_code(c).map(|r| r.label_ko())),
        ("target_types", _) => list(&target_label),
        ("announcement_type", Value::String(c)) => {
            AnnouncementType::from_code(c).map_or(c.clone(), |t| t.label_ko().into())
        }
        ("period_kind", Value::String(c)) => PeriodKind::from_code(c).map_or(c.clone(), |k| k.label_ko().into()),
        ("period_start" | "period_end", Value::String(d)) => d.parse().map(format::date).unwrap_or_else(|_| d.clone()),
        ("budget_krw", Value::Number(n)) => n.as_i64().map(format::amount).unwrap_or_else(|| n.to_string()),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

fn rule_row(rule: &Rule) -> RuleRow {
    RuleRow {
        text: rule.constraint.describe(),
        origin: match &rule.provenance {
            Provenance::Text => "공고문에서 추출".into(),
            Provenance::Structured { field } => format!("게시처 코드 ({field})"),
            Provenance::Admin { .. } => "직원 수정".into(),
        },
        confidence: (rule.confidence * 100.0).round() as u8,
        hard: rule.is_hard(),
        sentence: rule.sentence.clone(),
    }
}

/// The lines a correction was written as (each staff rule keeps its line as its sentence).
fn conditions(corrected: &[Rule]) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for rule in corrected {
        if !lines.contains(&rule.sentence.as_str()) {
            lines.push(&rule.sentence);
        }
    }
    lines.join("\n")
}

/// The kinds of extracted rules staff may drop, labelled with the rules of each kind.
fn droppable(extracted: &[Rule], dropped: &[String]) -> Vec<RuleKind> {
    let mut kinds: Vec<(&'static str, Vec<String>)> = Vec::new();
    for rule in extracted {
        let kind = rule.constraint.kind();
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, texts)) => texts.push(rule.constraint.describe()),
            None => kinds.push((kind, vec![rule.constraint.describe()])),
        }
    }
    kinds
        .into_iter()
        .map(|(kind, texts)| RuleKind { kind, rules: texts.join(" / "), dropped: dropped.iter().any(|d| d == kind) })
        .collect()
}

fn member_row(m: &Member, canonical: bool, this: i64) -> GroupRow {
    GroupRow {
        id: m.id,
        canonical,
        this: m.id == this,
        source: source_name(&m.source),
        title: m.title.clone(),
        deadline: m.deadline.map(format::date).unwrap_or_else(|| "없음".into()),
        link: m.source_url.clone().filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        removed: m.removed,
        decided: m.decided,
    }
}

pub(super) fn group_rows(group: &Group, this: i64) -> Vec<GroupRow> {
    std::iter::once(member_row(&group.canonical, true, this))
        .chain(group.duplicates.iter().map(|d| member_row(d, false, this)))
        .collect()
}

fn history_row(r: &Revision, this: i64) -> HistoryRow {
    HistoryRow {
        id: r.id,
        at: format::datetime(r.at),
        actor: r.actor.clone().unwrap_or_else(|| "(삭제된 사용자)".into()),
        action: match r.action.as_str() {
            "fields" => "항목 수정",
            "rules" => "자격 조건 수정",
            "split" => "묶음에서 나눔",
            "merge" => "같은 사업으로 묶음",
            "undo" => "되돌리기",
            _ => "수정",
        },
        changes: r
            .after
            .iter()
            .map(|(key, after)| {
                let before = r.before.get(key).unwrap_or(&Value::Null);
                let label = Aspect::parse(key).map_or("기타", |a| a.label());
                format!("{label}: {} → {}", state_words(key, before), state_words(key, after))
            })
            .collect(),
        note: r.note.clone().unwrap_or_default(),
        undoes: r.undoes,
        undone_by: r.undone_by,
        elsewhere: (r.program_id != this).then_some(r.program_id),
    }
}

/// The state of an aspect (see `catalog::revisions::Aspect`) in words.
fn state_words(key: &str, state: &Value) -> String {
    match key {
        "rules" => match state {
            Value::Null => "추출한 조건".into(),
            _ => {
                let rules: Vec<Rule> =
                    state.get("rules").and_then(|r| serde_json::from_value(r.clone()).ok()).unwrap_or_default();
                let dropped = state.get("dropped_kinds").and_then(Value::as_array).map_or(0, Vec::len);
                let mut text = rules.iter().map(|r| r.constraint.describe()).collect::<Vec<_>>().join(", ");
                if text.is_empty() {
                    text = "직원 조건 없음".into();
                }
                if dropped > 0 {
                    text.push_str(&format!(" (추출 조건 {dropped}종 뺌)"));
                }
                text
            }
        },
        "group" => {
            let decided = state.get("decided").and_then(Value::as_bool).unwrap_or(false);
            let place = match state.get("canonical_id").and_then(Value::as_i64) {
                Some(c) => format!("공고 #{c}의 중복"),
                None => "단독 공고".into(),
            };
            if decided {
                format!("{place} (직원 결정)")
            } else {
                format!("{place} (자동)")
            }
        }
        field => match state.get("value") {
            Some(value) => words(field, value),
            None => "게시처 값".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_and_states_read_in_korean() {
        assert_eq!(words("regions", &json!(["seoul", "busan"])), "서울, 부산");
        assert_eq!(words("budget_krw", &json!(300_000_000)), "3억 원");
        assert_eq!(words("period_end", &json!("2026-12-01")), "2026. 12. 01.(화)");
        assert_eq!(words("ministry", &Value::Null), "없음");
        assert_eq!(state_words("title", &Value::Null), "게시처 값");
        assert_eq!(state_words("title", &json!({"value": "새 제목"})), "새 제목");
        assert_eq!(state_words("group", &json!({"canonical_id": 7, "decided": true})), "공고 #7의 중복 (직원 결정)");
        assert_eq!(state_words("group", &json!({"canonical_id": null, "decided": true})), "단독 공고 (직원 결정)");
    }
}
