//! Text extraction from the attachments of Korean government funding announcements:
//! HWP 5.0 (including 배포용 distribution documents), HWPX and PDF.
//!
//! The parser is chosen by the first bytes, never by the file name: in the real corpus 12% of
//! `.hwp` files are HWPX and some files are DRM-wrapped (FINDINGS §6). Every parser is bounded
//! by [`Limits`], wrapped in [`std::panic::catch_unwind`], and reports damage as warnings with
//! partial text where it can. A parser stuck in a loop cannot be stopped from inside the
//! process, so production callers should use [`extract_in_child`], which runs the extraction in
//! a child process with a memory limit and a wall-clock kill.
//!
//! ```no_run
//! let bytes = std::fs::read("공고문.hwp").unwrap();
//! let out = extract::extract(&bytes, &extract::Limits::default()).unwrap();
//! println!("{:?}: {} chars, warnings {:?}", out.format, out.text.chars().count(), out.warnings);
//! ```

mod child;
mod error;
mod hwp5;
mod hwpx;
mod pdf;
mod text;

use std::io::{Cursor, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};

use serde::{Deserialize, Serialize};

pub use child::{child_main, child_memory_limit, extract_in_child};
pub use error::ExtractError;

use text::TextSink;

/// The kind of document, decided from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    /// HWP 5.0: a CFB/OLE compound file with an `HWP Document File` FileHeader stream.
    Hwp5,
    /// HWPX (OWPML): a ZIP package with `Contents/` entries or mimetype `application/hwp+zip`.
    Hwpx,
    /// PDF.
    Pdf,
    /// Anything else.
    Unknown,
}

/// Bounds on the work one extraction may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest input accepted, in bytes (default 100 MiB).
    pub max_input_bytes: usize,
    /// Largest decompressed size of one stream or ZIP entry, in bytes (default 64 MiB).
    pub max_decompressed_bytes: usize,
    /// Most characters of text returned; longer text is cut with a warning (default 2,000,000).
    pub max_output_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_bytes: 100 * 1024 * 1024,
            max_decompressed_bytes: 64 * 1024 * 1024,
            max_output_chars: 2_000_000,
        }
    }
}

/// Text extracted from one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extracted {
    /// What the document was.
    pub format: Format,
    /// Its text: paragraphs and table cells one per line, Hancom private-use symbols dropped.
    pub text: String,
    /// What went wrong without stopping extraction, e.g. `BodyText/Section3 damaged; partial
    /// text (…)`. Empty for a clean document.
    pub warnings: Vec<String>,
}

/// CFB (OLE compound file) magic, used by HWP 5.0.
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// ZIP local file header magic, used by HWPX.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The DRM wrapper seen on real attachments (SoftCamp Document Security).
const DRM_MAGIC: &[u8] = b"SCDSA00";

/// Decides the format from the first bytes. A DRM wrapper (`SCDSA004…`) is an error, since no
/// format inside it can be read.
pub fn detect(bytes: &[u8]) -> Result<Format, ExtractError> {
    if bytes.starts_with(DRM_MAGIC) {
        let marker = String::from_utf8_lossy(&bytes[..bytes.len().min(8)]).into_owned();
        return Err(ExtractError::Drm(marker));
    }
    if bytes.starts_with(CFB_MAGIC) {
        return Ok(if is_hwp5_cfb(bytes) { Format::Hwp5 } else { Format::Unknown });
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return Ok(if hwpx::is_hwpx_zip(bytes) { Format::Hwpx } else { Format::Unknown });
    }
    // PDF readers accept a header anywhere in the first 1024 bytes.
    if contains(&bytes[..bytes.len().min(1024)], b"%PDF-") {
        return Ok(Format::Pdf);
    }
    Ok(Format::Unknown)
}

/// Does a CFB file hold an HWP 5.0 `FileHeader` stream? A container too damaged to open still
/// counts when the signature is in its bytes, so that it gets a "damaged" answer, not
/// "unsupported".
fn is_hwp5_cfb(bytes: &[u8]) -> bool {
    let opened = catch_unwind(|| {
        let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).ok()?;
        let stream = cfb.open_stream("/FileHeader").ok()?;
        let mut head = Vec::new();
        stream.take(32).read_to_end(&mut head).ok()?;
        Some(head.starts_with(hwp5::SIGNATURE))
    });
    match opened {
        Ok(Some(is_hwp)) => is_hwp,
        _ => contains(bytes, hwp5::SIGNATURE),
    }
}

