//! Pure functions that turn what sources publish into Connect's typed fields.
//! No I/O lives here: every function takes text and returns values.

pub mod bizno;
pub mod budget;
pub mod classify;
pub mod ksic;
pub mod period;
pub mod region;
pub mod text;

pub use bizno::{BusinessNumber, BusinessNumberError};
pub use budget::{format_krw, parse_krw};
pub use classify::{announcement_type, AnnouncementType};
pub use ksic::{Industry, KsicCode, KsicError};
pub use period::{Period, PeriodKind};
pub use region::{parse_regions, region_from_bjd_code, Region};
pub use text::{clean_line, decode_entities, html_to_text};
