//! Resolving the organisation behind a call: the TLS layer attached the certificate's
//! organisation id to the connection; here it is looked up in the directory on every call
//! (so suspending an organisation takes effect at once, without a reconnect).

use crate::directory::{Directory, Organization};
use crate::error::Error;
use crate::identity::Peer;

/// A caller the domain can trust: a known, active organisation.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The organisation as the directory knows it.
    pub org: Organization,
    /// The SHA-256 fingerprint of the certificate that called (the audit names it).
    pub certificate: String,
}

/// Resolves the caller of a request (from its extensions, where the TLS layer put the
/// connection's [`Peer`]) or says why it cannot be served.
pub fn resolve(extensions: &http::Extensions, directory: &Directory) -> Result<Caller, Error> {
    let peer = extensions.get::<Peer>().ok_or_else(|| {
        Error::Unauthenticated("connection carries no verified client certificate".into())
    })?;
    let org_id = peer
        .org
        .as_ref()
        .map_err(|e| Error::Unauthenticated(e.to_string()))?;
    let org = directory.get(org_id).ok_or_else(|| {
        Error::Unauthenticated(format!(
            "organisation {org_id} named by the client certificate is not in the directory"
        ))
    })?;
    if !org.active {
        return Err(Error::PermissionDenied(format!(
            "organisation {org_id} is suspended in the directory"
        )));
    }
    Ok(Caller {
        org: org.clone(),
        certificate: peer.certificate.clone(),
    })
}
