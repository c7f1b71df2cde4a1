//! Amounts as Korean price tags: `20,900원`.

/// `amount` won with thousands separators and the 원 unit, e.g. `20,900원`, `-1,500원`, `0원`.
pub fn format_won(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
    if amount < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out.push('원');
    out
}

#[cfg(test)]
mod tests {
    use super::format_won;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(format_won(20_900), "20,900원");
        assert_eq!(format_won(209_000), "209,000원");
        assert_eq!(format_won(590_000), "590,000원");
        assert_eq!(format_won(1_234_567), "1,234,567원");
        assert_eq!(format_won(100), "100원");
        assert_eq!(format_won(1_000), "1,000원");
        assert_eq!(format_won(999), "999원");
        assert_eq!(format_won(0), "0원");
        assert_eq!(format_won(-1_500), "-1,500원");
        assert_eq!(format_won(i64::MIN), "-9,223,372,036,854,775,808원");
    }
}
