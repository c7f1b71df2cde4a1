//! HWP 5.0 reader: a compound (CFB/OLE) file whose `BodyText/SectionN` streams hold records;
//! the text is in `HWPTAG_PARA_TEXT` records as UTF-16LE with inline control characters.
//!
//! Distribution documents (배포용 문서) keep the real body in `ViewText/SectionN`, AES-128-ECB
//! encrypted with a key hidden in the stream's leading `HWPTAG_DISTRIBUTE_DOC_DATA` record.
//! Table cells are paragraphs too, so their text comes out in document order.

use std::io::{Cursor, Read};

use aes::cipher::{BlockCipherDecrypt, KeyInit};
use flate2::read::DeflateDecoder;

use crate::text::TextSink;
use crate::{ExtractError, Limits};

/// `HWPTAG_BEGIN`; record tags count from here.
const HWPTAG_BEGIN: u32 = 0x10;
/// Distribution-document key material, first record of each `ViewText` section.
const HWPTAG_DISTRIBUTE_DOC_DATA: u32 = HWPTAG_BEGIN + 12;
/// A paragraph's text.
const HWPTAG_PARA_TEXT: u32 = HWPTAG_BEGIN + 51;

/// FileHeader property bits.
const FLAG_COMPRESSED: u32 = 1 << 0;
const FLAG_PASSWORD: u32 = 1 << 1;
const FLAG_DISTRIBUTION: u32 = 1 << 2;
const FLAG_DRM: u32 = 1 << 4;
const FLAG_CERT_ENCRYPTED: u32 = 1 << 8;

/// The signature at the start of the `FileHeader` stream.
pub(crate) const SIGNATURE: &[u8] = b"HWP Document File";

/// What the `FileHeader` stream says.
#[derive(Debug, Clone, Copy)]
struct Header {
    version: u32,
    flags: u32,
}

