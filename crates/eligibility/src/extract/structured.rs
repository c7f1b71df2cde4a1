//! Rules from the coded fields of K-Startup (`aply_trgt`, `biz_enyy`, `biz_trgt_age`,
//! `supt_regin`, …), 중소벤처24 `extPblancInfo` (`cmpScale`, `salsAmt`, `emplyCnt`, `ablbiz`,
//! `needCrtfn`, `areaNm`) and 기업마당 (`trgetNm`).

use std::sync::LazyLock;

use normalize::{parse_regions, Region};
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::numbers::{age_bounds, amount_bounds, count_bounds};
use super::{read, Forced};
use crate::constraint::{Certification, Constraint, Provenance, Rule};
use crate::org_type::OrgType;
use crate::range::Range;

/// Which source the fields come from; it names the fields in provenance and sets how far
/// their values are trusted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// K-Startup data.go.kr API.
    Kstartup,
    /// 중소벤처24 `extPblancInfo`.
    Sme24,
    /// 기업마당: coarse category tags only.
    Bizinfo,
    #[default]
    Other,
}

/// The coded eligibility fields a source publishes, as text. The app maps its records here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StructuredFields {
    pub source: Source,
    /// Applicant kinds: K-Startup `aply_trgt` (`일반인, 대학생, 일반기업`), 중소벤처24 `cmpScale`
    /// (`중소기업|중견기업`), 기업마당 `trgetNm` (`소상공인`).
    pub target_text: Option<String>,
    /// Free-text target description, read sentence by sentence as targets: K-Startup
    /// `aply_trgt_ctnt`.
    pub target_detail_text: Option<String>,
    /// Free-text exclusions, every sentence a ground for exclusion: K-Startup `aply_excl_trgt_ctnt`.
    pub exclusion_text: Option<String>,
    /// Business age buckets: K-Startup `biz_enyy` (`예비창업자,1년미만,…,7년미만`), 중소벤처24
    /// `ablbiz` (`3년 미만|3년 이상 7년 미만`).
    pub business_age_text: Option<String>,
    /// Representative's age: K-Startup `biz_trgt_age` (`만 20세 이상 ~ 만 39세 이하,만 40세 이상`).
    pub age_text: Option<String>,
    /// Regions: K-Startup `supt_regin`, 중소벤처24 `areaNm`.
    pub region_text: Option<String>,
    /// Revenue buckets: 중소벤처24 `salsAmt` (`10억 미만|10억 이상 50억 미만`).
    pub revenue_text: Option<String>,
    /// Employee buckets: 중소벤처24 `emplyCnt` (`5인 이상`).
    pub employees_text: Option<String>,
    /// Required certifications: 중소벤처24 `needCrtfn` (`벤처기업|이노비즈`).
    pub certification_text: Option<String>,
}

#[derive(Clone, Copy)]
enum Slot {
    Target,
    TargetDetail,
    Exclusion,
    BusinessAge,
    Age,
    Region,
    Revenue,
    Employees,
    Certification,
}

impl Source {
    fn field(&self, slot: Slot) -> &'static str {
        use Slot::*;
        match (self, slot) {
            (Source::Kstartup, Target) => "aply_trgt",
            (Source::Kstartup, TargetDetail) => "aply_trgt_ctnt",
            (Source::Kstartup, Exclusion) => "aply_excl_trgt_ctnt",
            (Source::Kstartup, BusinessAge) => "biz_enyy",
            (Source::Kstartup, Age) => "biz_trgt_age",
            (Source::Kstartup, Region) => "supt_regin",
            (Source::Sme24, Target) => "cmpScale",
            (Source::Sme24, BusinessAge) => "ablbiz",
            (Source::Sme24, Region) => "areaNm",
            (Source::Sme24, Revenue) => "salsAmt",
            (Source::Sme24, Employees) => "emplyCnt",
            (Source::Sme24, Certification) => "needCrtfn",
            (Source::Bizinfo, Target) => "trgetNm",
            (Source::Bizinfo, Region) => "hashtags",
            (_, Target) => "target_text",
            (_, TargetDetail) => "target_detail_text",
            (_, Exclusion) => "exclusion_text",
            (_, BusinessAge) => "business_age_text",
            (_, Age) => "age_text",
            (_, Region) => "region_text",
            (_, Revenue) => "revenue_text",
            (_, Employees) => "employees_text",
            (_, Certification) => "certification_text",
        }
    }

    /// How far a coded field is trusted. 기업마당's tags are categories, not conditions.
    fn confidence(&self) -> f32 {
        match self {
            Source::Kstartup | Source::Sme24 => 0.9,
            Source::Bizinfo => 0.5,
            Source::Other => 0.8,
        }
    }
}

