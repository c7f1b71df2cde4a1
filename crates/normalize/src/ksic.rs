//! KSIC (한국표준산업분류) industry codes: lookup, hierarchy and name search.
//!
//! The list is the 홈택스 업종코드 ↔ 표준산업분류 연계표 (2023 귀속), embedded from
//! `data/ksic-hometax-industry-code-mapping-2023.json` (provenance in `data/README.md`).
//! Its rows are 세세분류 (5-digit) codes with the names of every level above them; the upper
//! levels are derived from the code prefixes:
//!
//! | level | example | |
//! |---|---|---|
//! | 대분류 (section) | `C` | letter A–U, mapped from the 2-digit division |
//! | 중분류 (division) | `26` | |
//! | 소분류 (group) | `261` | |
//! | 세분류 (class) | `2611` | |
//! | 세세분류 (subclass) | `26111` | |
//!
//! Quirks of the source handled here: codes come as strings or as JSON numbers, some carry a
//! trailing `+` (rows for 홈택스 940xxx codes), and a few codes are named differently in different
//! rows (`사업 지원 서비스업` / `사업지원서비스업`): the most frequent name wins, ties going to the
//! first row.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

const DATA: &str = include_str!("../data/ksic-hometax-industry-code-mapping-2023.json");

/// 대분류 letters and the 중분류 (division) ranges they cover.
const SECTIONS: [(char, u8, u8); 21] = [
    ('A', 1, 3),
    ('B', 5, 8),
    ('C', 10, 34),
    ('D', 35, 35),
    ('E', 36, 39),
    ('F', 41, 42),
    ('G', 45, 47),
    ('H', 49, 52),
    ('I', 55, 56),
    ('J', 58, 63),
    ('K', 64, 66),
    ('L', 68, 68),
    ('M', 70, 73),
    ('N', 74, 76),
    ('O', 84, 84),
    ('P', 85, 85),
    ('Q', 86, 87),
    ('R', 90, 91),
    ('S', 94, 96),
    ('T', 97, 98),
    ('U', 99, 99),
];

/// The five levels of the classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// 대분류, a letter A–U.
    Section,
    /// 중분류, 2 digits.
    Division,
    /// 소분류, 3 digits.
    Group,
    /// 세분류, 4 digits.
    Class,
    /// 세세분류, 5 digits.
    Subclass,
}

impl Level {
    pub fn label_ko(&self) -> &'static str {
        match self {
            Level::Section => "대분류",
            Level::Division => "중분류",
            Level::Group => "소분류",
            Level::Class => "세분류",
            Level::Subclass => "세세분류",
        }
    }
}

/// A code that exists in the list, at any level: `C`, `26`, `261`, `2611` or `26111`.
///
/// Parsing accepts the section letter in front (`C26111`, `C 26111`, `c-26111`) as long as it is
/// the right one, surrounding whitespace, and the `+` suffix the source uses. It displays and
/// serialises in canonical form: the letter for a section, digits otherwise.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KsicCode(u16);

/// Why a string is not a KSIC code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KsicError {
    /// Not a letter A–U and/or 2–5 digits.
    Format,
    /// Well formed, but not in the list.
    Unknown,
    /// The letter in front is not the section of the digits (`A26111`).
    SectionMismatch,
}

impl fmt::Display for KsicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KsicError::Format => "표준산업분류 코드는 대분류 문자(A–U) 또는 숫자 2–5자리여야 합니다",
            KsicError::Unknown => "표준산업분류에 없는 코드입니다",
            KsicError::SectionMismatch => "대분류 문자가 산업분류 코드와 맞지 않습니다",
        })
    }
}

impl std::error::Error for KsicError {}

/// One entry of the classification, at any level.
#[derive(Debug)]
pub struct Industry {
    code: String,
    name: String,
    /// The name without whitespace, for matching `화물자동차` against `화물 자동차`.
    squashed: String,
    level: Level,
    index: u16,
    section: u16,
    parent: Option<u16>,
}

impl Industry {
    pub fn code(&self) -> KsicCode {
        KsicCode(self.index)
    }

