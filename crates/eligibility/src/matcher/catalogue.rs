//! A catalogue prepared once for matching many organisations against it.
//!
//! Everything about a programme that does not depend on the organisation is worked out when the
//! catalogue is built: its effective rules (coded fields added, administrators' rules replacing
//! their kinds), the gating constraints grouped in report order, what 창업기업 means for it, its
//! TRL ranges and preferred certifications, and the words of its title and text as interned ids,
//! kept as an inverted index (word → programmes). Judging an organisation then allocates nothing
//! per programme: its keywords' points come from their posting lists in one pass, checks report
//! only a [`Status`], the score adds points. Korean reasons are written
//! only for the verdicts that are kept ([`Catalogue::best`], [`Catalogue::explain`]), by
//! [`super::evaluate`] itself, so they are the same bytes as before.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::checks::{check, Quick, Situation, Status};
use super::score::{self, Judged};
use super::{effective_rules, field_rules, gates, membership, preferred_certifications, startup_months, ORDER};
use crate::constraint::{Certification, Constraint};
use crate::facts::{OrgFacts, ProgramFacts};
use crate::org_type::OrgType;
use crate::range::Range;
use crate::tokens::{index_words, is_plain_word};
use crate::verdict::Verdict;

/// One programme, prepared. Its gating constraints and words live in the catalogue's arenas, so a
/// pass over the catalogue reads memory in order.
struct Prepared<'a> {
    facts: &'a ProgramFacts,
    /// In [`Catalogue::gating`]: constraints with their kind's position in [`ORDER`], sorted by
    /// it (stable, so a kind's rules keep their order).
    gating: Span,
    /// Applicant kinds named by gating target rules (an institution named there is exempt from
    /// company-only conditions).
    targeted: Vec<OrgType>,
    startup_months: Range<u32>,
    trl: Vec<Range<u8>>,
    preferred: Vec<Certification>,
    deadline: Option<NaiveDate>,
}

/// A stretch of an arena.
#[derive(Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    fn of<T>(self, arena: &[T]) -> &[T] {
        &arena[self.start as usize..(self.start + self.len) as usize]
    }
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

/// The organisation side, prepared once per catalogue.
struct Applicant<'o> {
    org: &'o OrgFacts,
    /// Per programme, the keyword points of the organisation's plain-word keywords (12 for each in
    /// the title, 6 for each only elsewhere, not yet capped); empty when none occurs anywhere.
    plain_points: Vec<u16>,
    /// Keywords of several words or with punctuation: searched in the text as
    /// [`super::evaluate`] does (rare).
    text_keywords: Vec<String>,
    institution: Option<OrgType>,
}

/// Programmes prepared for matching; borrows their facts.
pub struct Catalogue<'a> {
    /// Every word of the catalogue's texts (runs and their stems), interned.
    interned: HashMap<Box<str>, u32>,
    programs: Vec<Prepared<'a>>,
    gating: Vec<(u8, Constraint)>,
    /// Per word id: the programmes (indices, ascending) with the word in their title.
    in_title: Vec<Vec<u32>>,
    /// Per word id: the programmes with the word in their text or tags but not their title.
    elsewhere: Vec<Vec<u32>>,
}

