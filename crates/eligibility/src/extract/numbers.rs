//! Numeric bounds: business age (`창업 3년 이내`), revenue (`매출액 120억원 이하`), employees
//! (`상시근로자 10인 미만`), CEO age (`만 39세 이하`) and TRL (`TRL 4~6`).

use std::sync::LazyLock;

use regex::Regex;

use super::Context;
use crate::constraint::{Constraint, Rule};
use crate::range::{Bound, Range};

/// A bound word and which end it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    Min(bool),
    Max(bool),
}

pub(crate) fn end_of(word: &str) -> Option<End> {
    match word {
        "이상" => Some(End::Min(true)),
        "초과" => Some(End::Min(false)),
        "이하" | "이내" => Some(End::Max(true)),
        "미만" => Some(End::Max(false)),
        _ => None,
    }
}

/// A range from up to two `value bound-word` pairs (`5인 이상 10인 미만`); `None` when the words
/// contradict each other (two minimums).
pub(crate) fn range_of<T: PartialOrd + Copy>(pairs: &[(T, End)]) -> Option<Range<T>> {
    let mut range = Range { min: None, max: None };
    for (value, end) in pairs {
        match end {
            End::Min(inclusive) if range.min.is_none() => {
                range.min = Some(Bound { value: *value, inclusive: *inclusive })
            }
            End::Max(inclusive) if range.max.is_none() => {
                range.max = Some(Bound { value: *value, inclusive: *inclusive })
            }
            _ => return None,
        }
    }
    (!range.is_unbounded()).then_some(range)
}

const BOUND: &str = r"(이상|초과|이하|이내|미만)";

/// `창업 3년 이내`, `업력 7년 미만`, `창업 후 2년 3개월 미만`, `설립 3년 초과 7년 이내`.
static AGE_KEYWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(창업|업력|설립|개업)\s*(\(설립\)\s*)?(후|일로부터|일\s*기준|한\s*지|기간)?\s*").expect("valid regex")
});

/// `7년 이내 창업기업`: the number before the noun.
static AGE_BEFORE_NOUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(\d+)\s*년\s*{BOUND}\s*(의\s*)?(창업\s*기업|스타트업|창업자|초기\s*창업기업)"))
        .expect("valid regex")
});

static YEARS_MONTHS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^\s*(?:(\d+)\s*년\s*(?:(\d+)\s*개월)?|(\d+)\s*개월)\s*{BOUND}\s*(?:[~∼-]\s*)?"))
        .expect("valid regex")
});

static AMOUNT_BOUND: LazyLock<Regex> = LazyLock::new(|| {
    let amount = r"((?:\d[\d,]*(?:\.\d+)?\s*(?:조|억|천만|백만|십만|만|천)\s*)+원?|\d[\d,]*\s*원)";
    Regex::new(&format!(r"^[^\d]{{0,20}}?{amount}\s*{BOUND}\s*(?:[~∼-]\s*)?")).expect("valid regex")
});

static REVENUE_KEYWORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"매출(액|규모)?").expect("valid regex"));

static EMPLOYEE_KEYWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(상시\s*)?(근로자|종업원|직원|고용보험\s*피보험자|피보험자|고용\s*인원|상시\s*인원)(\s*수)?")
        .expect("valid regex")
});

static COUNT_BOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^[^\d]{{0,15}}?(\d+)\s*(?:인|명)\s*{BOUND}\s*(?:[~∼-]\s*)?")).expect("valid regex")
});

/// `5인 미만 사업장`: a bare head count before a business noun.
static BARE_COUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(\d+)\s*인\s*{BOUND}\s*(의\s*)?(기업|사업장|업체|중소기업|소기업|소상공인|제조업체|사업체)"))
        .expect("valid regex")
});

static CEO_AGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"만\s*(\d+)\s*세\s*{BOUND}(?:\s*[~∼-]?\s*만\s*(\d+)\s*세\s*{BOUND})?")).expect("valid regex")
});

static CEO_AGE_SPAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"만\s*(\d+)\s*(?:세)?\s*[~∼-]\s*(?:만\s*)?(\d+)\s*세").expect("valid regex"));

/// Whose age a sentence speaks about: the applicant or representative, not interns or trainees.
static CEO_CONTEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"대표|창업자|예비창업자|신청자|신청인|기업가|창업").expect("valid regex"));
static OTHER_PEOPLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"채용|인턴|근로자|참여자|참여청년|교육생|수강생|구직").expect("valid regex"));

static TRL_SPAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[^a-z])TRL\s*\)?\s*(\d)\s*(?:단계)?\s*(?:~|∼|-|–|에서)\s*(?:TRL\s*)?(\d)")
        .expect("valid regex")
});
static TRL_BOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)(?:^|[^a-z])TRL\s*\)?\s*(\d)\s*(?:단계)?\s*{BOUND}")).expect("valid regex")
});

