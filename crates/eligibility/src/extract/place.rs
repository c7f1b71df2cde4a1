//! Where applicants must be: `서울 소재`, `경기도 내 본사`, `전북지역 소상공인`, and outside the
//! capital area: `지방 소재 기업`, `비수도권`, `수도권 소재 기업 제외`.

use std::sync::LazyLock;

use normalize::{parse_regions, Region};
use regex::Regex;

use super::Context;
use crate::constraint::{Constraint, Rule};
use crate::sentence::Class;

/// 수도권: Seoul, Incheon, Gyeonggi.
pub const CAPITAL_AREA: [Region; 3] = [Region::Seoul, Region::Incheon, Region::Gyeonggi];

/// Region spellings, longest first so the alternation prefers full names.
const SPELLINGS: &[&str] = &[
    "경기도 광주시",
    "경기 광주시",
    "세종특별자치시",
    "강원특별자치도",
    "전북특별자치도",
    "제주특별자치도",
    "서울특별시",
    "부산광역시",
    "대구광역시",
    "인천광역시",
    "광주광역시",
    "대전광역시",
    "울산광역시",
    "충청북도",
    "충청남도",
    "전라북도",
    "전라남도",
    "경상북도",
    "경상남도",
    "강원도",
    "경기도",
    "제주도",
    "서울시",
    "부산시",
    "대구시",
    "인천시",
    "대전시",
    "울산시",
    "세종시",
    "수도권",
    "충청권",
    "호남권",
    "영남권",
    "동남권",
    "대경권",
    "서울",
    "부산",
    "대구",
    "인천",
    "광주",
    "대전",
    "울산",
    "세종",
    "경기",
    "강원",
    "충북",
    "충남",
    "전북",
    "전남",
    "경북",
    "경남",
    "제주",
];

/// A list of regions followed by a word that locates an applicant.
static LOCATED: LazyLock<Regex> = LazyLock::new(|| {
    let one = SPELLINGS.join("|");
    let list = format!(r"(?:{one})(?:\s*(?:[,·ㆍ/]|및|또는)?\s*(?:{one}))*");
    Regex::new(&format!(
        r"({list})\s*(?:\([^)]*\)\s*)?(?:지역\s*)?(?:에\s*)?(?:소재|관내|내\s|내에|지역|본사|주사무소|사업장|위치)(?:\s*\([^)]*\))?"
    ))
    .expect("valid regex")
});

/// `지방 소재`, `지방 중소기업`, `비수도권`; not 지방세, 지방자치단체 or 지방중소벤처기업청.
static PROVINCES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"비수도권|(?:^|[^가-힣])지방\s*(?:소재|기업|중소기업|에\s*소재|이전\s*기업)|수도권\s*(?:지역\s*)?(?:은|을|소재\s*기업은?)?\s*제외")
        .expect("valid regex")
});

