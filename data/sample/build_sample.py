#!/usr/bin/env python3
"""Build data/sample/programs.jsonl from the recorded public fixtures.

Usage: python3 data/sample/build_sample.py [FIXTURES_DIR]
FIXTURES_DIR defaults to ../shared/fixtures/real relative to the repo root.

Standard library only. Light extraction: dates, amounts and periods are passed
through as raw strings; Connect's Rust importer normalises them. Contact data
(e-mail addresses, phone numbers, 문의처 fields) is never copied.
"""
import html
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_PATH = REPO_ROOT / "data" / "sample" / "programs.jsonl"
DEFAULT_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "real"

FIELDS = ["source", "external_id", "title", "ministry", "agency", "category",
          "regions_raw", "target_raw", "period_raw", "budget_raw", "published_raw",
          "body_html", "source_url", "attachments", "provenance"]

NTIS_VIEW = "https://www.ntis.go.kr/rndgate/eg/un/ra/view.do?roRndUid={}"
KSTARTUP_VIEW = "https://www.k-startup.go.kr/web/contents/bizpbanc-ongoing.do?schM=view&pbancSn={}"
IRIS_VIEW = "https://www.iris.go.kr/contents/retrieveBsnsAncmView.do?ancmId={}"
BIZINFO_BASE = "https://www.bizinfo.go.kr"
KSTARTUP_BASE = "https://www.k-startup.go.kr"

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Phone numbers as standalone tokens; the lookarounds keep long IDs such as
# FILE_000000000774626 or NTIS file suffixes _98250189945984984 from matching.
PHONE_RE = re.compile(r"(?<![\w.-])0\d{1,2}[-)]?\d{3,4}-?\d{4}(?![\w-])")


def record(source, external_id, provenance, **fields):
    rec = {k: None for k in FIELDS}
    rec.update(source=source, external_id=str(external_id), attachments=[],
               provenance=provenance)
    rec.update(fields)
    return rec


def text_of(fragment):
    """Visible text of a small HTML fragment: drop tags, decode entities, collapse spaces."""
    if fragment is None:
        return None
    t = html.unescape(re.sub(r"<[^>]+>", " ", fragment))
    return re.sub(r"\s+", " ", t).strip() or None


def query_param(url, name):
    m = re.search(r"[?&]" + name + r"=([^&#]+)", url)
    return m.group(1) if m else None


def rel(path, root):
    return path.relative_to(root).as_posix()


# ---------------------------------------------------------------- NTIS

def ntis_list(root):
    path = root / "ntis" / "ntis-list-rows-scraped-2025-09.json"
    out = []
    for row in json.loads(path.read_text(encoding="utf-8")):
        uid = query_param(row["상세_URL"], "roRndUid")
        out.append(record("ntis", uid, rel(path, root),
                          title=row["공고명"], ministry=row.get("부처명"), category="R&D",
                          period_raw=f"{row['접수일']} ~ {row['마감일']}",
                          source_url=NTIS_VIEW.format(uid)))
    return out


def ntis_rss(root):
    path = root / "ntis" / "ntis-rss-unRndRss-2026-08-21.xml"
    out = []
    for item in ET.parse(path).getroot().iter("item"):
        get = lambda tag: (item.findtext(tag) or "").strip() or None  # noqa: E731
        uid = query_param(get("link"), "roRndUid")
        out.append(record("ntis", uid, rel(path, root),
                          title=get("title"), ministry=get("author"), agency=get("category"),
                          category="R&D", period_raw=f"{get('appbegin')} ~ {get('appdue')}",
                          # raw KRW integer; "0" means "not published" (importer decides)
                          budget_raw=get("budget"),
                          published_raw=get("pubDate"), source_url=NTIS_VIEW.format(uid)))
    return out


