//! Snapshot tests of rendered pages, for structure: a page becomes an outline of its elements (one
//! line per element, indented by depth: tag, id, classes, the attributes forms, links and assistive
//! technology rely on, and the words of headings, labels, buttons and links), with digits replaced
//! by `#` (dates, D-days and ids change; the structure must not) and runs of identical siblings
//! folded into one with `×N`. The outlines live in `tests/snapshots/NAME.txt`; a difference fails
//! with the changed lines and writes `NAME.txt.new`. `UPDATE_SNAPSHOTS=1` rewrites the files.
#![allow(dead_code)]

use std::path::PathBuf;

use scraper::{ElementRef, Html};

/// Attributes that are part of a page's structure.
const ATTRIBUTES: [&str; 12] = [
    "name",
    "type",
    "role",
    "for",
    "rel",
    "method",
    "action",
    "aria-label",
    "aria-current",
    "data-api",
    "property",
    "lang",
];
/// Elements whose own words are part of the structure.
const WORDED: [&str; 10] = ["title", "h1", "h2", "h3", "label", "legend", "button", "a", "th", "summary"];

pub fn outline(html: &str) -> String {
    let document = Html::parse_document(html);
    let mut lines = Vec::new();
    element(document.root_element(), 0, &mut lines);
    lines.join("\n") + "\n"
}

fn element(e: ElementRef, depth: usize, out: &mut Vec<String>) {
    let v = e.value();
    let mut line = format!("{}{}", "  ".repeat(depth), v.name());
    if let Some(id) = v.id() {
        line.push_str(&format!("#{}", digits(id)));
    }
    let mut classes: Vec<&str> = v.classes().collect();
    classes.sort_unstable();
    for class in classes {
        line.push_str(&format!(".{class}"));
    }
    for name in ATTRIBUTES {
        if let Some(value) = v.attr(name) {
            line.push_str(&format!(" [{name}={}]", digits(value)));
        }
    }
    if let Some(href) = v.attr("href").filter(|h| h.starts_with('/')) {
        line.push_str(&format!(" [href={}]", digits(&unfingerprinted(href.split('?').next().unwrap_or(href)))));
    }
    if WORDED.contains(&v.name()) {
        let words = digits(&e.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" "));
        if !words.is_empty() {
            line.push_str(&format!(" \"{words}\""));
        }
    }
    out.push(line);
    if matches!(v.name(), "script" | "style" | "svg") {
        return;
    }
    // Children, with runs of identically structured siblings folded.
    let mut previous: Option<(Vec<String>, usize)> = None;
    for child in e.children() {
        let Some(child) = ElementRef::wrap(child) else { continue };
        let mut block = Vec::new();
        element(child, depth + 1, &mut block);
        match &mut previous {
            Some((last, count)) if *last == block => *count += 1,
            _ => {
                flush(previous.take(), out);
                previous = Some((block, 1));
            }
        }
    }
    flush(previous, out);
}

fn flush(block: Option<(Vec<String>, usize)>, out: &mut Vec<String>) {
    let Some((mut lines, count)) = block else { return };
    if count > 1 {
        lines[0].push_str(&format!(" ×{count}"));
    }
    out.extend(lines);
}

/// `/static/app.0a1b2c3d4e.css` → `/static/app.css`: assets change, the page does not.
fn unfingerprinted(path: &str) -> String {
    let Some(file) = path.strip_prefix("/static/") else { return path.to_string() };
    let parts: Vec<&str> = file.split('.').collect();
    match parts[..] {
        [stem, hash, ext] if hash.len() == 10 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            format!("/static/{stem}.{ext}")
        }
        _ => path.to_string(),
    }
}

/// `D-3`, `2026. 12. 6.` and `/programs/42` lose their numbers.
fn digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Compares `html`'s outline with `tests/snapshots/{name}.txt`.
pub fn assert_snapshot(name: &str, html: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let path = dir.join(format!("{name}.txt"));
    let new_path = dir.join(format!("{name}.txt.new"));
    let actual = outline(html);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, &actual).unwrap();
        let _ = std::fs::remove_file(&new_path);
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        let _ = std::fs::remove_file(&new_path);
        return;
    }
    std::fs::write(&new_path, &actual).unwrap();
    let (old, new): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let first = old.iter().zip(&new).position(|(a, b)| a != b).unwrap_or(old.len().min(new.len()));
    let context =
        |lines: &[&str]| lines.iter().skip(first.saturating_sub(2)).take(8).copied().collect::<Vec<_>>().join("\n");
    panic!(
        "the structure of {name} changed at line {} (tests/snapshots/{name}.txt; the new outline is in {}; \
         UPDATE_SNAPSHOTS=1 accepts it)\n--- expected\n{}\n+++ actual\n{}",
        first + 1,
        new_path.display(),
        context(&old),
        context(&new)
    );
}
