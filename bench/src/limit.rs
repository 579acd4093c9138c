//! The limit a submission is measured against: the same bytes over the same mutual-TLS
//! stack, made durable with group commit, and nothing else.
//!
//! A stand-in `lacznik.v1.AssistanceService` answers `SubmitAssistanceRequest` at once with
//! the real server's own answer to the same request, captured in this run ([`real_answer`]),
//! so the bench's unchanged submit client sends and receives the same bytes as in the
//! submit phase; every other method is UNIMPLEMENTED. It is served over lacznik's own TLS
//! configuration ([`lacznik::tls::server_config`]), accept path
//! ([`lacznik::server::accept_tls`]: connection limit, handshake deadline, identity read
//! per connection) and tonic settings ([`lacznik::server::transport`]), on a runtime like
//! the real server's, with no call layer, domain or store. Two variants:
//!
//! - **echo**: answers at once (the transport's limit);
//! - **durable echo**: first appends the request's bytes to a file in the run's temp root
//!   through a group-commit writer ([`GroupLog`]: one thread takes every waiting append,
//!   writes them, calls one `fdatasync`, then answers them all, as `store/commit.rs`'s
//!   flusher does with the engine's flush). This is the honest limit of a durable
//!   submission on this machine.

use std::fs::File;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use jiff::Timestamp;
use lacznik::api::pb;
use lacznik::api::pb::assistance_service_client::AssistanceServiceClient;
use lacznik::api::pb::assistance_service_server::{AssistanceService, AssistanceServiceServer};
use lacznik::config::Config;
use prost::Message;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use tonic::{Request, Response, Status};

use super::env::Endpoint;
use super::load::{self, Measured, Rpc};
use super::requests;

/// One submission exactly as the submit phase makes it (same template, fresh id), sent to
/// the real server: the echo services give this very answer back, so their answers are the
/// real server's bytes (its size goes to `meta.submit_answer_bytes`; the real answers of
/// the submit phase differ from it by a byte or two of varint-encoded times at most).
pub async fn real_answer(ep: &Endpoint) -> Result<pb::SubmitAssistanceRequestResponse> {
    let ch = ep.channel(Rpc::Submit.org()).await?;
    let mut req = requests::normal("", requests::visit_start(Timestamp::now()));
    req.request_id = requests::new_id();
    let answer = AssistanceServiceClient::new(ch)
        .submit_assistance_request(req)
        .await
        .map_err(|s| anyhow!("the real server's answer: {:?}: {}", s.code(), s.message()))?
        .into_inner();
    if answer.request.is_none() {
        bail!("the real server answered a submission without the request");
    }
    Ok(answer)
}

/// One append waiting for the group commit, and who to tell when it is durable.
struct Append {
    bytes: Vec<u8>,
    done: oneshot::Sender<Result<(), String>>,
}

/// A file of appended records behind a group-commit writer thread; see the module docs.
/// Dropping it ends the thread once the appends already sent are answered.
pub struct GroupLog {
    appends: std_mpsc::Sender<Append>,
}

impl GroupLog {
    /// Creates `path` (truncated) and starts its writer thread. The thread is named
    /// `lacznik-flusher` so that `host.rs` counts its CPU where the real flusher's goes.
    pub fn create(path: &Path) -> Result<GroupLog> {
        let file = File::create(path).with_context(|| path.display().to_string())?;
        let (tx, rx) = std_mpsc::channel::<Append>();
        std::thread::Builder::new()
            .name("lacznik-flusher".into())
            .spawn(move || group_commit(file, rx))
            .context("start the group-commit thread")?;
        Ok(GroupLog { appends: tx })
    }

    /// Appends one record (a 4-byte big-endian length, then `bytes`) and returns once it is
    /// on disk (after the `fdatasync` of the group it went out with).
    pub async fn append(&self, bytes: Vec<u8>) -> Result<(), String> {
        let (done, durable) = oneshot::channel();
        self.appends
            .send(Append { bytes, done })
            .map_err(|_| "the group-commit thread ended".to_string())?;
        durable
            .await
            .map_err(|_| "the group-commit thread ended".to_string())?
    }
}

