//! Announcement text cut into sentences and clauses, each with what kind of statement it is.

use std::sync::LazyLock;

use regex::Regex;

/// What a sentence does in an announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Labelled as the target or a requirement (`지원대상:`, `… 에 한함`, `신청 가능`).
    Target,
    /// Ends on who may apply (`… 소재 중소기업`), without a label.
    Targetish,
    /// Names a preference (`우대`, `가점`): never a requirement.
    Preference,
    /// Lifts a limit (`업력 무관`, `제한 없음`, `누구나`).
    NoLimit,
    /// Anything else: purpose, support content, procedure.
    Descriptive,
}

/// A sentence with its class and whether it sits under an exclusion heading.
#[derive(Debug, Clone)]
pub struct Sentence {
    pub text: String,
    pub class: Class,
    /// Under a heading such as `신청 제외 대상`: every clause is a ground for exclusion.
    pub in_exclusions: bool,
}

/// Markers that start a new item.
const BULLETS: &[char] = &[
    '☞', '※', '○', '◦', '•', '▶', '►', '■', '□', '◆', '◇', '▪', '①', '②', '③', '④', '⑤', '⑥', '⑦', '⑧', '⑨', '⑩', '⑪',
    '⑫', '⑬', '⑭', '⑮', '➊', '➋', '➌', '➍', '➎', ';',
];

static TARGET_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(지원|신청|모집|참여|참가|사업|선정)\s*(대상|자격)|자격\s*요건|신청\s*요건|\(대상\)|\(자격\)|^대상\s*[:：]",
        r"|에\s*한함|에\s*한하여|에\s*한정|에\s*한해|으로\s*한정|로\s*한정|만\s*(신청|지원|참여)",
        r"|(신청|참여|지원|참가)\s*가능|해당하는\s*(자|기업|기관)|요건을\s*(모두\s*)?충족|대상\s*$|대상으로",
    ))
    .expect("valid regex")
});

static PREFERENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"우대|가점|가산점|우선\s*(선정|지원|선발)|인센티브").expect("valid regex"));

static NO_LIMIT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"무관|제한\s*없|제한없|관계\s*없|상관\s*없|누구나|불문").expect("valid regex"));

static EXCLUSION_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(신청|지원|참여|선정)\s*(제외|제한|불가)\s*(대상|기업|사유|요건)?|제외\s*(대상|기업|사유)")
        .expect("valid regex")
});

static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(지원|신청|모집|참여|사업)\s*(대상|자격|내용|규모|기간|방법|절차|개요|목적)|(우대|가점|제출\s*서류|문의|선정\s*절차|평가|추진\s*일정|접수)",
    )
    .expect("valid regex")
});

/// Words a target description ends on.
const TARGET_ENDINGS: &[&str] = &[
    "기업",
    "업체",
    "사업자",
    "기관",
    "소상공인",
    "창업자",
    "스타트업",
    "법인",
    "단체",
    "대학",
    "대학교",
    "팀",
    "개인",
];

/// The sentences of an announcement, in order.
pub fn split(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut in_exclusions = false;
    for piece in pieces(text) {
        if is_heading(&piece, &EXCLUSION_HEADING) && !piece.contains("우대") {
            in_exclusions = true;
            // A heading such as `신청 제외 대상 : 대기업` carries content after the colon.
            let content = piece.split_once([':', '：']).map(|(_, c)| c.trim()).unwrap_or("");
            if !content.is_empty() {
                out.push(Sentence { text: content.to_string(), class: Class::Target, in_exclusions });
            }
            continue;
        }
        if is_heading(&piece, &HEADING) {
            in_exclusions = false;
        }
        let class = classify(&piece);
        out.push(Sentence { text: piece, class, in_exclusions });
    }
    out
}

/// Whether `piece` is only a heading (numbering and a colon's content aside): `3. 신청 제외 대상`.
fn is_heading(piece: &str, heading: &Regex) -> bool {
    let head = piece.split_once([':', '：']).map_or(piece, |(h, _)| h);
    let head = head.trim_start_matches(|c: char| !is_hangul(c));
    let Some(m) = heading.find(head) else { return false };
    let rest = format!("{}{}", &head[..m.start()], &head[m.end()..]);
    rest.chars().filter(|c| c.is_alphanumeric()).count() <= 2
}

