//! Amounts of money in 원, as announcements write them and as we display them.
//!
//! Sources write `3억원`, `1억 5천만원`, `12.5억원`, `25백만원`, `1,500만원`
//! or a bare `300000000`; `0 억원` and `0` mean "not published".

/// Korean number units, longest spelling first so `천만` wins over `천`.
const UNITS: [(&str, i128); 8] = [
    ("천만", 10_000_000),
    ("백만", 1_000_000),
    ("십만", 100_000),
    ("조", 1_000_000_000_000),
    ("억", 100_000_000),
    ("만", 10_000),
    ("천", 1_000),
    ("백", 100),
];

/// The first amount in `raw`, in 원. `None` when there is none, it is zero,
/// or it does not fit in an `i64`.
///
/// A number only counts when a unit follows it (`억`, `만`, `원`, …) or when
/// it is the whole input, so `2026년 예산 3억원` yields 3억, not 2026.
pub fn parse_krw(raw: &str) -> Option<i64> {
    let text = raw.trim();
    if let Some(n) = bare_integer(text) {
        return positive(n);
    }
    let mut rest = text;
    while let Some(pos) = rest.find(|c: char| c.is_ascii_digit()) {
        rest = &rest[pos..];
        match amount_at(rest) {
            Some(value) => return positive(value),
            None => rest = skip_number(rest),
        }
    }
    None
}

/// Formats won the Korean way: `1억 5,000만 원`, `5,000만 원`, `20,900원`.
///
/// Whole 만 amounts and anything from 1억 up use 조/억/만 groups; smaller
/// amounts with a sub-만 remainder read better as plain digits.
pub fn format_krw(won: i64) -> String {
    let sign = if won < 0 { "-" } else { "" };
    let abs = won.unsigned_abs();
    let rest = abs % 10_000;
    if abs < 10_000 || (abs < 100_000_000 && rest != 0) {
        return format!("{sign}{}원", group_digits(abs));
    }
    let groups = [(abs / 1_000_000_000_000, "조"), (abs / 100_000_000 % 10_000, "억"), (abs / 10_000 % 10_000, "만")];
    let mut parts: Vec<String> =
        groups.iter().filter(|(n, _)| *n > 0).map(|(n, unit)| format!("{}{unit}", group_digits(*n))).collect();
    if rest == 0 {
        parts.push("원".to_string());
    } else {
        parts.push(format!("{}원", group_digits(rest)));
    }
    format!("{sign}{}", parts.join(" "))
}

fn positive(n: i128) -> Option<i64> {
    i64::try_from(n).ok().filter(|n| *n > 0)
}

/// `300000000` or `300,000,000` on its own means won.
fn bare_integer(text: &str) -> Option<i128> {
    let digits = text.strip_suffix('원').unwrap_or(text).trim();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == ',') {
        return None;
    }
    digits.replace(',', "").parse().ok()
}

/// Reads a `1억 5천만원`-style amount starting at a digit, or `None` when
/// the number has no money unit after it.
fn amount_at(text: &str) -> Option<i128> {
    let mut total: i128 = 0;
    let mut rest = text;
    let mut last_unit = i128::MAX;
    let mut found = false;
    while let Some((number, after)) = read_number(rest) {
        let after = after.trim_start();
        let unit = UNITS.iter().find(|(name, _)| after.starts_with(name));
        match unit {
            // Units must shrink (1억 5천만), otherwise this is a new amount.
            Some((name, size)) if *size < last_unit => {
                total = total.checked_add(number.scale(*size)?)?;
                last_unit = *size;
                found = true;
                rest = after[name.len()..].trim_start();
            }
            _ if after.starts_with('원') => {
                return total.checked_add(number.scale(1)?);
            }
            _ => break,
        }
        if !rest.starts_with(|c: char| c.is_ascii_digit()) {
            break;
        }
    }
    found.then_some(total)
}