/// Takes every waiting append, writes them in one `write`, one `fdatasync`, answers all.
fn group_commit(mut file: File, appends: std_mpsc::Receiver<Append>) {
    let mut buf = Vec::new();
    while let Ok(first) = appends.recv() {
        let mut group = vec![first];
        while let Ok(more) = appends.try_recv() {
            group.push(more);
        }
        buf.clear();
        for a in &group {
            let len = u32::try_from(a.bytes.len()).unwrap_or(u32::MAX);
            buf.extend_from_slice(&len.to_be_bytes());
            buf.extend_from_slice(&a.bytes);
        }
        let written = file
            .write_all(&buf)
            .and_then(|()| file.sync_data())
            .map_err(|e| e.to_string());
        for a in group {
            let _ = a.done.send(written.clone());
        }
    }
}

/// The stand-in service: the captured answer, and the log when durable.
struct Echo {
    answer: pb::SubmitAssistanceRequestResponse,
    log: Option<GroupLog>,
}

type NoStream = Pin<
    Box<dyn futures::Stream<Item = Result<pb::StreamAssistanceRequestsResponse, Status>> + Send>,
>;

fn unimplemented<T>() -> Result<Response<T>, Status> {
    Err(Status::unimplemented(
        "the bench's echo service answers submissions only",
    ))
}

#[tonic::async_trait]
impl AssistanceService for Echo {
    async fn submit_assistance_request(
        &self,
        request: Request<pb::SubmitAssistanceRequestRequest>,
    ) -> Result<Response<pb::SubmitAssistanceRequestResponse>, Status> {
        if let Some(log) = &self.log {
            // The request's bytes as they came (prost re-encodes the decoded message to
            // the same bytes: the client sends fields in order, no unknown ones).
            let bytes = request.into_inner().encode_to_vec();
            log.append(bytes).await.map_err(Status::unavailable)?;
        }
        Ok(Response::new(self.answer.clone()))
    }

    async fn get_assistance_request(
        &self,
        _: Request<pb::GetAssistanceRequestRequest>,
    ) -> Result<Response<pb::GetAssistanceRequestResponse>, Status> {
        unimplemented()
    }

    async fn list_assistance_requests(
        &self,
        _: Request<pb::ListAssistanceRequestsRequest>,
    ) -> Result<Response<pb::ListAssistanceRequestsResponse>, Status> {
        unimplemented()
    }

    async fn amend_assistance_request(
        &self,
        _: Request<pb::AmendAssistanceRequestRequest>,
    ) -> Result<Response<pb::AmendAssistanceRequestResponse>, Status> {
        unimplemented()
    }

    async fn cancel_assistance_request(
        &self,
        _: Request<pb::CancelAssistanceRequestRequest>,
    ) -> Result<Response<pb::CancelAssistanceRequestResponse>, Status> {
        unimplemented()
    }

    async fn submit_written_confirmation(
        &self,
        _: Request<pb::SubmitWrittenConfirmationRequest>,
    ) -> Result<Response<pb::SubmitWrittenConfirmationResponse>, Status> {
        unimplemented()
    }

    type StreamAssistanceRequestsStream = NoStream;

    async fn stream_assistance_requests(
        &self,
        _: Request<pb::StreamAssistanceRequestsRequest>,
    ) -> Result<Response<NoStream>, Status> {
        unimplemented()
    }

    async fn acknowledge_assistance_request(
        &self,
        _: Request<pb::AcknowledgeAssistanceRequestRequest>,
    ) -> Result<Response<pb::AcknowledgeAssistanceRequestResponse>, Status> {
        unimplemented()
    }

    async fn file_service_note(
        &self,
        _: Request<pb::FileServiceNoteRequest>,
    ) -> Result<Response<pb::FileServiceNoteResponse>, Status> {
        unimplemented()
    }
}

