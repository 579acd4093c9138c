//! `lacznik client whoami|orgs|admin ...`: the administration service: who the caller is,
//! the directory, and the server's (possibly simulated) clock.

use tonic::transport::Channel;

use super::json::{field, list, to_json};
use super::{AdminCommand, Outcome};
use crate::api::pb;
use pb::admin_service_client::AdminServiceClient as Admin;

/// `whoami`: the organisation named by the caller's certificate.
pub(super) async fn whoami(ch: Channel) -> anyhow::Result<Outcome> {
    let r = Admin::new(ch)
        .who_am_i(pb::WhoAmIRequest {})
        .await?
        .into_inner();
    Ok(Outcome::One(field(
        to_json("lacznik.v1.WhoAmIResponse", &r)?,
        "organization",
    )))
}

/// `orgs`: the directory of organisations.
pub(super) async fn orgs(ch: Channel) -> anyhow::Result<Outcome> {
    let r = Admin::new(ch)
        .list_organizations(pb::ListOrganizationsRequest::default())
        .await?
        .into_inner();
    Ok(Outcome::Many(
        "organizations",
        list(
            to_json("lacznik.v1.ListOrganizationsResponse", &r)?,
            "organizations",
        ),
    ))
}

/// Runs one `admin` command (server time, moving the simulated clock) over `ch`.
pub(super) async fn execute(command: &AdminCommand, ch: Channel) -> anyhow::Result<Outcome> {
    let mut c = Admin::new(ch);
    Ok(match command {
        AdminCommand::Now => Outcome::One(to_json(
            "lacznik.v1.NowResponse",
            &c.now(pb::NowRequest {}).await?.into_inner(),
        )?),
        AdminCommand::Advance { by } => {
            let r = c
                .advance_clock(pb::AdvanceClockRequest {
                    by: Some(parse_duration(by)?),
                })
                .await?
                .into_inner();
            Outcome::One(to_json("lacznik.v1.AdvanceClockResponse", &r)?)
        }
    })
}

/// Parses a clock step such as `2h`, `30m`, `3d` or `90s` (bare digits are seconds), the
/// form an operator types for `admin advance`.
fn parse_duration(s: &str) -> anyhow::Result<prost_types::Duration> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| anyhow::anyhow!("duration like 2h, 30m, 3d or 90s"))?;
    let secs = match unit {
        "s" | "" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => anyhow::bail!("duration unit: s, m, h or d"),
    };
    Ok(prost_types::Duration {
        seconds: secs,
        nanos: 0,
    })
}
