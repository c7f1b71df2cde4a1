//! The 17 시도 (plus 전국) and how sources spell them.
//!
//! Region fields come as `서울특별시`, `서울ㆍ인천ㆍ경기`, `#서울 #부산`,
//! combined bizinfo hashtags like `전남광주` or `대구경북`, and old names
//! (`강원도`, `전라북도`) next to new ones (`강원특별자치도`, `전북특별자치도`).

use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// A 시도, or the whole country.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    Seoul,
    Busan,
    Daegu,
    Incheon,
    Gwangju,
    Daejeon,
    Ulsan,
    Sejong,
    Gyeonggi,
    Gangwon,
    Chungbuk,
    Chungnam,
    Jeonbuk,
    Jeonnam,
    Gyeongbuk,
    Gyeongnam,
    Jeju,
    Nationwide,
}

use Region::*;

const SIDO: [Region; 17] = [
    Seoul, Busan, Daegu, Incheon, Gwangju, Daejeon, Ulsan, Sejong, Gyeonggi, Gangwon, Chungbuk, Chungnam, Jeonbuk,
    Jeonnam, Gyeongbuk, Gyeongnam, Jeju,
];

/// Spellings beyond the short label, which always matches on its own.
const ALIASES: &[(&str, &[Region])] = &[
    ("서울특별시", &[Seoul]),
    ("부산광역시", &[Busan]),
    ("대구광역시", &[Daegu]),
    ("인천광역시", &[Incheon]),
    ("광주광역시", &[Gwangju]),
    ("대전광역시", &[Daejeon]),
    ("울산광역시", &[Ulsan]),
    ("세종특별자치시", &[Sejong]),
    ("경기도", &[Gyeonggi]),
    // 경기도 광주시 is a city in 경기, not 광주광역시.
    ("경기도 광주시", &[Gyeonggi]),
    ("경기 광주시", &[Gyeonggi]),
    ("강원특별자치도", &[Gangwon]),
    ("강원도", &[Gangwon]),
    ("충청북도", &[Chungbuk]),
    ("충청남도", &[Chungnam]),
    ("전북특별자치도", &[Jeonbuk]),
    ("전라북도", &[Jeonbuk]),
    ("전라남도", &[Jeonnam]),
    ("경상북도", &[Gyeongbuk]),
    ("경상남도", &[Gyeongnam]),
    ("제주특별자치도", &[Jeju]),
    ("제주도", &[Jeju]),
    ("수도권", &[Seoul, Incheon, Gyeonggi]),
    ("충청권", &[Daejeon, Sejong, Chungbuk, Chungnam]),
    ("호남권", &[Gwangju, Jeonbuk, Jeonnam]),
    ("대경권", &[Daegu, Gyeongbuk]),
    ("동남권", &[Busan, Ulsan, Gyeongnam]),
    ("영남권", &[Busan, Daegu, Ulsan, Gyeongbuk, Gyeongnam]),
    ("전국", &[Nationwide]),
];

/// Every spelling with its regions, longest first so the scan is greedy.
static SPELLINGS: LazyLock<Vec<(&'static str, Vec<Region>)>> = LazyLock::new(|| {
    let mut all: Vec<(&'static str, Vec<Region>)> =
        SIDO.iter().map(|r| (r.label_ko(), vec![*r])).chain(ALIASES.iter().map(|(s, rs)| (*s, rs.to_vec()))).collect();
    all.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    all
});

impl Region {
    /// The 17 시도 in the usual administrative order, without `Nationwide`.
    pub fn all_sido() -> &'static [Region] {
        &SIDO
    }

    /// Stable ASCII code, identical to the serde form.
    pub fn as_str(&self) -> &'static str {
        match self {
            Seoul => "seoul",
            Busan => "busan",
            Daegu => "daegu",
            Incheon => "incheon",
            Gwangju => "gwangju",
            Daejeon => "daejeon",
            Ulsan => "ulsan",
            Sejong => "sejong",
            Gyeonggi => "gyeonggi",
            Gangwon => "gangwon",
            Chungbuk => "chungbuk",
            Chungnam => "chungnam",
            Jeonbuk => "jeonbuk",
            Jeonnam => "jeonnam",
            Gyeongbuk => "gyeongbuk",
            Gyeongnam => "gyeongnam",
            Jeju => "jeju",
            Nationwide => "nationwide",
        }
    }

    /// Short Korean name: 서울, 경기, 전국, …
    pub fn label_ko(&self) -> &'static str {
        match self {
            Seoul => "서울",
            Busan => "부산",
            Daegu => "대구",
            Incheon => "인천",
            Gwangju => "광주",
            Daejeon => "대전",
            Ulsan => "울산",
            Sejong => "세종",
            Gyeonggi => "경기",
            Gangwon => "강원",
            Chungbuk => "충북",
            Chungnam => "충남",
            Jeonbuk => "전북",
            Jeonnam => "전남",
            Gyeongbuk => "경북",
            Gyeongnam => "경남",
            Jeju => "제주",
            Nationwide => "전국",
        }
    }

    /// Inverse of [`Region::as_str`].
    pub fn from_code(s: &str) -> Option<Self> {
        SIDO.iter().chain(std::iter::once(&Nationwide)).find(|r| r.as_str() == s).copied()
    }
}