pub(crate) fn extract(ctx: &Context, out: &mut Vec<Rule>) {
    let Some(confidence) = ctx.bound_confidence() else { return };
    // Exclusions list who may not apply; their numbers are not requirements.
    if ctx.sentence.in_exclusions {
        return;
    }
    let text = ctx.text();
    if let Some(months) = business_age(text) {
        let pre_startup = mentions_pre_startup(ctx);
        out.push(ctx.rule(Constraint::BusinessAge { months: Some(months), pre_startup }, confidence));
    }
    if let Some(won) = after_keyword(text, &REVENUE_KEYWORD, &AMOUNT_BOUND, normalize::parse_krw) {
        out.push(ctx.rule(Constraint::Revenue { won }, confidence));
    }
    if let Some(count) = employees(text) {
        out.push(ctx.rule(Constraint::Employees { count: count.0 }, confidence * count.1));
    }
    if let Some(years) = ceo_age(text) {
        out.push(ctx.rule(Constraint::CeoAge { years }, confidence));
    }
    if let Some(levels) = trl(text) {
        out.push(ctx.rule(Constraint::Trl { levels }, confidence));
    }
}

fn mentions_pre_startup(ctx: &Context) -> bool {
    ctx.clauses.iter().any(|c| !c.negated && (c.text.contains("예비창업") || c.text.contains("예비 창업")))
}

/// Months since founding.
pub(crate) fn business_age(text: &str) -> Option<Range<u32>> {
    for m in AGE_KEYWORD.find_iter(text) {
        if let Some(range) = age_bounds(&text[m.end()..]) {
            return Some(range);
        }
    }
    let c = AGE_BEFORE_NOUN.captures(text)?;
    let years: u32 = c[1].parse().ok()?;
    range_of(&[(years * 12, end_of(&c[2])?)])
}

/// `3년 미만`, `3년 이상 7년 미만`, `2년 3개월 미만` at the start of `text`, in months.
pub(crate) fn age_bounds(text: &str) -> Option<Range<u32>> {
    let mut rest = text;
    let mut pairs = Vec::new();
    while let Some(c) = YEARS_MONTHS.captures(rest) {
        let months = match (c.get(1), c.get(2), c.get(3)) {
            (Some(y), m, _) => y.as_str().parse::<u32>().ok()? * 12 + m.map_or(Some(0), |m| m.as_str().parse().ok())?,
            (None, _, Some(m)) => m.as_str().parse().ok()?,
            _ => break,
        };
        pairs.push((months, end_of(&c[4])?));
        rest = &rest[c.get(0)?.end()..];
        if pairs.len() == 2 {
            break;
        }
    }
    range_of(&pairs)
}

/// `10억 미만`, `10억 이상 50억 미만` at the start of `text`, in 원.
pub(crate) fn amount_bounds(text: &str) -> Option<Range<i64>> {
    bounds(text, &AMOUNT_BOUND, normalize::parse_krw)
}

/// `5인 이상`, `10명 미만` at the start of `text`.
pub(crate) fn count_bounds(text: &str) -> Option<Range<u32>> {
    bounds(text, &COUNT_BOUND, |s| s.parse().ok())
}

/// Up to two `value bound-word` pairs at the start of `text`.
fn bounds<T: PartialOrd + Copy>(text: &str, bound: &Regex, value: impl Fn(&str) -> Option<T>) -> Option<Range<T>> {
    let mut rest = text;
    let mut pairs = Vec::new();
    while let Some(c) = bound.captures(rest) {
        let Some(v) = value(&c[1]) else { break };
        pairs.push((v, end_of(&c[2])?));
        rest = &rest[c.get(0)?.end()..];
        if pairs.len() == 2 {
            break;
        }
    }
    range_of(&pairs)
}

/// A range read right after a keyword (`매출액 10억원 이상 50억원 미만`).
fn after_keyword<T: PartialOrd + Copy>(
    text: &str,
    keyword: &Regex,
    bound: &Regex,
    value: impl Fn(&str) -> Option<T>,
) -> Option<Range<T>> {
    keyword.find_iter(text).find_map(|m| bounds(&text[m.end()..], bound, &value))
}

/// Employees, with a confidence factor: a bare `5인 미만 사업장` is less sure than
/// `상시근로자 5인 미만`.
fn employees(text: &str) -> Option<(Range<u32>, f32)> {
    if let Some(range) = after_keyword(text, &EMPLOYEE_KEYWORD, &COUNT_BOUND, |s| s.parse().ok()) {
        return Some((range, 1.0));
    }
    if text.contains('팀') {
        return None;
    }
    let c = BARE_COUNT.captures(text)?;
    Some((range_of(&[(c[1].parse().ok()?, end_of(&c[2])?)])?, 0.9))
}