/// An echo server in this process, on its own runtime named like the real server's (so
/// its CPU counts as `server_runtime`).
pub struct EchoServer {
    /// Where it listens.
    pub addr: SocketAddr,
    rt: Option<Runtime>,
    stop: Option<lacznik::shutdown::Trigger>,
    handle: Option<tokio::task::JoinHandle<Result<()>>>,
}

impl EchoServer {
    /// Serves the echo on `127.0.0.1:0` with `config`'s TLS files and limits; durable when
    /// `log` names the file to append to.
    pub fn start(
        config: &Config,
        answer: pb::SubmitAssistanceRequestResponse,
        log: Option<&Path>,
    ) -> Result<EchoServer> {
        let tls = lacznik::tls::server_config(&config.tls_paths())?;
        let log = log.map(GroupLog::create).transpose()?;
        // As `server::term` sets it on lacznik's services.
        let service = AssistanceServiceServer::new(Echo { answer, log })
            .max_decoding_message_size(config.max_message_bytes);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("lacznik")
            .build()?;
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let (trigger, stop) = lacznik::shutdown::Trigger::new();
        let config = config.clone();
        let handle = rt.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener)?;
            let mut served = stop.clone();
            let incoming = lacznik::server::accept_tls(&config, listener, tls, stop);
            lacznik::server::transport(&config.limits)
                .add_service(service)
                .serve_with_incoming_shutdown(incoming, async move { served.recv().await })
                .await?;
            Ok(())
        });
        Ok(EchoServer {
            addr,
            rt: Some(rt),
            stop: Some(trigger),
            handle: Some(handle),
        })
    }

    /// Stops accepting, lets the calls in flight finish and waits.
    pub fn stop(mut self, client: &Runtime) -> Result<()> {
        if let Some(t) = self.stop.take() {
            t.fire();
        }
        let result = match self.handle.take() {
            Some(h) => client
                .block_on(h)
                .map_err(|e| anyhow!("echo server task: {e}"))
                .and_then(|r| r.context("echo server")),
            None => Ok(()),
        };
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(Duration::from_secs(10));
        }
        result
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        if let Some(t) = self.stop.take() {
            t.fire();
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// The limit phases' measurements: (concurrency, measured) for echo and durable echo.
pub struct Limits {
    /// Answers at once.
    pub echo: Vec<(usize, Measured)>,
    /// Answers once the request is durable.
    pub durable: Vec<(usize, Measured)>,
}

/// Runs the submit client against echo, then durable echo (the log in `root/limit`), at
/// each of `concurrencies`, with the same warm-up and window as the submit phase.
pub fn measure(
    client: &Runtime,
    root: &Path,
    config: &Config,
    answer: &pb::SubmitAssistanceRequestResponse,
    concurrencies: &[usize],
    warmup: Duration,
    window: Duration,
) -> Result<Limits> {
    let dir = root.join("limit");
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    let log: PathBuf = dir.join("requests.log");
    let run = |durable: bool| -> Result<Vec<(usize, Measured)>> {
        let server = EchoServer::start(config, answer.clone(), durable.then_some(log.as_path()))?;
        let ep = Endpoint::new(root, server.addr)?;
        client.block_on(load::check_once(&ep, Rpc::Submit))?;
        let mut rows = Vec::new();
        for &n in concurrencies {
            let m = client.block_on(load::closed_loop(
                &ep,
                Rpc::Submit,
                n,
                warmup,
                window,
                || {},
            ))?;
            eprintln!(
                "{:<8} c={:<3} {:>8.0}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}",
                if durable { "DurEcho" } else { "Echo" },
                n,
                m.throughput(),
                m.ms(0.5),
                m.ms(0.99),
                m.errors
            );
            rows.push((n, m));
        }
        server.stop(client)?;
        Ok(rows)
    };
    let echo = run(false)?;
    let durable = run(true)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Limits { echo, durable })
}
