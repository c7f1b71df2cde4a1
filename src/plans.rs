//! Plans and what each one allows, in one place. Billing (prices, periods, status) builds on this;
//! every limit a feature checks comes from [`limits`].

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Plan {
    Free,
    Pro,
    Team,
}

impl Plan {
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "FREE",
            Plan::Pro => "PRO",
            Plan::Team => "TEAM",
        }
    }

    pub fn parse(s: &str) -> Option<Plan> {
        match s {
            "FREE" => Some(Plan::Free),
            "PRO" => Some(Plan::Pro),
            "TEAM" => Some(Plan::Team),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Members an organisation may have, owner included.
    pub seats: u32,
    /// Matches shown at once; `None` is all of them.
    pub visible_matches: Option<u32>,
}

pub fn limits(plan: Plan) -> Limits {
    match plan {
        Plan::Free => Limits { seats: 2, visible_matches: Some(10) },
        Plan::Pro => Limits { seats: 5, visible_matches: None },
        Plan::Team => Limits { seats: 20, visible_matches: None },
    }
}