    /// Korean name, e.g. `반도체 제조업`.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn level(&self) -> Level {
        self.level
    }

    /// The 대분류 this entry falls under (itself, for a section).
    pub fn section(&self) -> &'static Industry {
        &table().industries[usize::from(self.section)]
    }

    /// The entry one level up: `2611` for `26111`, `C` for `26`, none for a section.
    pub fn parent(&self) -> Option<&'static Industry> {
        self.parent.map(|i| &table().industries[usize::from(i)])
    }

    /// Every entry above this one, from the section down: `[C, 26, 261, 2611]` for `26111`.
    pub fn ancestors(&self) -> Vec<&'static Industry> {
        let mut chain: Vec<&'static Industry> = std::iter::successors(self.parent(), |i| i.parent()).collect();
        chain.reverse();
        chain
    }
}

impl KsicCode {
    pub fn parse(raw: &str) -> Result<Self, KsicError> {
        let raw = raw.trim();
        let raw = raw.strip_suffix('+').unwrap_or(raw);
        let mut chars = raw.chars();
        let letter = match chars.clone().next() {
            Some(c) if c.is_ascii_alphabetic() => {
                chars.next();
                Some(c.to_ascii_uppercase())
            }
            _ => None,
        };
        let digits = chars.as_str().trim_start_matches([' ', '-', '.']);
        if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() == 1 || digits.len() > 5 {
            return Err(KsicError::Format);
        }
        let canonical = match (letter, digits) {
            (None, "") => return Err(KsicError::Format),
            (Some(letter), "") if SECTIONS.iter().any(|(l, ..)| *l == letter) => letter.to_string(),
            (Some(_), "") => return Err(KsicError::Format),
            (Some(letter), digits) => match section_letter(digits) {
                Some(l) if l == letter => digits.to_string(),
                Some(_) => return Err(KsicError::SectionMismatch),
                None => return Err(KsicError::Unknown),
            },
            (None, digits) => digits.to_string(),
        };
        table().by_code.get(canonical.as_str()).map(|i| KsicCode(*i)).ok_or(KsicError::Unknown)
    }

    /// Canonical form: `C`, `26`, …, `26111`.
    pub fn as_str(&self) -> &'static str {
        &self.industry().code
    }

    pub fn industry(&self) -> &'static Industry {
        &table().industries[usize::from(self.0)]
    }

    pub fn level(&self) -> Level {
        self.industry().level
    }

    /// Whether `other` is this code or lies under it (`C` contains `26111`; `261` contains `2611`).
    pub fn contains(&self, other: KsicCode) -> bool {
        let (this, that) = (self.industry(), other.industry());
        match this.level {
            Level::Section => that.section == this.index,
            _ => that.level != Level::Section && that.code.starts_with(this.code.as_str()),
        }
    }
}

impl FromStr for KsicCode {
    type Err = KsicError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KsicCode::parse(s)
    }
}

impl fmt::Display for KsicCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for KsicCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KsicCode({})", self.as_str())
    }
}

impl Serialize for KsicCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for KsicCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        KsicCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// The entry for a code in any accepted spelling.
pub fn lookup(code: &str) -> Option<&'static Industry> {
    KsicCode::parse(code).ok().map(|c| c.industry())
}

/// The 대분류 of a code in any accepted spelling.
pub fn section_of(code: &str) -> Option<&'static Industry> {
    lookup(code).map(Industry::section)
}

/// Every entry, sections first within their own block: `A, 01, 011, 0111, 01110, …, B, 05, …`.
pub fn all() -> &'static [Industry] {
    &table().industries
}

/// Entries for an autocomplete, at most `limit`. A query of digits matches code prefixes; any other
/// query matches Korean names as a substring, ignoring spaces. Exact names come first, then names
/// that start with the query, then the rest, each in list order.
pub fn search(query: &str, limit: usize) -> Vec<&'static Industry> {
    let query: String = query.chars().filter(|c| !c.is_whitespace()).collect();
    if query.is_empty() || limit == 0 {
        return Vec::new();
    }
    let industries = &table().industries;
    if query.bytes().all(|b| b.is_ascii_digit()) {
        return industries
            .iter()
            .filter(|i| i.level != Level::Section && i.code.starts_with(&query))
            .take(limit)
            .collect();
    }
    let mut hits: Vec<(u8, &'static Industry)> = industries
        .iter()
        .filter_map(|i| {
            let rank = if i.squashed == query {
                0
            } else if i.squashed.starts_with(&query) {
                1
            } else if i.squashed.contains(&query) {
                2
            } else {
                return None;
            };
            Some((rank, i))
        })
        .collect();
    hits.sort_by_key(|(rank, _)| *rank);
    hits.into_iter().take(limit).map(|(_, i)| i).collect()
}

