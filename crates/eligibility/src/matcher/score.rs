//! The 0–100 score: relevance, TRL fit, applicant-kind fit, deadline, preferred certifications.

use chrono::NaiveDate;

use crate::constraint::{Certification, Constraint, Rule};
use crate::facts::{OrgFacts, ProgramFacts};
use crate::range::Range;
use crate::tokens::{contains_keyword, text_has_word, tokenize, Token};

/// Points each part can give; they add up to 100.
pub const KEYWORDS_MAX: u8 = 35;
pub const INDUSTRY_MAX: u8 = 10;
pub const TRL_MAX: u8 = 15;
pub const TARGET_MAX: u8 = 15;
pub const DEADLINE_MAX: u8 = 15;
pub const PREFERRED_MAX: u8 = 10;

/// How the gate judged a kind of rule, as far as the score cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judged {
    /// No such rule.
    Absent,
    Passed,
    Unknown,
    Failed,
}

/// The score and the notes explaining its larger parts.
pub struct Score {
    pub points: u8,
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
}

pub fn score(
    org: &OrgFacts,
    program: &ProgramFacts,
    rules: &[&Rule],
    target: Judged,
    industry: Judged,
    today: NaiveDate,
) -> Score {
    let mut notes = Vec::new();
    let mut warnings = Vec::new();
    let keywords = keywords(org, program, &mut notes);
    let industry = industry_points(industry);
    let trl = trl(org, rules, &mut notes, &mut warnings);
    let target = target_points(target);
    let deadline = deadline(program.deadline, today, &mut notes, &mut warnings);
    let preferred = preferred(org, rules, &mut notes);
    let points = keywords + industry + trl + target + deadline + preferred;
    Score { points: points.min(100), notes, warnings }
}

pub fn industry_points(industry: Judged) -> u8 {
    match industry {
        Judged::Passed => INDUSTRY_MAX,
        Judged::Absent | Judged::Unknown => INDUSTRY_MAX / 2,
        Judged::Failed => 0,
    }
}

pub fn target_points(target: Judged) -> u8 {
    match target {
        Judged::Passed => TARGET_MAX,
        Judged::Absent => 8,
        Judged::Unknown => 7,
        Judged::Failed => 0,
    }
}

/// 12 points for each keyword in the title, 6 for each only in the text or tags, at most 35.
pub fn keyword_points(in_title: u32, elsewhere: u32) -> u8 {
    (in_title * 12 + elsewhere * 6).min(u32::from(KEYWORDS_MAX)) as u8
}

/// The keywords as the score compares them: trimmed, ASCII lower-case, sorted, without repeats.
pub fn wanted_keywords(org: &OrgFacts) -> Vec<String> {
    let mut wanted: Vec<String> =
        org.tech_keywords.iter().map(|k| k.trim().to_ascii_lowercase()).filter(|k| !k.is_empty()).collect();
    wanted.sort();
    wanted.dedup();
    wanted
}

/// Technology keywords and industry names found as whole words: 12 points for each in the
/// title, 6 for each only in the text or tags.
fn keywords(org: &OrgFacts, program: &ProgramFacts, notes: &mut Vec<String>) -> u8 {
    let wanted = wanted_keywords(org);
    if wanted.is_empty() {
        return 0;
    }
    let (title, rest) = keyword_texts(program);
    // One-word keywords are found without tokenizing the text; longer ones need the words.
    let mut title_tokens: Option<Vec<Token>> = None;
    let mut rest_tokens: Option<Vec<Token>> = None;
    let single: Vec<bool> = wanted.iter().map(|k| tokenize(k).len() <= 1).collect();
    let found = |i: usize, k: &str, text: &str, cache: &mut Option<Vec<Token>>| {
        if single[i] {
            text_has_word(text, k)
        } else {
            contains_keyword(cache.get_or_insert_with(|| tokenize(text)), k)
        }
    };
    let (mut in_title, mut elsewhere) = (0, 0);
    let mut hits = Vec::new();
    for (i, k) in wanted.iter().enumerate() {
        if found(i, k, &title, &mut title_tokens) {
            in_title += 1;
            hits.push(k.clone());
        } else if found(i, k, &rest, &mut rest_tokens) {
            elsewhere += 1;
            hits.push(k.clone());
        }
    }
    if !hits.is_empty() {
        notes.push(format!("기술 키워드 일치: {}", hits.join(", ")));
    }
    keyword_points(in_title, elsewhere)
}

/// The programme's title, and its text with its tags, as keywords are looked for in them.
pub fn keyword_texts(program: &ProgramFacts) -> (String, String) {
    let title = program.title.to_ascii_lowercase();
    let mut rest = program.body.to_ascii_lowercase();
    for tag in &program.classification {
        rest.push('\n');
        rest.push_str(&tag.to_ascii_lowercase());
    }
    (title, rest)
}