def ntis_detail(root):
    path = root / "ntis" / "ntis-detail-roRndUid-1206594-connect.html"
    page = path.read_text(encoding="utf-8")
    # The page's own URL (form action / hidden input) names the announcement;
    # the fixture's file name carries a different, scraper-assigned number.
    uid = re.search(r'id="roRndUid" name="roRndUid" type="hidden" value="(\d+)"', page).group(1)

    def label(name):
        m = re.search(r"<span>\s*" + name + r"\s*:\s*</span>(.*?)</li>", page, re.S)
        return text_of(m.group(1)) if m else None

    title = text_of(re.search(r'<h1 class="ditail_tit">(.*?)</h1>', page, re.S).group(1))
    body = re.search(r'(<div class="se-contents".*?</div>)\s*<span class="update">', page, re.S)
    files = re.findall(r"fn_fileDownload\('\d+'\); return false;\">(.*?)</a>", page)
    return [record("ntis", uid, rel(path, root),
                   title=title, ministry=label("부처명"), agency=label("공고기관명"),
                   category="R&D", period_raw=f"{label('접수일')} ~ {label('마감일')}",
                   budget_raw=label("공고금액"), published_raw=label("공고일"),
                   body_html=body.group(1) if body else None,
                   source_url=NTIS_VIEW.format(uid),
                   # downloads are a JS POST (fn_fileDownload): no per-file URL.
                   attachments=[{"name": text_of(f), "url": None} for f in files])]


# ---------------------------------------------------------------- IRIS

def iris_detail(root):
    path = root / "iris" / "iris-detail-ancmId-022737-abridged.html"
    page = path.read_text(encoding="utf-8")
    # ancmId appears only in the fixture's file name (the page's IDs were replaced upstream).
    ancm_id = re.search(r"ancmId-(\d+)", path.name).group(1)
    fields = {k: text_of(v) for k, v in
              re.findall(r"<strong>([^<]+)</strong>\s*<span[^>]*>(.*?)</span>", page, re.S)}
    body = re.search(r'(<div class="se-contents".*?</div>)\s*<ul class="add_file">', page, re.S)
    files = re.findall(r'<span class="text">(.*?)</span>', page, re.S)
    return [record("iris", ancm_id, rel(path, root),
                   title=fields.get("공고명"), ministry=fields.get("소관부처"),
                   agency=fields.get("전문기관"), category="R&D",
                   period_raw=fields.get("접수기간"), published_raw=fields.get("공고일자"),
                   body_html=body.group(1) if body else None,
                   source_url=IRIS_VIEW.format(ancm_id),
                   attachments=[{"name": text_of(f), "url": None} for f in files])]


# ---------------------------------------------------------------- bizinfo

def bizinfo_attachments(item):
    def split(value):
        return value.split("@") if value else []
    pairs = []
    for names, urls in ((item.get("fileNm"), item.get("flpthNm")),
                        (item.get("printFileNm"), item.get("printFlpthNm"))):
        names, urls = split(names), split(urls)
        for i in range(max(len(names), len(urls))):
            name = names[i].replace("+", " ") if i < len(names) else None
            url = urls[i] if i < len(urls) else None
            if not any(p["url"] == url and url for p in pairs):
                pairs.append({"name": name, "url": url})
    return pairs


def bizinfo_item(item, provenance):
    url = item.get("pblancUrl")
    if url and url.startswith("/"):
        url = BIZINFO_BASE + url
    return record("bizinfo", item["pblancId"], provenance,
                  title=item.get("pblancNm"), ministry=item.get("jrsdInsttNm"),
                  agency=item.get("excInsttNm"), category=item.get("pldirSportRealmLclasCodeNm"),
                  regions_raw=item.get("hashtags"), target_raw=item.get("trgetNm"),
                  period_raw=item.get("reqstBeginEndDe") or item.get("reqstDt"),
                  published_raw=item.get("creatPnttm"), body_html=item.get("bsnsSumryCn"),
                  source_url=url, attachments=bizinfo_attachments(item))


def bizinfo(root):
    out = []
    path = root / "bizinfo" / "bizinfo-datagokr-user-sample-10items-sanitized.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data["response"]["body"]["items"]["item"]
    out += [bizinfo_item(it, rel(path, root)) for it in items]
    path = root / "bizinfo" / "bizinfo-native-api-jsonArray-sample-5items.json"
    items = json.loads(path.read_text(encoding="utf-8"))["jsonArray"]
    out += [bizinfo_item(it, rel(path, root)) for it in items]
    return out


# ---------------------------------------------------------------- K-Startup

def kstartup_period(item):
    begin, end = item.get("pbanc_rcpt_bgng_dt"), item.get("pbanc_rcpt_end_dt")
    return f"{begin or ''} ~ {end or ''}" if begin or end else None


