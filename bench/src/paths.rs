//! Deterministic query-mix generator for the programs search endpoint.
//!
//! Each line is `ENDPOINT[?query]`: about 75% of lines carry a 1–2-word Korean
//! (or mixed) `q`, combined at random with status, region, sort and paging
//! filters. Values are percent-encoded (UTF-8, space as `%20`). The generator
//! uses its own SplitMix64 so a given seed yields the same file on every
//! platform and toolchain.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Search words seen in real funding-program titles.
#[rustfmt::skip]
pub const WORDS: &[&str] = &[
    "창업", "수출", "드론", "인공지능", "AI", "바우처", "스마트공장", "탄소중립", "바이오", "반도체", "소상공인", "중소기업",
    "연구개발", "기술개발", "사업화", "인력", "청년", "디지털", "콘텐츠", "관광", "농업", "수소", "배터리", "로봇", "의료기기",
    "메타버스", "플랫폼", "해외진출", "마케팅", "컨설팅", "교육", "시제품", "특허", "인증", "글로벌", "지역", "혁신", "실증",
    "데이터", "클라우드", "스타트업", "벤처", "R&D", "고용", "에너지", "수산", "식품", "게임", "패션", "물류", "소재부품",
    "ESG",
];

/// Region codes accepted by the `region` filter.
#[rustfmt::skip]
pub const REGIONS: &[&str] = &[
    "seoul", "busan", "daegu", "incheon", "gwangju", "daejeon", "ulsan", "sejong",
    "gyeonggi", "gangwon", "chungbuk", "chungnam", "jeonbuk", "jeonnam", "gyeongbuk",
    "gyeongnam", "jeju", "nationwide",
];

const SORTS: &[&str] = &["deadline", "newest", "budget", "relevance"];

/// Characters escaped in a query value: everything but RFC 3986 unreserved.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// SplitMix64: tiny, fast and stable across platforms.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (modulo bias is negligible for our tiny `n`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// True with probability `pct`%.
    fn chance(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Percent-encodes one query value.
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// Builds one request line.
fn line(rng: &mut Rng, endpoint: &str) -> String {
    let mut params: Vec<(&str, String)> = Vec::new();
    let has_q = rng.chance(75);
    if has_q {
        let mut q = rng.pick(WORDS).to_string();
        if rng.chance(35) {
            let second = rng.pick(WORDS);
            if second != q {
                q.push(' ');
                q.push_str(second);
            }
        }
        params.push(("q", q));
    }
    match rng.below(100) {
        0..=29 => params.push(("status", "open".into())),
        30..=44 => {
            params.push(("status", "closing".into()));
            params.push(("within_days", "14".into()));
        }
        _ => {}
    }
    if rng.chance(40) {
        params.push(("region", rng.pick(REGIONS).into()));
    }
    if rng.chance(50) {
        // `relevance` only makes sense with a query.
        let sorts = if has_q { SORTS } else { &SORTS[..3] };
        params.push(("sort", rng.pick(sorts).into()));
    }
    if rng.chance(50) {
        let page = match rng.below(100) {
            0..=59 => 1,
            60..=84 => 2,
            _ => 3,
        };
        params.push(("page", page.to_string()));
        params.push(("per_page", "20".into()));
    }
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    if query.is_empty() {
        endpoint.to_string()
    } else {
        format!("{endpoint}?{}", query.join("&"))
    }
}

/// Generates the whole file: a comment header, then `count` request lines.
pub fn generate(endpoint: &str, count: usize, seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut out = format!("# connect-bench paths --count {count} --seed {seed}\n");
    for _ in 0..count {
        out.push_str(&line(&mut rng, endpoint));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use percent_encoding::percent_decode_str;

    fn lines(text: &str) -> Vec<&str> {
        text.lines().filter(|l| !l.starts_with('#')).collect()
    }

    #[test]
    fn deterministic_per_seed() {
        let a = generate("/api/programs", 200, 7);
        assert_eq!(a, generate("/api/programs", 200, 7));
        assert_ne!(a, generate("/api/programs", 200, 8));
        assert_eq!(lines(&a).len(), 200);
    }

    #[test]
    fn properly_encoded_and_decodable() {
        let text = generate("/api/programs", 400, 1);
        let mut without_q = 0;
        for l in lines(&text) {
            assert!(l.is_ascii() && !l.contains(' '), "not encoded: {l}");
            assert!(l.starts_with("/api/programs"), "{l}");
            let query = l.split_once('?').map_or("", |(_, q)| q);
            let mut saw_q = false;
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').expect("key=value");
                let v = percent_decode_str(v).decode_utf8().expect("utf-8");
                match k {
                    "q" => {
                        saw_q = true;
                        for w in v.split(' ') {
                            assert!(WORDS.contains(&w), "unknown word {w:?}");
                        }
                    }
                    "status" => assert!(v == "open" || v == "closing"),
                    "within_days" => assert_eq!(v, "14"),
                    "region" => assert!(REGIONS.contains(&&*v)),
                    "sort" => assert!(SORTS.contains(&&*v)),
                    "page" => assert!(["1", "2", "3"].contains(&&*v)),
                    "per_page" => assert_eq!(v, "20"),
                    _ => panic!("unexpected key {k}"),
                }
            }
            without_q += usize::from(!saw_q);
        }
        // About a quarter of the lines have no q.
        assert!((60..=140).contains(&without_q), "{without_q} lines without q");
    }

    #[test]
    fn encodes_korean_and_reserved() {
        assert_eq!(encode("창업"), "%EC%B0%BD%EC%97%85");
        assert_eq!(encode("R&D AI"), "R%26D%20AI");
    }
}
