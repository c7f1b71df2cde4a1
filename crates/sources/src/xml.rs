//! A tiny element tree over quick-xml, enough for RSS feeds and data.go.kr XML: names are
//! local (prefixes dropped), text is the element's own text with entities decoded (`R&amp;D`
//! becomes `R&D`, CDATA kept). Depth is capped so hostile input cannot exhaust the stack.

use std::borrow::Cow;

use normalize::{clean_line, decode_entities};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deeper nesting than any feed uses; beyond it the payload is refused.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    raw_text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The element's own text, entities decoded, not trimmed.
    pub fn text(&self) -> String {
        decode_entities(&self.raw_text)
    }

    /// First child with this local name (ASCII case-insensitive).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name.eq_ignore_ascii_case(name))
    }

    /// A child's text on one line, `None` when absent or blank.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| clean_line(&c.text())).filter(|t| !t.is_empty())
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every descendant with this name, in document order (iterative).
    pub fn descendants_named<'a>(&'a self, name: &str) -> Vec<&'a Element> {
        let mut out = Vec::new();
        let mut stack: Vec<&Element> = self.children.iter().rev().collect();
        while let Some(e) = stack.pop() {
            if e.name.eq_ignore_ascii_case(name) {
                out.push(e);
            }
            stack.extend(e.children.iter().rev());
        }
        out
    }
}

fn local_name(bytes: &[u8]) -> String {
    let local = bytes.rsplit(|b| *b == b':').next().unwrap_or(bytes);
    String::from_utf8_lossy(local).into_owned()
}

fn start(e: &BytesStart<'_>) -> Element {
    let attrs = e
        .attributes()
        .flatten()
        .map(|a| (local_name(a.key.as_ref()), decode_entities(&String::from_utf8_lossy(&a.value))))
        .collect();
    Element { name: local_name(e.name().as_ref()), attrs, ..Element::default() }
}

/// Parses a whole document; the returned element is a nameless root holding the top element.
pub(crate) fn parse(text: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack = vec![Element::default()];
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("XML 오류 / XML error at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::Start(e) => {
                if stack.len() > MAX_DEPTH {
                    return Err(format!("XML 중첩이 너무 깊습니다 / nesting deeper than {MAX_DEPTH}"));
                }
                stack.push(start(&e));
            }
            Event::Empty(e) => {
                if let Some(top) = stack.last_mut() {
                    top.children.push(start(&e));
                }
            }
            Event::End(_) => {
                let done = stack.pop();
                match (done, stack.last_mut()) {
                    (Some(done), Some(parent)) => parent.children.push(done),
                    _ => return Err("짝이 없는 닫는 태그 / unmatched end tag".into()),
                }
            }
            Event::Text(t) => push_text(&mut stack, t.decode().unwrap_or_default()),
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap_or_default();
                push_text(&mut stack, Cow::Owned(format!("&{name};")));
            }
            Event::CData(c) => push_text(&mut stack, c.decode().unwrap_or_default()),
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(format!(
            "문서가 중간에 끝났습니다 / document ends inside <{}>",
            stack.last().map_or("", |e| e.name.as_str())
        ));
    }
    let root = stack.pop().unwrap_or_default();
    if root.children.is_empty() {
        return Err("XML 요소가 없습니다 / no XML element".into());
    }
    Ok(root)
}

fn push_text(stack: &mut [Element], text: Cow<'_, str>) {
    if let Some(top) = stack.last_mut() {
        top.raw_text.push_str(&text);
    }
}
