//! Helpers shared by the integration tests: where the real attachments are, and reading them.
#![allow(dead_code)]

use std::path::PathBuf;

/// The real attachments, in `shared/` beside the repository (never copied into it).
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/real/attachments"))
}

/// Reads one real attachment; a missing file is a test failure that says where it looked.
pub fn read_fixture(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join(name);
    match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => panic!("fixture {} unreadable: {e}", path.display()),
    }
}

/// Every readable real attachment with the format it really is.
pub const READABLE: &[(&str, extract::Format)] = &[
    ("hwp_10.hwp", extract::Format::Hwp5),
    ("hwp_11.hwp", extract::Format::Hwp5),
    ("hwp_12.hwp", extract::Format::Hwp5),
    ("hwp_13.hwp", extract::Format::Hwp5),
    ("hwp_14.hwp", extract::Format::Hwp5),
    ("hwp_15.hwp", extract::Format::Hwp5),
    ("edge_distrib2.hwp", extract::Format::Hwp5),
    ("edge_uncompressed2.hwp", extract::Format::Hwp5),
    ("hwpx_10.hwpx", extract::Format::Hwpx),
    ("hwpx_11.hwpx", extract::Format::Hwpx),
    ("hwpx_12.hwpx", extract::Format::Hwpx),
    ("hwpx_13.hwpx", extract::Format::Hwpx),
    ("pdf_10.pdf", extract::Format::Pdf),
    ("pdf_11.pdf", extract::Format::Pdf),
    ("pdf_12.pdf", extract::Format::Pdf),
];

/// A small deterministic generator (xorshift64*) for reproducible damage.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}
