//! Every real attachment in `shared/fixtures/real/attachments`: the right format, the phrases of
//! its title and body, table text, most of the Korean of the document's own preview text, and
//! the clean errors for DRM and damaged files. Prints characters and time per file.

mod common;

use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::time::Instant;

use common::{read_fixture, READABLE};
use extract::{detect, extract, ExtractError, Format, Limits};

/// Phrases that must appear in each document (from its title in the fixtures README and body).
fn phrases(name: &str) -> &'static [&'static str] {
    match name {
        "hwp_10.hwp" => &["KIC 유럽 센터장 모집 공고", "한국연구재단 이사장"],
        "hwp_11.hwp" => &["면역세포유전자치료제전주기기술개발사업", "첨부서류", "비고"],
        "hwp_12.hwp" => &["중소벤처기업부 공고 제2025", "중소기업기술혁신개발사업", "수정공고"],
        "hwp_13.hwp" => &["관세행정 현장 맞춤형 기술개발 2.0", "신규과제 공고"],
        "hwp_14.hwp" => &["창업성장기술개발사업", "시행계획 공고"],
        "hwp_15.hwp" => &["정보통신", "표준개발지원사업", "신규지원 대상과제 공고"],
        "edge_distrib2.hwp" => {
            &["2025년 후반기 전문경력인사초빙활용지원사업 신규 공고 안내", "대전광역시 유성구 가정로"]
        }
        "edge_uncompressed2.hwp" => &["고강도 무시멘트 콘크리트", "재공고 안내서"],
        "hwpx_10.hwpx" => &["원자력 백서", "정책연구용역"],
        "hwpx_11.hwpx" => &["행정안전부 공고 제2026-28호", "재난 및 안전관리 연구개발사업"],
        "hwpx_12.hwpx" => &["첨단정밀육종활용고부가산업화기술개발사업", "농림축산식품부장관"],
        "hwpx_13.hwpx" => &["차세대 양자과학기술 핵심 기초원천연구", "재공모"],
        "pdf_10.pdf" => &["백신실용화기술개발사업단", "신규지원 대상과제"],
        "pdf_11.pdf" => &["식품의약품안전처 공고 제2026", "통합 공고"],
        "pdf_12.pdf" => &["농촌진흥청 공고 제2025-337호", "3차공모"],
        _ => &[],
    }
}

/// Pairs of adjacent Hangul syllables, the unit of FINDINGS §6's "correct" measure.
fn hangul_pairs(s: &str) -> HashSet<(char, char)> {
    let syll = |c: char| ('\u{AC00}'..='\u{D7A3}').contains(&c);
    let chars: Vec<char> = s.chars().collect();
    chars.windows(2).filter(|w| syll(w[0]) && syll(w[1])).map(|w| (w[0], w[1])).collect()
}

/// The preview text Hancom stores inside the file (`PrvText`), if any.
fn preview_text(bytes: &[u8], format: Format) -> Option<String> {
    match format {
        Format::Hwp5 => {
            let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).ok()?;
            let mut raw = Vec::new();
            cfb.open_stream("/PrvText").ok()?.read_to_end(&mut raw).ok()?;
            let units: Vec<u16> = raw.chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]])).collect();
            Some(String::from_utf16_lossy(&units))
        }
        Format::Hwpx => {
            let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
            let mut s = String::new();
            zip.by_name("Preview/PrvText.txt").ok()?.read_to_string(&mut s).ok()?;
            Some(s)
        }
        _ => None,
    }
}

#[test]
fn every_real_attachment_yields_its_text() {
    println!("{:<24} {:>6} {:>8} {:>8} {:>9}", "file", "format", "chars", "ms", "preview%");
    for &(name, format) in READABLE {
        let bytes = read_fixture(name);
        assert_eq!(detect(&bytes), Ok(format), "{name}: detected format");
        let started = Instant::now();
        let out = extract(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{name}: extraction failed: {e}"));
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(out.format, format, "{name}");
        assert!(out.warnings.is_empty(), "{name}: warnings {:?}", out.warnings);
        let chars = out.text.chars().count();
        assert!(chars > 1000, "{name}: only {chars} characters");
        for phrase in phrases(name) {
            assert!(out.text.contains(phrase), "{name}: missing {phrase:?}");
        }
        assert!(
            !out.text.chars().any(|c| ('\u{E000}'..='\u{F8FF}').contains(&c)),
            "{name}: private-use characters left"
        );
        // Most Korean of the stored preview (the first page or so) must be in the text.
        let coverage = preview_text(&bytes, format).map(|p| {
            let want = hangul_pairs(&p);
            let got = hangul_pairs(&out.text);
            let hit = want.iter().filter(|pair| got.contains(pair)).count();
            hit as f64 / want.len().max(1) as f64
        });
        if let Some(c) = coverage {
            assert!(c >= 0.9, "{name}: only {:.0}% of the preview's pairs", c * 100.0);
        }
        println!(
            "{name:<24} {:>6} {chars:>8} {ms:>8.1} {:>9}",
            format!("{format:?}"),
            coverage.map_or("-".into(), |c| format!("{:.1}", c * 100.0))
        );
    }
}

#[test]
fn distribution_document_yields_body_not_placeholder() {
    let out = extract(&read_fixture("edge_distrib2.hwp"), &Limits::default()).expect("distribution document");
    assert!(out.text.contains("전문경력인사초빙활용지원사업을 시행하고 있습니다"));
    assert!(out.text.contains("설명회 안내"));
    assert!(!out.text.starts_with("배포용 문서"));
}

#[test]
fn drm_wrapped_file_is_a_clear_error() {
    let bytes = read_fixture("hwp_drm_scdsa004.hwp");
    let err = extract(&bytes, &Limits::default()).expect_err("DRM");
    assert_eq!(err, ExtractError::Drm("SCDSA004".into()));
    assert_eq!(err.to_string(), "DRM으로 보호된 문서입니다 (DRM-protected, SCDSA004)");
}

#[test]
fn half_file_is_damaged_or_partial() {
    let bytes = read_fixture("hwp_trunc00.hwp");
    assert_eq!(detect(&bytes), Ok(Format::Hwp5));
    match extract(&bytes, &Limits::default()) {
        Err(ExtractError::Damaged(msg)) => {
            assert!(!msg.contains("panicked"), "{msg}");
            println!("hwp_trunc00.hwp: {}", ExtractError::Damaged(msg));
        }
        Ok(out) => assert!(!out.warnings.is_empty(), "partial text needs a warning"),
        Err(other) => panic!("unexpected {other:?}"),
    }
}

#[test]
fn output_cap_truncates_with_warning() {
    let limits = Limits { max_output_chars: 500, ..Limits::default() };
    for name in ["hwp_13.hwp", "hwpx_12.hwpx", "pdf_10.pdf"] {
        let out = extract(&read_fixture(name), &limits).expect(name);
        assert!(out.text.chars().count() <= 500, "{name}");
        assert!(out.warnings.iter().any(|w| w.contains("truncated")), "{name}");
    }
}

#[test]
fn decompression_cap_applies_to_real_streams() {
    let limits = Limits { max_decompressed_bytes: 1000, ..Limits::default() };
    for name in ["hwp_10.hwp", "edge_distrib2.hwp", "hwpx_11.hwpx"] {
        let err = extract(&read_fixture(name), &limits).expect_err(name);
        assert!(matches!(err, ExtractError::TooLarge { .. }), "{name}: {err:?}");
    }
}
