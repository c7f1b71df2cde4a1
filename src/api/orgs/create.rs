//! `POST /api/orgs`: a new organisation; the caller becomes its owner.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use tokio_postgres::types::Type;

use super::{parse_business_number, validate_name, validate_profile, view, OrgView};
use crate::accounts::caller::ClientIp;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::orgs::profile::Profile;
use crate::orgs::{business_number, emit_profile_saved, Access, Kind, MemberRole};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    pub kind: Kind,
    pub name: String,
    pub business_number: Option<String>,
    #[serde(default)]
    pub profile: Profile,
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Body(form): Body<NewOrganization>,
) -> Result<(StatusCode, Json<OrgView>), ApiError> {
    let name = validate_name(&form.name)?;
    let profile = validate_profile(form.profile)?;
    let number = form.business_number.as_deref().map(parse_business_number).transpose()?;
    let keyring = &state.accounts.keyring;
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    if let Some(number) = &number {
        if business_number::owner(&*tx, keyring, number, None).await?.is_some() {
            return Err(already_registered());
        }
    }
    let stored = number.as_ref().map(|n| business_number::seal(keyring, n));
    let profile_json = serde_json::to_value(&profile).map_err(anyhow::Error::from)?;
    let inserted = tx
        .query_typed(
            "INSERT INTO organizations (kind, name, business_number, business_number_hash, profile, profile_version)
             VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (business_number_hash) DO NOTHING RETURNING id",
            &[
                (&form.kind.as_str(), Type::TEXT),
                (&name, Type::TEXT),
                (&stored.as_ref().map(|s| &s.sealed), Type::TEXT),
                (&stored.as_ref().map(|s| &s.hash), Type::TEXT),
                (&profile_json, Type::JSONB),
            ],
        )
        .await?;
    let id: i64 = inserted.first().ok_or_else(already_registered)?.get(0);
    tx.execute_typed(
        "INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, 'owner')",
        &[(&id, Type::INT8), (&caller.user_id, Type::INT8)],
    )
    .await?;
    emit_profile_saved(&*tx, id, 1).await?;
    crate::audit::record(
        &*tx,
        Some(caller.user_id),
        "organization.created",
        None,
        Some(id),
        &ip,
        serde_json::json!({}),
    )
    .await?;
    let access = Access { organization_id: id, role: Some(MemberRole::Owner), staff: caller.is_admin() };
    let org = view(&*tx, keyring, &access).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(org)))
}

pub fn already_registered() -> ApiError {
    ApiError::Conflict("이미 등록된 사업자등록번호입니다. 같은 기관이라면 기관 관리자에게 초대를 요청해 주세요".into())
}
