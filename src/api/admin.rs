//! `lacznik.v1.AdminService`: who am I, the directory.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::convert::{ts_required, ts_to_pb};
use super::pb;
use super::split;
use crate::app::App;
use crate::directory::{OrgKind, Organization};
use crate::error::Error;
use crate::teryt::GminaCode;
use crate::training;

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
        let (caller, _) = split(request)?;
        Ok(Response::new(pb::WhoAmIResponse {
            organization: Some(org_to_pb(&caller.org)),
        }))
    }

    async fn list_organizations(
        &self,
        request: Request<pb::ListOrganizationsRequest>,
    ) -> Result<Response<pb::ListOrganizationsResponse>, Status> {
        let (_caller, req) = split(request)?;
        let kind = kind_from_pb(req.kind)?;
        let gmina = if req.gmina.is_empty() {
            None
        } else {
            let g = req.gmina.parse::<GminaCode>().map_err(|e| {
                Error::invalid("gmina", format!("not a valid TERYT gmina code: {e}"))
            })?;
            Some(g)
        };
        let organizations = self
            .app
            .directory
            .iter()
            .filter(|o| kind.is_none_or(|k| o.kind == k))
            .filter(|o| gmina.is_none_or(|g| o.gminas.contains(&g)))
            .map(org_to_pb)
            .collect();
        Ok(Response::new(pb::ListOrganizationsResponse {
            organizations,
        }))
    }

    async fn now(
        &self,
        request: Request<pb::NowRequest>,
    ) -> Result<Response<pb::NowResponse>, Status> {
        split(request)?;
        Ok(Response::new(pb::NowResponse {
            now: Some(ts_to_pb(self.app.clock.now())),
            simulated: self.app.clock.simulated().is_some(),
            rules_profile: self.app.deadlines.rules().profile().to_string(),
        }))
    }

    async fn advance_clock(
        &self,
        request: Request<pb::AdvanceClockRequest>,
    ) -> Result<Response<pb::AdvanceClockResponse>, Status> {
        let (caller, req) = split(request)?;
        // Authorisation and mode are judged before the argument.
        training::clock_for(&self.app, &caller.org)?;
        let by = match req.by {
            Some(d) if d.seconds >= 0 && (0..1_000_000_000).contains(&d.nanos) => {
                jiff::SignedDuration::new(d.seconds, d.nanos)
            }
            Some(_) => {
                return Err(Error::invalid("by", "must be a valid, non-negative duration").into());
            }
            None => return Err(Error::invalid("by", "required").into()),
        };
        let now = training::advance(&self.app, &caller.org, by).await?;
        Ok(Response::new(pb::AdvanceClockResponse {
            now: Some(ts_to_pb(now)),
        }))
    }

    async fn set_clock(
        &self,
        request: Request<pb::SetClockRequest>,
    ) -> Result<Response<pb::SetClockResponse>, Status> {
        let (caller, req) = split(request)?;
        training::clock_for(&self.app, &caller.org)?;
        let to = ts_required("to", req.to.as_ref()).map_err(|v| Error::InvalidArgument(vec![v]))?;
        let now = training::set(&self.app, &caller.org, to).await?;
        Ok(Response::new(pb::SetClockResponse {
            now: Some(ts_to_pb(now)),
        }))
    }
}