/// Every rule the coded fields state.
pub fn from_structured(fields: &StructuredFields) -> Vec<Rule> {
    let src = fields.source;
    // `누구나` in the description overrides the coded boxes, which K-Startup fills by habit.
    let anyone = fields.target_detail_text.as_deref().is_some_and(|t| t.contains("누구나"));
    let coded = |c: f32| if anyone { c.min(0.5) } else { c };
    let mut out = Vec::new();
    let mut push = |slot: Slot, constraint: Constraint, confidence: f32, value: &str| {
        out.push(Rule::structured(constraint, src.field(slot), confidence, value.trim()));
    };
    if let Some(v) = &fields.target_text {
        if let Some((types, all_known)) = targets(v).filter(|(t, _)| !(src == Source::Kstartup && ticks_every_box(t))) {
            let c = coded(if all_known { src.confidence() } else { src.confidence().min(0.5) });
            push(Slot::Target, Constraint::TargetTypes { any_of: types }, c, v);
        }
    }
    if let Some(v) = &fields.business_age_text {
        if let Some(constraint) = business_age(v) {
            push(Slot::BusinessAge, constraint, coded(src.confidence()), v);
        }
    }
    if let Some(v) = &fields.age_text {
        if let Some(years) = ceo_age(v) {
            push(Slot::Age, Constraint::CeoAge { years }, coded(src.confidence()), v);
        }
    }
    if let Some(v) = &fields.region_text {
        let regions = parse_regions(v);
        if !regions.is_empty() && !regions.contains(&Region::Nationwide) {
            let c = if src == Source::Bizinfo { 0.7 } else { src.confidence() };
            push(Slot::Region, Constraint::Regions { any_of: regions }, c, v);
        }
    }
    if let Some(v) = &fields.revenue_text {
        if let Some(won) = hull(v, amount_bounds) {
            push(Slot::Revenue, Constraint::Revenue { won }, src.confidence(), v);
        }
    }
    if let Some(v) = &fields.employees_text {
        if let Some(count) = hull(v, count_bounds) {
            push(Slot::Employees, Constraint::Employees { count }, src.confidence(), v);
        }
    }
    if let Some(v) = &fields.certification_text {
        if let Some((any_of, all_known)) = certifications(v) {
            let c = if all_known { src.confidence().min(0.85) } else { 0.5 };
            push(Slot::Certification, Constraint::RequiredCertification { any_of }, c, v);
        }
    }
    let coded_len = out.len();
    for (slot, text, forced) in [
        (Slot::TargetDetail, &fields.target_detail_text, Forced::Targets),
        (Slot::Exclusion, &fields.exclusion_text, Forced::Exclusions),
    ] {
        let Some(text) = text else { continue };
        for mut rule in read(text, Some(forced)) {
            rule.provenance = Provenance::Structured { field: src.field(slot).into() };
            out.push(rule);
        }
    }
    refine(&mut out, coded_len);
    out
}

/// Kinds where the description refines a coded bucket: K-Startup ticks `10년미만` and writes
/// `창업 7년 이내` in `aply_trgt_ctnt`. The description's bound wins; the box only warns.
const REFINED: &[&str] = &["business_age", "ceo_age", "revenue", "employees", "regions"];

fn refine(rules: &mut [Rule], coded_len: usize) {
    let described: Vec<&'static str> = rules[coded_len..]
        .iter()
        .filter(|r| r.is_hard() && REFINED.contains(&r.constraint.kind()))
        .map(|r| r.constraint.kind())
        .collect();
    for rule in rules[..coded_len].iter_mut().filter(|r| described.contains(&r.constraint.kind())) {
        rule.confidence = rule.confidence.min(0.5);
    }
}

/// K-Startup's `aply_trgt` with all seven boxes ticked (`청소년,대학생,일반인,대학,연구기관,
/// 일반기업,1인 창조기업`) says nothing about who may apply.
fn ticks_every_box(types: &[OrgType]) -> bool {
    [OrgType::Individual, OrgType::University, OrgType::ResearchInstitute, OrgType::Sme, OrgType::Solo]
        .iter()
        .all(|t| types.contains(t))
}

/// The items of a list field: `,` (K-Startup), `|` (중소벤처24), `/`, line breaks.
fn items(v: &str) -> impl Iterator<Item = &str> {
    v.split([',', '|', '/', '\n', '\r']).map(str::trim).filter(|s| !s.is_empty())
}

