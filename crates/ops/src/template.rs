//! `{{name}}` substitution, nothing more.
//!
//! - A name is lower-case letters, digits and `_`, written without spaces. Every name must be known:
//!   an unknown one is an error, so a rendered file never keeps a placeholder.
//! - `{{` followed by anything else (a space, `$`, `.`) is left as it is: that is how Prometheus
//!   annotations (`{{ $labels.instance }}`) and Grafana legends (`{{ route }}`) pass through.
//! - A value of several lines placed alone on an indented line gets that indentation on every line;
//!   an empty value alone on a line removes the line (how optional lines are left out).

use std::collections::BTreeMap;

use anyhow::{bail, Result};

pub type Vars = BTreeMap<String, String>;

/// Fills `text` (the template called `name`, for error messages) from `vars`.
pub fn fill(name: &str, text: &str, vars: &Vars) -> Result<String> {
    let mut out = String::with_capacity(text.len() * 2);
    for (number, line) in text.split_inclusive('\n').enumerate() {
        fill_line(line, vars, &mut out).map_err(|e| anyhow::anyhow!("{name}:{}: {e}", number + 1))?;
    }
    Ok(out)
}

fn fill_line(line: &str, vars: &Vars, out: &mut String) -> Result<()> {
    let body = line.trim_end_matches('\n');
    let indent = &body[..body.len() - body.trim_start().len()];
    // A placeholder alone on its line: indent every line of the value, or drop the line.
    if let Some(name) = body.trim().strip_prefix("{{").and_then(|r| r.strip_suffix("}}")).filter(|n| is_name(n)) {
        let value = lookup(vars, name)?;
        for value_line in value.lines() {
            if !value_line.is_empty() {
                out.push_str(indent);
                out.push_str(value_line);
            }
            out.push('\n');
        }
        return Ok(());
    }
    let mut rest = line;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let name_len = after.find("}}").filter(|&end| is_name(&after[..end]));
        match name_len {
            Some(end) => {
                out.push_str(lookup(vars, &after[..end])?);
                rest = &after[end + 2..];
            }
            None if after.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') => {
                bail!("malformed placeholder near '{{{{{}'", after.chars().take(20).collect::<String>())
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(())
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn lookup<'a>(vars: &'a Vars, name: &str) -> Result<&'a str> {
    match vars.get(name) {
        Some(value) => Ok(value),
        None => bail!("unknown placeholder {{{{{name}}}}}"),
    }
}

/// The names a template uses (for the check that every variable is used somewhere).
pub fn names(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}").filter(|&end| is_name(&after[..end])) {
            Some(end) => {
                found.push(&after[..end]);
                rest = &after[end + 2..];
            }
            None => rest = after,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn names_are_replaced_and_foreign_templates_pass_through() {
        let v = vars(&[("port", "443"), ("host", "a.kr")]);
        let text = "listen {{port}} ssl; # {{host}}:{{port}}\nsummary: \"{{ $labels.instance }}\" {{ route }}\n";
        assert_eq!(
            fill("t", text, &v).unwrap(),
            "listen 443 ssl; # a.kr:443\nsummary: \"{{ $labels.instance }}\" {{ route }}\n"
        );
    }

    #[test]
    fn unknown_and_malformed_placeholders_are_errors_with_the_line() {
        let err = fill("site.conf", "a\nlisten {{prot}};\n", &vars(&[("port", "1")])).unwrap_err().to_string();
        assert_eq!(err, "site.conf:2: unknown placeholder {{prot}}");
        assert!(fill("t", "x {{port\n", &vars(&[("port", "1")])).is_err());
    }

    #[test]
    fn blocks_are_indented_and_empty_lines_dropped() {
        let v = vars(&[("listen", "listen 80;\nlisten [::]:80;"), ("extra", "")]);
        let text = "server {\n    {{listen}}\n    {{extra}}\n    root x;\n}\n";
        assert_eq!(fill("t", text, &v).unwrap(), "server {\n    listen 80;\n    listen [::]:80;\n    root x;\n}\n");
    }

    #[test]
    fn names_lists_only_our_placeholders() {
        assert_eq!(names("{{a}} {{ $x }} {{b_2}} {{ c }}"), vec!["a", "b_2"]);
    }
}
