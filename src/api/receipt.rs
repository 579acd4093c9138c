//! `lacznik.v1.ReceiptService`: the receipts of a case the caller may see, and the latest
//! signed checkpoint of the audit log.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::convert::{page_size, page_token};
use super::{pb, record_id, split};
use crate::app::App;
use crate::error::Error;

/// The service implementation.
pub struct ReceiptApi {
    app: Arc<App>,
}

impl ReceiptApi {
    /// Wraps the application state.
    pub fn new(app: Arc<App>) -> Self {
        ReceiptApi { app }
    }
}

#[tonic::async_trait]
impl pb::receipt_service_server::ReceiptService for ReceiptApi {
    async fn list_receipts(
        &self,
        request: Request<pb::ListReceiptsRequest>,
    ) -> Result<Response<pb::ListReceiptsResponse>, Status> {
        let (caller, req) = split(request)?;
        let id = record_id(&req.case_id);
        let size = page_size("page_size", req.page_size, 100, 500)
            .map_err(|v| Error::InvalidArgument(vec![v]))?;
        let after = page_token("page_token", &req.page_token)
            .map_err(|v| Error::InvalidArgument(vec![v]))?;
        let (page, more) = crate::case_receipts::list(&self.app, &caller.org, &id, after, size)?;
        let next_page_token = match (more, page.last()) {
            (true, Some((n, _))) => n.to_string(),
            _ => String::new(),
        };
        Ok(Response::new(pb::ListReceiptsResponse {
            receipts: page.into_iter().map(|(_, jws)| jws).collect(),
            next_page_token,
        }))
    }

    async fn get_audit_checkpoint(
        &self,
        request: Request<pb::GetAuditCheckpointRequest>,
    ) -> Result<Response<pb::GetAuditCheckpointResponse>, Status> {
        let _ = split(request)?;
        let checkpoint = crate::receipt::checkpoint::latest(&self.app.store)
            .map_err(Error::from)?
            .unwrap_or_default();
        Ok(Response::new(pb::GetAuditCheckpointResponse { checkpoint }))
    }
}
