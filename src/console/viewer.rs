//! Who is looking at a page: the organisation the connection's client certificate names,
//! resolved against the directory on every request by the gRPC endpoint's own
//! `api::caller::resolve` (so a suspension takes effect at once here too), with the
//! certificate that acted and the role the organisation's kind gives it.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use http::request::Parts;

use super::ConsoleState;
use super::error::ConsoleError;
use super::page::Frame;
pub(crate) use super::page::Role;
use crate::app::App;
use crate::directory::Organization;

/// The organisation behind a request, with the application it is served from.
pub(crate) struct Viewer {
    /// The active term's application.
    pub app: Arc<App>,
    /// The organisation as the directory knows it now.
    pub org: Organization,
    /// The SHA-256 fingerprint of the certificate that acted (the audit names it).
    pub certificate: String,
    /// What the console shows it.
    pub role: Role,
}

impl FromRequestParts<ConsoleState> for Viewer {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Viewer, ConsoleError> {
        let app = state.app.borrow().clone().ok_or(ConsoleError::Standby)?;
        let caller = crate::api::caller::resolve(&parts.extensions, &app.directory)?;
        Ok(Viewer {
            role: Role::of(caller.org.kind),
            app,
            org: caller.org,
            certificate: caller.certificate,
        })
    }
}

impl Viewer {
    /// The frame of a page titled `title` for this viewer, `current` being the page's
    /// place in the navigation.
    pub fn frame(&self, title: impl Into<String>, current: &str) -> Frame {
        Frame::new(&self.org, self.role, title.into(), current)
    }
}
