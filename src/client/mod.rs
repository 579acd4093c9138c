//! `lacznik client`: a command-line client for operators, testers and small offices without
//! their own software. It talks to a server over mutual TLS with an organisation's
//! certificate (`--org ID` with the development layout, or `--cert/--key/--ca`), reads
//! requests as protobuf JSON (files or `-` for stdin; examples in `examples/`), and prints a
//! readable table or, with `--json`, JSON. A failed call prints its code, message and field
//! violations and exits with status 1.

pub mod json;
pub mod output;

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

use crate::api::pb;

/// Connection and output options.
#[derive(Debug, Args)]
pub struct ClientArgs {
    #[command(flatten)]
    connect: ConnectArgs,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    command: ClientCommand,
}

/// How to reach the server and which organisation to be: the same flags for every command
/// that talks to a running server (`lacznik client`, `lacznik report`), so an operator
/// configures a connection once.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Server address.
    #[arg(long, default_value = "127.0.0.1:50051", env = "LACZNIK_CLIENT_ADDR")]
    addr: String,
    /// Name the server certificate must carry.
    #[arg(long, default_value = "localhost")]
    tls_name: String,
    /// Organisation id: uses <certs>/<org>.pem, <certs>/<org>.key and <certs>/ca.pem.
    #[arg(long)]
    org: Option<String>,
    /// Certificate directory for --org.
    #[arg(long, default_value = "certs")]
    certs: PathBuf,
    /// Client certificate (PEM), instead of --org.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// Client key (PEM).
    #[arg(long)]
    key: Option<PathBuf>,
    /// CA bundle that signed the server certificate.
    #[arg(long)]
    ca: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ClientCommand {
    /// The organisation of the certificate.
    Whoami,
    /// The directory.
    Orgs,
    /// Police-assistance requests.
    Assistance {
        #[command(subcommand)]
        command: AssistanceCommand,
    },
    /// Blue Cards.
    Bluecard {
        #[command(subcommand)]
        command: BlueCardCommand,
    },
    /// Deadline breaches.
    Breaches {
        #[command(subcommand)]
        command: BreachCommand,
    },
    /// Server time (and the simulated clock).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AssistanceCommand {
    /// Submit a request (SubmitAssistanceRequestRequest JSON; request_id generated if absent).
    Submit { file: String },
    /// One request with history, deadlines and breaches.
    Get { id: String },
    /// The caller's requests.
    List {
        /// submitted, received, accepted, declined, cancelled, completed.
        #[arg(long)]
        state: Option<String>,
    },
    /// Amend (AmendAssistanceRequestRequest JSON).
    Amend { file: String },
    /// Cancel with a reason.
    Cancel {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Acknowledge: received, accepted or declined.
    Ack {
        id: String,
        state: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// File the service note (ServiceNote JSON).
    Note { id: String, file: String },
    /// Written confirmation of an urgent oral request (SubmitWrittenConfirmationRequest JSON).
    Confirm { file: String },
    /// Follow the police stream; the cursor is kept in a file, so a restart resumes.
    Watch {
        #[arg(long, default_value = "assistance.cursor")]
        cursor_file: PathBuf,
        /// Stop after this many events (0: follow forever).
        #[arg(long, default_value_t = 0)]
        count: usize,
    },
}

#[derive(Debug, Subcommand)]
enum BlueCardCommand {
    /// Submit a card (SubmitBlueCardARequest JSON; card_id generated if absent).
    Submit { file: String },
    /// One card.
    Get { id: String },
    /// The caller's cards (initiator) or inbox (team).
    List,
    /// Pull the inbox after the cursor kept in a file.
    Pull {
        #[arg(long, default_value = "bluecard.cursor")]
        cursor_file: PathBuf,
        #[arg(long, default_value_t = 0)]
        wait: u32,
    },
    /// Acknowledge receipt.
    Ack { id: String },
    /// Record forwarding (team-members or working-group).
    Forward {
        id: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        recipients: String,
    },
    /// Close a procedure (CloseProcedureRequest JSON).
    Close { file: String },
    /// One procedure.
    Procedure { id: String },
}

#[derive(Debug, Subcommand)]
enum BreachCommand {
    /// Breaches visible to the caller.
    List {
        #[arg(long)]
        rule: Option<String>,
        #[arg(long)]
        case: Option<String>,
        /// Only open ones.
        #[arg(long)]
        open: bool,
    },
    /// Follow breach events; the cursor is kept in a file.
    Watch {
        #[arg(long, default_value = "breaches.cursor")]
        cursor_file: PathBuf,
        #[arg(long, default_value_t = 0)]
        count: usize,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// The server's time.
    Now,
    /// Move the simulated clock forward, e.g. `2h`, `30m`, `3d`, `90s`.
    Advance { by: String },
}

fn read_input(file: &str) -> anyhow::Result<Value> {
    let text = if file == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("{file}: {e}"))?
    };
    serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{file}: not JSON: {e}"))
}

/// Opens the mutual-TLS channel described by `a`, so every command reaches the server the
/// same way.
pub async fn connect(a: &ConnectArgs) -> anyhow::Result<Channel> {
    let (cert, key, ca) = match (&a.org, &a.cert, &a.key) {
        (Some(org), _, _) => (
            a.certs.join(format!("{org}.pem")),
            a.certs.join(format!("{org}.key")),
            a.ca.clone().unwrap_or_else(|| a.certs.join("ca.pem")),
        ),
        (None, Some(c), Some(k)) => (
            c.clone(),
            k.clone(),
            a.ca.clone().unwrap_or_else(|| a.certs.join("ca.pem")),
        ),
        _ => {
            anyhow::bail!("name the organisation: --org ID (dev layout) or --cert FILE --key FILE")
        }
    };
    let read = |p: &PathBuf| {
        std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
    };
    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(read(&ca)?))
        .identity(Identity::from_pem(read(&cert)?, read(&key)?))
        .domain_name(a.tls_name.clone());
    Channel::from_shared(format!("https://{}", a.addr))?
        .tls_config(tls)?
        .connect()
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to {}: {e}", a.addr))
}