impl<'a> Catalogue<'a> {
    pub fn new(programs: impl IntoIterator<Item = &'a ProgramFacts>) -> Catalogue<'a> {
        let mut catalogue = Catalogue {
            interned: HashMap::new(),
            programs: Vec::new(),
            gating: Vec::new(),
            in_title: Vec::new(),
            elsewhere: Vec::new(),
        };
        for p in programs {
            let prepared = catalogue.prepare(p);
            catalogue.programs.push(prepared);
        }
        catalogue
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
        let (plain, text_keywords): (Vec<String>, Vec<String>) =
            score::wanted_keywords(org).into_iter().partition(|k| is_plain_word(k));
        let mut plain_points = Vec::new();
        for id in plain.iter().filter_map(|k| self.interned.get(k.as_str())) {
            if plain_points.is_empty() {
                plain_points = vec![0u16; self.programs.len()];
            }
            for &i in &self.in_title[*id as usize] {
                plain_points[i as usize] += 12;
            }
            for &i in &self.elsewhere[*id as usize] {
                plain_points[i as usize] += 6;
            }
        }
        Applicant { org, plain_points, text_keywords, institution: membership::institution(org) }
    }

    /// Every programme judged for `org`, in catalogue order.
    pub fn judge_all(&self, org: &OrgFacts, today: NaiveDate) -> Vec<Judgement> {
        let applicant = self.applicant(org);
        self.programs.iter().enumerate().map(|(i, p)| self.judge(&applicant, p, i, today)).collect()
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
            .map(|(i, p)| self.judge(&applicant, p, i, today))
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

impl<'a> Catalogue<'a> {
    fn prepare(&mut self, facts: &'a ProgramFacts) -> Prepared<'a> {
        let extra = field_rules(facts);
        let rules = effective_rules(facts, &extra);
        let start = self.gating.len();
        self.gating.extend(rules.iter().filter(|r| gates(r)).filter_map(|r| {
            let at = ORDER.iter().position(|k| *k == r.constraint.kind())?;
            Some((at as u8, r.constraint.clone()))
        }));
        self.gating[start..].sort_by_key(|(at, _)| *at);
        let gating = Span { start: start as u32, len: (self.gating.len() - start) as u32 };
        let targeted = rules
            .iter()
            .filter(|r| gates(r))
            .filter_map(|r| match &r.constraint {
                Constraint::TargetTypes { any_of } => Some(any_of.iter().copied()),
                _ => None,
            })
            .flatten()
            .collect();
        let startup_months = startup_months(&rules);
        let trl = rules
            .iter()
            .filter_map(|r| match &r.constraint {
                Constraint::Trl { levels } => Some(*levels),
                _ => None,
            })
            .collect();
        let preferred = preferred_certifications(&rules).collect();
        let (title, rest) = score::keyword_texts(facts);
        let prepared = Prepared { facts, gating, targeted, startup_months, trl, preferred, deadline: facts.deadline };
        self.index(&title, &rest);
        prepared
    }

    /// Adds the programme being prepared (the next index) to the posting lists of its words.
    fn index(&mut self, title: &str, rest: &str) {
        let program = self.programs.len() as u32;
        let mut ids = |text: &str| {
            let mut ids = Vec::new();
            index_words(text, |w| {
                let next = self.interned.len() as u32;
                ids.push(*self.interned.entry(w.into()).or_insert(next));
            });
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let title = ids(title);
        let rest = ids(rest);
        self.in_title.resize_with(self.interned.len(), Vec::new);
        self.elsewhere.resize_with(self.interned.len(), Vec::new);
        for id in &title {
            self.in_title[*id as usize].push(program);
        }
        for id in rest.iter().filter(|id| title.binary_search(id).is_err()) {
            self.elsewhere[*id as usize].push(program);
        }
    }

    /// The gate and score of [`super::evaluate`], without a single message.
    fn judge(&self, applicant: &Applicant, p: &Prepared, index: usize, today: NaiveDate) -> Judgement {
        let org = applicant.org;
        let at = Situation {
            today,
            institution_targeted: applicant.institution.is_some_and(|inst| p.targeted.contains(&inst)),
            startup_months: p.startup_months,
        };
        let (mut failed, mut missing) = (false, false);
        let (mut target, mut industry) = (Judged::Absent, Judged::Absent);
        let mut rest = p.gating.of(&self.gating);
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
        let points = self.keyword_points(applicant, p, index)
            + score::industry_points(industry)
            + score::trl_points(org, p.trl.iter())
            + score::target_points(target)
            + score::deadline_points(p.deadline, today)
            + score::preferred_points(org, &p.preferred);
        Judgement { index, gate_rank, score: points.min(100) }
    }

    fn keyword_points(&self, applicant: &Applicant, p: &Prepared, index: usize) -> u8 {
        let mut points = u32::from(applicant.plain_points.get(index).copied().unwrap_or(0));
        if !applicant.text_keywords.is_empty() {
            let (title, rest) = score::keyword_texts(p.facts);
            for k in &applicant.text_keywords {
                if score::keyword_found(k, &title) {
                    points += 12;
                } else if score::keyword_found(k, &rest) {
                    points += 6;
                }
            }
        }
        points.min(u32::from(score::KEYWORDS_MAX)) as u8
    }
}
