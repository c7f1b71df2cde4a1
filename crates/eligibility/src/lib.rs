//! Eligibility of organisations for Korean funding announcements.
//!
//! - [`extract`] turns announcement text and sources' coded fields into typed [`Rule`]s, each
//!   with its sentence, provenance and confidence.
//! - [`matcher`] checks an organisation's [`OrgFacts`] against a programme's [`ProgramFacts`]
//!   and returns a [`Verdict`]: a gate (eligible / conditional on missing facts / ineligible,
//!   each reason in Korean) and a deterministic score. [`Catalogue`] prepares many programmes
//!   once and ranks organisations against them without writing reasons nobody reads.
//!
//! `RULES.md` beside this crate lists every rule for users.

pub mod constraint;
pub mod extract;
pub mod facts;
pub mod matcher;
pub mod org_type;
pub mod range;
mod sentence;
pub mod tokens;
pub mod verdict;

pub use constraint::{AnnouncementKind, Certification, Constraint, Exclusion, LegalForm, Provenance, Rule};
pub use extract::{classify_kind, from_conditions, from_structured, from_text, Source, StructuredFields};
pub use facts::{CeoAgeBracket, OrgFacts, OrgKind, ProgramFacts, Scale, Span, Trl};
pub use matcher::{evaluate, rank, Catalogue, Judgement, MATCHER_VERSION};
pub use org_type::OrgType;
pub use range::{Bound, Range};
pub use verdict::{Field, Gate, MissingField, Reason, Verdict};

/// Rules at or above this confidence gate; below it they only warn.
pub const HARD_CONFIDENCE: f32 = 0.6;