/// A decimal number such as `1,500` or `12.5`, kept exact as digits + scale.
struct Decimal {
    digits: i128,
    decimals: u32,
}

impl Decimal {
    fn scale(&self, unit: i128) -> Option<i128> {
        let divisor = 10_i128.checked_pow(self.decimals)?;
        Some(self.digits.checked_mul(unit)? / divisor)
    }
}

fn read_number(text: &str) -> Option<(Decimal, &str)> {
    let mut digits: i128 = 0;
    let mut decimals = 0;
    let mut seen_dot = false;
    let mut seen_digit = false;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        match c {
            '0'..='9' => {
                digits = digits.checked_mul(10)?.checked_add(i128::from(c as u8 - b'0'))?;
                decimals += u32::from(seen_dot);
                seen_digit = true;
            }
            ',' if seen_digit && !seen_dot => {}
            '.' if seen_digit && !seen_dot => seen_dot = true,
            _ => break,
        }
        end = i + c.len_utf8();
    }
    // A trailing "." or "," is punctuation, not part of the number.
    let number_text = text[..end].trim_end_matches(['.', ',']);
    if !seen_digit {
        return None;
    }
    Some((Decimal { digits, decimals }, &text[number_text.len()..]))
}

fn skip_number(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.')).unwrap_or(text.len());
    &text[end.max(1)..]
}

fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let head = (digits.len() - 1) % 3 + 1;
    let mut out = digits[..head].to_string();
    let mut i = head;
    while i < digits.len() {
        out.push(',');
        out.push_str(&digits[i..i + 3]);
        i += 3;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_korean_units() {
        let cases = [
            ("3억원", 300_000_000),
            ("5천만원", 50_000_000),
            ("1억 5천만원", 150_000_000),
            ("1억5천만 원", 150_000_000),
            ("12.5억원", 1_250_000_000),
            ("0.4억원", 40_000_000),
            ("1,500만원", 15_000_000),
            ("300,000,000원", 300_000_000),
            ("300000000", 300_000_000),
            ("25백만원", 25_000_000),
            ("최대 3억원", 300_000_000),
            ("과제당 3억원 이내", 300_000_000),
            ("선정팀당 최대 2,500만원 지원", 25_000_000),
            ("2026년 예산 3억원", 300_000_000),
            ("1조 2,345억 6,789만 원", 1_234_567_890_000),
            ("20,900원", 20_900),
            ("사업화 자금 최대 2억원(AC분야 평균 1.15억원)", 200_000_000),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_krw(raw), Some(want), "{raw}");
        }
    }

    #[test]
    fn unknown_amounts() {
        for raw in ["0 억원", "0", "미정", "", "  ", "2026년", "1차 공고", "3.5", "9999999999999999999999"] {
            assert_eq!(parse_krw(raw), None, "{raw}");
        }
    }

    #[test]
    fn formats_korean_style() {
        let cases = [
            (300_000_000, "3억 원"),
            (150_000_000, "1억 5,000만 원"),
            (50_000_000, "5,000만 원"),
            (20_900, "20,900원"),
            (12_345, "12,345원"),
            (1_234_567_890_000, "1조 2,345억 6,789만 원"),
            (105_000_000, "1억 500만 원"),
            (100_005_000, "1억 5,000원"),
            (1_000_000_000_000, "1조 원"),
            (10_000, "1만 원"),
            (0, "0원"),
            (-300_000_000, "-3억 원"),
        ];
        for (won, want) in cases {
            assert_eq!(format_krw(won), want, "{won}");
        }
        assert!(format_krw(i64::MIN).starts_with('-'));
    }

    #[test]
    fn round_trips() {
        for won in [300_000_000, 150_000_000, 50_000_000, 20_900, 1_234_567_890_000, 105_000_000] {
            assert_eq!(parse_krw(&format_krw(won)), Some(won), "{won}");
        }
    }
}
