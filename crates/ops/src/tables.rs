//! Table-by-table comparison of two copies of the app database: row count and a checksum per table
//! in the `public` schema. The checksum is `md5(string_agg(md5(row::text), '' ORDER BY key))`: rows in
//! primary-key order (every column when a table has none), each row hashed first so that even a big
//! table aggregates only 32 bytes per row. Both sides use the same session settings, so dates and
//! numbers print the same way.

use std::collections::BTreeMap;
use std::fmt::Write;

use anyhow::{Context, Result};
use tokio_postgres::Client;

/// One table's figures on one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSum {
    pub rows: i64,
    pub checksum: String,
}

/// Settings that make `row::text` print the same on both servers.
const SESSION: &str = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; \
                       SET extra_float_digits = 1; SET bytea_output = 'hex'; SET search_path = public";

/// Every public table with the columns of its primary key (empty when it has none).
const TABLES: &str = "SELECT c.relname::text, \
       coalesce((SELECT array_agg(a.attname::text ORDER BY k.ord) \
                 FROM pg_index i \
                 CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                 WHERE i.indrelid = c.oid AND i.indisprimary), '{}') \
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') \
     ORDER BY 1";

/// Row count and checksum of every table in the public schema, in one read-only snapshot.
pub async fn sums(client: &mut Client) -> Result<BTreeMap<String, TableSum>> {
    client.batch_execute(SESSION).await?;
    let tx = client
        .build_transaction()
        .read_only(true)
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .start()
        .await?;
    let mut out = BTreeMap::new();
    for row in tx.query(TABLES, &[]).await? {
        let table: String = row.get(0);
        let key: Vec<String> = row.get(1);
        let query = checksum_query(&table, &key);
        let sum = tx.query_one(&query, &[]).await.with_context(|| format!("checksum of {table}"))?;
        out.insert(table, TableSum { rows: sum.get(0), checksum: sum.get(1) });
    }
    tx.commit().await?;
    Ok(out)
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

pub fn checksum_query(table: &str, key: &[String]) -> String {
    let order = if key.is_empty() {
        "t::text".to_string()
    } else {
        key.iter().map(|k| format!("t.{}", quote(k))).collect::<Vec<_>>().join(", ")
    };
    format!(
        "SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY {order})), md5('')) FROM {} AS t",
        quote(table)
    )
}

/// One line of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub table: String,
    pub live: Option<TableSum>,
    pub restored: Option<TableSum>,
}

impl Difference {
    pub fn same(&self) -> bool {
        self.live.is_some() && self.live == self.restored
    }

    fn verdict(&self) -> &'static str {
        match (&self.live, &self.restored) {
            (Some(_), None) => "MISSING in the restore",
            (None, Some(_)) => "ONLY in the restore",
            (Some(a), Some(b)) if a.rows != b.rows => "DIFFERENT rows",
            (Some(a), Some(b)) if a.checksum != b.checksum => "DIFFERENT content",
            _ => "same",
        }
    }
}

/// Every table of either side, in name order.
pub fn compare(live: &BTreeMap<String, TableSum>, restored: &BTreeMap<String, TableSum>) -> Vec<Difference> {
    let mut names: Vec<&String> = live.keys().chain(restored.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|t| Difference { table: t.clone(), live: live.get(t).cloned(), restored: restored.get(t).cloned() })
        .collect()
}

pub fn render(lines: &[Difference]) -> String {
    let width = lines.iter().map(|d| d.table.len()).max().unwrap_or(5).max(5);
    let rows = |s: &Option<TableSum>| s.as_ref().map_or("-".to_string(), |s| s.rows.to_string());
    let sum = |s: &Option<TableSum>| {
        s.as_ref().map_or("-".to_string(), |s| s.checksum[..12.min(s.checksum.len())].to_string())
    };
    let mut out = format!(
        "{:<width$} {:>10} {:>10}  {:<12}  {:<12}  result\n",
        "table", "live", "restored", "live md5", "restored md5"
    );
    for d in lines {
        let _ = writeln!(
            out,
            "{:<width$} {:>10} {:>10}  {:<12}  {:<12}  {}",
            d.table,
            rows(&d.live),
            rows(&d.restored),
            sum(&d.live),
            sum(&d.restored),
            d.verdict()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(tables: &[(&str, i64, &str)]) -> BTreeMap<String, TableSum> {
        tables.iter().map(|(t, n, c)| (t.to_string(), TableSum { rows: *n, checksum: c.to_string() })).collect()
    }

    #[test]
    fn identical_copies_compare_the_same() {
        let live = side(&[("programs", 120, "aaaa"), ("users", 2, "bbbb")]);
        let lines = compare(&live, &live.clone());
        assert!(lines.iter().all(Difference::same));
        assert!(render(&lines).contains("programs        120        120  aaaa          aaaa          same"));
    }

    #[test]
    fn every_kind_of_difference_is_caught() {
        let live = side(&[("a", 1, "x"), ("b", 2, "y"), ("c", 3, "z"), ("d", 0, "e")]);
        let restored = side(&[("a", 1, "x"), ("b", 2, "Y"), ("c", 4, "z"), ("e", 0, "e")]);
        let lines = compare(&live, &restored);
        let verdicts: Vec<(&str, &str)> = lines.iter().map(|d| (d.table.as_str(), d.verdict())).collect();
        assert_eq!(
            verdicts,
            [
                ("a", "same"),
                ("b", "DIFFERENT content"),
                ("c", "DIFFERENT rows"),
                ("d", "MISSING in the restore"),
                ("e", "ONLY in the restore")
            ]
        );
        assert_eq!(lines.iter().filter(|d| !d.same()).count(), 4);
    }

    #[test]
    fn tables_are_ordered_by_their_primary_key_or_whole_rows() {
        assert_eq!(
            checksum_query("users", &["id".into()]),
            "SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY t.\"id\")), md5('')) FROM \"users\" AS t"
        );
        assert!(checksum_query("we\"ird", &[]).contains("ORDER BY t::text)), md5('')) FROM \"we\"\"ird\" AS t"));
    }
}
