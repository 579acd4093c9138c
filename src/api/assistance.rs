//! `lacznik.v1.AssistanceService` (skeleton until its issue lands).

use std::sync::Arc;

use super::pb;
use crate::app::App;

/// The service implementation; holds the shared application state.
pub struct AssistanceApi {
    #[allow(dead_code)]
    app: Arc<App>,
}

impl AssistanceApi {
    /// Wraps the application state.
    pub fn new(app: Arc<App>) -> Self {
        AssistanceApi { app }
    }
}

#[tonic::async_trait]
impl pb::assistance_service_server::AssistanceService for AssistanceApi {}