/// The text cut at line breaks, bullets and sentence ends; bullets dropped, whitespace tidied.
fn pieces(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.split(['\n', '\r']) {
        let mut current = String::new();
        let chars: Vec<char> = line.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            if BULLETS.contains(&c) {
                flush(&mut out, &mut current);
                continue;
            }
            // ` - item`: a dash after whitespace and before a space starts an item.
            if c == '-' && i > 0 && chars[i - 1].is_whitespace() && chars.get(i + 1).is_some_and(|n| n.is_whitespace())
            {
                flush(&mut out, &mut current);
                continue;
            }
            current.push(c);
            // `…합니다. 다음` ends a sentence; `12.5억` and `’26.8.6.)` do not.
            let ends = (c == '.' || c == '。')
                && i > 0
                && is_hangul(chars[i - 1])
                && chars.get(i + 1).is_none_or(|n| n.is_whitespace());
            if ends {
                flush(&mut out, &mut current);
            }
        }
        flush(&mut out, &mut current);
    }
    out
}

fn flush(out: &mut Vec<String>, current: &mut String) {
    let tidy = current.split_whitespace().collect::<Vec<_>>().join(" ");
    let tidy = tidy.trim_matches(|c: char| c == '-' || c == '·' || c.is_whitespace()).to_string();
    current.clear();
    if tidy.chars().filter(|c| c.is_alphanumeric()).count() >= 2 {
        out.push(tidy);
    }
}

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// The class of one sentence.
pub fn classify(text: &str) -> Class {
    // 우선지원대상기업 is a term of employment insurance law, not a preference.
    if PREFERENCE.is_match(&text.replace("우선지원대상", "")) {
        return Class::Preference;
    }
    if NO_LIMIT.is_match(text) && !TARGET_LABEL.is_match(text) {
        return Class::NoLimit;
    }
    if TARGET_LABEL.is_match(text) {
        return Class::Target;
    }
    let end = strip_tail(text);
    if end.ends_with("니다") || end.ends_with("바람") {
        return Class::Descriptive;
    }
    let last = crate::tokens::tokenize(&end).pop();
    match last {
        Some(t) if TARGET_ENDINGS.iter().any(|e| t.word.ends_with(e)) || t.word == "자" => Class::Targetish,
        _ => Class::Descriptive,
    }
}

/// The last word of a sentence, parentheses, punctuation and `등` aside.
pub fn head_word(text: &str) -> Option<crate::tokens::Token> {
    crate::tokens::tokenize(&strip_tail(text)).pop()
}

/// The sentence without trailing parentheses, punctuation and `등`.
fn strip_tail(text: &str) -> String {
    let mut s = text.trim().to_string();
    loop {
        let before = s.clone();
        s = s.trim_end_matches(['.', ',', ' ', '*', ':', '：']).to_string();
        if s.ends_with(')') {
            if let Some(open) = s.rfind('(') {
                s.truncate(open);
            }
        }
        for tail in ["등", "등의"] {
            if let Some(rest) = s.strip_suffix(tail) {
                s = rest.to_string();
            }
        }
        if s == before {
            return s;
        }
    }
}

/// A part of a sentence and whether it is negated (`대기업 제외`).
#[derive(Debug, Clone)]
pub struct Clause {
    pub text: String,
    pub negated: bool,
}

static CLAUSE_BREAK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[,，()\[\]]|(으며|이며|하며|없으며|되며|이고|하고)\s").expect("valid regex"));

static NEGATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"제외|불가|배제|금지|할\s*수\s*없|수\s*없음|아닌|않은|않는|않을|해당하지\s*않|참여\s*제한")
        .expect("valid regex")
});

/// The clauses of a sentence; inside an exclusion section every clause is negated.
pub fn clauses(sentence: &Sentence) -> Vec<Clause> {
    let text = without_law_names(&sentence.text);
    let text = PREFIX.replace_all(&text, "예비$1 및 $1");
    let mut out = Vec::new();
    let mut start = 0;
    for m in CLAUSE_BREAK.find_iter(&text) {
        push_clause(&mut out, &text[start..m.end()], sentence.in_exclusions);
        start = m.end();
    }
    push_clause(&mut out, &text[start..], sentence.in_exclusions);
    out
}