/// The section letter of a code's first two digits.
fn section_letter(digits: &str) -> Option<char> {
    let division: u8 = digits.get(..2)?.parse().ok()?;
    SECTIONS.iter().find(|(_, first, last)| (*first..=*last).contains(&division)).map(|(l, ..)| *l)
}

struct Table {
    industries: Vec<Industry>,
    by_code: HashMap<String, u16>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| build(load_rows()))
}

/// One row of the source file. Other columns (홈택스 업종코드, 연계, 메인) are not needed here.
#[derive(Deserialize)]
struct Row {
    #[serde(rename = "표준산업\r\n분류")]
    code: Option<CodeCell>,
    #[serde(rename = "대분류")]
    section: String,
    #[serde(rename = "중분류")]
    division: String,
    #[serde(rename = "소분류")]
    group: String,
    #[serde(rename = "세분류")]
    class: String,
    #[serde(rename = "세세분류")]
    subclass: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CodeCell {
    Text(String),
    Number(u32),
}

impl CodeCell {
    /// Five digits, or `None` for anything else.
    fn digits(&self) -> Option<String> {
        let code = match self {
            CodeCell::Text(s) => s.trim().trim_end_matches('+').to_string(),
            CodeCell::Number(n) => format!("{n:05}"),
        };
        (code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
    }
}

#[derive(Deserialize)]
struct Source {
    classifications: Vec<Row>,
}

fn load_rows() -> Vec<Row> {
    serde_json::from_str::<Source>(DATA).expect("the embedded KSIC file is checked by the tests").classifications
}

/// Collects every code with its most frequent name, then lays them out in hierarchy order.
fn build(rows: Vec<Row>) -> Table {
    // code -> name -> (rows using it, first row); sections are keyed by their letter.
    let mut names: HashMap<String, HashMap<String, (usize, usize)>> = HashMap::new();
    for (row_index, row) in rows.iter().enumerate() {
        let Some(code) = row.code.as_ref().and_then(CodeCell::digits) else { continue };
        let Some(letter) = section_letter(&code) else { continue };
        let levels = [
            (letter.to_string(), &row.section),
            (code[..2].to_string(), &row.division),
            (code[..3].to_string(), &row.group),
            (code[..4].to_string(), &row.class),
            (code, &row.subclass),
        ];
        for (code, name) in levels {
            names.entry(code).or_default().entry(name.trim().to_string()).or_insert((0, row_index)).0 += 1;
        }
    }
    let mut entries: Vec<Entry> = names.into_iter().filter_map(|(code, counts)| Entry::new(code, counts)).collect();
    entries.sort_by(|a, b| a.order().cmp(&b.order()));

    let by_code: HashMap<String, u16> = entries.iter().enumerate().map(|(i, e)| (e.code.clone(), i as u16)).collect();
    let index_of = |code: &str| by_code.get(code).copied();
    let industries = entries
        .into_iter()
        .enumerate()
        .map(|(i, Entry { section, code, name })| {
            let level = match code.len() {
                _ if !code.as_bytes()[0].is_ascii_digit() => Level::Section,
                2 => Level::Division,
                3 => Level::Group,
                4 => Level::Class,
                _ => Level::Subclass,
            };
            let section_index = index_of(section.encode_utf8(&mut [0; 4])).unwrap_or(i as u16);
            let parent = match level {
                Level::Section => None,
                Level::Division => Some(section_index),
                _ => index_of(&code[..code.len() - 1]),
            };
            let squashed = name.chars().filter(|c| !c.is_whitespace()).collect();
            Industry { code, name, squashed, level, index: i as u16, section: section_index, parent }
        })
        .collect();
    Table { industries, by_code }
}

/// A code while the table is being built.
struct Entry {
    section: char,
    code: String,
    name: String,
}

impl Entry {
    /// Picks the name most rows use; on a tie, the one seen first.
    fn new(code: String, counts: HashMap<String, (usize, usize)>) -> Option<Entry> {
        let section = match code.chars().next()? {
            c if c.is_ascii_uppercase() => c,
            _ => section_letter(&code)?,
        };
        let (name, _) = counts
            .into_iter()
            .max_by(|(_, (n_a, first_a)), (_, (n_b, first_b))| n_a.cmp(n_b).then(first_b.cmp(first_a)))?;
        Some(Entry { section, code, name })
    }

    /// Hierarchy order: a section's letter, then its codes, which as strings already sort parent first.
    fn order(&self) -> (char, bool, &str) {
        (self.section, self.code.as_bytes()[0].is_ascii_digit(), &self.code)
    }
}