/// Applicant kinds, and whether every item was understood.
fn targets(v: &str) -> Option<(Vec<OrgType>, bool)> {
    let mut types = Vec::new();
    let mut all_known = true;
    for item in items(v) {
        let squashed: String = item.chars().filter(|c| !c.is_whitespace()).collect();
        let found: &[OrgType] = match squashed.as_str() {
            "중소기업" | "중기업" | "소기업" => &[OrgType::Sme],
            "소상공인" | "자영업자" => &[OrgType::SmallBusiness],
            "1인창조기업" | "1인기업" => &[OrgType::Solo],
            "창업기업" | "스타트업" | "창업벤처" => &[OrgType::Startup],
            "예비창업자" => &[OrgType::PreStartup],
            "중견기업" => &[OrgType::Midsize],
            "대기업" => &[OrgType::Large],
            "일반기업" | "기업" => &[OrgType::Sme, OrgType::Midsize, OrgType::Large],
            "대학" | "대학교" => &[OrgType::University],
            "연구기관" | "연구소" => &[OrgType::ResearchInstitute],
            "공공기관" => &[OrgType::PublicInstitution],
            "비영리법인" | "비영리단체" => &[OrgType::Nonprofit],
            "일반인" | "대학생" | "청소년" | "개인" => &[OrgType::Individual],
            _ => {
                all_known = false;
                &[]
            }
        };
        types.extend_from_slice(found);
    }
    types.sort();
    types.dedup();
    (!types.is_empty()).then_some((types, all_known))
}

/// `예비창업자,1년미만,…,7년미만` reads as "예비창업자, or founded less than 7 years ago": the
/// buckets are cumulative, so the widest wins.
fn business_age(v: &str) -> Option<Constraint> {
    let mut pre_startup = false;
    let mut months: Option<Range<u32>> = None;
    for item in items(v) {
        let squashed: String = item.chars().filter(|c| !c.is_whitespace()).collect();
        if squashed.starts_with("예비창업") {
            pre_startup = true;
            continue;
        }
        let range = age_bounds(item)?;
        months = Some(match months {
            Some(m) => m.hull(&range),
            None => range,
        });
    }
    match (&months, pre_startup) {
        (None, false) => None,
        _ => Some(Constraint::BusinessAge { months, pre_startup }),
    }
}

/// The hull of `만 20세 미만,만 20세 이상 ~ 만 39세 이하,만 40세 이상`; none when it allows every
/// adult.
fn ceo_age(v: &str) -> Option<Range<u8>> {
    let mut all: Option<Range<u8>> = None;
    for item in items(v) {
        let range = age_item(item)?;
        all = Some(match all {
            Some(a) => a.hull(&range),
            None => range,
        });
    }
    let mut range = all?;
    // A minimum of 20 or less is adulthood, which every representative meets.
    if range.min.is_some_and(|b| b.value <= 20) {
        range.min = None;
    }
    (!range.is_unbounded()).then_some(range)
}

static AGE_ITEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"만\s*(\d+)\s*세\s*(이상|초과|이하|미만)").expect("valid regex"));

fn age_item(item: &str) -> Option<Range<u8>> {
    let pairs: Vec<(u8, super::numbers::End)> = AGE_ITEM
        .captures_iter(item)
        .filter_map(|c| Some((c[1].parse().ok()?, super::numbers::end_of(&c[2])?)))
        .collect();
    super::numbers::range_of(&pairs)
}

/// The hull of every bucket; `None` if one is not understood.
fn hull<T: PartialOrd + Copy>(v: &str, parse: impl Fn(&str) -> Option<Range<T>>) -> Option<Range<T>> {
    let mut all: Option<Range<T>> = None;
    for item in items(v) {
        let r = parse(item)?;
        all = Some(match all {
            Some(a) => a.hull(&r),
            None => r,
        });
    }
    all.filter(|r| !r.is_unbounded())
}

