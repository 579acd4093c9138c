//! `lacznik client`: a command-line client for operators, testers and small offices without
//! their own software. It talks to a server over mutual TLS with an organisation's
//! certificate (`--org ID` with the development layout, or `--cert/--key/--ca`), reads
//! requests as protobuf JSON (files or `-` for stdin; examples in `examples/`), and prints a
//! readable table or, with `--json`, JSON. A failed call prints its code, message and field
//! violations and exits with status 1.
//!
//! One module per job: this one holds the command-line types, [`run`] and the dispatch;
//! [`connect()`] opens the channel; `admin`, `assistance`, `bluecard` and `breaches` run the
//! commands of one service each; [`json`] converts between JSON and protobuf and [`output`]
//! prints.

mod admin;
mod assistance;
mod bluecard;
mod breaches;
mod connect;
pub mod json;
pub mod output;
pub mod receipts;

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::Value;
use tonic::transport::Channel;

pub use connect::{ConnectError, TlsClient, connect, mtls_channel};

/// Shown under `lacznik client --help`: the connection and output options are global, so
/// they may follow the subcommand too (a subcommand's own `--help` lists only its flags).
pub const GLOBAL_FLAGS_HELP: &str = "The options above (--addr, --tls-name, --org, --certs, \
--cert, --key, --ca, --json, --receipts-dir) may stand before or after the subcommand, e.g. \
`lacznik client --org kmp-torun assistance watch --json`.";

/// Connection and output options. They are global: accepted before or after the
/// subcommand (`lacznik client --org X assistance watch --json`).
#[derive(Debug, Args)]
pub struct ClientArgs {
    #[command(flatten)]
    connect: ConnectArgs,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// Keep every receipt the server gives (change responses, streams, pulls) in this
    /// directory, one file per receipt: DIR/<case id>.<audit position>.<event kind>.jws.
    #[arg(long, global = true, env = "LACZNIK_CLIENT_RECEIPTS_DIR")]
    receipts_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: ClientCommand,
}

/// How to reach the server and which organisation to be: the same flags for every command
/// that talks to a running server (`lacznik client`, `lacznik report`), so an operator
/// configures a connection once. Every flag is global, so it may stand before or after
/// the subcommand.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Server address, or several separated by commas (the nodes of one deployment): the
    /// first that connects and serves is used.
    #[arg(
        long,
        global = true,
        default_value = "127.0.0.1:50051",
        env = "LACZNIK_CLIENT_ADDR"
    )]
    addr: String,
    /// Name the server certificate must carry.
    #[arg(long, global = true, default_value = "localhost")]
    tls_name: String,
    /// Organisation id: uses CERTS/ID.pem, CERTS/ID.key and CERTS/ca.pem (CERTS: `--certs`).
    #[arg(long, global = true)]
    org: Option<String>,
    /// Certificate directory for --org.
    #[arg(long, global = true, default_value = "certs")]
    certs: PathBuf,
    /// Client certificate (PEM), instead of --org.
    #[arg(long, global = true, requires = "key")]
    cert: Option<PathBuf>,
    /// Client key (PEM).
    #[arg(long, global = true)]
    key: Option<PathBuf>,
    /// CA bundle that signed the server certificate.
    #[arg(long, global = true)]
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
    /// Record forwarding: team-members or working-group (2011 rules profile),
    /// diagnostic-support-group (the grupa diagnostyczno-pomocowa, 2023 profile).
    Forward {
        id: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        recipients: String,
    },
    /// Record a step of a procedure at the server's current time: form-c, form-d,
    /// help-plan-adopted, help-plan-changed or group-meeting-held (the group's first
    /// meeting, due within 5 working days of receipt under the 2023 rules profile).
    Step {
        /// The procedure id.
        procedure: String,
        #[arg(long)]
        kind: String,
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

/// What a command printed, or the failed call.
enum Outcome {
    /// A record.
    One(Value),
    /// A list of `kind` (see [`output::columns`]).
    Many(&'static str, Vec<Value>),
    /// Already printed (streams).
    Done,
}

/// The cursor a stream command saved in `path` last time (empty if none), so a restarted
/// `watch` or `pull` resumes where it stopped.
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

/// Sends the chosen command to the module of its service.
async fn execute(a: &ClientArgs, ch: Channel) -> anyhow::Result<Outcome> {
    let keeper = receipts::Keeper::new(a.receipts_dir.as_deref())?;
    match &a.command {
        ClientCommand::Whoami => admin::whoami(ch).await,
        ClientCommand::Orgs => admin::orgs(ch).await,
        ClientCommand::Admin { command } => admin::execute(command, ch).await,
        ClientCommand::Assistance { command } => {
            assistance::execute(command, a.json, &keeper, ch).await
        }
        ClientCommand::Bluecard { command } => bluecard::execute(command, &keeper, ch).await,
        ClientCommand::Breaches { command } => {
            breaches::execute(command, a.json, &keeper, ch).await
        }
    }
}
