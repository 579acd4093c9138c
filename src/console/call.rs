//! A domain call made from the console, audited as its gRPC twin: the same audit scope
//! (`audit::scope`), named by the same RPC, with the channel `console` and the certificate
//! that acted. A change writes its entry inside its own command; a read or a refusal that
//! touched a case gets its entry here, with the outcome the person sees, before the page
//! is sent (a read whose entry cannot be written is not shown, as on gRPC).

use std::future::Future;

use super::viewer::Viewer;
use crate::audit::Via;
use crate::audit::scope::{self, AuditScope};
use crate::error::Error;

/// Runs `f` as the call `rpc` of `viewer` on case `case` ("" for none) inside its audit
/// scope: the case is marked touched first, as the gRPC handlers' `record_id` marks it,
/// so a read, or a refusal such as another organisation's NOT_FOUND, is logged too.
pub(crate) async fn audited<T>(
    viewer: &Viewer,
    rpc: &'static str,
    case: &str,
    f: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let audit = AuditScope::new(
        viewer.org.id.to_string(),
        rpc,
        Via::call("console", &viewer.certificate),
    );
    let case = crate::validation::normalise_id(case);
    let out = audit
        .run(async {
            crate::audit::scope::touched(&case);
            f.await
        })
        .await;
    let code = match &out {
        Ok(_) => "OK",
        Err(e) => e.code().as_str(),
    };
    metrics::counter!("lacznik_console_actions_total", "rpc" => rpc, "code" => code).increment(1);
    scope::finish(&viewer.app.store, viewer.app.clock.now(), &audit, code)
        .await
        .map_err(Error::Store)?;
    out
}

/// Request `id` as the viewer may see it (NOT_FOUND otherwise), audited as the gRPC
/// `GetAssistanceRequest` is: every page that shows or acts on a request starts here.
pub(crate) async fn read_request(
    viewer: &Viewer,
    id: &str,
) -> Result<crate::assistance::service::Detailed, Error> {
    audited(viewer, "GetAssistanceRequest", id, async {
        crate::assistance::service::get(&viewer.app, &viewer.org.id, id)
    })
    .await
}
