//! A small robots.txt parser and matcher following RFC 9309.
//!
//! * Groups start with one or more `user-agent` lines; rules before any group are ignored.
//! * The crawler obeys every group naming its product token (case-insensitive, combined),
//!   otherwise every `*` group, otherwise nothing (allow all).
//! * `allow` / `disallow` patterns match the URL path plus query from its start; `*` matches any
//!   sequence and a trailing `$` anchors the end. The longest matching pattern wins; on a tie
//!   `allow` wins. An empty `disallow` matches nothing. `/robots.txt` itself is always allowed.
//! * Only the first [`MAX_ROBOTS_BYTES`] are parsed, as RFC 9309 permits.
//!
//! Fetching and caching live in `lib.rs`; this module is pure.

/// Parse limit: RFC 9309 requires at least 500 KiB to be parsed.
pub const MAX_ROBOTS_BYTES: usize = 500 * 1024;

/// One `allow` or `disallow` line of an applicable group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    allow: bool,
    /// Normalised pattern (non-ASCII percent-encoded, `%xx` upper-cased).
    pattern: Vec<u8>,
}

/// What robots.txt lets our crawler do on one authority (scheme, host and port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Robots {
    /// No robots.txt (4xx) or no group applies to us.
    AllowAll,
    /// robots.txt could not be fetched (5xx, unreachable): RFC 9309 says assume complete disallow.
    DisallowAll,
    /// The rules of the groups that apply to us.
    Rules(Vec<Rule>),
}

impl Robots {
    /// Parses robots.txt `body` for the crawler whose product token is `token` (e.g. `ConnectBot`).
    pub fn parse(body: &[u8], token: &str) -> Robots {
        let body = &body[..body.len().min(MAX_ROBOTS_BYTES)];
        let text = String::from_utf8_lossy(body);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let token = token.to_ascii_lowercase();

        // (agents of the group, its rules)
        let mut groups: Vec<(Vec<String>, Vec<Rule>)> = Vec::new();
        let mut in_agent_lines = false;
        for raw in text.lines() {
            let line = raw.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "user-agent" => {
                    if !in_agent_lines {
                        groups.push((Vec::new(), Vec::new()));
                        in_agent_lines = true;
                    }
                    if let Some(g) = groups.last_mut() {
                        g.0.push(agent_token(value));
                    }
                }
                "allow" | "disallow" => {
                    in_agent_lines = false;
                    let Some(g) = groups.last_mut() else { continue };
                    if value.is_empty() {
                        continue; // an empty rule matches nothing
                    }
                    g.1.push(Rule { allow: key == "allow", pattern: normalise(value) });
                }
                // sitemap, crawl-delay and unknown keys are not part of any group (RFC 9309 2.2.4).
                _ => {}
            }
        }

