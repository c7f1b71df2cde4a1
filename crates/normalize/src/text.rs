//! Plain text from the HTML and half-escaped strings sources hand us.
//!
//! The tokenizer is deliberately small: it only needs to know where tags,
//! comments and script-like elements start and end, never the DOM. Earlier
//! systems stored JavaScript as descriptions, so script-like elements are
//! dropped whole, and Hancom exports leave private-use glyphs we strip.

/// Elements whose content is never body text.
const SKIPPED: [&str; 5] = ["script", "style", "noscript", "template", "title"];

/// Elements that end a paragraph: a blank line around them.
const PARAGRAPHS: [&str; 11] = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote"];

/// Elements that end a line.
const LINES: [&str; 18] = [
    "div", "li", "tr", "dt", "dd", "dl", "hr", "section", "article", "header", "footer", "pre", "form", "caption",
    "thead", "tbody", "nav", "aside",
];

/// Table cells: separated by a space within their row.
const CELLS: [&str; 2] = ["td", "th"];

/// Body text from an HTML fragment or page. Input without any tags keeps
/// its own line breaks, so plain-text fields can go through here too.
pub fn html_to_text(html: &str) -> String {
    let is_html = looks_like_html(html);
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len() / 2);
    let mut text_start = 0;
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let lt = i + off;
        let Some(tag) = read_tag(html, lt) else {
            i = lt + 1;
            continue;
        };
        push_text(&mut out, &html[text_start..lt], is_html);
        let mut next = tag.end;
        if let Some(name) = tag.name.as_deref() {
            if !tag.closing && SKIPPED.contains(&name) {
                // An unclosed <script> swallows the rest, as browsers do.
                next = lower[tag.end..].find(&format!("</{name}")).map_or(html.len(), |p| {
                    let close = tag.end + p;
                    html[close..].find('>').map_or(html.len(), |q| close + q + 1)
                });
            } else if PARAGRAPHS.contains(&name) {
                out.push_str("\n\n");
            } else if name == "br" {
                out.push('\n');
            } else if LINES.contains(&name) {
                // </li><li> is one line break, not a blank line.
                if !out.trim_end_matches([' ', '\t']).ends_with('\n') {
                    out.push('\n');
                }
            } else if CELLS.contains(&name) {
                out.push(' ');
            }
        }
        i = next;
        text_start = next;
    }
    push_text(&mut out, &html[text_start..], is_html);
    tidy_lines(&out)
}

/// A title or name on one line: entities decoded, whitespace collapsed.
pub fn clean_line(s: &str) -> String {
    let decoded = decode_entities(s);
    let mut out = String::with_capacity(decoded.len());
    for word in decoded.split(is_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|c| !is_junk(*c)));
    }
    out
}

/// Decodes HTML entities, repeating while `&amp;` was present so that
/// double-escaped `R&amp;amp;D` becomes `R&D` (at most three passes).
pub fn decode_entities(s: &str) -> String {
    let mut current = decode_once(s);
    let mut had_amp = s.contains("&amp;");
    for _ in 1..3 {
        if !had_amp {
            break;
        }
        had_amp = current.contains("&amp;");
        current = decode_once(&current);
    }
    current
}

fn decode_once(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // Entity names and numbers are short; a far ';' belongs to other text.
        let decoded = rest
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .and_then(|(semi, _)| entity(&rest[1..semi]).map(|c| (c, semi)));
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "middot" => '·',
        "bull" => '•',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "times" => '×',
        "divide" => '÷',
        "deg" => '°',
        "plusmn" => '±',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "sect" => '§',
        "para" => '¶',
        "rarr" => '→',
        "larr" => '←',
        "uarr" => '↑',
        "darr" => '↓',
        "lang" => '〈',
        "rang" => '〉',
        _ => return None,
    })
}

struct Tag {
    /// Lower-case element name; `None` for comments and `<!…>` / `<?…>`.
    name: Option<String>,
    closing: bool,
    /// Byte offset just past the tag.
    end: usize,
}

/// Reads the tag starting at `html[lt] == '<'`, or `None` when the `<` is
/// just text (`a < b`, `<3`).
fn read_tag(html: &str, lt: usize) -> Option<Tag> {
    let rest = &html[lt + 1..];
    if let Some(body) = rest.strip_prefix("!--") {
        let end = body.find("-->").map_or(html.len(), |p| lt + 4 + p + 3);
        return Some(Tag { name: None, closing: false, end });
    }
    if rest.starts_with(['!', '?']) {
        let end = rest.find('>').map_or(html.len(), |p| lt + 1 + p + 1);
        return Some(Tag { name: None, closing: false, end });
    }
    let (closing, after_slash) = match rest.strip_prefix('/') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if !after_slash.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let name_len =
        after_slash.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == ':')).unwrap_or(after_slash.len());
    let name = after_slash[..name_len].to_ascii_lowercase();
    let attrs_start = html.len() - after_slash.len() + name_len;
    let end = tag_end(html, attrs_start);
    Some(Tag { name: Some(name), closing, end })
}

