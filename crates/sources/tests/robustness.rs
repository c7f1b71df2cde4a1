//! No parser may panic: every fixture, whole and cut at many points, and random bytes, go
//! through every kind. Errors are fine; a panic fails the test.

mod common;

use sources::{parse, Kind, ParseContext};

/// xorshift64*: deterministic bytes without a dependency.
fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

fn every_kind(body: &[u8], ctx: &ParseContext) {
    for kind in Kind::ALL {
        let with_selectors =
            if ctx.selectors.is_some() { ctx.clone() } else { ctx.clone().with_selectors(common::smtech_list()) };
        let _ = parse(kind, body, &with_selectors);
    }
}

#[test]
fn truncated_fixtures_never_panic() {
    for (file, _, ctx) in common::all_fixtures() {
        let body = common::data(file);
        let n = body.len();
        let mut cuts: Vec<usize> = vec![0, 1, 2, 3, 7, 64, 500];
        cuts.extend((1..8).map(|i| n * i / 8));
        cuts.extend([n.saturating_sub(1), n.saturating_sub(3)]);
        for cut in cuts.into_iter().filter(|c| *c <= n) {
            every_kind(&body[..cut], &ctx);
        }
        every_kind(&body, &ctx);
    }
}

#[test]
fn random_and_hostile_bytes_never_panic() {
    let ctx = ParseContext::new("x", "https://example.kr/list.do?a=1");
    for seed in 1..40u64 {
        every_kind(&random_bytes(seed, (seed as usize * 97) % 3000), &ctx);
    }
    let deep_xml = "<a>".repeat(50_000);
    // html5ever's tree builder is quadratic in nesting depth (3,000 levels take ~1 s per
    // parse in a debug build), so the depth here stays modest; callers should bound time.
    let deep_html = "<div>".repeat(1_000);
    let hostile: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\xEF\xBB\xBF".to_vec(),
        b"\xFF\xFE<\x00".to_vec(),
        deep_xml.into_bytes(),
        deep_html.into_bytes(),
        b"{\"jsonArray\":{\"item\":{\"item\":{\"item\":[1,2,null]}}}}".to_vec(),
        b"{\"response\":{\"header\":{\"resultCode\":null},\"body\":7}}".to_vec(),
        b"{\"data\":[{\"pbanc_sn\":1e400}]}".to_vec(),
        b"<rss><channel><item><link>?roRndUid=</link><title>&#0;&#xD800;&bogus;</title></item></channel></rss>"
            .to_vec(),
        b"<meta charset=x-unknown-charset><p>\xB0\xA1</p>".to_vec(),
        "<a href='view.do;jsessionid=?roRndUid=%FF%FE'>\u{FFFD}</a>".as_bytes().to_vec(),
    ];
    for body in &hostile {
        every_kind(body, &ctx);
        every_kind(body, &ParseContext::default());
    }
}
