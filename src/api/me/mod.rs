//! `/api/me/…`: the logged-in person's own account: password, data export and deletion (PIPA).

pub mod delete;
pub mod export;
pub mod notifications;
pub mod password;
pub mod saved;
