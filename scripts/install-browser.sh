#!/usr/bin/env bash
# Installs what the real-browser test (tests/browser_e2e.rs) needs from Debian: Chromium, its
# ChromeDriver, and a CJK font so that Hangul renders in screenshots. Idempotent: installs only
# what is missing. `scripts/test.sh` calls it before the tests.
source "$(dirname "$0")/lib.sh"

apt_install chromium chromium-driver fonts-noto-cjk
command -v chromedriver >/dev/null 2>&1 || die "chromedriver가 설치되지 않았습니다 (chromium-driver 패키지)"
say "브라우저 준비됨: $(chromium --version 2>/dev/null || echo chromium), $(chromedriver --version | head -n 1)"
