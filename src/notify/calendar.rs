//! The calendar feed (iCalendar, RFC 5545) of a person's saved deadlines, at a secret URL that
//! calendar apps poll without logging in. Times are KST with an explicit `Asia/Seoul` zone.

use chrono::{NaiveDate, NaiveTime, Utc};

pub struct Deadline {
    pub program_id: i64,
    pub title: String,
    pub agency: Option<String>,
    pub end: NaiveDate,
    pub end_time: Option<NaiveTime>,
    pub url: String,
}

/// RFC 5545 text escaping, then folding at 75 octets (never inside a UTF-8 character).
fn line(name: &str, value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n");
    fold(&format!("{name}:{escaped}"))
}

fn fold(text: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in text.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

pub fn render(deadlines: &[Deadline], host: &str) -> String {
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Connect//Deadlines//KO\r\nCALSCALE:GREGORIAN\r\n\
         X-WR-CALNAME:Connect 저장한 공고 마감\r\nX-WR-TIMEZONE:Asia/Seoul\r\n\
         BEGIN:VTIMEZONE\r\nTZID:Asia/Seoul\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
         TZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nTZNAME:KST\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n",
    );
    for d in deadlines {
        out.push_str("BEGIN:VEVENT\r\n");
        out.push_str(&line("UID", &format!("deadline-{}@{host}", d.program_id)));
        out.push_str(&format!("DTSTAMP:{stamp}\r\n"));
        match d.end_time {
            Some(time) => {
                let at = d.end.and_time(time);
                out.push_str(&format!("DTSTART;TZID=Asia/Seoul:{}\r\n", at.format("%Y%m%dT%H%M%S")));
                out.push_str(&format!("DTEND;TZID=Asia/Seoul:{}\r\n", at.format("%Y%m%dT%H%M%S")));
            }
            None => {
                out.push_str(&format!("DTSTART;VALUE=DATE:{}\r\n", d.end.format("%Y%m%d")));
                let next = d.end.succ_opt().unwrap_or(d.end);
                out.push_str(&format!("DTEND;VALUE=DATE:{}\r\n", next.format("%Y%m%d")));
            }
        }
        out.push_str(&line("SUMMARY", &format!("[마감] {}", d.title)));
        if let Some(agency) = &d.agency {
            out.push_str(&line("DESCRIPTION", &format!("{agency}\n{}", d.url)));
        }
        out.push_str(&line("URL", &d.url));
        out.push_str("BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-P3D\r\nDESCRIPTION:마감 3일 전\r\nEND:VALARM\r\n");
        out.push_str("END:VEVENT\r\n");
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_become_events_in_kst_with_folded_lines() {
        let deadlines = vec![
            Deadline {
                program_id: 7,
                title: "2026년 AI 바우처 지원사업; 공고".into(),
                agency: Some("정보통신산업진흥원".into()),
                end: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
                end_time: NaiveTime::from_hms_opt(18, 0, 0),
                url: "https://connect.kr/programs/7".into(),
            },
            Deadline {
                program_id: 8,
                title: "아주 긴 제목 ".repeat(20),
                agency: None,
                end: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                end_time: None,
                url: "https://connect.kr/programs/8".into(),
            },
        ];
        let ics = render(&deadlines, "connect.kr");
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.contains("DTSTART;TZID=Asia/Seoul:20261203T180000\r\n"));
        assert!(ics.contains("SUMMARY:[마감] 2026년 AI 바우처 지원사업\\; 공고\r\n"));
        assert!(ics.contains("DTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270101\r\n"));
        assert!(ics.split("\r\n").all(|l| l.len() <= 75), "lines folded at 75 octets");
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
    }
}
