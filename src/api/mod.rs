//! The gRPC adapter: the only code that sees generated protobuf types or tonic. Each
//! service has one file that maps proto <-> domain and calls the domain; [`status`] maps
//! domain errors to gRPC statuses; [`call`] wraps every handler with identity resolution,
//! the per-RPC tracing span and the status code record.

pub mod admin;
pub mod assistance;
pub mod assistance_map;
mod assistance_stream;
pub mod audit_scope;
pub mod blue_card;
pub mod blue_card_map;
pub mod breach;
pub mod caller;
pub mod convert;
pub mod limits;
pub mod status;

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use tonic::{Request, Response, Status};
use tracing::{Instrument, field};

use crate::app::App;
use crate::error::Error;
pub use caller::Caller;

/// Generated code of the `lacznik.v1` package, kept behind this module.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod pb {
    tonic::include_proto!("lacznik.v1");

    /// Encoded descriptors of the package, served by gRPC reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        tonic::include_file_descriptor_set!("lacznik_descriptor");
}

/// Runs one unary RPC: resolves the caller from the connection's certificate, opens the
/// span (organisation id, RPC name, record id, status code; never record contents), runs
/// the handler and maps its error.
pub async fn call<Req, Resp, F, Fut>(
    app: &Arc<App>,
    rpc: &'static str,
    request: Request<Req>,
    handler: F,
) -> Result<Response<Resp>, Status>
where
    F: FnOnce(Caller, Req) -> Fut,
    Fut: Future<Output = Result<Resp, Error>>,
{
    let span = tracing::info_span!(
        "rpc",
        rpc,
        org = field::Empty,
        record_id = field::Empty,
        code = field::Empty
    );
    let started = Instant::now();
    async move {
        let result = match caller::resolve(&request, &app.directory) {
            Ok(caller) => {
                tracing::Span::current().record("org", caller.org.id.as_str());
                let _permit = match app.org_limiter.acquire(caller.org.id.as_str()) {
                    Ok(p) => p,
                    Err(e) => return finish_rpc(rpc, Err(e), started),
                };
                let scope = audit_scope::AuditScope::new(caller.org.id.to_string(), rpc);
                let out = audit_scope::SCOPE
                    .scope(scope.clone(), handler(caller, request.into_inner()))
                    .await;
                audit_scope::finish(app, &scope, out).await
            }
            Err(e) => Err(e),
        };
        finish_rpc(rpc, result, started)
    }
    .instrument(span)
    .await
}

/// Maps the outcome, records the status code in the span and logs the call.
fn finish_rpc<Resp>(
    rpc: &'static str,
    result: Result<Resp, Error>,
    started: Instant,
) -> Result<Response<Resp>, Status> {
    let result = result.map(Response::new).map_err(Status::from);
    let code = match &result {
        Ok(_) => tonic::Code::Ok,
        Err(s) => s.code(),
    };
    tracing::Span::current().record("code", field::debug(code));
    metrics::counter!("lacznik_rpc_requests_total", "rpc" => rpc, "code" => format!("{code:?}"))
        .increment(1);
    metrics::histogram!("lacznik_rpc_duration_seconds", "rpc" => rpc)
        .record(started.elapsed().as_secs_f64());
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    if matches!(code, tonic::Code::Internal | tonic::Code::Unavailable) {
        tracing::warn!(elapsed_us, "rpc failed");
    } else {
        tracing::info!(elapsed_us, "rpc");
    }
    result
}

/// Records the id of the record an RPC works on in the current span, and marks the case
/// as touched for the audit log (also when the call then fails: who tried what is logged).
pub fn record_id(id: &str) {
    tracing::Span::current().record("record_id", id);
    audit_scope::touched(&id.trim().to_lowercase());
}
