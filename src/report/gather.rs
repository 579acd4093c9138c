//! Collects a report's data from the running server: the caller, the server's time, the
//! directory's names and every breach of the range (all pages of
//! `BreachService.ListBreaches`), so the renderers work on a complete, fixed snapshot.

use std::collections::BTreeMap;

use anyhow::Context;
use jiff::Timestamp;
use tonic::transport::Channel;

use super::{BreachRecord, Caller, DateRange, Report};
use crate::api::pb;
use crate::api::pb::admin_service_client::AdminServiceClient;
use crate::api::pb::breach_service_client::BreachServiceClient;
use crate::client::ConnectArgs;
use crate::teryt::GminaCode;

/// The largest page the server gives (fewer round trips for a year's report).
const PAGE_SIZE: u32 = 1000;

/// Connects as `conn` says and gathers the report of `range`, keeping only breaches of
/// `gminas` (all visible ones when empty).
pub async fn gather(
    conn: &ConnectArgs,
    range: DateRange,
    gminas: &[GminaCode],
) -> anyhow::Result<Report> {
    let channel = crate::client::connect(conn).await?;
    let mut admin = AdminServiceClient::new(channel.clone());
    let caller = admin
        .who_am_i(pb::WhoAmIRequest {})
        .await
        .map_err(|s| rpc_error("WhoAmI", s))?
        .into_inner()
        .organization
        .map(|o| Caller {
            id: o.id,
            name: o.name,
            gminas: o.gminas,
        })
        .unwrap_or_default();
    let generated = admin
        .now(pb::NowRequest {})
        .await
        .map_err(|s| rpc_error("Now", s))?
        .into_inner()
        .now
        .context("the server sent no time")
        .and_then(|t| from_pb(&t))?;
    let org_names = admin
        .list_organizations(pb::ListOrganizationsRequest::default())
        .await
        .map_err(|s| rpc_error("ListOrganizations", s))?
        .into_inner()
        .organizations
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect::<BTreeMap<_, _>>();
    let breaches = list_all(channel, range)
        .await?
        .into_iter()
        .filter(|b| gminas.is_empty() || gminas.iter().any(|g| g.as_str() == b.gmina))
        .map(record_from_pb)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Report {
        range,
        gminas: gminas.to_vec(),
        caller,
        generated,
        breaches,
        org_names,
    })
}

/// Every breach due within `range` that the caller may see, following the page tokens.
async fn list_all(channel: Channel, range: DateRange) -> anyhow::Result<Vec<pb::Breach>> {
    let mut client = BreachServiceClient::new(channel);
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_breaches(pb::ListBreachesRequest {
                due_from: Some(crate::api::convert::ts_to_pb(range.start())),
                due_to: Some(crate::api::convert::ts_to_pb(range.end())),
                page_size: PAGE_SIZE,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .map_err(|s| rpc_error("ListBreaches", s))?
            .into_inner();
        all.extend(page.breaches);
        if page.next_page_token.is_empty() {
            return Ok(all);
        }
        if page.next_page_token == token {
            anyhow::bail!("ListBreaches returned the same page token twice; giving up");
        }
        token = page.next_page_token;
    }
}

/// A failed call as an operator reads it (the code and the server's message).
fn rpc_error(rpc: &str, s: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!("{rpc} failed: {:?}: {}", s.code(), s.message())
}

fn from_pb(t: &prost_types::Timestamp) -> anyhow::Result<Timestamp> {
    Timestamp::new(t.seconds, t.nanos).context("the server sent an invalid timestamp")
}

/// A wire breach as a report record; an error if the server left out a required time.
pub fn record_from_pb(b: pb::Breach) -> anyhow::Result<BreachRecord> {
    let required = |t: &Option<prost_types::Timestamp>, what: &str| {
        t.as_ref()
            .with_context(|| format!("breach {} has no {what}", b.breach_id))
            .and_then(from_pb)
    };
    let due = required(&b.due_time, "due_time")?;
    let recorded = required(&b.recorded_time, "recorded_time")?;
    let resolved = b.resolved_time.as_ref().map(from_pb).transpose()?;
    let case_kind = match pb::CaseKind::try_from(b.case_kind) {
        Ok(pb::CaseKind::AssistanceRequest) => "assistance_request",
        Ok(pb::CaseKind::BlueCard) => "blue_card",
        _ => "unspecified",
    };
    Ok(BreachRecord {
        breach_id: b.breach_id,
        rule_id: b.rule_id,
        legal_basis: b.legal_basis,
        case_kind,
        case_id: b.case_id,
        gmina: b.gmina,
        responsible_org_id: b.responsible_org_id,
        due,
        recorded,
        resolved,
        // A server from before rules profiles sends none: it had the 2011 rules only.
        rules_profile: if b.rules_profile.is_empty() {
            "2011".into()
        } else {
            b.rules_profile
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wire_breach_becomes_a_record() {
        let ts = |s: i64| {
            Some(prost_types::Timestamp {
                seconds: s,
                nanos: 0,
            })
        };
        let wire = pb::Breach {
            breach_id: "7".into(),
            rule_id: "bluecard.receipt".into(),
            legal_basis: "lacznik default".into(),
            case_kind: pb::CaseKind::BlueCard as i32,
            case_id: "c".into(),
            occurrence: 1,
            gmina: "2416053".into(),
            due_time: ts(1_800_000_000),
            recorded_time: ts(1_800_000_001),
            resolved_time: None,
            responsible_org_id: "zi-lazy".into(),
            party_org_ids: vec![],
            rules_profile: String::new(),
            deadline_state: "breached".into(),
            lateness: None,
        };
        let r = record_from_pb(wire.clone()).unwrap();
        assert_eq!(r.case_kind, "blue_card");
        assert_eq!(r.due.as_second(), 1_800_000_000);
        assert!(r.is_open());
        assert_eq!(r.state(), "open");
        assert_eq!(r.deadline_state(), "breached");
        assert_eq!(r.rules_profile, "2011", "an older server's breach");
        let r = record_from_pb(pb::Breach {
            rules_profile: "2023".into(),
            resolved_time: ts(1_800_000_100),
            ..wire.clone()
        })
        .unwrap();
        assert_eq!(
            (r.rules_profile.as_str(), r.deadline_state()),
            ("2023", "met_late")
        );
        let e = record_from_pb(pb::Breach {
            due_time: None,
            ..wire
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("breach 7 has no due_time"), "{e}");
    }
}
