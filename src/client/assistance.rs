//! `lacznik client assistance ...`: the police-assistance commands, one call of the
//! assistance service each (and the police stream for `watch`).

use serde_json::{Value, json};
use tonic::transport::Channel;

use super::json::{field, from_json, list, read_input, to_json};
use super::receipts::Keeper;
use super::{AssistanceCommand, Outcome, read_cursor};
use crate::api::pb;
use pb::assistance_service_client::AssistanceServiceClient as Assist;

/// Runs one assistance command over `ch`; `as_json` selects the line format of `watch`, which
/// prints as it goes.
pub(super) async fn execute(
    command: &AssistanceCommand,
    as_json: bool,
    keeper: &Keeper,
    ch: Channel,
) -> anyhow::Result<Outcome> {
    let mut c = Assist::new(ch);
    let one = |r: Value| -> anyhow::Result<Outcome> {
        keeper.keep(&r)?;
        Ok(Outcome::One(field(r, "request")))
    };
    Ok(match command {
        AssistanceCommand::Submit { file } => {
            let mut input = read_input(file)?;
            if input.get("request_id").is_none() {
                input["request_id"] = json!(uuid::Uuid::new_v4().to_string());
            }
            let req: pb::SubmitAssistanceRequestRequest =
                from_json("lacznik.v1.SubmitAssistanceRequestRequest", &input)?;
            one(to_json(
                "lacznik.v1.SubmitAssistanceRequestResponse",
                &c.submit_assistance_request(req).await?.into_inner(),
            )?)?
        }
        AssistanceCommand::Get { id } => {
            let r = c
                .get_assistance_request(pb::GetAssistanceRequestRequest {
                    request_id: id.clone(),
                })
                .await?;
            one(to_json(
                "lacznik.v1.GetAssistanceRequestResponse",
                &r.into_inner(),
            )?)?
        }
        AssistanceCommand::List { state } => {
            let mut req = pb::ListAssistanceRequestsRequest {
                page_size: 500,
                ..Default::default()
            };
            if let Some(s) = state {
                let name = format!("ASSISTANCE_REQUEST_STATE_{}", s.to_uppercase());
                req.state = pb::AssistanceRequestState::from_str_name(&name)
                    .ok_or_else(|| anyhow::anyhow!("unknown state {s}"))?
                    as i32;
            }
            let r = c.list_assistance_requests(req).await?.into_inner();
            Outcome::Many(
                "requests",
                list(
                    to_json("lacznik.v1.ListAssistanceRequestsResponse", &r)?,
                    "requests",
                ),
            )
        }
        AssistanceCommand::Amend { file } => {
            let req: pb::AmendAssistanceRequestRequest = from_json(
                "lacznik.v1.AmendAssistanceRequestRequest",
                &read_input(file)?,
            )?;
            one(to_json(
                "lacznik.v1.AmendAssistanceRequestResponse",
                &c.amend_assistance_request(req).await?.into_inner(),
            )?)?
        }
        AssistanceCommand::Cancel { id, reason } => {
            let req = pb::CancelAssistanceRequestRequest {
                request_id: id.clone(),
                reason: reason.clone(),
            };
            one(to_json(
                "lacznik.v1.CancelAssistanceRequestResponse",
                &c.cancel_assistance_request(req).await?.into_inner(),
            )?)?
        }
        AssistanceCommand::Ack { id, state, reason } => {
            let name = format!("ASSISTANCE_REQUEST_STATE_{}", state.to_uppercase());
            let ack = pb::AssistanceRequestState::from_str_name(&name).ok_or_else(|| {
                anyhow::anyhow!("acknowledgement: received, accepted or declined")
            })?;
            let req = pb::AcknowledgeAssistanceRequestRequest {
                request_id: id.clone(),
                acknowledgement: ack as i32,
                officers: vec![],
                reason: reason.clone(),
            };
            one(to_json(
                "lacznik.v1.AcknowledgeAssistanceRequestResponse",
                &c.acknowledge_assistance_request(req).await?.into_inner(),
            )?)?
        }
        AssistanceCommand::Note { id, file } => {
            let note: pb::ServiceNote = from_json("lacznik.v1.ServiceNote", &read_input(file)?)?;
            let req = pb::FileServiceNoteRequest {
                request_id: id.clone(),
                note: Some(note),
            };
            one(to_json(
                "lacznik.v1.FileServiceNoteResponse",
                &c.file_service_note(req).await?.into_inner(),
            )?)?
        }
        AssistanceCommand::Confirm { file } => {
            let req: pb::SubmitWrittenConfirmationRequest = from_json(
                "lacznik.v1.SubmitWrittenConfirmationRequest",
                &read_input(file)?,
            )?;
            one(to_json(
                "lacznik.v1.SubmitWrittenConfirmationResponse",
                &c.submit_written_confirmation(req).await?.into_inner(),
            )?)?
        }
        AssistanceCommand::Watch { cursor_file, count } => {
            let mut stream = c
                .stream_assistance_requests(pb::StreamAssistanceRequestsRequest {
                    after_cursor: read_cursor(cursor_file),
                })
                .await?
                .into_inner();
            let mut seen = 0;
            while let Some(event) = stream.message().await? {
                let v = to_json("lacznik.v1.StreamAssistanceRequestsResponse", &event)?;
                keeper.keep(&v)?;
                if as_json {
                    println!("{v}");
                } else {
                    let r = event.request.as_ref();
                    println!(
                        "{:>6}  {:<12}  {}  v{}  {}",
                        event.cursor,
                        pb::AssistanceEventKind::try_from(event.kind)
                            .map(|k| k.as_str_name().trim_start_matches("ASSISTANCE_EVENT_KIND_"))
                            .unwrap_or("?"),
                        r.map(|r| r.request_id.as_str()).unwrap_or("-"),
                        event.version,
                        r.map(|r| r.centre_org_id.as_str()).unwrap_or("-"),
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