def kstartup_api(root):
    path = root / "kstartup" / "kstartup-api-announcement-list-sample.json"
    out = []
    for it in json.loads(path.read_text(encoding="utf-8"))["data"]:
        targets = [it.get(k) for k in ("aply_trgt", "biz_enyy", "biz_trgt_age", "aply_trgt_ctnt")]
        sn = it["pbanc_sn"]
        out.append(record("kstartup", sn, rel(path, root),
                          title=it.get("biz_pbanc_nm"),
                          agency=it.get("pbanc_ntrp_nm"),  # sprv_inst is only a type
                          category=it.get("supt_biz_clsfc"), regions_raw=it.get("supt_regin"),
                          target_raw="\n".join(t for t in targets if t) or None,
                          period_raw=kstartup_period(it),
                          published_raw=it.get("pbanc_rcpt_bgng_dt"),
                          body_html=it.get("pbanc_ctnt"), source_url=KSTARTUP_VIEW.format(sn)))
    return out


def kstartup_projection(root):
    path = root / "kstartup" / "kstartup-api-projection-previous-announcements.json"
    return [record("kstartup", it["pbanc_sn"], rel(path, root),
                   title=it.get("biz_pbanc_nm"), period_raw=kstartup_period(it),
                   published_raw=it.get("pbanc_rcpt_bgng_dt"),
                   source_url=KSTARTUP_VIEW.format(it["pbanc_sn"]))
            for it in json.loads(path.read_text(encoding="utf-8"))]


def kstartup_detail(root):
    path = root / "kstartup" / "kstartup-detail-pbancSn-178335-abridged.html"
    page = path.read_text(encoding="utf-8")
    sn = re.search(r"pbancSn-(\d+)", path.name).group(1)

    def field(label):
        m = re.search(r'<p class="tit">' + label + r'</p>\s*<p class="txt"[^>]*>(.*?)</p>', page, re.S)
        return text_of(m.group(1)) if m else None

    # Body: the information sections, minus the 문의처 (contact) section.
    sections = re.findall(r'<div class="information_list">.*?</ul>\s*</div>', page, re.S)
    body = "\n".join(s for s in sections if '<p class="title">문의처</p>' not in s)
    files = re.findall(r'<a class="file_bg"[^>]*>(.*?)</a>.*?href="(/afile/fileDownload/[^"]+)"',
                       page, re.S)
    return [record("kstartup", sn, rel(path, root),
                   title=text_of(re.search(r'id="scrTitle">(.*?)</div>', page, re.S).group(1)),
                   target_raw=field("신청대상"), period_raw=field("신청기간"),
                   body_html=body or None, source_url=KSTARTUP_VIEW.format(sn),
                   attachments=[{"name": text_of(n), "url": KSTARTUP_BASE + u} for n, u in files])]


# ---------------------------------------------------------------- merge / write

def richer(a, b):
    """Prefer the non-empty, then the longer value (lists by length, strings by length)."""
    if not a:
        return b
    if not b:
        return a
    return b if len(b) > len(a) else a


def merge(records):
    merged = {}
    for rec in records:
        key = (rec["source"], rec["external_id"])
        if key not in merged:
            merged[key] = rec
            continue
        old = merged[key]
        for k in FIELDS[2:-1]:
            old[k] = richer(old[k], rec[k])
        old["provenance"] = " + ".join(sorted({*old["provenance"].split(" + "), rec["provenance"]}))
    return [merged[k] for k in sorted(merged)]


REDACTED = []


def scrub(value):
    """Last-resort guard: blank out any e-mail address or phone number left in a value."""
    if isinstance(value, str):
        for rx in (EMAIL_RE, PHONE_RE):
            REDACTED.extend(m.group(0) for m in rx.finditer(value))
            value = rx.sub("[연락처 생략]", value)
        return value
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    return value


def main(argv):
    root = Path(argv[1]).resolve() if len(argv) > 1 else DEFAULT_FIXTURES
    records = (ntis_list(root) + ntis_rss(root) + ntis_detail(root) + iris_detail(root)
               + bizinfo(root) + kstartup_api(root) + kstartup_projection(root)
               + kstartup_detail(root))
    rows = [{k: scrub(rec[k]) for k in FIELDS} for rec in merge(records)]
    with OUT_PATH.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts = {}
    for row in rows:
        counts[row["source"]] = counts.get(row["source"], 0) + 1
    print(f"wrote {len(rows)} records to {OUT_PATH.relative_to(REPO_ROOT)}: "
          + ", ".join(f"{s}={n}" for s, n in sorted(counts.items()))
          + f"; contact strings redacted: {len(REDACTED)}")


if __name__ == "__main__":
    main(sys.argv)
