//! Grafana dashboard JSON from a panel table (`templates/grafana/dashboards/*.toml`): one collapsed-
//! never row per group, panels three to a row, ids and positions derived from the order, so the
//! JSON is stable from one render to the next.

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::{json, Value};

/// The uid of the Prometheus data source every panel uses (provisioned with the same uid).
pub const DATASOURCE_UID: &str = "connect-prometheus";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    pub uid: String,
    pub title: String,
    pub refresh: String,
    pub groups: Vec<Group>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub title: String,
    pub panels: Vec<Panel>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub title: String,
    pub unit: String,
    #[serde(default = "timeseries")]
    pub kind: String,
    pub targets: Vec<Target>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub expr: String,
    pub legend: String,
}

fn timeseries() -> String {
    "timeseries".into()
}

const PER_ROW: u32 = 3;
const WIDTH: u32 = 24 / PER_ROW;
const HEIGHT: u32 = 8;

impl Dashboard {
    pub fn parse(name: &str, text: &str) -> Result<Self> {
        toml::from_str(text).with_context(|| name.to_string())
    }

    pub fn to_json(&self) -> Value {
        let datasource = json!({ "type": "prometheus", "uid": DATASOURCE_UID });
        let mut panels = Vec::new();
        let mut id = 0;
        let mut y = 0;
        for group in &self.groups {
            id += 1;
            panels.push(json!({
                "id": id,
                "type": "row",
                "title": group.title,
                "collapsed": false,
                "gridPos": { "h": 1, "w": 24, "x": 0, "y": y },
                "panels": [],
            }));
            y += 1;
            for (i, panel) in group.panels.iter().enumerate() {
                id += 1;
                let i = i as u32;
                let targets: Vec<Value> = panel
                    .targets
                    .iter()
                    .enumerate()
                    .map(|(t, target)| {
                        json!({
                            "refId": ref_id(t),
                            "datasource": datasource,
                            "expr": target.expr,
                            "legendFormat": target.legend,
                            "range": true,
                        })
                    })
                    .collect();
                panels.push(json!({
                    "id": id,
                    "type": panel.kind,
                    "title": panel.title,
                    "datasource": datasource,
                    "gridPos": { "h": HEIGHT, "w": WIDTH, "x": (i % PER_ROW) * WIDTH, "y": y + (i / PER_ROW) * HEIGHT },
                    "fieldConfig": { "defaults": { "unit": panel.unit }, "overrides": [] },
                    "options": options(&panel.kind),
                    "targets": targets,
                }));
            }
            y += (group.panels.len() as u32).div_ceil(PER_ROW) * HEIGHT;
        }
        json!({
            "uid": self.uid,
            "title": self.title,
            "tags": ["connect"],
            "timezone": "browser",
            "editable": false,
            "graphTooltip": 1,
            "refresh": self.refresh,
            "schemaVersion": 38,
            "version": 1,
            "time": { "from": "now-6h", "to": "now" },
            "templating": { "list": [] },
            "annotations": { "list": [] },
            "panels": panels,
        })
    }

    /// Every expression, for checks.
    pub fn expressions(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().flat_map(|g| &g.panels).flat_map(|p| &p.targets).map(|t| t.expr.as_str())
    }
}

fn ref_id(index: usize) -> String {
    char::from(b'A' + (index % 26) as u8).to_string()
}

fn options(kind: &str) -> Value {
    match kind {
        "stat" => {
            json!({ "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false }, "colorMode": "value" })
        }
        _ => json!({
            "legend": { "displayMode": "list", "placement": "bottom", "showLegend": true },
            "tooltip": { "mode": "multi", "sort": "none" },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OVERVIEW: &str = include_str!("../templates/grafana/dashboards/connect-overview.toml");

    #[test]
    fn the_overview_covers_the_five_panel_groups_of_the_spec() {
        let dashboard = Dashboard::parse("overview", OVERVIEW).unwrap();
        let titles: Vec<_> = dashboard.groups.iter().map(|g| g.title.as_str()).collect();
        assert_eq!(
            titles,
            ["System overview", "Database health", "Application metrics", "Business metrics", "Security monitoring"]
        );
        let all: Vec<_> = dashboard.expressions().collect();
        for metric in [
            "node_cpu_seconds_total",
            "pg_stat_activity_count",
            "http_request_duration_seconds_bucket",
            "user_registrations_total",
            "funding_matches_total",
            "scraping_failures_total",
            "auth_failures_total",
            "rate_limited_total",
        ] {
            assert!(all.iter().any(|e| e.contains(metric)), "no panel charts {metric}");
        }
    }

    #[test]
    fn the_json_has_stable_unique_ids_and_one_data_source() {
        let json = Dashboard::parse("overview", OVERVIEW).unwrap().to_json();
        assert_eq!(json["uid"], "connect-overview");
        let panels = json["panels"].as_array().unwrap();
        let mut ids: Vec<_> = panels.iter().map(|p| p["id"].as_u64().unwrap()).collect();
        ids.dedup();
        assert_eq!(ids.len(), panels.len());
        for panel in panels.iter().filter(|p| p["type"] != "row") {
            assert_eq!(panel["datasource"]["uid"], DATASOURCE_UID);
            assert!(panel["gridPos"]["x"].as_u64().unwrap() + panel["gridPos"]["w"].as_u64().unwrap() <= 24);
            for target in panel["targets"].as_array().unwrap() {
                assert_eq!(target["datasource"]["uid"], DATASOURCE_UID);
                assert!(!target["expr"].as_str().unwrap().is_empty());
            }
        }
        assert_eq!(json, Dashboard::parse("overview", OVERVIEW).unwrap().to_json());
    }
}