        let pick = |wanted: &str| -> Option<Vec<Rule>> {
            let mut found = false;
            let mut rules = Vec::new();
            for (agents, r) in &groups {
                if agents.iter().any(|a| a == wanted) {
                    found = true;
                    rules.extend(r.iter().cloned());
                }
            }
            found.then_some(rules)
        };
        match pick(&token).or_else(|| pick("*")) {
            Some(rules) if !rules.is_empty() => Robots::Rules(rules),
            _ => Robots::AllowAll,
        }
    }

    /// Whether `path_and_query` (as in a URL: starts with `/`, percent-encoded) may be fetched.
    pub fn allows(&self, path_and_query: &str) -> bool {
        let rules = match self {
            Robots::AllowAll => return true,
            Robots::DisallowAll => return path_and_query == "/robots.txt",
            Robots::Rules(rules) => rules,
        };
        if path_and_query == "/robots.txt" {
            return true;
        }
        let path = normalise(path_and_query);
        let mut best: Option<(usize, bool)> = None;
        for rule in rules {
            if matches(&rule.pattern, &path) {
                let len = rule.pattern.len();
                best = match best {
                    Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                    _ => Some((len, rule.allow)),
                };
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// The product token of a `user-agent` value: its leading `[A-Za-z_-]` run, lower-cased, or `*`.
fn agent_token(value: &str) -> String {
    if value.starts_with('*') {
        return "*".to_string();
    }
    value
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == '_' || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The product token of a full User-Agent header value, e.g. `ConnectBot` of `ConnectBot/1.0 (…)`.
pub fn product_token(user_agent: &str) -> String {
    user_agent.chars().take_while(|c| c.is_ascii_alphabetic() || *c == '_' || *c == '-').collect()
}

/// Percent-encodes non-ASCII bytes and upper-cases the hex digits of `%xx` escapes so that a
/// pattern written with raw UTF-8 matches the encoded URL and vice versa.
fn normalise(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit() {
            out.push(b'%');
            out.push(bytes[i + 1].to_ascii_uppercase());
            out.push(bytes[i + 2].to_ascii_uppercase());
            i += 3;
        } else if b >= 0x80 || b == b' ' {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
            i += 1;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

/// Whether `pattern` (with `*` and a trailing `$`) matches `path` from its start.
fn matches(pattern: &[u8], path: &[u8]) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix(b"$") {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    // Dynamic programming over positions: reach[j] = pattern prefix matches path[..j].
    let mut reach = vec![false; path.len() + 1];
    reach[0] = true;
    for &p in pattern {
        if p == b'*' {
            // `*` extends any reachable position to every later one.
            let mut seen = false;
            for r in reach.iter_mut() {
                seen |= *r;
                *r = seen;
            }
        } else {
            for j in (0..path.len()).rev() {
                reach[j + 1] = reach[j] && path[j] == p;
            }
            reach[0] = false;
        }
        if !reach.iter().any(|r| *r) {
            return false;
        }
    }
    if anchored {
        reach[path.len()]
    } else {
        reach.iter().any(|r| *r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(body: &str) -> Robots {
        Robots::parse(body.as_bytes(), "ConnectBot")
    }

    #[test]
    fn longest_match_wins_and_allow_wins_ties() {
        let robots = r("User-agent: *\nDisallow: /private\nAllow: /private/public\nAllow: /x\nDisallow: /x\n");
        assert!(!robots.allows("/private"));
        assert!(!robots.allows("/private/secret"));
        assert!(robots.allows("/private/public/a"));
        assert!(robots.allows("/x/y"), "tie: allow wins");
        assert!(robots.allows("/"));
        assert!(robots.allows("/robots.txt"));
    }

    #[test]
    fn wildcards_and_end_anchor() {
        let robots = r("user-agent: *\ndisallow: /*.pdf$\ndisallow: /a*b\nallow: /a*b/ok\n");
        assert!(!robots.allows("/files/x.pdf"));
        assert!(robots.allows("/files/x.pdf?download=1"));
        assert!(!robots.allows("/aXXb"));
        assert!(!robots.allows("/ab"));
        assert!(robots.allows("/aXb/ok"));
        assert!(robots.allows("/ba"));
        assert!(matches(b"/*", b"/"));
        assert!(matches(b"/$", b"/"));
        assert!(!matches(b"/$", b"/a"));
        assert!(matches(b"*", b""));
    }

    #[test]
    fn our_group_beats_star_and_groups_combine() {
        let body = "User-agent: *\nDisallow: /\n\nUser-agent: connectbot/2.0\nDisallow: /a\n\
                    User-agent: other\nDisallow: /b\n\nUser-Agent: CONNECTBOT\nDisallow: /c\n";
        let robots = r(body);
        assert!(robots.allows("/"));
        assert!(!robots.allows("/a"));
        assert!(robots.allows("/b"));
        assert!(!robots.allows("/c"));
        // Another crawler gets the star group.
        let other = Robots::parse(body.as_bytes(), "Nobody");
        assert!(!other.allows("/anything"));
    }

    #[test]
    fn several_agents_share_one_group() {
        let robots = r("User-agent: a\nUser-agent: ConnectBot\nUser-agent: b\nDisallow: /q\n");
        assert!(!robots.allows("/q"));
    }

    #[test]
    fn comments_empty_rules_bom_and_orphans() {
        let robots = r("\u{feff}Disallow: /orphan\n# comment\nUser-agent: * # all\nDisallow:\nDisallow: /p # x\nSitemap: https://x/s.xml\n");
        assert!(robots.allows("/orphan"));
        assert!(!robots.allows("/p"));
        assert!(r("User-agent: *\nDisallow:\n").allows("/x"));
        assert_eq!(r(""), Robots::AllowAll);
        assert_eq!(r("garbage\n\u{0}\nno colon"), Robots::AllowAll);
    }

    #[test]
    fn no_applicable_group_allows_all() {
        assert_eq!(r("User-agent: Googlebot\nDisallow: /\n"), Robots::AllowAll);
    }

    #[test]
    fn percent_encoding_is_normalised() {
        let robots = r("User-agent: *\nDisallow: /공고\nDisallow: /a%3cb\n");
        assert!(!robots.allows("/%EA%B3%B5%EA%B3%A0/1"));
        assert!(!robots.allows("/a%3Cb"));
        assert!(robots.allows("/other"));
    }

    #[test]
    fn query_is_part_of_the_match() {
        let robots = r("User-agent: *\nDisallow: /list?*page=\n");
        assert!(!robots.allows("/list?x=1&page=2"));
        assert!(robots.allows("/list"));
    }

    #[test]
    fn disallow_all_still_allows_robots_txt() {
        assert!(!Robots::DisallowAll.allows("/"));
        assert!(Robots::DisallowAll.allows("/robots.txt"));
    }

    #[test]
    fn product_token_of_user_agent() {
        assert_eq!(product_token("ConnectBot/1.0 (+https://connect.example/bot)"), "ConnectBot");
    }
}