fn ceo_age(text: &str) -> Option<Range<u8>> {
    if !CEO_CONTEXT.is_match(text) || OTHER_PEOPLE.is_match(text) {
        return None;
    }
    if let Some(c) = CEO_AGE.captures(text) {
        let mut pairs = vec![(c[1].parse().ok()?, end_of(&c[2])?)];
        if let (Some(v), Some(w)) = (c.get(3), c.get(4)) {
            pairs.push((v.as_str().parse().ok()?, end_of(w.as_str())?));
        }
        return range_of(&pairs);
    }
    let c = CEO_AGE_SPAN.captures(text)?;
    Some(Range::between(Bound::inclusive(c[1].parse().ok()?), Bound::inclusive(c[2].parse().ok()?)))
}

fn trl(text: &str) -> Option<Range<u8>> {
    let valid = |v: u8| (1..=9).contains(&v);
    if let Some(c) = TRL_SPAN.captures(text) {
        let (lo, hi): (u8, u8) = (c[1].parse().ok()?, c[2].parse().ok()?);
        return (valid(lo) && valid(hi) && lo <= hi)
            .then(|| Range::between(Bound::inclusive(lo), Bound::inclusive(hi)));
    }
    let c = TRL_BOUND.captures(text)?;
    let level: u8 = c[1].parse().ok()?;
    valid(level).then(|| range_of(&[(level, end_of(&c[2])?)])).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::from_text;

    fn find(text: &str, kind: &str) -> Vec<Rule> {
        from_text(text).into_iter().filter(|r| r.constraint.kind() == kind).collect()
    }

    fn age(text: &str) -> Option<(Option<Range<u32>>, bool)> {
        find(text, "business_age").into_iter().next().map(|r| match r.constraint {
            Constraint::BusinessAge { months, pre_startup } => (months, pre_startup),
            _ => unreachable!(),
        })
    }

    fn at_most(v: u32, inclusive: bool) -> Option<Range<u32>> {
        Some(Range::at_most(Bound { value: v, inclusive }))
    }

    #[test]
    fn business_age_patterns() {
        assert_eq!(age("지원대상 : 창업 3년 이내 기업"), Some((at_most(36, true), false)));
        assert_eq!(age("신청자격: 업력 7년 미만 중소기업"), Some((at_most(84, false), false)));
        assert_eq!(age("창업 후 7년 이내 기업"), Some((at_most(84, true), false)));
        assert_eq!(
            age("충청권(대전·세종·충남·충북) 소재 창업 후 2년 3개월 미만 기업"),
            Some((at_most(27, false), false))
        );
        assert_eq!(age("공고일 기준 업력 10년 이내 신산업 분야 창업기업"), Some((at_most(120, true), false)));
        assert_eq!(age("모집공고문 내 신청자격에 해당하는 7년 이내 창업기업"), Some((at_most(84, true), false)));
        assert_eq!(age("예비창업자 및 창업 3년 이내 기업"), Some((at_most(36, true), true)));
        assert_eq!(
            age("지원대상: 창업 3년 초과 7년 이내 기업"),
            Some((Some(Range::between(Bound::exclusive(36), Bound::inclusive(84))), false))
        );
        assert_eq!(age("신청대상: 설립 6개월 이상 기업"), Some((Some(Range::at_least(Bound::inclusive(6))), false)));
    }

    #[test]
    fn business_age_negatives() {
        // Project length, not business age.
        assert_eq!(age("지원기간 : 협약일로부터 2년 이내"), None);
        assert_eq!(age("사업기간 3년 이내로 수행"), None);
        assert_eq!(age("업력 무관"), None);
        // A preference is not a requirement.
        assert_eq!(age("창업 3년 이내 기업은 서류평가 시 가점 부여"), None);
        // In a purpose sentence it is read but stays below the gate.
        let weak = find("창업 7년 이내 기업의 성장을 지원하기 위하여 다음과 같이 공고합니다.", "business_age");
        assert_eq!(weak.len(), 1);
        assert!(!weak[0].is_hard());
    }

    fn revenue(text: &str) -> Option<Range<i64>> {
        find(text, "revenue").into_iter().next().map(|r| match r.constraint {
            Constraint::Revenue { won } => won,
            _ => unreachable!(),
        })
    }

    #[test]
    fn revenue_patterns() {
        assert_eq!(
            revenue("신청자격: 매출액 120억원 이하 중소기업"),
            Some(Range::at_most(Bound::inclusive(12_000_000_000)))
        );
        assert_eq!(revenue("지원대상 : 연매출 10억 미만 기업"), Some(Range::at_most(Bound::exclusive(1_000_000_000))));
        assert_eq!(
            revenue("☞ 2025년 연매출액(부가세 포함) 2억 5천만원 이하 울산 중구 소상공인"),
            Some(Range::at_most(Bound::inclusive(250_000_000)))
        );
        assert_eq!(
            revenue("지원대상: 전년도 매출액 10억원 이상 50억원 미만 기업"),
            Some(Range::between(Bound::inclusive(1_000_000_000), Bound::exclusive(5_000_000_000)))
        );
        assert_eq!(
            revenue("지원대상: 매출 5천만원 이상 발생 기업"),
            Some(Range::at_least(Bound::inclusive(50_000_000)))
        );
    }

    #[test]
    fn revenue_negatives() {
        assert_eq!(revenue("매출액 대비 수출 비중 10% 이상 기업"), None);
        assert_eq!(revenue("지원규모: 기업당 최대 1,000만원 이내"), None);
        assert_eq!(revenue("매출 증대를 위한 마케팅 지원"), None);
    }

    fn count(text: &str) -> Option<Range<u32>> {
        find(text, "employees").into_iter().next().map(|r| match r.constraint {
            Constraint::Employees { count } => count,
            _ => unreachable!(),
        })
    }

    #[test]
    fn employee_patterns() {
        assert_eq!(count("지원대상: 상시근로자 10인 미만 소기업"), Some(Range::at_most(Bound::exclusive(10))));
        assert_eq!(count("신청자격: 상시 근로자 수 5인 이상 제조기업"), Some(Range::at_least(Bound::inclusive(5))));
        assert_eq!(
            count("프로그램 신청 직전월 기준(10월) 고용보험 피보험자 10인 이상 기업"),
            Some(Range::at_least(Bound::inclusive(10)))
        );
        assert_eq!(count("지원대상: 5인 미만 사업장"), Some(Range::at_most(Bound::exclusive(5))));
        assert_eq!(
            count("지원대상: 상시근로자 5인 이상 50인 미만 기업"),
            Some(Range::between(Bound::inclusive(5), Bound::exclusive(50)))
        );
    }

    #[test]
    fn employee_negatives() {
        assert_eq!(count("신청대상: 3인 이상 팀으로 구성된 예비창업팀"), None);
        assert_eq!(count("선정규모: 20개사 내외"), None);
        assert_eq!(count("참여청년(1인당) 지원금 최대 375만원 지원"), None);
    }

    fn ceo(text: &str) -> Option<Range<u8>> {
        find(text, "ceo_age").into_iter().next().map(|r| match r.constraint {
            Constraint::CeoAge { years } => years,
            _ => unreachable!(),
        })
    }

    #[test]
    fn ceo_age_patterns() {
        assert_eq!(ceo("신청자격: 대표자가 만 39세 이하인 청년 창업기업"), Some(Range::at_most(Bound::inclusive(39))));
        assert_eq!(ceo("지원대상: 만 40세 이상 예비창업자"), Some(Range::at_least(Bound::inclusive(40))));
        assert_eq!(
            ceo("신청대상: 만 19세 이상 ~ 만 39세 이하 청년 예비창업자"),
            Some(Range::between(Bound::inclusive(19), Bound::inclusive(39)))
        );
        assert_eq!(
            ceo("신청대상: 만 19~39세 청년 창업자"),
            Some(Range::between(Bound::inclusive(19), Bound::inclusive(39)))
        );
    }

    #[test]
    fn ceo_age_negatives() {
        // The interns' age, not the applicant's.
        assert_eq!(ceo("참여대상: 만 34세 이하 미취업 청년 인턴 채용 기업"), None);
        assert_eq!(ceo("교육대상: 만 39세 이하 구직자"), None);
    }

    fn trl_of(text: &str) -> Option<Range<u8>> {
        find(text, "trl").into_iter().next().map(|r| match r.constraint {
            Constraint::Trl { levels } => levels,
            _ => unreachable!(),
        })
    }

    #[test]
    fn trl_patterns() {
        assert_eq!(
            trl_of("지원대상: TRL 4~6 단계 기술 보유 기업"),
            Some(Range::between(Bound::inclusive(4), Bound::inclusive(6)))
        );
        assert_eq!(trl_of("신청자격: TRL 6 이상 기술을 보유한 기업"), Some(Range::at_least(Bound::inclusive(6))));
        assert_eq!(trl_of("지원대상: 기술성숙도(TRL) 5단계 이상 과제"), Some(Range::at_least(Bound::inclusive(5))));
        assert_eq!(trl_of("TRL 0~12"), None);
        assert_eq!(trl_of("CTRL 3 이상"), None);
    }
}
