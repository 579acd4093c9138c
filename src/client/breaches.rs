//! `lacznik client breaches ...`: the deadline-breach commands (the list, and the breach
//! event stream for `watch`).

use tonic::transport::Channel;

use super::json::{list, to_json};
use super::receipts::Keeper;
use super::{BreachCommand, Outcome, read_cursor};
use crate::api::pb;
use pb::breach_service_client::BreachServiceClient as Breaches;

/// Runs one breach command over `ch`; `as_json` selects the line format of `watch`, which
/// prints as it goes.
pub(super) async fn execute(
    command: &BreachCommand,
    as_json: bool,
    keeper: &Keeper,
    ch: Channel,
) -> anyhow::Result<Outcome> {
    let mut c = Breaches::new(ch);
    Ok(match command {
        BreachCommand::List { rule, case, open } => {
            let req = pb::ListBreachesRequest {
                rule_id: rule.clone().unwrap_or_default(),
                case_id: case.clone().unwrap_or_default(),
                state: if *open {
                    pb::BreachState::Open as i32
                } else {
                    0
                },
                page_size: 1000,
                ..Default::default()
            };
            let r = c.list_breaches(req).await?.into_inner();
            Outcome::Many(
                "breaches",
                list(to_json("lacznik.v1.ListBreachesResponse", &r)?, "breaches"),
            )
        }
        BreachCommand::Watch { cursor_file, count } => {
            let mut stream = c
                .watch_breaches(pb::WatchBreachesRequest {
                    after_cursor: read_cursor(cursor_file),
                })
                .await?
                .into_inner();
            let mut seen = 0;
            while let Some(event) = stream.message().await? {
                let v = to_json("lacznik.v1.WatchBreachesResponse", &event)?;
                keeper.keep(&v)?;
                if as_json {
                    println!("{v}");
                } else {
                    let b = event.breach.as_ref();
                    // The deadline's state (breached / met_late, with the lateness) and the
                    // rules profile it was judged by follow the rule and the case.
                    let late = b
                        .and_then(|b| b.lateness.as_ref())
                        .map(|d| format!(" by {}", super::output::duration_text(d)))
                        .unwrap_or_default();
                    println!(
                        "{:>6}  {:<9}  {}  {}  {}{late}  profile {}",
                        event.cursor,
                        pb::BreachEventKind::try_from(event.kind)
                            .map(|k| k.as_str_name().trim_start_matches("BREACH_EVENT_KIND_"))
                            .unwrap_or("?"),
                        b.map(|b| b.rule_id.as_str()).unwrap_or("-"),
                        b.map(|b| b.case_id.as_str()).unwrap_or("-"),
                        b.map(|b| b.deadline_state.as_str()).unwrap_or("-"),
                        b.map(|b| b.rules_profile.as_str()).unwrap_or("-"),
                    );
                }
                std::fs::write(cursor_file, &event.cursor)?;
                seen += 1;
                if *count > 0 && seen >= *count {
                    break;
                }
            }
            Outcome::Done
        }
    })
}
