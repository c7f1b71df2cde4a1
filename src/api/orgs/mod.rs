//! `/api/orgs/…`: organisations, their profile, members, invitations and documents. Every handler
//! starts with [`crate::orgs::access`]: non-members get 404.

pub mod create;
pub mod documents;
pub mod invitations;
pub mod members;
pub mod show;
pub mod update;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::api::error::ApiError;
use crate::orgs::profile::{completeness, Completeness, Profile};
use crate::orgs::{business_number, Access, Kind, MemberRole};
use crate::plans::{self, Plan};

#[derive(Serialize)]
pub struct OrgView {
    pub id: i64,
    pub kind: Kind,
    pub name: String,
    /// `123-45-67890` for the organisation's members; masked (`123-45-*****`) for Connect staff.
    pub business_number: Option<String>,
    pub plan: Plan,
    pub seats: Seats,
    pub profile: Profile,
    pub profile_version: i32,
    pub completeness: Completeness,
    /// The caller's role in it; `null` for staff reading as administrators.
    pub my_role: Option<MemberRole>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct Seats {
    pub used: i64,
    pub limit: u32,
}

pub async fn view<C: GenericClient>(
    client: &C,
    keyring: &vault::Keyring,
    access: &Access,
) -> Result<OrgView, ApiError> {
    let rows = client
        .query_typed(
            "SELECT id, kind, name, business_number, profile, profile_version, created_at, updated_at,
                    (SELECT count(*) FROM memberships m WHERE m.organization_id = o.id)
               FROM organizations o WHERE id = $1",
            &[(&access.organization_id, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or(crate::orgs::NOT_FOUND)?;
    let kind = Kind::parse(row.get(1)).ok_or_else(|| anyhow::anyhow!("unknown organisation kind"))?;
    let sealed: Option<String> = row.get(3);
    let business_number = match &sealed {
        Some(sealed) => {
            let number = business_number::open(keyring, sealed)?;
            Some(if access.is_member() { number.formatted() } else { number.masked() })
        }
        None => None,
    };
    let plan = plans::entitlement(client, access.organization_id, chrono::Utc::now()).await?.plan;
    let profile: Profile = serde_json::from_value(row.get(4)).map_err(anyhow::Error::from)?;
    Ok(OrgView {
        id: row.get(0),
        kind,
        name: row.get(2),
        business_number,
        plan,
        seats: Seats { used: row.get(8), limit: plans::limits(plan).seats },
        completeness: completeness(kind, &profile, sealed.is_some()),
        profile,
        profile_version: row.get(5),
        my_role: access.role,
        created_at: row.get(6),
        updated_at: row.get(7),
    })
}

/// Parses a business number from a form, naming the field on error.
pub fn parse_business_number(raw: &str) -> Result<normalize::bizno::BusinessNumber, ApiError> {
    normalize::bizno::BusinessNumber::parse(raw).map_err(|e| ApiError::bad("business_number", e.to_string()))
}

pub fn validate_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad("name", "기관 이름은 1자 이상 100자 이하여야 합니다"));
    }
    Ok(name.to_string())
}

pub fn validate_profile(profile: Profile) -> Result<Profile, ApiError> {
    let today = crate::catalog::Clock::now().today();
    profile.validate(today).map_err(|e| ApiError::bad(&e.field, e.message))
}