fn push_clause(out: &mut Vec<Clause>, part: &str, in_exclusions: bool) {
    let text = part.trim_matches(|c: char| "()[],， ".contains(c)).to_string();
    if text.is_empty() {
        return;
    }
    let lifted = NO_LIMIT.is_match(&text);
    let negated = in_exclusions || (NEGATION.is_match(&text) && !lifted);
    out.push(Clause { text, negated });
}

/// Whether `text` negates (`제외`, `불가`, `아닌`) without lifting a limit (`제한 없음`).
pub fn is_negation(text: &str) -> bool {
    NEGATION.is_match(text) && !NO_LIMIT.is_match(text)
}

/// `(예비)창업자` is 예비창업자 and 창업자.
static PREFIX: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\(예비\)\s*([가-힣]+)").expect("valid regex"));

static LAW_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[「『｢][^」』｣]*[」』｣]").expect("valid regex"));

/// Law and programme names in 「」/『』 removed: `「중소기업기본법」 제2조` names no applicant.
pub fn without_law_names(text: &str) -> String {
    LAW_NAME.replace_all(text, " ").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        split(text).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn cuts_at_bullets_and_sentence_ends() {
        let raw = " 코리아 그랜드 페스티벌 기간 참여업체를 모집합니다.     ☞ 온라인으로 판매가 가능한 전북지역 소상공인  - (대상) 소비재 완제품을 취급하는 전북지역 소상공인  - (자격) 전북 소재(사업자등록증 기준) 소상공인확인서 발급 기업";
        assert_eq!(
            texts(raw),
            [
                "코리아 그랜드 페스티벌 기간 참여업체를 모집합니다.",
                "온라인으로 판매가 가능한 전북지역 소상공인",
                "(대상) 소비재 완제품을 취급하는 전북지역 소상공인",
                "(자격) 전북 소재(사업자등록증 기준) 소상공인확인서 발급 기업",
            ]
        );
        assert_eq!(
            texts("과제당 12.5억원 이내. 모집공고일(’26.8.6.) 기준"),
            ["과제당 12.5억원 이내.", "모집공고일(’26.8.6.) 기준"]
        );
        assert_eq!(texts("① 국세 체납 기업\r\n② 휴·폐업 중인 기업"), ["국세 체납 기업", "휴·폐업 중인 기업"]);
    }

    #[test]
    fn classes() {
        assert_eq!(classify("지원대상 : 창업 3년 이내 기업"), Class::Target);
        assert_eq!(classify("공고일 기준 업력 10년 이내 신산업 분야 창업기업"), Class::Targetish);
        assert_eq!(classify("대구광역시에 소재한 사회적경제기업 (예비)사회적기업 등"), Class::Targetish);
        assert_eq!(classify("여성기업 및 장애인기업은 가점 부여"), Class::Preference);
        assert_eq!(classify("업력 무관"), Class::NoLimit);
        assert_eq!(classify("중소기업의 성장을 지원하기 위해 다음과 같이 공고합니다."), Class::Descriptive);
        assert_eq!(classify("정부지원사업비 1억원"), Class::Descriptive);
    }

    #[test]
    fn exclusion_sections() {
        let s = split("신청 제외 대상\n① 국세 또는 지방세 체납 중인 자(기업)\n지원 내용\n사업화 자금 지원");
        assert_eq!(s.len(), 3);
        assert!(s[0].in_exclusions);
        assert!(!s[1].in_exclusions && !s[2].in_exclusions);
        let s = split("신청 제외 대상 : 대기업");
        assert_eq!(s[0].text, "대기업");
        assert!(s[0].in_exclusions);
    }

    #[test]
    fn negated_clauses() {
        let s =
            Sentence {
                text: "중소기업 및 중견기업(대기업 제외)".into(), class: Class::Target, in_exclusions: false
            };
        let c = clauses(&s);
        assert_eq!(c.len(), 2);
        assert!(!c[0].negated && c[1].negated);
        let s = Sentence {
            text: "대기업은 신청할 수 없으며 중소기업만 신청 가능".into(),
            class: Class::Target,
            in_exclusions: false,
        };
        let c = clauses(&s);
        assert!(c[0].negated && !c[1].negated, "{c:?}");
        let s = Sentence {
            text: "「중소기업기본법」 제2조에 따른 중소기업".into(),
            class: Class::Target,
            in_exclusions: false,
        };
        assert!(!clauses(&s)[0].text.contains("기본법"));
    }
}