/// All regions named in `raw`, sorted and deduplicated. `전국`, or all 17
/// 시도, collapses to `[Nationwide]`.
///
/// The scan takes the longest known spelling at each position, so any
/// separator works (`,`, `ㆍ`, `·`, `/`, `|`, `#`, spaces) and glued names
/// like `전남광주` split into both regions.
pub fn parse_regions(raw: &str) -> Vec<Region> {
    let mut found = Vec::new();
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        match SPELLINGS.iter().find(|(s, _)| rest.starts_with(s)) {
            Some((s, regions)) => {
                found.extend_from_slice(regions);
                rest = &rest[s.len()..];
            }
            None => rest = &rest[c.len_utf8()..],
        }
    }
    found.sort();
    found.dedup();
    if found.contains(&Nationwide) || SIDO.iter().all(|r| found.contains(r)) {
        return vec![Nationwide];
    }
    found
}

/// The 시도 of a 법정동코드 (10 digits; a 2- or 5-digit prefix also works).
/// Both the old (42 강원, 45 전북) and new (51, 52) prefixes are known.
pub fn region_from_bjd_code(code: &str) -> Option<Region> {
    let code = code.trim();
    if code.len() < 2 || code.len() > 10 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(match &code[..2] {
        "11" => Seoul,
        "26" => Busan,
        "27" => Daegu,
        "28" => Incheon,
        "29" => Gwangju,
        "30" => Daejeon,
        "31" => Ulsan,
        "36" => Sejong,
        "41" => Gyeonggi,
        "42" | "51" => Gangwon,
        "43" => Chungbuk,
        "44" => Chungnam,
        "45" | "52" => Jeonbuk,
        "46" => Jeonnam,
        "47" => Gyeongbuk,
        "48" => Gyeongnam,
        "50" => Jeju,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_short_names() {
        for raw in ["서울특별시", "서울시", "서울", "#서울"] {
            assert_eq!(parse_regions(raw), vec![Seoul], "{raw}");
        }
        for raw in ["강원도", "강원특별자치도", "강원"] {
            assert_eq!(parse_regions(raw), vec![Gangwon], "{raw}");
        }
        for raw in ["전라북도", "전북특별자치도", "전북"] {
            assert_eq!(parse_regions(raw), vec![Jeonbuk], "{raw}");
        }
        assert_eq!(parse_regions("제주특별자치도"), vec![Jeju]);
        assert_eq!(parse_regions("세종특별자치시"), vec![Sejong]);
        assert_eq!(parse_regions("경상남도 창원시"), vec![Gyeongnam]);
    }

    #[test]
    fn lists_and_glued_names() {
        assert_eq!(parse_regions("서울ㆍ인천ㆍ경기"), vec![Seoul, Incheon, Gyeonggi]);
        assert_eq!(parse_regions("부산, 서울 / 대구|울산"), vec![Seoul, Busan, Daegu, Ulsan]);
        assert_eq!(parse_regions("#서울 #부산 #서울"), vec![Seoul, Busan]);
        assert_eq!(parse_regions("전남광주"), vec![Gwangju, Jeonnam]);
        assert_eq!(parse_regions("대구경북"), vec![Daegu, Gyeongbuk]);
        assert_eq!(parse_regions("대전·세종·충남·충북"), vec![Daejeon, Sejong, Chungbuk, Chungnam]);
        assert_eq!(parse_regions("경기도 광주시"), vec![Gyeonggi]);
        assert_eq!(parse_regions("수도권"), vec![Seoul, Incheon, Gyeonggi]);
        assert_eq!(parse_regions(""), vec![]);
        assert_eq!(parse_regions("해외"), vec![]);
    }

    #[test]
    fn nationwide() {
        assert_eq!(parse_regions("전국"), vec![Nationwide]);
        assert_eq!(parse_regions("서울, 전국"), vec![Nationwide]);
        // bizinfo hashtags list every 시도 instead of saying 전국.
        let tags = "기술,서울,부산,대구,인천,전남광주,대전,울산,세종,경기,강원,충북,충남,전북,경북,경남,제주,2026";
        assert_eq!(parse_regions(tags), vec![Nationwide]);
    }

    #[test]
    fn codes_round_trip() {
        for r in Region::all_sido().iter().chain([&Nationwide]) {
            assert_eq!(Region::from_code(r.as_str()), Some(*r));
            assert_eq!(parse_regions(r.label_ko()), vec![*r]);
            let json = format!("\"{}\"", r.as_str());
            assert_eq!(serde_json::to_string(r).ok(), Some(json));
        }
        assert_eq!(Region::all_sido().len(), 17);
        assert_eq!(Region::from_code("mars"), None);
    }

    #[test]
    fn bjd_codes() {
        assert_eq!(region_from_bjd_code("1111010100"), Some(Seoul));
        assert_eq!(region_from_bjd_code("4211010100"), Some(Gangwon));
        assert_eq!(region_from_bjd_code("4511100000"), Some(Jeonbuk));
        assert_eq!(region_from_bjd_code("11"), Some(Seoul));
        assert_eq!(region_from_bjd_code("9911010100"), None);
        assert_eq!(region_from_bjd_code("11x1010100"), None);
        assert_eq!(region_from_bjd_code(""), None);
        assert_eq!(region_from_bjd_code("서울"), None);
    }
}