pub(crate) fn extract(ctx: &Context, out: &mut Vec<Rule>) {
    let confidence = match ctx.class() {
        Class::Preference | Class::NoLimit => return,
        Class::Descriptive if !ctx.sentence.in_exclusions => super::DESCRIPTIVE,
        _ => ctx.target_confidence().unwrap_or(super::DESCRIPTIVE),
    };
    let text = crate::sentence::without_law_names(ctx.text());
    let mut inside: Vec<Region> = Vec::new();
    let mut outside: Vec<Region> = Vec::new();
    if PROVINCES.is_match(&text) {
        outside.extend(CAPITAL_AREA);
    }
    for c in LOCATED.captures_iter(&text) {
        // The whole match, so `호남권 소재(광주·전남·전북·제주)`-style lists in parentheses count.
        let regions = parse_regions(&c[0]);
        if regions.contains(&Region::Nationwide) {
            continue;
        }
        let whole = c.get(0).expect("match");
        // The rest of the clause says whether it is excluded: `수도권 소재 기업 제외`.
        let rest = &text[whole.end()..];
        let clause_rest = rest.split([',', '，', ';', ')']).next().unwrap_or("");
        if ctx.sentence.in_exclusions || crate::sentence::is_negation(clause_rest) {
            outside.extend(regions);
        } else if !PROVINCES.is_match(whole.as_str()) {
            inside.extend(regions);
        }
    }
    for (list, inside) in [(inside, true), (outside, false)] {
        let mut list = list;
        list.sort();
        list.dedup();
        if list.is_empty() {
            continue;
        }
        let constraint =
            if inside { Constraint::Regions { any_of: list } } else { Constraint::OutsideRegions { none_of: list } };
        out.push(ctx.rule(constraint, confidence));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::from_text;
    use Region::*;

    fn regions(text: &str) -> Vec<(Constraint, bool)> {
        from_text(text)
            .into_iter()
            .filter(|r| matches!(r.constraint, Constraint::Regions { .. } | Constraint::OutsideRegions { .. }))
            .map(|r| {
                let hard = r.is_hard();
                (r.constraint, hard)
            })
            .collect()
    }

    fn inside(list: &[Region]) -> Constraint {
        Constraint::Regions { any_of: list.to_vec() }
    }

    #[test]
    fn located_in() {
        assert_eq!(regions("지원대상: 서울 소재 중소기업"), [(inside(&[Seoul]), true)]);
        assert_eq!(regions("신청자격 : 경기도 내 본사를 둔 기업"), [(inside(&[Gyeonggi]), true)]);
        assert_eq!(regions("(대상) 소비재 완제품을 취급하는 전북지역 소상공인"), [(inside(&[Jeonbuk]), true)]);
        assert_eq!(regions("대구광역시에 소재한 장애인기업"), [(inside(&[Daegu]), true)]);
        assert_eq!(
            regions("충청권(대전·세종·충남·충북) 소재 창업 후 2년 3개월 미만 기업"),
            [(inside(&[Daejeon, Sejong, Chungbuk, Chungnam]), true)]
        );
        assert_eq!(regions("지원대상: 대구·경북 지역 소재 기업"), [(inside(&[Daegu, Gyeongbuk]), true)]);
        assert_eq!(regions("경기도 광주시 소재 기업 대상"), [(inside(&[Gyeonggi]), true)]);
        assert_eq!(
            regions("지원대상: 호남권 소재(광주·전남·전북·제주) 스타트업"),
            [(inside(&[Gwangju, Jeonbuk, Jeonnam, Jeju]), true)]
        );
    }

    #[test]
    fn outside_capital_area() {
        let capital = Constraint::OutsideRegions { none_of: vec![Seoul, Incheon, Gyeonggi] };
        assert_eq!(regions("지원대상: 지방 소재 기업"), [(capital.clone(), true)]);
        assert_eq!(regions("신청자격: 비수도권 중소기업"), [(capital.clone(), true)]);
        assert_eq!(regions("신청자격: 중소기업(수도권 소재 기업 제외)"), [(capital, true)]);
    }

    #[test]
    fn region_negatives() {
        // Tax, ministries' regional offices and the economy are not places of business.
        assert!(regions("국세 및 지방세 체납 기업 제외").is_empty());
        assert!(regions("문의: 경기지방중소벤처기업청").is_empty());
        assert!(regions("경기 침체에 대응한 긴급 경영안정자금").is_empty());
        assert!(regions("지역 무관, 전국 소재 기업").is_empty());
        assert!(regions("지원대상: 전국 소재 중소기업").is_empty());
        // A preference is not a requirement.
        assert!(regions("지방 소재 기업 우대").is_empty());
        // In a purpose sentence: read, but only as a warning.
        let weak = regions("충청권 소재의 유망한 기술 기반 초기 창업기업을 발굴하여 공고합니다.");
        assert_eq!(weak.len(), 1);
        assert!(!weak[0].1);
    }
}
