//! `lacznik.v1.BreachService` (skeleton until its issue lands).

use std::sync::Arc;

use super::pb;
use crate::app::App;

/// The service implementation; holds the shared application state.
pub struct BreachApi {
    #[allow(dead_code)]
    app: Arc<App>,
}

impl BreachApi {
    /// Wraps the application state.
    pub fn new(app: Arc<App>) -> Self {
        BreachApi { app }
    }
}

#[tonic::async_trait]
impl pb::breach_service_server::BreachService for BreachApi {}
