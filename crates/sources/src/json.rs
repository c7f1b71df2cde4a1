//! Reading loosely typed JSON fields the way government APIs publish them: ids and amounts arrive
//! as numbers or strings, text with stray whitespace, "" for absent.

use serde_json::Value;

/// A field as trimmed text (numbers as their decimal form); `None` when absent or empty.
pub(crate) fn field(item: &Value, key: &str) -> Option<String> {
    match item.get(key)? {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// A field as one clean line (entities decoded, whitespace collapsed).
pub(crate) fn line(item: &Value, key: &str) -> Option<String> {
    field(item, key).map(|s| normalize::clean_line(&s)).filter(|s| !s.is_empty())
}

/// A count given as a number or a numeric string.
pub(crate) fn number(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
