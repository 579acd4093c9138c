//! What a standby node answers: every call to a lacznik service is UNAVAILABLE with a
//! message that says "standby" and, when the database told us, where the active node is,
//! so that a client with several addresses moves on and a person reading the error knows
//! where to look. Health and reflection still answer (health says NOT_SERVING).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tonic::Status;
use tonic::body::Body;
use tower::{Layer, Service};

/// Wraps the standby's router; the active node's address is read at every call.
#[derive(Clone)]
pub struct StandbyLayer {
    active: Arc<Mutex<Option<String>>>,
}

impl StandbyLayer {
    /// A layer naming the active node last seen in `active` (`None`: unknown).
    pub fn new(active: Arc<Mutex<Option<String>>>) -> StandbyLayer {
        StandbyLayer { active }
    }
}

impl<S> Layer<S> for StandbyLayer {
    type Service = StandbyService<S>;
    fn layer(&self, inner: S) -> StandbyService<S> {
        StandbyService {
            inner,
            active: self.active.clone(),
        }
    }
}

/// The service [`StandbyLayer`] wraps around the router.
#[derive(Clone)]
pub struct StandbyService<S> {
    inner: S,
    active: Arc<Mutex<Option<String>>>,
}

/// The message of a standby's UNAVAILABLE (ids and addresses only).
pub fn message(active: Option<&str>) -> String {
    match active {
        Some(addr) => format!(
            "standby: this lacznik node is not active; the active node is at {addr}, \
             retry there (or on any address you have)"
        ),
        None => "standby: this lacznik node is not active and no active node is known \
                 (it may be taking over, or the database is unreachable); retry shortly"
            .into(),
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, ReqBody> Service<http::Request<ReqBody>> for StandbyService<S>
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

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        if request.uri().path().starts_with("/lacznik.") {
            let active = self
                .active
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            let status = Status::unavailable(message(active.as_deref()));
            return Box::pin(async move { Ok(status.into_http()) });
        }
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(inner.call(request))
    }
}
