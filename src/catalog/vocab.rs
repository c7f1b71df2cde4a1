//! The fixed vocabularies of the catalogue with their Korean labels: organisation types a program
//! targets, and the announcement types. Codes are stable API values; labels are what users read.

/// Organisation types a program may target (지원대상), in display order.
pub const TARGET_TYPES: &[(&str, &str)] = &[
    ("sme", "중소기업"),
    ("small_business", "소상공인"),
    ("startup", "창업기업"),
    ("pre_startup", "예비창업자"),
    ("midsize", "중견기업"),
    ("large", "대기업"),
    ("university", "대학"),
    ("research_institute", "연구기관"),
    ("public_institution", "공공기관"),
    ("nonprofit", "비영리·협동조합"),
    ("individual", "개인"),
];

/// Keywords in a source's target text (지원대상/신청대상) and the type each one names.
const TARGET_KEYWORDS: &[(&str, &str)] = &[
    ("중소기업", "sme"),
    ("중소·벤처", "sme"),
    ("벤처기업", "sme"),
    ("소상공인", "small_business"),
    ("예비창업", "pre_startup"),
    ("창업기업", "startup"),
    ("스타트업", "startup"),
    ("창업자", "startup"),
    ("중견기업", "midsize"),
    ("대기업", "large"),
    ("대학", "university"),
    ("산학협력단", "university"),
    ("연구기관", "research_institute"),
    ("연구소", "research_institute"),
    ("출연연", "research_institute"),
    ("공공기관", "public_institution"),
    ("지자체", "public_institution"),
    ("지방자치단체", "public_institution"),
    ("협동조합", "nonprofit"),
    ("사회적기업", "nonprofit"),
    ("비영리", "nonprofit"),
    ("개인", "individual"),
    ("일반인", "individual"),
];

/// The target types named in a source's free text, in [`TARGET_TYPES`] order.
pub fn target_types(raw: &str) -> Vec<String> {
    // 예비창업자 (not yet founded) must not read as 창업자 (founders).
    let raw = raw.replace("예비창업자", "예비창업");
    TARGET_TYPES
        .iter()
        .filter(|(code, _)| TARGET_KEYWORDS.iter().any(|(word, c)| c == code && raw.contains(word)))
        .map(|(code, _)| code.to_string())
        .collect()
}

pub fn target_label(code: &str) -> Option<&'static str> {
    TARGET_TYPES.iter().find(|(c, _)| *c == code).map(|(_, label)| *label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_text_names_types() {
        assert_eq!(target_types("중소기업, 예비창업자"), vec!["sme", "pre_startup"]);
        assert_eq!(target_types("대학 산학협력단 및 정부출연연구기관"), vec!["university", "research_institute"]);
        assert!(target_types("누구나").is_empty());
    }
}
