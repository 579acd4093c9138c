//! `lacznik client bluecard ...`: the Blue Card commands, one call of the Blue Card service
//! each (`forward` also asks the server for its time).

use serde_json::{Value, json};
use tonic::transport::Channel;

use super::json::{field, from_json, list, read_input, to_json};
use super::receipts::Keeper;
use super::{BlueCardCommand, Outcome, read_cursor};
use crate::api::pb;
use pb::admin_service_client::AdminServiceClient as Admin;
use pb::blue_card_service_client::BlueCardServiceClient as Cards;

/// "Now" for a forwarding or a step: the server's time (it may run on a simulated clock).
async fn server_now(ch: &Channel) -> anyhow::Result<Option<prost_types::Timestamp>> {
    Ok(Admin::new(ch.clone())
        .now(pb::NowRequest {})
        .await?
        .into_inner()
        .now)
}

/// Runs one Blue Card command over `ch`.
pub(super) async fn execute(
    command: &BlueCardCommand,
    keeper: &Keeper,
    ch: Channel,
) -> anyhow::Result<Outcome> {
    let admin_channel = ch.clone();
    let mut c = Cards::new(ch);
    let one = |r: Value, f: &str| -> anyhow::Result<Outcome> {
        keeper.keep(&r)?;
        Ok(Outcome::One(field(r, f)))
    };
    Ok(match command {
        BlueCardCommand::Submit { file } => {
            let mut input = read_input(file)?;
            if input.get("card_id").is_none() {
                input["card_id"] = json!(uuid::Uuid::new_v4().to_string());
            }
            let req: pb::SubmitBlueCardARequest =
                from_json("lacznik.v1.SubmitBlueCardARequest", &input)?;
            one(
                to_json(
                    "lacznik.v1.SubmitBlueCardAResponse",
                    &c.submit_blue_card_a(req).await?.into_inner(),
                )?,
                "card",
            )?
        }
        BlueCardCommand::Get { id } => {
            let r = c
                .get_blue_card(pb::GetBlueCardRequest {
                    card_id: id.clone(),
                })
                .await?
                .into_inner();
            one(to_json("lacznik.v1.GetBlueCardResponse", &r)?, "card")?
        }
        BlueCardCommand::List => {
            let r = c
                .list_blue_cards(pb::ListBlueCardsRequest {
                    page_size: 500,
                    ..Default::default()
                })
                .await?
                .into_inner();
            Outcome::Many(
                "cards",
                list(to_json("lacznik.v1.ListBlueCardsResponse", &r)?, "cards"),
            )
        }
        BlueCardCommand::Pull { cursor_file, wait } => {
            let req = pb::PullBlueCardsRequest {
                after_cursor: read_cursor(cursor_file),
                max_cards: 100,
                wait_seconds: *wait,
            };
            let r = c.pull_blue_cards(req).await?.into_inner();
            keeper.keep(&to_json("lacznik.v1.PullBlueCardsResponse", &r)?)?;
            std::fs::write(cursor_file, &r.next_cursor)?;
            let cards = r
                .cards
                .iter()
                .filter_map(|p| p.card.as_ref())
                .map(|card| to_json("lacznik.v1.BlueCard", card))
                .collect::<anyhow::Result<Vec<_>>>()?;
            Outcome::Many("cards", cards)
        }
        BlueCardCommand::Ack { id } => {
            let r = c
                .acknowledge_blue_card(pb::AcknowledgeBlueCardRequest {
                    card_id: id.clone(),
                })
                .await?
                .into_inner();
            one(
                to_json("lacznik.v1.AcknowledgeBlueCardResponse", &r)?,
                "card",
            )?
        }
        BlueCardCommand::Forward { id, to, recipients } => {
            let name = format!("FORWARDED_TO_{}", to.to_uppercase().replace('-', "_"));
            let to = pb::ForwardedTo::from_str_name(&name).ok_or_else(|| {
                anyhow::anyhow!(
                    "--to team-members or working-group (2011 rules profile), \
                     diagnostic-support-group (2023)"
                )
            })?;
            let now = server_now(&admin_channel).await?;
            let req = pb::RecordForwardingRequest {
                card_id: id.clone(),
                forwarded_to: to as i32,
                recipients: recipients.clone(),
                forwarded_time: now,
            };
            one(
                to_json(
                    "lacznik.v1.RecordForwardingResponse",
                    &c.record_forwarding(req).await?.into_inner(),
                )?,
                "card",
            )?
        }
        BlueCardCommand::Step { procedure, kind } => {
            let name = format!(
                "PROCEDURE_STEP_KIND_{}",
                kind.to_uppercase().replace('-', "_")
            );
            let kind = pb::ProcedureStepKind::from_str_name(&name)
                .filter(|k| *k != pb::ProcedureStepKind::Unspecified)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "--kind form-c, form-d, help-plan-adopted, help-plan-changed or \
                         group-meeting-held"
                    )
                })?;
            let now = server_now(&admin_channel).await?;
            let req = pb::RecordProcedureStepRequest {
                procedure_id: procedure.clone(),
                kind: kind as i32,
                step_time: now,
            };
            one(
                to_json(
                    "lacznik.v1.RecordProcedureStepResponse",
                    &c.record_procedure_step(req).await?.into_inner(),
                )?,
                "procedure",
            )?
        }
        BlueCardCommand::Close { file } => {
            let req: pb::CloseProcedureRequest =
                from_json("lacznik.v1.CloseProcedureRequest", &read_input(file)?)?;
            one(
                to_json(
                    "lacznik.v1.CloseProcedureResponse",
                    &c.close_procedure(req).await?.into_inner(),
                )?,
                "procedure",
            )?
        }
        BlueCardCommand::Procedure { id } => {
            let r = c
                .get_procedure(pb::GetProcedureRequest {
                    procedure_id: id.clone(),
                })
                .await?
                .into_inner();
            one(to_json("lacznik.v1.GetProcedureResponse", &r)?, "procedure")?
        }
    })
}
