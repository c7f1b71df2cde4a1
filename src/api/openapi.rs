//! `GET /api/openapi.json`: the OpenAPI 3.1 description of the API, generated from the handlers.

use axum::Json;
use utoipa::OpenApi;

use super::{error, health, metrics, programs};

#[derive(OpenApi)]
#[openapi(
    info(title = "Connect API", description = "정부 지원사업 통합 검색과 매칭 (Korean government funding programs)"),
    paths(
        programs::search::search,
        programs::show::show,
        health::health,
        health::live,
        metrics::metrics,
        openapi,
    ),
    components(schemas(error::ErrorResponse)),
    tags(
        (name = "programs", description = "The program catalogue"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

#[utoipa::path(get, path = "/api/openapi.json", tag = "operations", responses((status = 200, description = "This document")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
