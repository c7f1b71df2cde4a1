//! Output text assembly shared by every format: a character cap, dropping of Hancom private-use
//! symbols and C0 controls, and tidy line ends.

/// Is `c` a private-use code point that Hancom writes for symbol-font glyphs (U+F020–U+F0FF) or
/// its own old-Hangul and dingbat extensions (elsewhere in U+E000–U+F8FF)? Those render only with
/// Hancom fonts, so they are dropped rather than passed through as meaningless code points.
pub(crate) fn is_private_use(c: char) -> bool {
    ('\u{E000}'..='\u{F8FF}').contains(&c)
        || ('\u{F0000}'..='\u{FFFFD}').contains(&c)
        || ('\u{100000}'..='\u{10FFFD}').contains(&c)
}

/// Collects extracted text up to a maximum number of characters.
#[derive(Debug)]
pub(crate) struct TextSink {
    text: String,
    chars: usize,
    max_chars: usize,
    truncated: bool,
}

impl TextSink {
    /// A sink that keeps at most `max_chars` characters.
    pub(crate) fn new(max_chars: usize) -> Self {
        Self { text: String::new(), chars: 0, max_chars, truncated: false }
    }

    /// Has the character cap been reached? Callers may stop parsing then.
    pub(crate) fn is_full(&self) -> bool {
        self.truncated
    }

    /// Appends one character, dropping private-use symbols and control characters other than
    /// tab and newline.
    pub(crate) fn push(&mut self, c: char) {
        if self.truncated || is_private_use(c) || (c.is_control() && c != '\n' && c != '\t') {
            return;
        }
        if c == '\u{FEFF}' {
            return;
        }
        if self.chars >= self.max_chars {
            self.truncated = true;
            return;
        }
        if c == '\n' {
            // At most one blank line in a row.
            if self.text.ends_with("\n\n") {
                return;
            }
            // Trailing spaces before a line end carry nothing.
            let kept = self.text.trim_end_matches([' ', '\t']).len();
            let removed = self.text.len() - kept;
            self.chars -= removed; // spaces and tabs are one byte each
            self.text.truncate(kept);
        }
        self.text.push(c);
        self.chars += 1;
    }

    /// Appends every character of `s` (see [`TextSink::push`]).
    pub(crate) fn push_str(&mut self, s: &str) {
        for c in s.chars() {
            if self.truncated {
                return;
            }
            self.push(c);
        }
    }

    /// Ends the current line unless the text is empty or already ends with one.
    pub(crate) fn newline(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.push('\n');
        }
    }

    /// The text, with surrounding blank space removed, and whether the cap cut it short.
    pub(crate) fn finish(self) -> (String, bool) {
        let t = self.text.trim();
        (t.to_owned(), self.truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_private_use_and_controls() {
        let mut s = TextSink::new(100);
        s.push_str("가\u{F0A7}나\u{E0BC}\u{1}다  \n\n\n\n라");
        assert_eq!(s.finish(), ("가나다\n\n라".to_owned(), false));
    }

    #[test]
    fn caps_characters() {
        let mut s = TextSink::new(3);
        s.push_str("가나다라마");
        assert!(s.is_full());
        assert_eq!(s.finish(), ("가나다".to_owned(), true));
    }
}
