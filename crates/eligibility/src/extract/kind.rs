//! What kind of announcement it is: a label for display and ranking, never an exclusion.

use normalize::AnnouncementType;

use crate::constraint::AnnouncementKind;

/// The kind of an announcement from its title, and from its body when the title says nothing.
pub fn classify_kind(title: &str, body: &str) -> AnnouncementKind {
    match normalize::announcement_type(title) {
        AnnouncementType::Survey => AnnouncementKind::Survey,
        AnnouncementType::Designated => AnnouncementKind::Designated,
        AnnouncementType::Education | AnnouncementType::Event => AnnouncementKind::TrainingOnly,
        AnnouncementType::Call => AnnouncementKind::Call,
        AnnouncementType::Other => {
            let head: String = body.chars().take(300).collect();
            match normalize::announcement_type(&head) {
                AnnouncementType::Survey => AnnouncementKind::Survey,
                AnnouncementType::Designated => AnnouncementKind::Designated,
                _ => AnnouncementKind::Call,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AnnouncementKind::*;

    #[test]
    fn kinds_of_real_titles() {
        // NTIS RSS 2026-08-21 and the NTIS list rows (shared/fixtures/real/ntis).
        let cases = [
            ("2026년 사회문제해결형 R&amp;BD 지원사업 시행 공고", Call),
            ("2027년 소방안전R&amp;D 통합 기술수요조사", Survey),
            ("「(가칭)AI 기반 소재개발 지원 사업」 기획 수요조사", Survey),
            ("2026년도 제2차 로봇산업기술개발사업 신규지원 대상과제 공고", Call),
            ("2026년 XX사업 지정공모 과제 공고", Designated),
            // K-Startup (kstartup-api-announcement-list-sample.json) and bizinfo samples.
            ("2026년 창업진흥원 대전 팁스타운 일본 파트너 초청 상담회 참가기업 모집 공고", Call),
            ("[경기] 부천시 2026년 스타트업포럼(IR데모데이) 참가기업 모집 공고", TrainingOnly),
            ("2026년 사업설명회 개최 안내", TrainingOnly),
            ("10월 동네창업학교 교육생 모집", TrainingOnly),
        ];
        for (title, want) in cases {
            assert_eq!(classify_kind(title, ""), want, "{title}");
        }
        assert_eq!(classify_kind("(AI) 일반형 공동연구", "기술수요조사를 다음과 같이 실시합니다"), Survey);
        assert_eq!(classify_kind("(AI) 일반형 공동연구", ""), Call);
    }
}
