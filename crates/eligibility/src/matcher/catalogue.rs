//! A catalogue prepared once for matching many organisations against it.
//!
//! Everything about a programme that does not depend on the organisation is worked out when the
//! catalogue is built: its effective rules (coded fields added, administrators' rules replacing
//! their kinds), the gating constraints grouped in report order, what 창업기업 means for it, its
//! TRL ranges and preferred certifications, and the words of its title and text as interned ids.
//! Judging an organisation then allocates nothing per programme: checks report only a
//! [`Status`], the score adds points, keywords are binary searches. Korean reasons are written
//! only for the verdicts that are kept ([`Catalogue::best`], [`Catalogue::explain`]), by
//! [`super::evaluate`] itself, so they are the same bytes as before.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::checks::{check, Quick, Situation, Status};
use super::score::{self, Judged};
use super::{effective_rules, field_rules, gates, membership, ORDER};
use crate::constraint::{Certification, Constraint};
use crate::facts::{OrgFacts, ProgramFacts};
use crate::org_type::OrgType;
use crate::range::Range;
use crate::tokens::{index_words, is_plain_word};
use crate::verdict::Verdict;

/// One programme, prepared.
struct Prepared<'a> {
    facts: &'a ProgramFacts,
    /// Gating constraints with their kind's position in [`ORDER`], sorted by it (stable, so a
    /// kind's rules keep their order).
    gating: Vec<(u8, Constraint)>,
    /// Applicant kinds named by gating target rules (an institution named there is exempt from
    /// company-only conditions).
    targeted: Vec<OrgType>,
    startup_months: Range<u32>,
    trl: Vec<Range<u8>>,
    preferred: Vec<Certification>,
    /// Interned runs of the title and their stems, sorted.
    title_words: Box<[u32]>,
    /// The same for the text and tags.
    rest_words: Box<[u32]>,
}

/// How one programme came out for one organisation, without the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement {
    /// Position in the catalogue.
    pub index: usize,
    /// [`crate::Gate::rank`]: 0 eligible, 1 conditional, 2 ineligible.
    pub gate_rank: u8,
    pub score: u8,
}

impl Judgement {
    /// Eligible before conditional before ineligible, then by score, then by position.
    fn key(&self) -> u64 {
        (u64::from(self.gate_rank) << 40) | (u64::from(255 - self.score) << 32) | self.index as u64
    }
}

/// A keyword of the organisation, looked up once per catalogue.
enum Keyword {
    /// A plain word: the interned id, or `None` when no programme has it.
    Word(Option<u32>),
    /// Several words or punctuation: searched in the text as [`super::evaluate`] does.
    Text(String),
}

/// The organisation side, prepared once per catalogue.
struct Applicant<'o> {
    org: &'o OrgFacts,
    keywords: Vec<Keyword>,
    institution: Option<OrgType>,
}

/// Programmes prepared for matching; borrows their facts.
pub struct Catalogue<'a> {
    words: HashMap<Box<str>, u32>,
    programs: Vec<Prepared<'a>>,
}

impl<'a> Catalogue<'a> {
    pub fn new(programs: impl IntoIterator<Item = &'a ProgramFacts>) -> Catalogue<'a> {
        let mut words = HashMap::new();
        let programs = programs.into_iter().map(|p| prepare(p, &mut words)).collect();
        Catalogue { words, programs }
    }

    pub fn len(&self) -> usize {
        self.programs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.programs.is_empty()
    }

    pub fn facts(&self, index: usize) -> &'a ProgramFacts {
        self.programs[index].facts
    }

    fn applicant<'o>(&self, org: &'o OrgFacts) -> Applicant<'o> {
        let keywords = score::wanted_keywords(org)
            .into_iter()
            .map(|k| if is_plain_word(&k) { Keyword::Word(self.words.get(k.as_str()).copied()) } else { Keyword::Text(k) })
            .collect();
        Applicant { org, keywords, institution: membership::institution(org) }
    }

    /// Every programme judged for `org`, in catalogue order.
    pub fn judge_all(&self, org: &OrgFacts, today: NaiveDate) -> Vec<Judgement> {
        let applicant = self.applicant(org);
        self.programs.iter().enumerate().map(|(i, p)| judge(&applicant, p, i, today)).collect()
    }

    /// Every programme judged and ordered like [`super::rank`] (without the reasons).
    pub fn rank(&self, org: &OrgFacts, today: NaiveDate) -> Vec<Judgement> {
        let mut all = self.judge_all(org, today);
        all.sort_unstable_by_key(Judgement::key);
        all
    }

    /// The best `keep` eligible or conditional programmes for `org`, in [`super::rank`] order,
    /// each with its full verdict: the same list as ranking every verdict and keeping the first
    /// `keep` that are not ineligible.
    pub fn best(&self, org: &OrgFacts, today: NaiveDate, keep: usize) -> Vec<(usize, Verdict)> {
        self.best_where(org, today, keep, |_| true)
    }

    /// [`Catalogue::best`] among the programmes whose judgement passes `wanted` (e.g. only those
    /// ranking before an organisation's current last match).
    pub fn best_where(
        &self,
        org: &OrgFacts,
        today: NaiveDate,
        keep: usize,
        wanted: impl Fn(&Judgement) -> bool,
    ) -> Vec<(usize, Verdict)> {
        let applicant = self.applicant(org);
        let mut kept: Vec<Judgement> = self
            .programs
            .iter()
            .enumerate()
            .map(|(i, p)| judge(&applicant, p, i, today))
            .filter(|j| j.gate_rank < 2 && wanted(j))
            .collect();
        if kept.len() > keep {
            if keep == 0 {
                return Vec::new();
            }
            kept.select_nth_unstable_by_key(keep - 1, Judgement::key);
            kept.truncate(keep);
        }
        kept.sort_unstable_by_key(Judgement::key);
        kept.into_iter().map(|j| (j.index, self.explain(org, j.index, today))).collect()
    }

    /// The full verdict, with reasons and warnings, of one programme.
    pub fn explain(&self, org: &OrgFacts, index: usize, today: NaiveDate) -> Verdict {
        super::evaluate(org, self.programs[index].facts, today)
    }
}

