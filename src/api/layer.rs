//! The call layer: the cross-cutting work every lacznik RPC shares, done once as a tower
//! layer around the services (as tonic's `tower` and `interceptor` examples do), so the
//! handlers only decode, call the domain and encode.
//!
//! For every call to a `lacznik.v1` method it
//! 1. names the RPC from the request path (never a hand-typed string);
//! 2. opens the `rpc` span (RPC, organisation id, record id, status code; never contents);
//! 3. resolves the caller from the connection's certificate against the directory
//!    ([`super::caller`]) and puts the [`Caller`] into the request's extensions;
//! 4. takes a permit of the per-organisation in-flight limit ([`OrgLimiter`]);
//! 5. runs the handler inside the call's audit scope, then writes the audit entry of a
//!    call that touched cases without changing them, with the status the client receives
//!    (a read whose entry cannot be written is answered UNAVAILABLE instead);
//! 6. counts the call and its latency, and logs it.
//!
//! Health and reflection pass through untouched: they serve any verified connection.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use tonic::body::Body;
use tonic::{Code, Status};
use tower::{Layer, Service};
use tracing::{Instrument, field};

use super::caller::{self, Caller};
use super::limits::OrgLimiter;
use super::status::code_name;
use crate::audit::scope::{self, AuditScope};
use crate::clock::Clock;
use crate::directory::Directory;
use crate::error::Error;
use crate::store::Store;

/// What the layer needs: the directory (callers), the limiter, and the store and clock
/// the audit entries of reads go to.
pub struct CallState {
    /// Callers are looked up here on every call.
    pub directory: Arc<Directory>,
    /// Per-organisation in-flight limit.
    pub limiter: OrgLimiter,
    /// Where audit entries of reads and refusals are written.
    pub store: Store,
    /// Their time.
    pub clock: Arc<dyn Clock>,
}

/// The tower layer; see the module docs.
#[derive(Clone)]
pub struct CallLayer {
    state: Arc<CallState>,
}

impl CallLayer {
    /// A layer sharing `state` across all connections.
    pub fn new(state: CallState) -> CallLayer {
        CallLayer {
            state: Arc::new(state),
        }
    }
}

impl<S> Layer<S> for CallLayer {
    type Service = CallService<S>;
    fn layer(&self, inner: S) -> CallService<S> {
        CallService {
            inner,
            state: self.state.clone(),
        }
    }
}

/// The service [`CallLayer`] wraps around the router.
#[derive(Clone)]
pub struct CallService<S> {
    inner: S,
    state: Arc<CallState>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, ReqBody> Service<http::Request<ReqBody>> for CallService<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
    ReqBody: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        // The clone that was made ready is the one that serves this call (tower's rule).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let Some(rpc) = rpc_name(request.uri().path()) else {
            return Box::pin(inner.call(request));
        };
        let state = self.state.clone();
        let span = tracing::info_span!(
            "rpc",
            rpc,
            org = field::Empty,
            record_id = field::Empty,
            code = field::Empty
        );
        Box::pin(
            async move {
                let started = Instant::now();
                let caller = match caller::resolve(request.extensions(), &state.directory) {
                    Ok(c) => c,
                    Err(e) => return Ok(finish(rpc, refuse(e), started)),
                };
                tracing::Span::current().record("org", caller.org.id.as_str());
                let _permit = match state.limiter.acquire(caller.org.id.as_str()) {
                    Ok(p) => p,
                    Err(e) => return Ok(finish(rpc, refuse(e), started)),
                };
                let audit = AuditScope::new(
                    caller.org.id.to_string(),
                    rpc,
                    crate::audit::Via::call("grpc", &caller.certificate),
                );
                request.extensions_mut().insert(caller);
                let Ok(response) = audit.run(inner.call(request)).await;
                let code = code_of(&response);
                let response = match scope::finish(
                    &state.store,
                    state.clock.now(),
                    &audit,
                    code_name(code),
                )
                .await
                {
                    Ok(()) => response,
                    Err(e) => {
                        tracing::error!(error = %e, "audit entry could not be written; the call is refused");
                        refuse(Error::Store(e))
                    }
                };
                Ok(finish(rpc, response, started))
            }
            .instrument(span),
        )
    }
}

/// The method name of a `lacznik.v1` RPC path (`/lacznik.v1.AssistanceService/Get...`),
/// from the package's own descriptors; `None` for other services (health, reflection).
/// An unknown method of the package is named `unknown`, so metric labels stay bounded.
fn rpc_name(path: &str) -> Option<&'static str> {
    static METHODS: OnceLock<HashMap<String, String>> = OnceLock::new();
    if !path.starts_with("/lacznik.v1.") {
        return None;
    }
    let methods = METHODS.get_or_init(|| {
        let mut m = HashMap::new();
        if let Ok(pool) = prost_reflect::DescriptorPool::decode(super::pb::FILE_DESCRIPTOR_SET) {
            for service in pool.services() {
                for method in service.methods() {
                    let path = format!("/{}/{}", service.full_name(), method.name());
                    m.insert(path, method.name().to_string());
                }
            }
        }
        m
    });
    Some(methods.get(path).map_or("unknown", String::as_str))
}

/// The status an answer carries: in the headers for an error (trailers-only), none for a
/// unary success or a stream that started (its end status comes later, in trailers).
fn code_of(response: &http::Response<Body>) -> Code {
    response
        .headers()
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i32>().ok())
        .map_or(Code::Ok, Code::from_i32)
}

fn refuse(e: Error) -> http::Response<Body> {
    Status::from(e).into_http()
}

/// Records the status code in the span, counts the call and logs it.
fn finish(
    rpc: &'static str,
    response: http::Response<Body>,
    started: Instant,
) -> http::Response<Body> {
    let code = code_of(&response);
    tracing::Span::current().record("code", field::debug(code));
    metrics::counter!("lacznik_rpc_requests_total", "rpc" => rpc, "code" => format!("{code:?}"))
        .increment(1);
    metrics::histogram!("lacznik_rpc_duration_seconds", "rpc" => rpc)
        .record(started.elapsed().as_secs_f64());
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    if matches!(code, Code::Internal | Code::Unavailable) {
        tracing::warn!(elapsed_us, "rpc failed");
    } else {
        tracing::info!(elapsed_us, "rpc");
    }
    response
}

/// The caller the layer resolved, and the message, for a handler: decode starts here.
pub fn split<T>(request: tonic::Request<T>) -> Result<(Caller, T), Status> {
    let caller = request.extensions().get::<Caller>().cloned();
    match caller {
        Some(c) => Ok((c, request.into_inner())),
        // Only if a service were mounted without the layer: a server bug, not the caller's.
        None => Err(Status::internal("the call layer did not run")),
    }
}
