//! Exact-token matching for Korean text.
//!
//! Words are split on whitespace and punctuation, and where Hangul meets Latin letters or digits
//! (`AI반도체` is `ai` + `반도체`). A word also matches through its stem: the word with up to two
//! trailing particles removed (`제조업을` → `제조업`, `기업들의` → `기업`). Nothing matches inside a
//! word: `데이터` does not match `데이터베이스`, `it` does not match `community`.

/// Trailing particles and endings, longest first.
const PARTICLES: &[&str] = &[
    "으로서",
    "으로써",
    "에서는",
    "에서도",
    "으로는",
    "에게는",
    "이라는",
    "에서",
    "에게",
    "으로",
    "이나",
    "이며",
    "이고",
    "까지",
    "부터",
    "처럼",
    "보다",
    "와의",
    "과의",
    "에는",
    "에도",
    "에의",
    "라는",
    "들",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "의",
    "에",
    "과",
    "와",
    "도",
    "로",
    "만",
    "및",
    "등",
];

/// One word of a text: as written (ASCII lower-cased; Hangul has no case) and its stem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub word: String,
    pub stem: String,
}

impl Token {
    pub fn matches(&self, keyword: &str) -> bool {
        self.word == keyword || self.stem == keyword
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Hangul,
    Other,
}

fn script(c: char) -> Script {
    if ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3131}'..='\u{318E}').contains(&c) && c != 'ㆍ' {
        Script::Hangul
    } else {
        Script::Other
    }
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '&';
    }
    ('\u{AC00}'..='\u{D7A3}').contains(&c) || (c != 'ㆍ' && c.is_alphanumeric())
}

/// The words of `text` in order.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut last: Option<Script> = None;
    for c in text.chars() {
        if !is_word_char(c) {
            push(&mut out, &mut current);
            last = None;
            continue;
        }
        let s = script(c);
        if last.is_some_and(|l| l != s) {
            push(&mut out, &mut current);
        }
        current.push(c.to_ascii_lowercase());
        last = Some(s);
    }
    push(&mut out, &mut current);
    out
}

fn push(out: &mut Vec<Token>, current: &mut String) {
    let word = current.trim_matches('&').to_string();
    current.clear();
    if word.is_empty() {
        return;
    }
    let stem = stem(&word);
    out.push(Token { word, stem });
}

/// The word without up to two trailing particles; a stem keeps at least two characters.
pub fn stem(word: &str) -> String {
    let mut w = word;
    for _ in 0..2 {
        match PARTICLES.iter().find(|p| w.ends_with(*p) && w.chars().count() >= p.chars().count() + 2) {
            Some(p) => w = &w[..w.len() - p.len()],
            None => break,
        }
    }
    w.to_string()
}

/// Whether `keyword` (one word, lower-case) occurs in `text` (lower-case) as a whole word or a
/// word's stem, without tokenizing the whole text: each occurrence is checked for word
/// boundaries. Same answer as [`contains_keyword`] for one-word keywords.
pub fn text_has_word(text: &str, keyword: &str) -> bool {
    if keyword.is_empty() {
        return false;
    }
    let Some(first) = keyword.chars().next() else { return false };
    let last = keyword.chars().last().unwrap_or(first);
    for (at, _) in text.match_indices(keyword) {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|b| is_word_char(b) && script(b) == script(first)) {
            continue;
        }
        let rest = &text[at + keyword.len()..];
        // The rest of this word: up to a boundary or a change of script.
        let end = rest
            .char_indices()
            .find(|(_, c)| !is_word_char(*c) || script(*c) != script(last))
            .map_or(rest.len(), |(i, _)| i);
        if end == 0 {
            return true;
        }
        let word = format!("{keyword}{}", &rest[..end]);
        if stem(word.trim_matches('&')) == keyword {
            return true;
        }
    }
    false
}

/// The runs of `text`: maximal stretches of word characters of one script, in order. A word of
/// [`tokenize`] is a run without its leading and trailing `&`.
pub fn runs(text: &str) -> impl Iterator<Item = &str> + '_ {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.char_indices().find(|(_, c)| is_word_char(*c))?.0;
        let run = &rest[start..];
        let s = script(run.chars().next()?);
        let end = run.char_indices().find(|(_, c)| !is_word_char(*c) || script(*c) != s).map_or(run.len(), |(i, _)| i);
        rest = &run[end..];
        Some(&run[..end])
    })
}

/// Whether `keyword` is one plain word: word characters of one script, no `&`. For such a
/// keyword [`text_has_word`] is true exactly when some run of the text, or the stem of a run
/// (trailing `&` removed), equals it; so a text's runs and their stems can be indexed once.
pub fn is_plain_word(keyword: &str) -> bool {
    let mut chars = keyword.chars();
    let Some(first) = chars.next() else { return false };
    let s = script(first);
    first != '&' && is_word_char(first) && chars.all(|c| c != '&' && is_word_char(c) && script(c) == s)
}

