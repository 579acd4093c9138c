//! `lacznik.v1.AdminService`: who am I, the directory.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::convert::{ts_required, ts_to_pb};
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

    async fn now(
        &self,
        request: Request<pb::NowRequest>,
    ) -> Result<Response<pb::NowResponse>, Status> {
        let app = self.app.clone();
        call(&self.app, "Now", request, |_caller, _| async move {
            Ok(pb::NowResponse {
                now: Some(ts_to_pb(app.clock.now())),
                simulated: app.clock.simulated().is_some(),
            })
        })
        .await
    }

    async fn advance_clock(
        &self,
        request: Request<pb::AdvanceClockRequest>,
    ) -> Result<Response<pb::AdvanceClockResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "AdvanceClock",
            request,
            |caller, req| async move {
                // Authorisation and mode are judged before the argument.
                require_admin(&caller)?;
                simulated(&app)?;
                let by = match req.by {
                    Some(d) if d.seconds >= 0 && (0..1_000_000_000).contains(&d.nanos) => {
                        jiff::SignedDuration::new(d.seconds, d.nanos)
                    }
                    Some(_) => {
                        return Err(Error::invalid(
                            "by",
                            "must be a valid, non-negative duration",
                        ));
                    }
                    None => return Err(Error::invalid("by", "required")),
                };
                let now = move_clock(&app, &caller, |c| {
                    c.advance(by)
                        .map_err(|e| Error::invalid("by", e.to_string()))
                })
                .await?;
                Ok(pb::AdvanceClockResponse { now: Some(now) })
            },
        )
        .await
    }

    async fn set_clock(
        &self,
        request: Request<pb::SetClockRequest>,
    ) -> Result<Response<pb::SetClockResponse>, Status> {
        let app = self.app.clone();
        call(&self.app, "SetClock", request, |caller, req| async move {
            require_admin(&caller)?;
            simulated(&app)?;
            let to =
                ts_required("to", req.to.as_ref()).map_err(|v| Error::InvalidArgument(vec![v]))?;
            let now = move_clock(&app, &caller, |c| {
                c.set(to).map_err(|e| Error::invalid("to", e.to_string()))
            })
            .await?;
            Ok(pb::SetClockResponse { now: Some(now) })
        })
        .await
    }
}

fn require_admin(caller: &Caller) -> Result<(), Error> {
    if caller.org.kind == OrgKind::Admin {
        Ok(())
    } else {
        Err(Error::PermissionDenied(format!(
            "only admin organisations may move the clock; {} is a {}",
            caller.org.id,
            caller.org.kind.as_str()
        )))
    }
}

fn simulated(app: &App) -> Result<&crate::clock::SimulatedClock, Error> {
    app.clock.simulated().ok_or_else(|| {
        Error::FailedPrecondition(
            "the server runs on the real clock; start it with --simulated-clock to move time"
                .into(),
        )
    })
}

/// Moves the simulated clock, then sweeps at once so that breaches due by the new instant
/// are recorded when the call returns (deterministic for training and black-box tests).
async fn move_clock(
    app: &App,
    caller: &Caller,
    mv: impl FnOnce(&crate::clock::SimulatedClock) -> Result<jiff::Timestamp, Error>,
) -> Result<prost_types::Timestamp, Error> {
    require_admin(caller)?;
    let clock = simulated(app)?;
    let now = mv(clock)?;
    tracing::info!(now = %now, "simulated clock moved");
    crate::deadlines::sweeper::sweep_now(app).await?;
    Ok(ts_to_pb(now))
}
