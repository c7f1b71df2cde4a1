//! Organisations: companies, research institutes, universities and public institutions, their
//! profiles, members and documents. Every organisation-scoped request goes through [`access`]: a
//! caller who is neither a member nor Connect staff gets 404, as if the organisation did not exist.

pub mod business_number;
pub mod profile;

use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::accounts::Caller;
use crate::api::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Company,
    ResearchInstitute,
    University,
    PublicInstitution,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Company => "company",
            Kind::ResearchInstitute => "research_institute",
            Kind::University => "university",
            Kind::PublicInstitution => "public_institution",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Company, Kind::ResearchInstitute, Kind::University, Kind::PublicInstitution]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Member,
    Admin,
    Owner,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Owner => "owner",
            MemberRole::Admin => "admin",
            MemberRole::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<MemberRole> {
        [MemberRole::Owner, MemberRole::Admin, MemberRole::Member].into_iter().find(|r| r.as_str() == s)
    }
}

/// What the caller may do with one organisation.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub organization_id: i64,
    /// The caller's membership, if any.
    pub role: Option<MemberRole>,
    /// Connect staff (ADMIN, SUPER_ADMIN) may read every organisation.
    pub staff: bool,
}

impl Access {
    pub fn is_member(&self) -> bool {
        self.role.is_some()
    }

    /// Owners and admins manage the profile, members, invitations and documents.
    pub fn require_manager(&self) -> Result<(), ApiError> {
        match self.role {
            Some(MemberRole::Owner | MemberRole::Admin) => Ok(()),
            _ => Err(ApiError::Forbidden("기관의 소유자나 관리자만 할 수 있습니다")),
        }
    }

    pub fn require_owner(&self) -> Result<(), ApiError> {
        match self.role {
            Some(MemberRole::Owner) => Ok(()),
            _ => Err(ApiError::Forbidden("기관의 소유자만 할 수 있습니다")),
        }
    }

    pub fn require_member(&self) -> Result<(), ApiError> {
        if self.is_member() {
            Ok(())
        } else {
            Err(ApiError::Forbidden("기관의 구성원만 할 수 있습니다"))
        }
    }
}

pub const NOT_FOUND: ApiError = ApiError::NotFound("기관을 찾을 수 없습니다");

/// The caller's access to organisation `id`; 404 when the caller may not even know it exists.
pub async fn access<C: GenericClient>(client: &C, id: i64, caller: &Caller) -> Result<Access, ApiError> {
    let rows = client
        .query_typed(
            "SELECT (SELECT role FROM memberships WHERE organization_id = o.id AND user_id = $2)
               FROM organizations o WHERE o.id = $1",
            &[(&id, Type::INT8), (&caller.user_id, Type::INT8)],
        )
        .await?;
    let Some(row) = rows.first() else {
        return Err(NOT_FOUND);
    };
    let role = row.get::<_, Option<String>>(0).and_then(|r| MemberRole::parse(&r));
    let access = Access { organization_id: id, role, staff: caller.is_admin() };
    if access.role.is_none() && !access.staff {
        return Err(NOT_FOUND);
    }
    Ok(access)
}

/// Parses an organisation id from the path, as 404 when it is not one (no existence oracle).
pub fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().ok().filter(|id| *id > 0).ok_or(NOT_FOUND)
}

/// Records that an organisation's profile changed, for matching to pick up.
pub async fn emit_profile_saved<C: GenericClient>(
    client: &C,
    organization_id: i64,
    version: i32,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute_typed(
            "INSERT INTO events (kind, subject_id, payload) VALUES ('organization.profile_saved', $1, $2)",
            &[(&organization_id, Type::INT8), (&serde_json::json!({ "profile_version": version }), Type::JSONB)],
        )
        .await?;
    Ok(())
}