/// The words a text can match a plain keyword by: each run, and its stem.
pub fn index_words(text: &str, mut add: impl FnMut(&str)) {
    for run in runs(text) {
        add(run);
        let stemmed = stem(run.trim_end_matches('&'));
        if stemmed != run {
            add(&stemmed);
        }
    }
}

/// Whether `keyword` (one or more words) occurs in `tokens` as whole words.
pub fn contains_keyword(tokens: &[Token], keyword: &str) -> bool {
    let wanted = tokenize(keyword);
    if wanted.is_empty() || wanted.len() > tokens.len() {
        return false;
    }
    tokens.windows(wanted.len()).any(|window| {
        window.iter().zip(&wanted).enumerate().all(|(i, (t, w))| {
            // Inner words must match as written; the last may carry a particle.
            if i + 1 == wanted.len() {
                t.matches(&w.word)
            } else {
                t.word == w.word
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.word).collect()
    }

    #[test]
    fn splits_on_punctuation_and_scripts() {
        assert_eq!(words("AI반도체, 데이터·클라우드"), ["ai", "반도체", "데이터", "클라우드"]);
        assert_eq!(words("벤처기업ㆍ이노비즈"), ["벤처기업", "이노비즈"]);
        assert_eq!(words("R&D 과제(2026)"), ["r&d", "과제", "2026"]);
        assert_eq!(words("「중소기업기본법」"), ["중소기업기본법"]);
    }

    #[test]
    fn stems_drop_particles() {
        assert_eq!(stem("제조업을"), "제조업");
        assert_eq!(stem("기업들의"), "기업");
        assert_eq!(stem("중소기업으로서"), "중소기업");
        // A stem keeps two characters: 치매 is not 치 + 매.
        assert_eq!(stem("치매"), "치매");
        assert_eq!(stem("평가"), "평가");
    }

    #[test]
    fn whole_words_only() {
        let tokens = tokenize("치매 케어 커뮤니티(Dementia Care COMMUNITY) 데이터베이스 구축");
        assert!(!contains_keyword(&tokens, "it"));
        assert!(!contains_keyword(&tokens, "데이터"));
        assert!(contains_keyword(&tokens, "치매"));
        assert!(contains_keyword(&tokens, "community"));
        let tokens = tokenize("인공지능 반도체를 개발하는 기업");
        assert!(contains_keyword(&tokens, "반도체"));
        assert!(contains_keyword(&tokens, "인공지능 반도체"));
        assert!(!contains_keyword(&tokens, "반도체 인공지능"));
        assert!(!contains_keyword(&tokens, ""));
    }

    #[test]
    fn indexed_runs_agree_with_the_text_search() {
        let texts = [
            "치매 케어 커뮤니티(dementia care community) 데이터베이스 구축",
            "인공지능 반도체를 개발하는 기업들의 ai반도체 r&d &ai ai& 제조업을, 중소기업으로서 a&&",
            "제조업을 영위하는 중소기업으로서 데이터가 필요한 곳ㆍ클라우드·데이터 2026년도",
        ];
        for text in texts {
            let mut words = std::collections::HashSet::new();
            index_words(text, |w| {
                words.insert(w.to_string());
            });
            // Every plain word that occurs anywhere in the text, and a few that do not.
            let chars: Vec<char> = text.chars().collect();
            let mut candidates: Vec<String> = vec!["없는말".into(), "xyz".into()];
            for i in 0..chars.len() {
                for j in i + 1..=chars.len().min(i + 8) {
                    candidates.push(chars[i..j].iter().collect());
                }
            }
            for k in candidates.iter().filter(|k| is_plain_word(k)) {
                assert_eq!(words.contains(k.as_str()), text_has_word(text, k), "{k} in {text}");
            }
        }
        assert!(is_plain_word("반도체") && is_plain_word("r") && !is_plain_word("r&d") && !is_plain_word("ai반도체"));
        assert!(!is_plain_word("") && !is_plain_word("ai.") && !is_plain_word("스마트 팩토리"));
    }

    #[test]
    fn fast_path_agrees_with_tokens() {
        let texts = [
            "치매 케어 커뮤니티(dementia care community) 데이터베이스 구축",
            "인공지능 반도체를 개발하는 기업들의 ai반도체 r&d",
            "제조업을 영위하는 중소기업으로서 데이터가 필요한 곳",
        ];
        let keywords =
            ["it", "데이터", "치매", "community", "반도체", "ai", "r&d", "제조업", "중소기업", "기업", "매", "d"];
        for text in texts {
            let tokens = tokenize(text);
            for k in keywords {
                assert_eq!(text_has_word(text, k), contains_keyword(&tokens, k), "{k} in {text}");
            }
        }
    }
}
