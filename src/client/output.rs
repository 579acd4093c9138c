//! Output of the client CLI: JSON with `--json`, otherwise a readable table (lists) or
//! `field: value` lines (single records), and errors with their field violations.

use serde_json::Value;

/// Columns shown for list items, by what is listed.
pub fn columns(kind: &str) -> &'static [&'static str] {
    match kind {
        "organizations" => &["id", "kind", "gminas", "active", "name"],
        "requests" => &[
            "request_id",
            "state",
            "urgency",
            "police_unit_org_id",
            "content.planned_start",
            "version",
        ],
        "cards" => &[
            "card_id",
            "state",
            "procedure_id",
            "initiator_org_id",
            "team_org_id",
            "submitted_time",
        ],
        "breaches" => &[
            "breach_id",
            "rule_id",
            "rules_profile",
            "case_id",
            "due_time",
            "recorded_time",
            "resolved_time",
            "deadline_state",
            "lateness",
        ],
        _ => &[],
    }
}

fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, key| v.get(key))
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => s
            .trim_start_matches("ORGANIZATION_KIND_")
            .trim_start_matches("ASSISTANCE_REQUEST_STATE_")
            .trim_start_matches("BLUE_CARD_STATE_")
            .trim_start_matches("URGENCY_")
            .to_string(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| cell(Some(x)))
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

/// A table of `items` with the columns for `kind`.
pub fn table(kind: &str, items: &[Value]) -> String {
    let cols = columns(kind);
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| cols.iter().map(|c| cell(at(i, c))).collect())
        .collect();
    let widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(n, c)| {
            rows.iter()
                .map(|r| r[n].chars().count())
                .max()
                .unwrap_or(0)
                .max(c.len())
        })
        .collect();
    let mut out = String::new();
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    out.push_str(&line(cols.iter().map(|c| c.to_uppercase()).collect()));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r));
        out.push('\n');
    }
    out
}

/// `field: value` lines of a record, nested fields as dotted paths (lists of objects as
/// `field[i].sub`).
pub fn record(v: &Value) -> String {
    fn walk(prefix: &str, v: &Value, out: &mut String) {
        match v {
            Value::Object(map) => {
                for (k, x) in map {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&p, x, out);
                }
            }
            Value::Array(a) if a.iter().any(|x| x.is_object()) => {
                for (i, x) in a.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), x, out);
                }
            }
            other => out.push_str(&format!("{prefix}: {}\n", cell(Some(other)))),
        }
    }
    let mut out = String::new();
    walk("", v, &mut out);
    out
}

/// A wire duration for people: `1 d 2 h`, `3 h 20 min`, `0 min` (lateness in `watch`).
pub fn duration_text(d: &prost_types::Duration) -> String {
    let mins = d.seconds.max(0) / 60;
    let (days, hours, mins) = (mins / 1440, mins / 60 % 24, mins % 60);
    match (days, hours) {
        (0, 0) => format!("{mins} min"),
        (0, h) => format!("{h} h {mins} min"),
        (d, h) => format!("{d} d {h} h"),
    }
}

/// A failed call: code, message and every field violation.
pub fn error(status: &tonic::Status) -> String {
    use tonic_types::StatusExt;
    let mut out = format!("error: {:?}: {}\n", status.code(), status.message());
    if let Some(bad) = status.get_details_bad_request() {
        for v in bad.field_violations {
            out.push_str(&format!("  {}: {}\n", v.field, v.description));
        }
    }
    out
}
