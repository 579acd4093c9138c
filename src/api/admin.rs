//! `lacznik.v1.AdminService`: who am I, the directory.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::pb;
use super::{Caller, call};
use crate::app::App;
use crate::directory::{OrgKind, Organization};
use crate::error::Error;
use crate::teryt::GminaCode;

/// The service implementation; holds the shared application state.
pub struct AdminApi {
    app: Arc<App>,
}

impl AdminApi {
    /// Wraps the application state.
    pub fn new(app: Arc<App>) -> Self {
        AdminApi { app }
    }
}

/// Maps a directory kind to the wire enum.
pub fn kind_to_pb(kind: OrgKind) -> pb::OrganizationKind {
    use pb::OrganizationKind as K;
    match kind {
        OrgKind::WelfareCentre => K::WelfareCentre,
        OrgKind::PoliceUnit => K::PoliceUnit,
        OrgKind::Team => K::Team,
        OrgKind::AlcoholCommission => K::AlcoholCommission,
        OrgKind::Education => K::Education,
        OrgKind::HealthCare => K::HealthCare,
        OrgKind::MilitaryPolice => K::MilitaryPolice,
        OrgKind::Supervisor => K::Supervisor,
        OrgKind::Admin => K::Admin,
    }
}

fn kind_from_pb(value: i32) -> Result<Option<OrgKind>, Error> {
    use pb::OrganizationKind as K;
    let kind = K::try_from(value)
        .map_err(|_| Error::invalid("kind", format!("unknown organisation kind {value}")))?;
    Ok(match kind {
        K::Unspecified => None,
        K::WelfareCentre => Some(OrgKind::WelfareCentre),
        K::PoliceUnit => Some(OrgKind::PoliceUnit),
        K::Team => Some(OrgKind::Team),
        K::AlcoholCommission => Some(OrgKind::AlcoholCommission),
        K::Education => Some(OrgKind::Education),
        K::HealthCare => Some(OrgKind::HealthCare),
        K::MilitaryPolice => Some(OrgKind::MilitaryPolice),
        K::Supervisor => Some(OrgKind::Supervisor),
        K::Admin => Some(OrgKind::Admin),
    })
}

/// Maps a directory entry to the wire message.
pub fn org_to_pb(org: &Organization) -> pb::Organization {
    pb::Organization {
        id: org.id.to_string(),
        name: org.name.clone(),
        kind: kind_to_pb(org.kind) as i32,
        gminas: org.gminas.iter().map(|g| g.to_string()).collect(),
        active: org.active,
    }
}

#[tonic::async_trait]
impl pb::admin_service_server::AdminService for AdminApi {
    async fn who_am_i(
        &self,
        request: Request<pb::WhoAmIRequest>,
    ) -> Result<Response<pb::WhoAmIResponse>, Status> {
        call(
            &self.app,
            "WhoAmI",
            request,
            |caller: Caller, _| async move {
                Ok(pb::WhoAmIResponse {
                    organization: Some(org_to_pb(&caller.org)),
                })
            },
        )
        .await
    }

    async fn list_organizations(
        &self,
        request: Request<pb::ListOrganizationsRequest>,
    ) -> Result<Response<pb::ListOrganizationsResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "ListOrganizations",
            request,
            |_caller, req| async move {
                let kind = kind_from_pb(req.kind)?;
                let gmina = if req.gmina.is_empty() {
                    None
                } else {
                    Some(req.gmina.parse::<GminaCode>().map_err(|e| {
                        Error::invalid("gmina", format!("not a valid TERYT gmina code: {e}"))
                    })?)
                };
                let organizations = app
                    .directory
                    .iter()
                    .filter(|o| kind.is_none_or(|k| o.kind == k))
                    .filter(|o| gmina.is_none_or(|g| o.gminas.contains(&g)))
                    .map(org_to_pb)
                    .collect();
                Ok(pb::ListOrganizationsResponse { organizations })
            },
        )
        .await
    }
}
