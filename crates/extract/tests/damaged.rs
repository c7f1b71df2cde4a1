//! Damaged input never panics: truncated and bit-flipped copies of the real attachments (made
//! at test time in a temp dir), and ZIP bombs (an entry declaring a huge size, an entry that
//! inflates past the cap) give `TooLarge`.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{read_fixture, Rng, READABLE};
use extract::{extract, extract_in_child, ExtractError, Format, Limits};

/// Checks one damaged input: any answer but a caught parser panic in our own readers.
/// Returns a one-word outcome for the summary.
fn check(name: &str, what: &str, bytes: &[u8]) -> &'static str {
    match extract(bytes, &Limits::default()) {
        Ok(out) if out.warnings.is_empty() => "ok",
        Ok(_) => "partial",
        Err(ExtractError::Damaged(msg)) => {
            assert!(!msg.contains("panicked") || msg.starts_with("Pdf"), "{name} {what}: our parser panicked: {msg}");
            if msg.contains("panicked") {
                "pdf-panic-caught"
            } else {
                "damaged"
            }
        }
        Err(ExtractError::Unsupported(_)) => "unsupported",
        Err(ExtractError::TooLarge { .. }) => "too-large",
        Err(ExtractError::PasswordProtected) => "password",
        Err(e) => panic!("{name} {what}: unexpected {e:?}"),
    }
}

/// Tallies outcomes for printing.
#[derive(Default)]
struct Tally(std::collections::BTreeMap<&'static str, usize>);

impl Tally {
    fn add(&mut self, k: &'static str) {
        *self.0.entry(k).or_default() += 1;
    }
}

#[test]
fn truncated_hwp_and_hwpx_copies_never_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut tally = Tally::default();
    for &(name, format) in READABLE.iter().filter(|(_, f)| *f != Format::Pdf) {
        let bytes = read_fixture(name);
        for percent in [1, 10, 25, 50, 75, 90, 99] {
            let cut = &bytes[..bytes.len() * percent / 100];
            // Written to disk as the worker would see it, then read back.
            let path = dir.path().join(format!("{name}.{percent}"));
            std::fs::write(&path, cut).expect("write copy");
            let copy = std::fs::read(&path).expect("read copy");
            let outcome = check(name, &format!("cut at {percent}%"), &copy);
            // A cut file is damaged, or gives partial text with a warning; it is never
            // mistaken for another kind of file.
            assert!(matches!(outcome, "damaged" | "partial" | "ok"), "{name} cut at {percent}%: {outcome}");
            if format == Format::Hwpx && percent >= 75 {
                // The ZIP directory is at the end; the section entries before the cut (all four
                // files keep images first, sections last) are read from their local headers.
                let out =
                    extract(&copy, &Limits::default()).unwrap_or_else(|e| panic!("{name} cut at {percent}%: {e}"));
                assert!(out.text.chars().count() > 100, "{name} cut at {percent}%");
                assert!(out.warnings.iter().any(|w| w.contains("partial")), "{name}");
            }
            tally.add(outcome);
        }
    }
    println!("truncated HWP/HWPX: {:?}", tally.0);
}

#[test]
fn bit_flipped_hwp_and_hwpx_copies_never_panic() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut tally = Tally::default();
    for &(name, _) in READABLE.iter().filter(|(_, f)| *f != Format::Pdf) {
        let bytes = read_fixture(name);
        for round in 0..25 {
            let mut copy = bytes.clone();
            let flips = 1 + rng.below(if round % 2 == 0 { 8 } else { 200 });
            for _ in 0..flips {
                let at = rng.below(copy.len());
                copy[at] ^= 1 << rng.below(8);
            }
            tally.add(check(name, &format!("round {round}"), &copy));
        }
    }
    println!("bit-flipped HWP/HWPX: {:?}", tally.0);
}

#[test]
fn damaged_pdfs_never_panic_in_a_child() {
    // PDFs go through the child process, as in production: a parser loop would be killed.
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_extract-child"));
    let mut rng = Rng(0x5EED_1234_ABCD_0002);
    let mut tally = Tally::default();
    for &(name, _) in READABLE.iter().filter(|(_, f)| *f == Format::Pdf) {
        let bytes = read_fixture(name);
        let mut copies = vec![
            ("cut50".to_owned(), bytes[..bytes.len() / 2].to_vec()),
            ("cut95".to_owned(), bytes[..bytes.len() * 95 / 100].to_vec()),
        ];
        for round in 0..2 {
            let mut copy = bytes.clone();
            for _ in 0..50 {
                let at = rng.below(copy.len());
                copy[at] ^= 1 << rng.below(8);
            }
            copies.push((format!("flip{round}"), copy));
        }
        for (what, copy) in copies {
            let path = dir.path().join(format!("{name}.{what}"));
            std::fs::write(&path, &copy).expect("write copy");
            let outcome = match extract_in_child(exe, &path, &Limits::default(), Duration::from_secs(120)) {
                Ok(out) if out.warnings.is_empty() => "ok",
                Ok(_) => "partial",
                Err(ExtractError::Damaged(m)) if m.contains("panicked") => "panic-caught",
                Err(ExtractError::Damaged(_)) => "damaged",
                Err(ExtractError::PasswordProtected) => "password",
                Err(ExtractError::TimedOut(_)) => "timed-out",
                Err(e) => panic!("{name} {what}: unexpected {e:?}"),
            };
            println!("{name} {what}: {outcome}");
            tally.add(outcome);
        }
    }
    println!("damaged PDFs: {:?}", tally.0);
}

