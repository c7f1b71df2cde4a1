//! HWPX reader (OWPML, KS X 6101): a ZIP package whose `Contents/section<N>.xml` entries hold
//! the body. Text is the content of `hp:t` elements in document order; each `hp:p` paragraph
//! ends a line. Entry sizes are checked before and while inflating, so a ZIP bomb stops at
//! [`Limits::max_decompressed_bytes`].

use std::io::{Cursor, Read};

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::text::TextSink;
use crate::{ExtractError, Limits};

/// An opened ZIP archive over the input bytes.
type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// Does this ZIP archive look like an HWPX package (a `mimetype` of `application/hwp+zip`,
/// or any `Contents/` entry)?
pub(crate) fn is_hwpx_zip(bytes: &[u8]) -> bool {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // A damaged archive whose leading local headers name the package parts still counts.
        let head = &bytes[..bytes.len().min(4096)];
        return contains(head, b"application/hwp+zip") || contains(head, b"Contents/");
    };
    if zip.file_names().filter_map(Result::ok).any(|n| n.starts_with("Contents/")) {
        return true;
    }
    let Ok(entry) = zip.by_name("mimetype") else {
        return false;
    };
    let mut mime = String::new();
    entry.take(256).read_to_string(&mut mime).is_ok() && mime.trim() == "application/hwp+zip"
}

/// Does `hay` contain `needle`?
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Extracts the text of an HWPX package held in `bytes`.
pub(crate) fn extract(
    bytes: &[u8],
    limits: &Limits,
    sink: &mut TextSink,
    warnings: &mut Vec<String>,
) -> Result<(), ExtractError> {
    let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(zip) => zip,
        // The directory sits at the end: a cut or damaged one still leaves the entries.
        Err(e) => return extract_streaming(bytes, limits, sink, warnings, &e.to_string()),
    };
    let sections = section_names(&zip);
    if sections.is_empty() {
        return Err(ExtractError::Damaged("본문 구역이 없습니다 (no Contents/section*.xml entries)".into()));
    }
    let mut readable = 0usize;
    let mut first_failure = None;
    for name in &sections {
        if sink.is_full() {
            break;
        }
        match read_entry(&mut zip, name, limits) {
            Ok((xml, damage)) => {
                let partial = section_text(&xml, sink);
                if let Some(d) = damage.or(partial) {
                    warnings.push(format!("{name} damaged; partial text ({d})"));
                }
                readable += 1;
            }
            Err(e @ ExtractError::TooLarge { .. }) => return Err(e),
            Err(e) => {
                warnings.push(format!("{name} unreadable; skipped ({e})"));
                first_failure.get_or_insert(e);
            }
        }
        sink.newline();
    }
    match first_failure {
        Some(e) if readable == 0 => Err(e),
        _ => Ok(()),
    }
}

/// Reads the section entries from their local headers, for a package whose central directory
/// is missing or damaged (e.g. a cut download): every `PK\x03\x04` header naming a section is
/// inflated as far as its bytes go. Gives partial text with warnings.
fn extract_streaming(
    bytes: &[u8],
    limits: &Limits,
    sink: &mut TextSink,
    warnings: &mut Vec<String>,
    directory_error: &str,
) -> Result<(), ExtractError> {
    let cap = limits.max_decompressed_bytes;
    let mut sections: Vec<(u32, String, String, Option<String>)> = Vec::new();
    let mut pos = 0usize;
    while let Some(found) = bytes.get(pos..).and_then(|rest| rest.windows(4).position(|w| w == b"PK\x03\x04")) {
        let at = pos + found;
        pos = at + 4;
        let Some(entry) = LocalEntry::parse(bytes, at) else {
            continue;
        };
        let Some(number) = section_number(&entry.name) else {
            continue;
        };
        if sections.iter().any(|(n, ..)| *n == number) {
            continue;
        }
        if entry.size > cap as u64 {
            return Err(ExtractError::TooLarge { what: format!("{} decompressed", entry.name), limit: cap });
        }
        let wanted_end = entry.data_start.saturating_add(entry.compressed_size as usize);
        let end = if entry.compressed_size == 0 { bytes.len() } else { wanted_end.min(bytes.len()) };
        let data = bytes.get(entry.data_start..end).unwrap_or_default();
        let (xml, mut damage) = match entry.method {
            0 if data.len() > cap => {
                return Err(ExtractError::TooLarge { what: format!("{} decompressed", entry.name), limit: cap })
            }
            0 => (data.to_vec(), None),
            8 => crate::hwp5::inflate(data, cap, &entry.name)?,
            other => {
                warnings.push(format!("{}: compression method {other} unsupported", entry.name));
                continue;
            }
        };
        if entry.compressed_size > 0 && end < wanted_end {
            damage.get_or_insert_with(|| "entry cut short".into());
        }
        if entry.compressed_size > 0 {
            pos = end;
        }
        let xml = String::from_utf8_lossy(&xml).into_owned();
        sections.push((number, entry.name, xml, damage));
    }
    if sections.is_empty() {
        return Err(ExtractError::Damaged(format!(
            "ZIP 구조 손상, 본문 없음 (ZIP directory unreadable: {directory_error}; no readable \
             Contents/section*.xml entry)"
        )));
    }
    warnings.push(format!(
        "ZIP directory unreadable ({directory_error}); read {} section(s) from local headers; \
         partial text",
        sections.len()
    ));
    sections.sort_by_key(|(n, ..)| *n);
    for (_, name, xml, damage) in sections {
        let partial = section_text(&xml, sink);
        if let Some(d) = damage.or(partial) {
            warnings.push(format!("{name} damaged; partial text ({d})"));
        }
        sink.newline();
    }
    Ok(())
}