/// What a command printed, or the failed call.
enum Outcome {
    /// A record.
    One(Value),
    /// A list of `kind` (see [`output::columns`]).
    Many(&'static str, Vec<Value>),
    /// Already printed (streams).
    Done,
}

fn field(v: Value, name: &str) -> Value {
    v.get(name).cloned().unwrap_or(Value::Null)
}

fn list(v: Value, name: &str) -> Vec<Value> {
    v.get(name)
        .and_then(|x| x.as_array().cloned())
        .unwrap_or_default()
}

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

fn read_cursor(path: &PathBuf) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Runs `lacznik client ...`; returns the process exit code.
pub fn run(args: ClientArgs) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let channel = connect(&args.connect).await?;
        match execute(&args, channel).await {
            Ok(Outcome::One(v)) => {
                print!(
                    "{}",
                    if args.json {
                        format!("{v:#}\n")
                    } else {
                        output::record(&v)
                    }
                );
                Ok(0)
            }
            Ok(Outcome::Many(kind, items)) => {
                if args.json {
                    println!("{:#}", Value::Array(items));
                } else {
                    print!("{}", output::table(kind, &items));
                }
                Ok(0)
            }
            Ok(Outcome::Done) => Ok(0),
            Err(e) => match e.downcast_ref::<tonic::Status>() {
                Some(status) => {
                    eprint!("{}", output::error(status));
                    Ok(1)
                }
                None => Err(e),
            },
        }
    })
}