/// Extracts the text of an HWP 5.0 document held in `bytes`.
pub(crate) fn extract(
    bytes: &[u8],
    limits: &Limits,
    sink: &mut TextSink,
    warnings: &mut Vec<String>,
) -> Result<(), ExtractError> {
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| ExtractError::Damaged(format!("CFB container unreadable: {e}")))?;
    let header = read_header(&mut cfb)?;
    if header.flags & FLAG_PASSWORD != 0 || header.flags & FLAG_CERT_ENCRYPTED != 0 {
        return Err(ExtractError::PasswordProtected);
    }
    if header.flags & FLAG_DRM != 0 {
        return Err(ExtractError::Drm("HWP DRM flag".into()));
    }
    if header.version >> 24 != 5 {
        warnings.push(format!(
            "unexpected HWP version {}.{}.{}.{}",
            header.version >> 24,
            (header.version >> 16) & 0xFF,
            (header.version >> 8) & 0xFF,
            header.version & 0xFF
        ));
    }
    let distribution = header.flags & FLAG_DISTRIBUTION != 0;
    let compressed = header.flags & FLAG_COMPRESSED != 0;

    let mut storage = if distribution { "ViewText" } else { "BodyText" };
    let mut sections = section_paths(&cfb, storage);
    if sections.is_empty() && distribution {
        warnings.push("distribution document without ViewText; reading BodyText".into());
        storage = "BodyText";
        sections = section_paths(&cfb, storage);
    }
    if sections.is_empty() {
        return Err(ExtractError::Damaged(format!("{storage}에 본문 구역이 없습니다 (no {storage}/Section streams)")));
    }

    let mut readable = 0usize;
    let mut first_failure = None;
    for (index, path) in &sections {
        if sink.is_full() {
            break;
        }
        let name = format!("{storage}/Section{index}");
        match read_section(&mut cfb, path, &name, distribution, compressed, limits) {
            Ok((records, damage)) => {
                let partial = walk_records(&records, sink);
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

/// Reads and checks the `FileHeader` stream.
fn read_header(cfb: &mut cfb::CompoundFile<Cursor<&[u8]>>) -> Result<Header, ExtractError> {
    let mut stream = cfb.open_stream("/FileHeader").map_err(|_| {
        ExtractError::Unsupported(
            "HWP가 아닌 OLE 복합 문서 (CFB/OLE compound file without an HWP FileHeader, e.g. .doc/.xls)".into(),
        )
    })?;
    let mut buf = Vec::new();
    (&mut stream)
        .take(256)
        .read_to_end(&mut buf)
        .map_err(|e| ExtractError::Damaged(format!("FileHeader unreadable: {e}")))?;
    if !buf.starts_with(SIGNATURE) {
        return Err(ExtractError::Unsupported(
            "HWP가 아닌 OLE 복합 문서 (CFB/OLE compound file whose FileHeader is not HWP)".into(),
        ));
    }
    let word = |at: usize| -> Result<u32, ExtractError> {
        buf.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or_else(|| ExtractError::Damaged("FileHeader too short".into()))
    };
    Ok(Header { version: word(32)?, flags: word(36)? })
}

/// The `Section<N>` streams under `storage`, sorted by N.
fn section_paths(cfb: &cfb::CompoundFile<Cursor<&[u8]>>, storage: &str) -> Vec<(u32, std::path::PathBuf)> {
    let Ok(entries) = cfb.read_storage(format!("/{storage}")) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .filter(|e| e.is_stream())
        .filter_map(|e| {
            let n = e.name().strip_prefix("Section")?.parse::<u32>().ok()?;
            Some((n, e.path().to_path_buf()))
        })
        .collect();
    out.sort_by_key(|(n, _)| *n);
    out
}

/// Reads one section stream and returns its record bytes plus a note if they were cut short.
fn read_section(
    cfb: &mut cfb::CompoundFile<Cursor<&[u8]>>,
    path: &std::path::Path,
    name: &str,
    distribution: bool,
    compressed: bool,
    limits: &Limits,
) -> Result<(Vec<u8>, Option<String>), ExtractError> {
    let mut stream = cfb.open_stream(path).map_err(|e| ExtractError::Damaged(format!("{name}: {e}")))?;
    let mut raw = Vec::new();
    let mut damage = None;
    // Read errors keep what was read before them (std's `read_to_end` contract).
    if let Err(e) = (&mut stream).take(limits.max_input_bytes as u64).read_to_end(&mut raw) {
        damage = Some(format!("stream read stopped: {e}"));
    }
    if raw.is_empty() {
        return Err(ExtractError::Damaged(format!("{name}: empty stream")));
    }
    if distribution {
        raw = decrypt_view_text(&raw).map_err(|e| ExtractError::Damaged(format!("{name}: {e}")))?;
    }
    if !compressed {
        return Ok((raw, damage));
    }
    let (records, inflate_damage) = inflate(&raw, limits.max_decompressed_bytes, name)?;
    if records.is_empty() {
        return Err(ExtractError::Damaged(format!(
            "{name}: deflate stream unreadable ({})",
            inflate_damage.unwrap_or_else(|| "empty".into())
        )));
    }
    Ok((records, damage.or(inflate_damage)))
}

/// Inflates a raw deflate stream, at most `cap` bytes; a corrupt tail keeps what came before.
pub(crate) fn inflate(data: &[u8], cap: usize, name: &str) -> Result<(Vec<u8>, Option<String>), ExtractError> {
    let mut decoder = DeflateDecoder::new(data);
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).min(cap));
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match decoder.read(&mut buf) {
            Ok(0) => return Ok((out, None)),
            Ok(n) => {
                if out.len() + n > cap {
                    return Err(ExtractError::TooLarge { what: format!("{name} decompressed"), limit: cap });
                }
                out.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Ok((out, Some(format!("deflate: {e}")))),
        }
    }
}

/// Decrypts a `ViewText` section: a `HWPTAG_DISTRIBUTE_DOC_DATA` record (256 bytes) followed
/// by AES-128-ECB ciphertext of the (possibly compressed) record stream.
fn decrypt_view_text(raw: &[u8]) -> Result<Vec<u8>, String> {
    let head = raw.get(..4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes).ok_or("no distribution record")?;
    let (tag, size) = (head & 0x3FF, head >> 20);
    if tag != HWPTAG_DISTRIBUTE_DOC_DATA || size != 256 {
        return Err(format!("first record is tag {tag} size {size}, not DISTRIBUTE_DOC_DATA (배포용 문서 키 없음)"));
    }
    let data: &[u8; 256] = raw.get(4..260).and_then(|b| b.try_into().ok()).ok_or("distribution record cut short")?;
    let key = distribution_key(data);
    let cipher = aes::Aes128::new_from_slice(&key).map_err(|e| format!("AES key: {e}"))?;
    let mut body = raw.get(260..).unwrap_or_default().to_vec();
    let whole = body.len() - body.len() % 16;
    body.truncate(whole);
    let (blocks, _) = aes::Block::slice_as_chunks_mut(&mut body);
    cipher.decrypt_blocks(blocks);
    Ok(body)
}

/// Derives the AES-128 key from a `HWPTAG_DISTRIBUTE_DOC_DATA` payload, as Hancom documents it:
/// the first 4 bytes seed an MSVC `rand()`-style generator whose output XORs the rest in runs;
/// the key is the 16 bytes at offset `4 + (seed & 0x0F)` of the result.
fn distribution_key(data: &[u8; 256]) -> [u8; 16] {
    let mut decoded = *data;
    let seed = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
    let mut state = seed;
    let mut rand = || {
        state = state.wrapping_mul(214_013).wrapping_add(2_531_011);
        (state >> 16) & 0x7FFF
    };
    let mut key_byte = 0u8;
    let mut run = 0u32;
    for (i, b) in decoded.iter_mut().enumerate() {
        if run == 0 {
            key_byte = (rand() & 0xFF) as u8;
            run = (rand() & 0x0F) + 1;
        }
        if i >= 4 {
            *b ^= key_byte;
        }
        run -= 1;
    }
    let offset = 4 + (seed & 0x0F) as usize;
    let mut key = [0u8; 16];
    key.copy_from_slice(&decoded[offset..offset + 16]);
    key
}

/// Walks the records of a section and writes the text of every `HWPTAG_PARA_TEXT` record.
/// Returns a note if the record stream ends in the middle of a record.
fn walk_records(data: &[u8], sink: &mut TextSink) -> Option<String> {
    let mut pos = 0usize;
    let u32_at = |at: usize| -> Option<u32> {
        data.get(at..at.checked_add(4)?).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes)
    };
    while pos < data.len() {
        if sink.is_full() {
            return None;
        }
        let Some(head) = u32_at(pos) else {
            return Some(format!("record header cut at byte {pos}"));
        };
        pos += 4;
        let tag = head & 0x3FF;
        let mut size = (head >> 20) as usize;
        if size == 0xFFF {
            let Some(long) = u32_at(pos) else {
                return Some(format!("record size cut at byte {pos}"));
            };
            size = long as usize;
            pos += 4;
        }
        let Some(body) = pos.checked_add(size).and_then(|end| data.get(pos..end)) else {
            // Keep whatever text the cut record still holds.
            if tag == HWPTAG_PARA_TEXT {
                para_text(data.get(pos..).unwrap_or_default(), sink);
            }
            return Some(format!("record of {size} bytes cut at byte {pos}"));
        };
        if tag == HWPTAG_PARA_TEXT {
            para_text(body, sink);
        }
        pos += size;
    }
    None
}

