//! Billing for Connect staff (the `Admin` extractor: 403 for everyone else): subscriptions, payments
//! with their tax-invoice details, refunds and users' refund requests. Every call is audited.

pub mod payments;
pub mod refund;
pub mod refund_requests;
pub mod subscriptions;

use serde::Deserialize;

pub const PAGE_SIZE: i64 = 50;

#[derive(Deserialize)]
pub struct Page {
    pub page: Option<i64>,
    pub status: Option<String>,
    pub organization_id: Option<i64>,
}

impl Page {
    pub fn offset(&self) -> i64 {
        (self.page.unwrap_or(1).max(1) - 1) * PAGE_SIZE
    }
}