/// Whether one keyword occurs in `text` as the score counts it.
pub fn keyword_found(keyword: &str, text: &str) -> bool {
    if tokenize(keyword).len() <= 1 {
        text_has_word(text, keyword)
    } else {
        contains_keyword(&tokenize(text), keyword)
    }
}

fn trl(org: &OrgFacts, rules: &[&Rule], notes: &mut Vec<String>, warnings: &mut Vec<String>) -> u8 {
    let ranges: Vec<&Range<u8>> = rules
        .iter()
        .filter_map(|r| match &r.constraint {
            Constraint::Trl { levels } => Some(levels),
            _ => None,
        })
        .collect();
    let neutral = 7;
    if ranges.is_empty() {
        return neutral;
    }
    let levels: Vec<u8> = [org.trl_current, org.trl_target].iter().flatten().map(|t| t.level()).collect();
    if levels.is_empty() {
        return neutral;
    }
    let points = trl_points(org, ranges.iter().copied());
    let desc = ranges.iter().map(|r| format!("TRL {}", r.describe(|l| l.to_string()))).collect::<Vec<_>>().join(", ");
    if points == TRL_MAX {
        notes.push(format!("기술성숙도 적합: {desc}"));
        return TRL_MAX;
    }
    let mine = levels.iter().map(|l| l.to_string()).collect::<Vec<_>>().join("→");
    warnings.push(format!("기술성숙도 확인: 공고 {desc}, 현재 TRL {mine}"));
    points
}

/// TRL points: a level within the announcement's range 15, one level off 8, else 0; 7 when
/// either side has no TRL.
pub fn trl_points<'r>(org: &OrgFacts, ranges: impl Iterator<Item = &'r Range<u8>> + Clone) -> u8 {
    let levels = || [org.trl_current, org.trl_target].into_iter().flatten().map(|t| t.level());
    if ranges.clone().next().is_none() || levels().next().is_none() {
        return 7;
    }
    if levels().any(|l| ranges.clone().any(|r| r.contains(l))) {
        return TRL_MAX;
    }
    let near = levels().any(|l| {
        ranges.clone().any(|r| r.contains(l.saturating_add(1)) || l.checked_sub(1).is_some_and(|d| r.contains(d)))
    });
    if near {
        8
    } else {
        0
    }
}

fn deadline(deadline: Option<NaiveDate>, today: NaiveDate, notes: &mut Vec<String>, warnings: &mut Vec<String>) -> u8 {
    let Some(d) = deadline else { return 6 };
    let days = (d - today).num_days();
    if days < 0 {
        warnings.push(format!("접수가 마감된 공고입니다 (마감 {d})"));
        return 0;
    }
    notes.push(if days == 0 { format!("오늘 마감 ({d})") } else { format!("마감 {days}일 전 ({d})") });
    deadline_points(deadline, today)
}

/// Deadline points: 15 within 7 days, 13 within 14, 11 within 30, 8 within 60, 6 later or when
/// there is no deadline, 0 once it has passed.
pub fn deadline_points(deadline: Option<NaiveDate>, today: NaiveDate) -> u8 {
    let Some(d) = deadline else { return 6 };
    match (d - today).num_days() {
        i64::MIN..=-1 => 0,
        0..=7 => DEADLINE_MAX,
        8..=14 => 13,
        15..=30 => 11,
        31..=60 => 8,
        _ => 6,
    }
}

fn preferred(org: &OrgFacts, rules: &[&Rule], notes: &mut Vec<String>) -> u8 {
    let wanted: Vec<Certification> = super::preferred_certifications(rules).collect();
    if wanted.is_empty() {
        return PREFERRED_MAX / 2;
    }
    let held: Vec<&Certification> =
        org.certifications.iter().flatten().filter(|c| wanted.contains(c)).collect::<Vec<_>>();
    if held.is_empty() {
        return preferred_points(org, &wanted);
    }
    let names = held.iter().map(|c| c.label_ko()).collect::<Vec<_>>().join(", ");
    notes.push(format!("우대·가점 인증 보유: {names}"));
    preferred_points(org, &wanted)
}

/// Preferred-certification points: 10 when one is held, 0 when none is, 5 when the announcement
/// prefers none.
pub fn preferred_points(org: &OrgFacts, wanted: &[Certification]) -> u8 {
    if wanted.is_empty() {
        PREFERRED_MAX / 2
    } else if org.certifications.iter().flatten().any(|c| wanted.contains(c)) {
        PREFERRED_MAX
    } else {
        0
    }
}