async fn execute(a: &ClientArgs, ch: Channel) -> anyhow::Result<Outcome> {
    use json::{from_json, to_json};
    use pb::admin_service_client::AdminServiceClient as Admin;
    use pb::assistance_service_client::AssistanceServiceClient as Assist;
    use pb::blue_card_service_client::BlueCardServiceClient as Cards;
    use pb::breach_service_client::BreachServiceClient as Breaches;
    Ok(match &a.command {
        ClientCommand::Whoami => {
            let r = Admin::new(ch)
                .who_am_i(pb::WhoAmIRequest {})
                .await?
                .into_inner();
            Outcome::One(field(
                to_json("lacznik.v1.WhoAmIResponse", &r)?,
                "organization",
            ))
        }
        ClientCommand::Orgs => {
            let r = Admin::new(ch)
                .list_organizations(pb::ListOrganizationsRequest::default())
                .await?
                .into_inner();
            Outcome::Many(
                "organizations",
                list(
                    to_json("lacznik.v1.ListOrganizationsResponse", &r)?,
                    "organizations",
                ),
            )
        }
        ClientCommand::Admin { command } => {
            let mut c = Admin::new(ch);
            match command {
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
            }
        }
        ClientCommand::Assistance { command } => {
            let mut c = Assist::new(ch);
            let one = |r: Value| Outcome::One(field(r, "request"));
            match command {
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
                    )?)
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
                    )?)
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
                    )?)
                }
                AssistanceCommand::Cancel { id, reason } => {
                    let req = pb::CancelAssistanceRequestRequest {
                        request_id: id.clone(),
                        reason: reason.clone(),
                    };
                    one(to_json(
                        "lacznik.v1.CancelAssistanceRequestResponse",
                        &c.cancel_assistance_request(req).await?.into_inner(),
                    )?)
                }
                AssistanceCommand::Ack { id, state, reason } => {
                    let name = format!("ASSISTANCE_REQUEST_STATE_{}", state.to_uppercase());
                    let ack =
                        pb::AssistanceRequestState::from_str_name(&name).ok_or_else(|| {
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
                    )?)
                }
                AssistanceCommand::Note { id, file } => {
                    let note: pb::ServiceNote =
                        from_json("lacznik.v1.ServiceNote", &read_input(file)?)?;
                    let req = pb::FileServiceNoteRequest {
                        request_id: id.clone(),
                        note: Some(note),
                    };
                    one(to_json(
                        "lacznik.v1.FileServiceNoteResponse",
                        &c.file_service_note(req).await?.into_inner(),
                    )?)
                }
                AssistanceCommand::Confirm { file } => {
                    let req: pb::SubmitWrittenConfirmationRequest = from_json(
                        "lacznik.v1.SubmitWrittenConfirmationRequest",
                        &read_input(file)?,
                    )?;
                    one(to_json(
                        "lacznik.v1.SubmitWrittenConfirmationResponse",
                        &c.submit_written_confirmation(req).await?.into_inner(),
                    )?)
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
                        if a.json {
                            println!("{v}");
                        } else {
                            let r = event.request.as_ref();
                            println!(
                                "{:>6}  {:<12}  {}  v{}  {}",
                                event.cursor,
                                pb::AssistanceEventKind::try_from(event.kind)
                                    .map(|k| k
                                        .as_str_name()
                                        .trim_start_matches("ASSISTANCE_EVENT_KIND_"))
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
            }
        }
        ClientCommand::Bluecard { command } => {
            let admin_channel = ch.clone();
            let mut c = Cards::new(ch);
            let one = |r: Value, f: &str| Outcome::One(field(r, f));
            match command {
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
                    )
                }
                BlueCardCommand::Get { id } => {
                    let r = c
                        .get_blue_card(pb::GetBlueCardRequest {
                            card_id: id.clone(),
                        })
                        .await?
                        .into_inner();
                    one(to_json("lacznik.v1.GetBlueCardResponse", &r)?, "card")
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
                    )
                }
                BlueCardCommand::Forward { id, to, recipients } => {
                    let name = format!("FORWARDED_TO_{}", to.to_uppercase().replace('-', "_"));
                    let to = pb::ForwardedTo::from_str_name(&name)
                        .ok_or_else(|| anyhow::anyhow!("--to team-members or working-group"))?;
                    // "Now" is the server's time (it may run on a simulated clock).
                    let now = Admin::new(admin_channel.clone())
                        .now(pb::NowRequest {})
                        .await?
                        .into_inner()
                        .now;
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
                    )
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
                    )
                }
                BlueCardCommand::Procedure { id } => {
                    let r = c
                        .get_procedure(pb::GetProcedureRequest {
                            procedure_id: id.clone(),
                        })
                        .await?
                        .into_inner();
                    one(to_json("lacznik.v1.GetProcedureResponse", &r)?, "procedure")
                }
            }
        }
        ClientCommand::Breaches { command } => {
            let mut c = Breaches::new(ch);
            match command {
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
                        if a.json {
                            println!("{v}");
                        } else {
                            let b = event.breach.as_ref();
                            println!(
                                "{:>6}  {:<9}  {}  {}",
                                event.cursor,
                                pb::BreachEventKind::try_from(event.kind)
                                    .map(|k| k
                                        .as_str_name()
                                        .trim_start_matches("BREACH_EVENT_KIND_"))
                                    .unwrap_or("?"),
                                b.map(|b| b.rule_id.as_str()).unwrap_or("-"),
                                b.map(|b| b.case_id.as_str()).unwrap_or("-"),
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
            }
        }
    })
}