/// Builds a one-entry-per-item ZIP by hand so that sizes can be declared freely.
/// Each item: (name, method 0 stored / 8 deflate, data as stored, crc, declared size).
fn handmade_zip(items: &[(&str, u16, Vec<u8>, u32, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, method, data, crc, declared) in items {
        let offset = out.len() as u32;
        let header = |sig: u32, central_dir: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central_dir {
                h.extend(20u16.to_le_bytes()); // made by
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(method.to_le_bytes());
            h.extend(0u32.to_le_bytes()); // time, date
            h.extend(crc.to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend(declared.to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central_dir {
                h.extend([0u8; 6]); // comment len, disk, internal attrs
                h.extend(0u32.to_le_bytes()); // external attrs
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4B50, false));
        out.extend(data);
        central.extend(header(0x0201_4B50, true));
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4B50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((items.len() as u16).to_le_bytes());
    out.extend((items.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// Raw-deflates `data` and returns it with its CRC-32.
fn deflate(data: &[u8]) -> (Vec<u8>, u32) {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).expect("deflate");
    let mut crc = flate2::Crc::new();
    crc.update(data);
    (enc.finish().expect("deflate"), crc.sum())
}

fn section_xml(paragraphs: usize) -> Vec<u8> {
    let mut xml = String::from(r#"<?xml version="1.0" encoding="UTF-8"?><hs:sec xmlns:hs="s" xmlns:hp="p">"#);
    for i in 0..paragraphs {
        xml.push_str(&format!("<hp:p><hp:run><hp:t>공고 문단 {i}</hp:t></hp:run></hp:p>"));
    }
    xml.push_str("</hs:sec>");
    xml.into_bytes()
}

#[test]
fn handmade_hwpx_reads_and_zip_bombs_are_too_large() {
    let mime = b"application/hwp+zip".to_vec();
    let mut mime_crc = flate2::Crc::new();
    mime_crc.update(&mime);
    let mime_item = ("mimetype", 0u16, mime.clone(), mime_crc.sum(), mime.len() as u32);

    // A sane package first, so the bombs below fail for their size and nothing else.
    let xml = section_xml(3);
    let (packed, crc) = deflate(&xml);
    let ok = handmade_zip(&[mime_item.clone(), ("Contents/section0.xml", 8, packed, crc, xml.len() as u32)]);
    let out = extract(&ok, &Limits::default()).expect("handmade HWPX");
    assert_eq!(out.format, Format::Hwpx);
    assert_eq!(out.text, "공고 문단 0\n공고 문단 1\n공고 문단 2");

    // An entry declaring ~4 GiB.
    let (packed, crc) = deflate(&xml);
    let declared_huge = handmade_zip(&[mime_item.clone(), ("Contents/section0.xml", 8, packed, crc, 0xFFFF_FFF0)]);
    let err = extract(&declared_huge, &Limits::default()).expect_err("declared huge");
    assert!(matches!(err, ExtractError::TooLarge { .. }), "{err:?}");

    // An honest entry that inflates ~1,000× past a 1 MB cap.
    let big = section_xml(60_000);
    let (packed, crc) = deflate(&big);
    let limits = Limits { max_decompressed_bytes: 1 << 20, ..Limits::default() };
    let bomb = handmade_zip(&[mime_item.clone(), ("Contents/section0.xml", 8, packed.clone(), crc, big.len() as u32)]);
    let err = extract(&bomb, &limits).expect_err("bomb");
    assert!(matches!(err, ExtractError::TooLarge { .. }), "{err:?}");

    // The same data declaring a tiny size: never more than the cap is inflated.
    let liar = handmade_zip(&[mime_item, ("Contents/section0.xml", 8, packed, crc, 100)]);
    match extract(&liar, &limits) {
        Err(ExtractError::TooLarge { .. }) | Err(ExtractError::Damaged(_)) => {}
        Ok(out) => {
            assert!(!out.warnings.is_empty(), "a size mismatch needs a warning");
            assert!(out.text.len() <= 1 << 20);
        }
        Err(e) => panic!("unexpected {e:?}"),
    }
}

#[test]
fn zip_without_hwpx_parts_is_unsupported() {
    let data = b"hello".to_vec();
    let mut crc = flate2::Crc::new();
    crc.update(&data);
    let zip = handmade_zip(&[("readme.txt", 0, data, crc.sum(), 5)]);
    assert_eq!(extract::detect(&zip), Ok(Format::Unknown));
    let err = extract(&zip, &Limits::default()).expect_err("plain zip");
    assert!(matches!(err, ExtractError::Unsupported(_)), "{err:?}");
}