/// A ZIP local file header.
struct LocalEntry {
    name: String,
    method: u16,
    compressed_size: u32,
    size: u64,
    data_start: usize,
}

impl LocalEntry {
    /// Parses the local header at `at` (which starts with `PK\x03\x04`).
    fn parse(bytes: &[u8], at: usize) -> Option<Self> {
        let u16_at = |o: usize| -> Option<u16> {
            let b = bytes.get(at.checked_add(o)?..at.checked_add(o + 2)?)?;
            Some(u16::from_le_bytes([b[0], b[1]]))
        };
        let u32_at = |o: usize| -> Option<u32> {
            let b = bytes.get(at.checked_add(o)?..at.checked_add(o + 4)?)?;
            Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let method = u16_at(8)?;
        let compressed_size = u32_at(18)?;
        let size = u32_at(22)?;
        let name_len = usize::from(u16_at(26)?);
        let extra_len = usize::from(u16_at(28)?);
        let name_start = at.checked_add(30)?;
        let name = bytes.get(name_start..name_start.checked_add(name_len)?)?;
        Some(Self {
            name: String::from_utf8_lossy(name).into_owned(),
            method,
            compressed_size,
            size: u64::from(size),
            data_start: name_start + name_len + extra_len,
        })
    }
}

/// N of a `Contents/section<N>.xml` entry name.
fn section_number(name: &str) -> Option<u32> {
    name.strip_prefix("Contents/section")?.strip_suffix(".xml")?.parse().ok()
}

/// `Contents/section<N>.xml` entry names sorted by N.
fn section_names(zip: &Archive<'_>) -> Vec<String> {
    let mut out: Vec<(u32, String)> =
        zip.file_names().filter_map(Result::ok).filter_map(|n| Some((section_number(&n)?, n.into_owned()))).collect();
    out.sort();
    out.into_iter().map(|(_, n)| n).collect()
}

/// Reads one entry as UTF-8 text, refusing declared or actual sizes above the limit.
fn read_entry(zip: &mut Archive<'_>, name: &str, limits: &Limits) -> Result<(String, Option<String>), ExtractError> {
    let cap = limits.max_decompressed_bytes;
    let too_large = || ExtractError::TooLarge { what: format!("{name} decompressed"), limit: cap };
    let entry = zip.by_name(name).map_err(|e| ExtractError::Damaged(format!("{name}: {e}")))?;
    if entry.size() > cap as u64 {
        return Err(too_large());
    }
    let mut data = Vec::new();
    let mut damage = None;
    // Read errors (bad deflate data, CRC mismatch) keep the bytes read before them.
    if let Err(e) = entry.take(cap as u64 + 1).read_to_end(&mut data) {
        damage = Some(format!("entry read stopped: {e}"));
    }
    if data.len() > cap {
        return Err(too_large());
    }
    if data.is_empty() {
        return Err(ExtractError::Damaged(format!("{name}: {}", damage.unwrap_or_else(|| "empty entry".into()))));
    }
    let text = match String::from_utf8(data) {
        Ok(s) => s,
        Err(e) => {
            damage.get_or_insert_with(|| "invalid UTF-8".into());
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    Ok((text, damage))
}

/// Writes the text of one section XML; returns a note if the XML breaks off or is malformed.
fn section_text(xml: &str, sink: &mut TextSink) -> Option<String> {
    let mut reader = Reader::from_str(xml);
    // Depth inside `hp:t` elements; text counts only there.
    let mut in_t = 0usize;
    loop {
        if sink.is_full() {
            return None;
        }
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => return Some(format!("XML error at byte {}: {e}", reader.buffer_position())),
        };
        match event {
            Event::Start(e) => {
                if in_t > 0 {
                    in_t += 1;
                } else if e.local_name().as_ref() == "t" {
                    in_t = 1;
                }
            }
            Event::End(e) => {
                if in_t > 0 {
                    in_t -= 1;
                } else if e.local_name().as_ref() == "p" {
                    sink.newline();
                }
            }
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" if in_t > 0 => sink.push('\t'),
                "lineBreak" if in_t > 0 => sink.push('\n'),
                "nbSpace" | "fwSpace" if in_t > 0 => sink.push(' '),
                "hyphen" if in_t > 0 => sink.push('-'),
                _ => {}
            },
            Event::Text(t) if in_t > 0 => sink.push_str(&t.xml10_content()),
            Event::CData(t) if in_t > 0 => {
                sink.push_str(&t.into_inner());
            }
            Event::GeneralRef(r) if in_t > 0 => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    sink.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r.xml10_content()) {
                    sink.push_str(s);
                }
            }
            Event::Eof => {
                return (in_t > 0).then(|| "XML ends inside hp:t".to_owned());
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_tabs_and_entities() {
        let xml = r#"<?xml version="1.0"?><hs:sec xmlns:hs="s" xmlns:hp="p"><hp:p><hp:run><hp:t>R&amp;D 공고<hp:tab/>안내</hp:t></hp:run></hp:p><hp:p><hp:run><hp:t>&#xAC00;나</hp:t><hp:ctrl><hp:t>x</hp:t></hp:ctrl></hp:run></hp:p></hs:sec>"#;
        let mut sink = TextSink::new(1000);
        assert_eq!(section_text(xml, &mut sink), None);
        assert_eq!(sink.finish().0, "R&D 공고\t안내\n가나x");
    }

    #[test]
    fn cut_xml_keeps_text() {
        let xml = "<hs:sec><hp:p><hp:t>가나다</hp:t></hp:p><hp:p><hp:t>라마";
        let mut sink = TextSink::new(1000);
        assert!(section_text(xml, &mut sink).is_some());
        assert_eq!(sink.finish().0, "가나다\n라마");
    }
}