/// Decodes one `HWPTAG_PARA_TEXT` payload (UTF-16LE with 1- or 8-unit control characters).
fn para_text(body: &[u8], sink: &mut TextSink) {
    let units: Vec<u16> = body.chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]])).collect();
    let mut i = 0usize;
    while i < units.len() {
        let u = units[i];
        match u {
            // Tab is an inline control, 8 units long.
            9 => {
                sink.push('\t');
                i += 8;
            }
            // Extended and inline controls (section/column defs, fields, tables, pictures,
            // footnotes, bookmarks, …): 8 units, no text of their own.
            1..=8 | 11 | 12 | 14..=23 => i += 8,
            10 => {
                sink.push('\n');
                i += 1;
            }
            13 => {
                sink.newline();
                i += 1;
            }
            24 => {
                sink.push('-');
                i += 1;
            }
            // Non-breaking and fixed-width spaces.
            30 | 31 => {
                sink.push(' ');
                i += 1;
            }
            0 | 25..=29 => i += 1,
            _ => {
                let pair = [u, units.get(i + 1).copied().unwrap_or(0)];
                match char::decode_utf16(pair).next() {
                    Some(Ok(c)) => {
                        sink.push(c);
                        i += c.len_utf16();
                    }
                    _ => i += 1,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn para_text_skips_controls_and_maps_breaks() {
        let mut body = Vec::new();
        // A table control (11) with 7 more units, text, a tab (9 + 7), a PUA symbol, paragraph end.
        body.extend(utf16("\u{b}abcdefg"));
        body.extend(utf16("공고"));
        body.extend(utf16("\u{9}1234567"));
        body.extend(utf16("\u{F0A7}안내\u{d}"));
        let mut sink = TextSink::new(100);
        para_text(&body, &mut sink);
        assert_eq!(sink.finish().0, "공고\t안내");
    }

    #[test]
    fn records_with_long_size_and_cut_tail() {
        let text = utf16("가나\r");
        let mut data = Vec::new();
        let head = HWPTAG_PARA_TEXT | (0xFFF << 20);
        data.extend(head.to_le_bytes());
        data.extend((text.len() as u32).to_le_bytes());
        data.extend(&text);
        data.extend((HWPTAG_PARA_TEXT | (40 << 20)).to_le_bytes());
        data.extend(utf16("다라"));
        let mut sink = TextSink::new(100);
        let note = walk_records(&data, &mut sink);
        assert!(note.is_some());
        assert_eq!(sink.finish().0, "가나\n다라");
    }

    #[test]
    fn distribution_key_is_deterministic() {
        let data = [7u8; 256];
        assert_eq!(distribution_key(&data), distribution_key(&data));
    }
}
