//! One file per page or group of pages. Handlers read through the API's own code and hand a view
//! model to a template; the templates only lay out what they are given.

pub mod account;
pub mod admin;
pub mod billing;
pub mod catalogue;
pub mod dashboard;
pub mod duplicates;
pub mod home;
pub mod legal;
pub mod no_script;
pub mod orgs;
pub mod people;
pub mod program;
pub mod program_editor;
pub mod saved;
pub mod stats;

use crate::api::programs::ProgramItem;
use crate::web::format::{self, Badge};

/// A program in a list: what a card shows, already in words.
pub struct Card {
    pub url: String,
    pub title: String,
    /// `과학기술정보통신부 · 정보통신산업진흥원`
    pub organisations: String,
    pub period: String,
    pub badge: Badge,
    pub budget: Option<String>,
    pub regions: String,
    pub targets: String,
    pub type_label: String,
    pub status_label: String,
}

impl Card {
    pub fn new(item: &ProgramItem) -> Card {
        Card {
            url: format!("/programs/{}", item.id),
            title: item.title.clone(),
            organisations: organisations(item),
            period: format::period(&item.period),
            badge: Badge::of(item),
            budget: item.budget_krw.map(format::amount),
            regions: join(item.regions.iter().map(|r| r.label.as_str())),
            targets: join(item.target_types.iter().map(|t| t.label.as_str())),
            type_label: item.announcement_type.label.clone(),
            status_label: item.status_label.clone(),
        }
    }
}

pub fn organisations(item: &ProgramItem) -> String {
    join([item.ministry.as_deref(), item.agency.as_deref()].into_iter().flatten())
}

fn join<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    parts.filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" · ")
}

/// `12,345`
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(super::count(0), "0");
        assert_eq!(super::count(999), "999");
        assert_eq!(super::count(100_000), "100,000");
        assert_eq!(super::count(1_234_567), "1,234,567");
    }
}