/// Offset just past the `>` closing a tag, skipping quoted attribute values.
fn tag_end(html: &str, from: usize) -> usize {
    let mut quote: Option<char> = None;
    let mut after_equals = false;
    for (i, c) in html[from..].char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if after_equals => quote = Some(c),
            (None, '>') => return from + i + 1,
            _ => {}
        }
        if quote.is_none() && !c.is_whitespace() {
            after_equals = c == '=';
        }
    }
    html.len()
}

fn looks_like_html(s: &str) -> bool {
    s.match_indices('<').any(|(i, _)| {
        let next = s[i + 1..].chars().next();
        next.is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!')
    })
}

/// Appends decoded text; in HTML, source line breaks are just spaces.
fn push_text(out: &mut String, raw: &str, is_html: bool) {
    if raw.is_empty() {
        return;
    }
    let decoded = decode_entities(raw);
    for c in decoded.chars().filter(|c| !is_junk(*c)) {
        match c {
            '\r' => {}
            '\n' if is_html => out.push(' '),
            _ => out.push(c),
        }
    }
}

/// Trims lines, collapses spaces and keeps at most one blank line in a row.
fn tidy_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_pending = false;
    for line in s.split('\n') {
        let words: Vec<&str> = line.split(is_space).filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            blank_pending = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_pending { "\n\n" } else { "\n" });
        }
        blank_pending = false;
        out.push_str(&words.join(" "));
    }
    out
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}'
}

/// Hancom private-use glyphs and zero-width marks carry no text.
fn is_junk(c: char) -> bool {
    matches!(c, '\u{e000}'..='\u{f8ff}' | '\u{200b}'..='\u{200d}' | '\u{feff}')
        || (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_scripts_styles_and_comments() {
        let html = "<div>공고<script>var a = '<p>x</p>';</script><style>p{}</style>\
                    <!-- hidden --><noscript>JS 필요</noscript> 안내</div>";
        assert_eq!(html_to_text(html), "공고 안내");
        assert_eq!(html_to_text("<p>a</p><script>alert(1)"), "a");
        assert_eq!(html_to_text("a<!-- never closed"), "a");
    }

    #[test]
    fn blocks_become_lines() {
        let html = "<h3>지원내용</h3><ul><li>사업화 자금</li><li>멘토링</li></ul>\
                    <p>첫째<br>둘째<br/>셋째</p><table><tr><td>구분</td><td>내용</td></tr>\
                    <tr><th>기간</th><td>2026.03.01</td></tr></table>";
        assert_eq!(
            html_to_text(html),
            "지원내용\n\n사업화 자금\n멘토링\n\n첫째\n둘째\n셋째\n\n구분 내용\n기간 2026.03.01"
        );
    }

    #[test]
    fn entities_and_whitespace() {
        assert_eq!(html_to_text("<p>R&amp;amp;D&nbsp;&nbsp; 사업&#40;1&#x29;</p>"), "R&D 사업(1)");
        assert_eq!(html_to_text("<p>  a \n\t b  </p>\n\n\n<p>c</p>"), "a b\n\nc");
        assert_eq!(html_to_text("plain\r\nline two\n\n\n\nthree"), "plain\nline two\n\nthree");
        assert_eq!(html_to_text("&lt;script&gt;"), "<script>");
        assert_eq!(decode_entities("R&amp;amp;amp;D"), "R&D");
        assert_eq!(decode_entities("AT&T &unknown; &"), "AT&T &unknown; &");
    }

    #[test]
    fn strips_private_use() {
        assert_eq!(html_to_text("<p>\u{f02b}사업\u{e000} 개요</p>"), "사업 개요");
    }

    #[test]
    fn malformed_html_never_panics() {
        for html in [
            "<",
            "<<",
            "a < b",
            "<3 love",
            "<p",
            "<p class=\"x",
            "</",
            "<!",
            "<!--",
            "<?xml",
            "<div><p>unclosed",
            "<a href='>'>link</a>",
            "&#xFFFFFFFF; &#0; &#;",
            "<scr",
            "<script",
            "<p>한글<",
            "<\u{e000}>",
            "<b>굵게</b",
        ] {
            let _ = html_to_text(html);
        }
        assert_eq!(html_to_text("a < b"), "a < b");
        assert_eq!(html_to_text("<a href='>'>link</a>"), "link");
        assert_eq!(html_to_text("<div><p>unclosed"), "unclosed");
    }

    #[test]
    fn clean_lines() {
        assert_eq!(clean_line("  2026년 R&amp;D\t사업\n공고 "), "2026년 R&D 사업 공고");
        assert_eq!(clean_line("&apos;Thinking day&apos; 신청"), "'Thinking day' 신청");
        assert_eq!(clean_line("R&amp;amp;BD"), "R&BD");
        assert_eq!(clean_line(""), "");
    }
}