fn certifications(v: &str) -> Option<(Vec<Certification>, bool)> {
    let mut out = Vec::new();
    let mut all_known = true;
    for item in items(v) {
        let squashed: String = item.chars().filter(|c| !c.is_whitespace()).collect();
        let cert = match squashed.as_str() {
            "벤처기업" | "벤처" | "벤처기업확인" => Some(Certification::Venture),
            "이노비즈" | "기술혁신형중소기업" => Some(Certification::Innobiz),
            "메인비즈" | "경영혁신형중소기업" => Some(Certification::Mainbiz),
            "기업부설연구소" | "부설연구소" => Some(Certification::ResearchLab),
            "연구개발전담부서" => Some(Certification::RndDepartment),
            "여성기업" => Some(Certification::WomenOwned),
            "장애인기업" => Some(Certification::DisabledOwned),
            "사회적기업" => Some(Certification::SocialEnterprise),
            _ => None,
        };
        match cert {
            Some(c) => out.push(c),
            None => all_known = false,
        }
    }
    out.sort();
    out.dedup();
    (!out.is_empty()).then_some((out, all_known))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::Exclusion;
    use crate::range::Bound;

    fn under(months: u32) -> Option<Range<u32>> {
        Some(Range::at_most(Bound::exclusive(months)))
    }

    fn kstartup(f: impl FnOnce(&mut StructuredFields)) -> Vec<Rule> {
        let mut fields = StructuredFields { source: Source::Kstartup, ..Default::default() };
        f(&mut fields);
        from_structured(&fields)
    }

    #[test]
    fn kstartup_applicant_kinds() {
        let rules = kstartup(|f| f.target_text = Some("대학,연구기관,일반기업,1인 창조기업".into()));
        assert_eq!(rules.len(), 1);
        assert_eq!(
            rules[0].constraint,
            Constraint::TargetTypes {
                any_of: vec![
                    OrgType::Sme,
                    OrgType::Solo,
                    OrgType::Midsize,
                    OrgType::Large,
                    OrgType::University,
                    OrgType::ResearchInstitute,
                ]
            }
        );
        assert_eq!(rules[0].provenance, Provenance::Structured { field: "aply_trgt".into() });
        assert!(rules[0].is_hard());
        // Every box ticked: no information.
        let all = "청소년,대학생,일반인,대학,연구기관,일반기업,1인 창조기업";
        assert!(kstartup(|f| f.target_text = Some(all.into())).is_empty());
        // `누구나` in the description: the coded boxes only warn.
        let rules = kstartup(|f| {
            f.target_detail_text = Some("스타트업 역량 강화에 관심이 있는 누구나".into());
            f.business_age_text = Some("예비창업자,1년미만,2년미만,3년미만,5년미만,7년미만,10년미만".into());
        });
        assert_eq!(rules.len(), 1);
        assert!(!rules[0].is_hard());
        // An item we do not know might admit anyone: below the gate.
        let rules = kstartup(|f| f.target_text = Some("일반기업, 협동조합".into()));
        assert!(!rules[0].is_hard());
    }

    #[test]
    fn kstartup_business_age() {
        let age = |v: &str| kstartup(|f| f.business_age_text = Some(v.into())).pop().map(|r| r.constraint);
        assert_eq!(
            age("예비창업자,1년미만,2년미만,3년미만,5년미만,7년미만,10년미만"),
            Some(Constraint::BusinessAge { months: under(120), pre_startup: true })
        );
        assert_eq!(age("3년미만"), Some(Constraint::BusinessAge { months: under(36), pre_startup: false }));
        assert_eq!(age("예비창업자,7년미만"), Some(Constraint::BusinessAge { months: under(84), pre_startup: true }));
        assert_eq!(age("예비창업자"), Some(Constraint::BusinessAge { months: None, pre_startup: true }));
        assert_eq!(age("알 수 없음"), None);
    }

    #[test]
    fn kstartup_age_and_region() {
        let rules = kstartup(|f| {
            f.age_text = Some("만 20세 이상 ~ 만 39세 이하".into());
            f.region_text = Some("제주".into());
        });
        assert_eq!(rules[0].constraint, Constraint::CeoAge { years: Range::at_most(Bound::inclusive(39)) });
        assert_eq!(rules[1].constraint, Constraint::Regions { any_of: vec![Region::Jeju] });
        // Every age bracket, or the whole country: no rule.
        let rules = kstartup(|f| {
            f.age_text = Some("만 20세 미만,만 20세 이상 ~ 만 39세 이하,만 40세 이상".into());
            f.region_text = Some("전국".into());
        });
        assert!(rules.is_empty(), "{rules:?}");
        let rules = kstartup(|f| f.age_text = Some("만 20세 이상 ~ 만 39세 이하,만 40세 이상".into()));
        assert!(rules.is_empty(), "{rules:?}");
        let rules = kstartup(|f| f.age_text = Some("만 40세 이상".into()));
        assert_eq!(rules[0].constraint, Constraint::CeoAge { years: Range::at_least(Bound::inclusive(40)) });
    }

    #[test]
    fn kstartup_free_text_fields() {
        // From kstartup-api-announcement-list-sample.json, pbanc_sn 178845 and 178839.
        let rules = kstartup(|f| {
            f.target_detail_text = Some(
                "충청권(대전·세종·충남·충북) 소재 창업 후 2년 3개월 미만 기업\r\n※ 신청가능 창업(설립)일 기준 : '24.5.1 ~".into(),
            );
            f.exclusion_text = Some("\t※ 법인과 대표자 모두 제외 사유에 해당하지 않아야 함(공고문 p.4 참조)\r\n\r\n① 금융기관 등으로부터 채무불이행으로 규제 중인 자(기업)\r\n\r\n② 국세 또는 지방세 체납 중인 자(기업)".into());
        });
        let kinds: Vec<&str> = rules.iter().map(|r| r.constraint.kind()).collect();
        assert_eq!(
            kinds,
            ["business_age", "regions", "target_types", "exclusion_credit", "exclusion_tax"],
            "{rules:#?}"
        );
        assert_eq!(rules[0].constraint, Constraint::BusinessAge { months: under(27), pre_startup: false });
        assert_eq!(rules[0].provenance, Provenance::Structured { field: "aply_trgt_ctnt".into() });
        assert_eq!(rules[4].constraint, Constraint::Exclusion { exclusion: Exclusion::TaxArrears });
    }

    #[test]
    fn description_refines_coded_buckets() {
        // pbanc_sn 178839: `biz_enyy` up to 10 years, the description says 7.
        let rules = kstartup(|f| {
            f.business_age_text = Some("1년미만,2년미만,3년미만,5년미만,7년미만,10년미만".into());
            f.target_detail_text = Some(" ｢중소기업기본법｣ 제2조제1항에 따른 중소기업의 대표자이자, ｢중소기업창업 지원법｣ 동법 제2조제2호부터 제2조제3의2까지의 각 호의 정의에 따른 창업기업의 대표자로서 모집공고일(’26.8.6.) 기준 창업 7년 이내*인 자".into());
        });
        let ages: Vec<(&Constraint, bool)> = rules
            .iter()
            .filter(|r| r.constraint.kind() == "business_age")
            .map(|r| (&r.constraint, r.is_hard()))
            .collect();
        assert_eq!(ages.len(), 2);
        assert!(!ages[0].1, "the coded bucket only warns");
        assert_eq!(
            ages[1],
            (&Constraint::BusinessAge { months: Some(Range::at_most(Bound::inclusive(84))), pre_startup: false }, true)
        );
    }

    #[test]
    fn sme24_code_lists() {
        // written-sme24-extPblancInfo.json (crates/sources/tests/data), first item.
        let fields = StructuredFields {
            source: Source::Sme24,
            target_text: Some("중소기업|중견기업".into()),
            business_age_text: Some("3년 미만|3년 이상 7년 미만".into()),
            region_text: Some("서울특별시|부산광역시".into()),
            revenue_text: Some("10억 미만|10억 이상 50억 미만".into()),
            employees_text: Some("5인 이상".into()),
            certification_text: Some("벤처기업|이노비즈".into()),
            ..Default::default()
        };
        let rules = from_structured(&fields);
        let got: Vec<(String, Constraint)> = rules
            .into_iter()
            .map(|r| match r.provenance {
                Provenance::Structured { field } => (field, r.constraint),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            got,
            [
                ("cmpScale".to_string(), Constraint::TargetTypes { any_of: vec![OrgType::Sme, OrgType::Midsize] }),
                ("ablbiz".to_string(), Constraint::BusinessAge { months: under(84), pre_startup: false }),
                ("areaNm".to_string(), Constraint::Regions { any_of: vec![Region::Seoul, Region::Busan] }),
                ("salsAmt".to_string(), Constraint::Revenue { won: Range::at_most(Bound::exclusive(5_000_000_000)) }),
                ("emplyCnt".to_string(), Constraint::Employees { count: Range::at_least(Bound::inclusive(5)) }),
                (
                    "needCrtfn".to_string(),
                    Constraint::RequiredCertification { any_of: vec![Certification::Venture, Certification::Innobiz] }
                ),
            ]
        );
    }

    #[test]
    fn bizinfo_tags_stay_soft() {
        let fields =
            StructuredFields {
                source: Source::Bizinfo, target_text: Some("소상공인".into()), ..Default::default()
            };
        let rules = from_structured(&fields);
        assert_eq!(rules.len(), 1);
        assert!(!rules[0].is_hard());
    }
}
