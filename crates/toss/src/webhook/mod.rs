//! Webhooks Toss POSTs to Connect.
//!
//! Toss does not sign `PAYMENT_STATUS_CHANGED` events, so their body is only a hint: parse it
//! with [`WebhookEvent::parse`], then let [`crate::Client::verify_event`] re-fetch the payment from
//! Toss and act on what that returns. Events arrive at least once and in any order (Toss resends
//! until it gets HTTP 200, up to 7 times over about 4 days); re-fetching makes a duplicate or a
//! stale event harmless. Answer 200 once the event is handled or found to be bogus
//! ([`crate::TossError::Unverified`]), and a 5xx when Toss could not be asked, so it resends.
//!
//! Secret-bearing events (`DEPOSIT_CALLBACK`) carry the payment's `secret`; `verify_event` compares
//! it in constant time with the one stored when the payment was made.
//!
//! The webhook versions that sign (payouts and sellers, `payout.changed` / `seller.changed`) send
//! `tosspayments-webhook-transmission-time` and `tosspayments-webhook-signature` headers; check
//! those with [`verify_signature`] and the merchant's webhook security key.

mod event;
mod signature;
mod verify;

pub use event::WebhookEvent;
pub use signature::{sign, verify_signature, SignatureError, SIGNATURE_HEADER, TRANSMISSION_TIME_HEADER};
