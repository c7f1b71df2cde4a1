//! 사업자등록번호: the 10-digit business registration number, checked against its 검증번호.
//!
//! Users type it as `220-81-62517`, `2208162517` or `220 81 62517`; all parse to the same number.
//! The last digit is a check digit: weights 1,3,7,1,3,7,1,3,5 on the first nine digits,
//! plus ⌊9th digit × 5 / 10⌋; the check digit is `(10 − sum mod 10) mod 10`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

const WEIGHTS: [u32; 9] = [1, 3, 7, 1, 3, 7, 1, 3, 5];

/// A 사업자등록번호 whose check digit is right.
///
/// `Debug` shows only the masked form, so the number does not end up in logs whole.
/// Serde: deserialises from any accepted spelling, serialises as the 10 digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BusinessNumber([u8; 10]);

/// Why a string is not a 사업자등록번호.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusinessNumberError {
    /// Not exactly ten digits once spaces and dashes are removed (or other characters present).
    Format,
    /// Ten digits, but the check digit does not match.
    CheckDigit,
}

impl fmt::Display for BusinessNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BusinessNumberError::Format => "사업자등록번호는 숫자 10자리여야 합니다",
            BusinessNumberError::CheckDigit => "사업자등록번호의 검증번호가 맞지 않습니다",
        })
    }
}

impl std::error::Error for BusinessNumberError {}

impl BusinessNumber {
    /// Digits with any spaces and dashes (`-`, `‐`, `–`, `—`, `－`) between them.
    pub fn parse(raw: &str) -> Result<Self, BusinessNumberError> {
        let mut digits = [0u8; 10];
        let mut count = 0;
        for c in raw.chars() {
            match c {
                '0'..='9' => {
                    *digits.get_mut(count).ok_or(BusinessNumberError::Format)? = c as u8;
                    count += 1;
                }
                c if c.is_whitespace() || matches!(c, '-' | '‐' | '–' | '—' | '－') => {}
                _ => return Err(BusinessNumberError::Format),
            }
        }
        if count != 10 {
            return Err(BusinessNumberError::Format);
        }
        if check_digit(&digits) != digits[9] - b'0' {
            return Err(BusinessNumberError::CheckDigit);
        }
        Ok(BusinessNumber(digits))
    }

    /// `2208162517`
    pub fn digits(&self) -> &str {
        std::str::from_utf8(&self.0).expect("only ASCII digits are stored")
    }

    /// `220-81-62517`
    pub fn formatted(&self) -> String {
        let d = self.digits();
        format!("{}-{}-{}", &d[..3], &d[3..5], &d[5..])
    }

    /// `220-81-*****`: the office and type codes stay, the serial and check digit are hidden.
    pub fn masked(&self) -> String {
        let d = self.digits();
        format!("{}-{}-*****", &d[..3], &d[3..5])
    }
}

/// The 검증번호 the first nine digits call for.
fn check_digit(digits: &[u8; 10]) -> u8 {
    let value = |i: usize| u32::from(digits[i] - b'0');
    let weighted: u32 = WEIGHTS.iter().enumerate().map(|(i, w)| value(i) * w).sum();
    let sum = weighted + value(8) * 5 / 10;
    ((10 - sum % 10) % 10) as u8
}

impl FromStr for BusinessNumber {
    type Err = BusinessNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BusinessNumber::parse(s)
    }
}

impl TryFrom<&str> for BusinessNumber {
    type Error = BusinessNumberError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        BusinessNumber::parse(s)
    }
}

impl fmt::Debug for BusinessNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BusinessNumber({})", self.masked())
    }
}

impl Serialize for BusinessNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.digits())
    }
}

impl<'de> Deserialize<'de> for BusinessNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        BusinessNumber::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published numbers of well-known companies (NAVER, 삼성전자, 카카오), then numbers built by
    /// computing the check digit for arbitrary first nine digits.
    const VALID: [&str; 7] = [
        "220-81-62517",
        "124-81-00998",
        "120-81-47521",
        "123-45-67891",
        "314-86-00126",
        "999-99-99997",
        "617-81-00001",
    ];

    #[test]
    fn valid_numbers_parse_in_every_spelling() {
        for n in VALID {
            let bn = BusinessNumber::parse(n).unwrap();
            assert_eq!(bn.formatted(), n);
            let digits = n.replace('-', "");
            assert_eq!(bn.digits(), digits);
            for spelling in
                [digits.clone(), n.replace('-', " "), format!(" {n} "), n.replace('-', " - "), n.replace('-', "－")]
            {
                assert_eq!(BusinessNumber::parse(&spelling), Ok(bn), "{spelling:?}");
            }
        }
    }

    #[test]
    fn the_ninth_digit_term_counts() {
        // 124-81-00998: the 9th digit is 9, so ⌊9×5/10⌋ = 4 is part of the sum.
        let digits = *b"1248100998";
        assert_eq!(check_digit(&digits), 8);
        assert_eq!(BusinessNumber::parse("124-81-00990"), Err(BusinessNumberError::CheckDigit));
    }

    #[test]
    fn every_wrong_check_digit_is_rejected() {
        for n in VALID {
            let digits = n.replace('-', "");
            let right = digits.as_bytes()[9];
            for wrong in (b'0'..=b'9').filter(|d| *d != right) {
                let candidate = format!("{}{}", &digits[..9], wrong as char);
                assert_eq!(BusinessNumber::parse(&candidate), Err(BusinessNumberError::CheckDigit), "{candidate}");
            }
        }
    }

    #[test]
    fn wrong_shapes_are_format_errors() {
        for bad in [
            "",
            "220-81-6251",
            "220-81-625177",
            "220.81.62517",
            "22O-81-62517",
            "２２０-81-62517",
            "220_81_62517",
            "사업자",
        ] {
            assert_eq!(BusinessNumber::parse(bad), Err(BusinessNumberError::Format), "{bad:?}");
        }
        assert_eq!(BusinessNumberError::Format.to_string(), "사업자등록번호는 숫자 10자리여야 합니다");
        assert_eq!(BusinessNumberError::CheckDigit.to_string(), "사업자등록번호의 검증번호가 맞지 않습니다");
    }

    #[test]
    fn masked_and_debug_hide_the_serial() {
        let bn: BusinessNumber = "2208162517".parse().unwrap();
        assert_eq!(bn.masked(), "220-81-*****");
        assert_eq!(format!("{bn:?}"), "BusinessNumber(220-81-*****)");
    }

    #[test]
    fn serde_reads_any_spelling_and_writes_digits() {
        let bn: BusinessNumber = serde_json::from_str("\"220-81-62517\"").unwrap();
        assert_eq!(serde_json::to_string(&bn).unwrap(), "\"2208162517\"");
        let err = serde_json::from_str::<BusinessNumber>("\"220-81-62518\"").unwrap_err().to_string();
        assert!(err.contains("검증번호"), "{err}");
        assert!(serde_json::from_str::<BusinessNumber>("2208162517").is_err(), "a JSON number is not accepted");
    }
}
