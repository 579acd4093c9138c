//! `lacznik.v1.BlueCardService` (skeleton until its issue lands).

use std::sync::Arc;

use super::pb;
use crate::app::App;

/// The service implementation; holds the shared application state.
pub struct BlueCardApi {
    #[allow(dead_code)]
    app: Arc<App>,
}

impl BlueCardApi {
    /// Wraps the application state.
    pub fn new(app: Arc<App>) -> Self {
        BlueCardApi { app }
    }
}

#[tonic::async_trait]
impl pb::blue_card_service_server::BlueCardService for BlueCardApi {}
