//! Every public function on every prefix and suffix of messy inputs: the
//! parsers must degrade to "unknown", never panic.

use normalize::{announcement_type, clean_line, format_krw, html_to_text, parse_krw};
use normalize::{ksic, parse_regions, period, region_from_bjd_code, BusinessNumber, KsicCode};

const MESSY: &[&str] = &[
    "2026.07.01(수) 11:00 ~ 2026.07.22(수) 오후 6시 30분 까지 ~~ 9999-12-31",
    "<div><p class='a>b'>R&amp;amp;D <script>if (a<b) {}</script><!-- x -->\u{e000}표&#x;&#99999999;</td",
    "최대 1조 2,345.6억 7천만 원, 0억, 12,,3만, .5억, 99999999999999999999억",
    "전남광주ㆍ#대구경북|경기도 광주시 / 강원특별자치도 전국 1111010100",
    "공고_(2025)교육_(20 수요조사 지정공모 행사 및 모집",
    "사업자 220-81-62517－ C26111+ c 2 6 1 1 1 ２２０ 반도체 제조업 \u{200b}A-0-",
];

#[test]
fn no_panics_on_any_slice() {
    for s in MESSY {
        for (i, _) in s.char_indices() {
            for part in [&s[..i], &s[i..]] {
                let _ = period::parse(part);
                let _ = period::parse_date(part);
                let _ = parse_krw(part);
                let _ = parse_regions(part);
                let _ = region_from_bjd_code(part);
                let _ = html_to_text(part);
                let _ = clean_line(part);
                let _ = announcement_type(part);
                let _ = BusinessNumber::parse(part);
                let _ = KsicCode::parse(part);
                let _ = ksic::search(part, 5);
            }
        }
    }
    for won in [i64::MIN, -1, 0, 1, 9_999, 10_000, 99_999_999, i64::MAX] {
        assert!(format_krw(won).ends_with('원'));
    }
}
