//! `PUT /api/orgs/{id}`: name, business number and the whole profile (owners and admins). Saving
//! bumps the profile version and emits `organization.profile_saved` in the same transaction.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use tokio_postgres::types::Type;

use super::create::already_registered;
use super::{parse_business_number, validate_name, validate_profile, view, OrgView};
use crate::accounts::caller::ClientIp;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::orgs::profile::Profile;
use crate::orgs::{access, business_number, emit_profile_saved, parse_id, Kind};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationUpdate {
    pub kind: Kind,
    pub name: String,
    /// Omitted keeps the stored number; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    pub business_number: Option<Option<String>>,
    pub profile: Profile,
}

/// Tells "absent" (outer None) from "null" (Some(None)).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(form): Body<OrganizationUpdate>,
) -> Result<Json<OrgView>, ApiError> {
    let keyring = &state.accounts.keyring;
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let access = access(&*tx, parse_id(&id)?, &caller).await?;
    access.require_manager()?;
    let name = validate_name(&form.name)?;
    let profile = validate_profile(form.profile)?;
    let profile_json = serde_json::to_value(&profile).map_err(anyhow::Error::from)?;
    let rows = tx
        .query_typed(
            "UPDATE organizations SET kind = $2, name = $3, profile = $4, profile_version = profile_version + 1,
                                      updated_at = now()
              WHERE id = $1 RETURNING profile_version",
            &[
                (&access.organization_id, Type::INT8),
                (&form.kind.as_str(), Type::TEXT),
                (&name, Type::TEXT),
                (&profile_json, Type::JSONB),
            ],
        )
        .await?;
    let version: i32 = rows.first().ok_or(crate::orgs::NOT_FOUND)?.get(0);
    if let Some(number) = form.business_number {
        let stored = match number.as_deref().map(parse_business_number).transpose()? {
            Some(number) => {
                if business_number::owner(&*tx, keyring, &number, Some(access.organization_id)).await?.is_some() {
                    return Err(already_registered());
                }
                Some(business_number::seal(keyring, &number))
            }
            None => None,
        };
        tx.execute_typed(
            "UPDATE organizations SET business_number = $2, business_number_hash = $3 WHERE id = $1",
            &[
                (&access.organization_id, Type::INT8),
                (&stored.as_ref().map(|s| &s.sealed), Type::TEXT),
                (&stored.as_ref().map(|s| &s.hash), Type::TEXT),
            ],
        )
        .await?;
    }
    emit_profile_saved(&*tx, access.organization_id, version).await?;
    crate::audit::record(
        &*tx,
        Some(caller.user_id),
        "organization.profile_updated",
        None,
        Some(access.organization_id),
        &ip,
        serde_json::json!({ "profile_version": version }),
    )
    .await?;
    let org = view(&*tx, keyring, &access).await?;
    tx.commit().await?;
    Ok(Json(org))
}