fn prepare<'a>(facts: &'a ProgramFacts, words: &mut HashMap<Box<str>, u32>) -> Prepared<'a> {
    let extra = field_rules(facts);
    let rules = effective_rules(facts, &extra);
    let mut gating: Vec<(u8, Constraint)> = rules
        .iter()
        .filter(|r| gates(r))
        .filter_map(|r| {
            let at = ORDER.iter().position(|k| *k == r.constraint.kind())?;
            Some((at as u8, r.constraint.clone()))
        })
        .collect();
    gating.sort_by_key(|(at, _)| *at);
    let targeted = rules
        .iter()
        .filter(|r| gates(r))
        .filter_map(|r| match &r.constraint {
            Constraint::TargetTypes { any_of } => Some(any_of.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    let startup_months = rules
        .iter()
        .filter(|r| gates(r))
        .filter_map(|r| match &r.constraint {
            Constraint::BusinessAge { months: Some(m), .. } if m.max.is_some() => Some(*m),
            _ => None,
        })
        .reduce(|a, b| a.hull(&b))
        .map(|m| Range { min: None, max: m.max })
        .unwrap_or_else(membership::startup_default);
    let trl = rules
        .iter()
        .filter_map(|r| match &r.constraint {
            Constraint::Trl { levels } => Some(*levels),
            _ => None,
        })
        .collect();
    let preferred = rules
        .iter()
        .filter_map(|r| match &r.constraint {
            Constraint::PreferredCertification { any_of } => Some(any_of.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    let (title, rest) = score::keyword_texts(facts);
    Prepared {
        facts,
        gating,
        targeted,
        startup_months,
        trl,
        preferred,
        title_words: intern(&title, words),
        rest_words: intern(&rest, words),
    }
}

fn intern(text: &str, words: &mut HashMap<Box<str>, u32>) -> Box<[u32]> {
    let mut ids = Vec::new();
    index_words(text, |w| {
        let next = words.len() as u32;
        ids.push(*words.entry(w.into()).or_insert(next));
    });
    ids.sort_unstable();
    ids.dedup();
    ids.into_boxed_slice()
}

/// The gate and score of [`super::evaluate`], without a single message.
fn judge(applicant: &Applicant, p: &Prepared, index: usize, today: NaiveDate) -> Judgement {
    let org = applicant.org;
    let at = Situation {
        today,
        institution_targeted: applicant.institution.is_some_and(|inst| p.targeted.contains(&inst)),
        startup_months: p.startup_months,
    };
    let (mut failed, mut missing) = (false, false);
    let (mut target, mut industry) = (Judged::Absent, Judged::Absent);
    let mut rest = &p.gating[..];
    while let Some((kind, _)) = rest.first() {
        let n = rest.iter().take_while(|(k, _)| k == kind).count();
        let (group, after) = rest.split_at(n);
        rest = after;
        // A kind passes when any rule passes, is unknown when any is unknown, else fails.
        let mut unknown = false;
        let mut passed = false;
        for (_, c) in group {
            match check::<Quick>(c, org, &at) {
                Status::Pass => {
                    passed = true;
                    break;
                }
                Status::Unknown => unknown = true,
                Status::Fail => {}
            }
        }
        let judged = if passed {
            Judged::Passed
        } else if unknown {
            missing = true;
            Judged::Unknown
        } else {
            failed = true;
            Judged::Failed
        };
        match ORDER[usize::from(*kind)] {
            "target_types" => target = judged,
            "industries" => industry = judged,
            _ => {}
        }
    }
    let gate_rank = if failed {
        2
    } else if missing {
        1
    } else {
        0
    };
    let points = keyword_points(applicant, p)
        + score::industry_points(industry)
        + score::trl_points(org, p.trl.iter())
        + score::target_points(target)
        + score::deadline_points(p.facts.deadline, today)
        + score::preferred_points(org, &p.preferred);
    Judgement { index, gate_rank, score: points.min(100) }
}

fn keyword_points(applicant: &Applicant, p: &Prepared) -> u8 {
    if applicant.keywords.is_empty() {
        return 0;
    }
    let (mut in_title, mut elsewhere) = (0, 0);
    // Texts for the rare keyword that is not one plain word, made once per programme.
    let mut texts: Option<(String, String)> = None;
    for k in &applicant.keywords {
        let (title, rest) = match k {
            Keyword::Word(None) => (false, false),
            Keyword::Word(Some(id)) => {
                let title = p.title_words.binary_search(id).is_ok();
                (title, !title && p.rest_words.binary_search(id).is_ok())
            }
            Keyword::Text(k) => {
                let (t, r) = texts.get_or_insert_with(|| score::keyword_texts(p.facts));
                let title = score::keyword_found(k, t);
                (title, !title && score::keyword_found(k, r))
            }
        };
        if title {
            in_title += 1;
        } else if rest {
            elsewhere += 1;
        }
    }
    score::keyword_points(in_title, elsewhere)
}
