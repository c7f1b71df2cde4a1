//! Bounds as announcements state them: `10인 미만` (exclusive), `120억원 이하` (inclusive).

use serde::{Deserialize, Serialize};

/// One end of a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bound<T> {
    pub value: T,
    /// `이하`/`이내`/`이상` are inclusive; `미만`/`초과` are not.
    pub inclusive: bool,
}

impl<T> Bound<T> {
    pub fn inclusive(value: T) -> Self {
        Bound { value, inclusive: true }
    }

    pub fn exclusive(value: T) -> Self {
        Bound { value, inclusive: false }
    }
}

/// A range with optional ends; an empty range (`min` and `max` both `None`) allows anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range<T> {
    pub min: Option<Bound<T>>,
    pub max: Option<Bound<T>>,
}

/// What a known interval of values says about a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    Inside,
    Outside,
    /// Part of the interval is inside: the exact value is needed.
    Partly,
}

impl<T: PartialOrd + Copy> Range<T> {
    pub fn at_most(max: Bound<T>) -> Self {
        Range { min: None, max: Some(max) }
    }

    pub fn at_least(min: Bound<T>) -> Self {
        Range { min: Some(min), max: None }
    }

    pub fn between(min: Bound<T>, max: Bound<T>) -> Self {
        Range { min: Some(min), max: Some(max) }
    }

    pub fn is_unbounded(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }

    pub fn contains(&self, v: T) -> bool {
        let above = self.min.is_none_or(|b| if b.inclusive { v >= b.value } else { v > b.value });
        let below = self.max.is_none_or(|b| if b.inclusive { v <= b.value } else { v < b.value });
        above && below
    }

    /// Where the closed interval `[lo, hi]` (either end open-ended when `None`) lies.
    pub fn fit(&self, lo: Option<T>, hi: Option<T>) -> Fit {
        let below_min = |v: T| self.min.is_some_and(|b| if b.inclusive { v < b.value } else { v <= b.value });
        let above_max = |v: T| self.max.is_some_and(|b| if b.inclusive { v > b.value } else { v >= b.value });
        // Entirely below the minimum or above the maximum.
        if hi.is_some_and(below_min) || lo.is_some_and(above_max) {
            return Fit::Outside;
        }
        let lo_ok = match lo {
            Some(v) => !below_min(v),
            None => self.min.is_none(),
        };
        let hi_ok = match hi {
            Some(v) => !above_max(v),
            None => self.max.is_none(),
        };
        if lo_ok && hi_ok {
            Fit::Inside
        } else {
            Fit::Partly
        }
    }

    /// The smallest range covering both (the union's hull); an open end wins.
    pub fn hull(&self, other: &Range<T>) -> Range<T> {
        let min = match (self.min, other.min) {
            (Some(a), Some(b)) => Some(lower_of(a, b)),
            _ => None,
        };
        let max = match (self.max, other.max) {
            (Some(a), Some(b)) => Some(upper_of(a, b)),
            _ => None,
        };
        Range { min, max }
    }

    /// Korean text such as `10인 미만`, `5인 이상 10인 미만`, given how to print a value.
    pub fn describe(&self, show: impl Fn(T) -> String) -> String {
        let lower = self.min.map(|b| format!("{} {}", show(b.value), if b.inclusive { "이상" } else { "초과" }));
        let upper = self.max.map(|b| format!("{} {}", show(b.value), if b.inclusive { "이하" } else { "미만" }));
        match (lower, upper) {
            (Some(l), Some(u)) => format!("{l} {u}"),
            (Some(l), None) => l,
            (None, Some(u)) => u,
            (None, None) => "제한 없음".to_string(),
        }
    }
}

fn lower_of<T: PartialOrd + Copy>(a: Bound<T>, b: Bound<T>) -> Bound<T> {
    if a.value < b.value || (a.value == b.value && a.inclusive) {
        a
    } else {
        b
    }
}

fn upper_of<T: PartialOrd + Copy>(a: Bound<T>, b: Bound<T>) -> Bound<T> {
    if a.value > b.value || (a.value == b.value && a.inclusive) {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_respects_inclusivity() {
        let under_ten = Range::at_most(Bound::exclusive(10));
        assert!(under_ten.contains(9));
        assert!(!under_ten.contains(10));
        let up_to_ten = Range::at_most(Bound::inclusive(10));
        assert!(up_to_ten.contains(10));
        let five_plus = Range::at_least(Bound::inclusive(5));
        assert!(five_plus.contains(5) && !five_plus.contains(4));
        let over_five = Range::at_least(Bound::exclusive(5));
        assert!(!over_five.contains(5));
    }

    #[test]
    fn fit_of_intervals() {
        let under_ten = Range::at_most(Bound::exclusive(10));
        assert_eq!(under_ten.fit(Some(3), Some(3)), Fit::Inside);
        assert_eq!(under_ten.fit(Some(25), Some(25)), Fit::Outside);
        assert_eq!(under_ten.fit(Some(5), Some(49)), Fit::Partly);
        assert_eq!(under_ten.fit(Some(10), None), Fit::Outside);
        assert_eq!(under_ten.fit(None, Some(9)), Fit::Inside);
        assert_eq!(under_ten.fit(None, None), Fit::Partly);
        let five_plus = Range::at_least(Bound::inclusive(5));
        assert_eq!(five_plus.fit(Some(5), None), Fit::Inside);
        assert_eq!(five_plus.fit(None, Some(4)), Fit::Outside);
    }

    #[test]
    fn hull_and_text() {
        let a = Range::at_most(Bound::exclusive(36));
        let b = Range::at_most(Bound::inclusive(84));
        assert_eq!(a.hull(&b), Range::at_most(Bound::inclusive(84)));
        assert!(a.hull(&Range::at_least(Bound::inclusive(1))).max.is_none());
        let r = Range::between(Bound::inclusive(5), Bound::exclusive(10));
        assert_eq!(r.describe(|v| format!("{v}인")), "5인 이상 10인 미만");
    }
}
