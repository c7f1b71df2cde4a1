//! A mail the sink accepted, and its decoded parts.

use mail_parser::MessageParser;

/// A mail as the sink received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// Envelope sender (MAIL FROM), empty for the null sender `<>`.
    pub from: String,
    /// Envelope recipients (RCPT TO), in order.
    pub to: Vec<String>,
    /// The content after DATA, dot-unstuffed, CRLF line ends, without the final `.` line.
    pub raw: String,
    /// The user of AUTH PLAIN on that connection, if the client logged in.
    pub user: Option<String>,
}

impl Received {
    /// The Subject header with RFC 2047 encoded words decoded.
    pub fn subject(&self) -> Option<String> {
        MessageParser::default().parse(self.raw.as_bytes())?.subject().map(str::to_owned)
    }

    /// The first text/plain part, transfer encoding and charset decoded, line ends as `\n`.
    ///
    /// A base64 part gives back exactly the text that was sent. A 7bit or quoted-printable part
    /// of a single-part mail runs to the end of the mail, so it also carries the empty lines
    /// lettre adds at the end (after the part and before the final `.`): compare those with
    /// `trim_end`.
    pub fn text_body(&self) -> Option<String> {
        MessageParser::default().parse(self.raw.as_bytes())?.body_text(0).map(|text| unix_lines(&text))
    }

    /// The first text/html part, decoded like [`Received::text_body`].
    pub fn html_body(&self) -> Option<String> {
        MessageParser::default().parse(self.raw.as_bytes())?.body_html(0).map(|html| unix_lines(&html))
    }

    /// The raw (undecoded) value of the first header called `name`, unfolded and trimmed.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next()?;
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.split("\r\n").find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    }
}

/// lettre sends `\n` as CRLF; give back what the sender wrote.
fn unix_lines(text: &str) -> String {
    text.replace("\r\n", "\n")
}