/// Does `hay` contain `needle`?
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The error for an input that no parser here reads: unsupported, or a compound file too
/// damaged to tell.
fn unknown_error(bytes: &[u8]) -> ExtractError {
    if bytes.starts_with(CFB_MAGIC) {
        let opened = catch_unwind(|| cfb::CompoundFile::open(Cursor::new(bytes)).map(|_| ()));
        match opened {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return ExtractError::Damaged(format!("OLE 복합 문서 손상 (CFB container unreadable: {e})")),
            Err(_) => return ExtractError::Damaged("OLE 복합 문서 손상 (CFB container unreadable)".into()),
        }
    }
    ExtractError::Unsupported(describe_unknown(bytes))
}

/// Describes an input that no parser here reads.
fn describe_unknown(bytes: &[u8]) -> String {
    if bytes.starts_with(CFB_MAGIC) {
        "HWP가 아닌 OLE 복합 문서 (CFB/OLE compound file without an HWP FileHeader, e.g. .doc/.xls)".into()
    } else if bytes.starts_with(ZIP_MAGIC) {
        "HWPX가 아닌 ZIP 파일 (ZIP archive that is not HWPX, e.g. a bundle of attachments or .docx)".into()
    } else if bytes.starts_with(hwp5::SIGNATURE) {
        "HWP 3.x 이하 문서 (HWP 3.x or older binary document)".into()
    } else if bytes.is_empty() {
        "빈 파일 (empty file)".into()
    } else {
        let head: String = bytes.iter().take(8).map(|b| format!("{b:02X}")).collect();
        format!("알 수 없는 형식 (unknown format, first bytes {head})")
    }
}

/// Extracts the text of one attachment held in `bytes`.
///
/// Damage that leaves some text readable gives `Ok` with warnings; an unreadable, DRM-wrapped,
/// password-protected, oversized or unknown document gives an error. Never panics.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    if bytes.len() > limits.max_input_bytes {
        return Err(ExtractError::TooLarge { what: "input".into(), limit: limits.max_input_bytes });
    }
    let format = detect(bytes)?;
    let mut sink = TextSink::new(limits.max_output_chars);
    let mut warnings = Vec::new();
    let run = catch_unwind(AssertUnwindSafe(|| match format {
        Format::Hwp5 => hwp5::extract(bytes, limits, &mut sink, &mut warnings),
        Format::Hwpx => hwpx::extract(bytes, limits, &mut sink, &mut warnings),
        Format::Pdf => pdf::extract(bytes, &mut sink, &mut warnings),
        Format::Unknown => Err(unknown_error(bytes)),
    }));
    match run {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            return Err(ExtractError::Damaged(format!("{format:?} parser panicked: {msg}")));
        }
    }
    let (text, truncated) = sink.finish();
    if truncated {
        warnings.push(format!("text truncated at {} characters (max_output_chars)", limits.max_output_chars));
    }
    if text.is_empty() {
        warnings.push("no text found (e.g. a scanned image without a text layer)".into());
    }
    Ok(Extracted { format, text, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_magic() {
        assert_eq!(detect(b"%PDF-1.7\n"), Ok(Format::Pdf));
        assert_eq!(detect(b"\r\n%PDF-1.4"), Ok(Format::Pdf));
        assert_eq!(detect(b"hello"), Ok(Format::Unknown));
        assert_eq!(detect(b""), Ok(Format::Unknown));
        assert!(matches!(detect(b"SCDSA004\0\0"), Err(ExtractError::Drm(m)) if m == "SCDSA004"));
        assert!(matches!(extract(b"HWP Document File V3.00", &Limits::default()), Err(ExtractError::Unsupported(_))));
    }

    #[test]
    fn input_over_limit_is_too_large() {
        let limits = Limits { max_input_bytes: 4, ..Limits::default() };
        assert!(matches!(extract(b"%PDF-1.7", &limits), Err(ExtractError::TooLarge { .. })));
    }
}
