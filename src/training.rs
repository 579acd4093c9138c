//! Moving the simulated clock (training rooms and black-box tests, `--simulated-clock`):
//! only admin organisations may, only on a simulated clock, and the deadline sweep runs
//! before the answer, so breaches due by the new instant are recorded when the call
//! returns (deterministic for the people and the tests watching).

use jiff::{SignedDuration, Timestamp};

use crate::app::App;
use crate::clock::SimulatedClock;
use crate::directory::{Actor, Organization};
use crate::error::Error;

/// The simulated clock `caller` may move; judged before the call's argument, so a
/// non-admin learns nothing about the clock's mode from a bad argument.
pub fn clock_for<'a>(app: &'a App, caller: &Organization) -> Result<&'a SimulatedClock, Error> {
    caller.require(Actor::Admin, "move the clock")?;
    app.clock.simulated().ok_or_else(|| {
        Error::FailedPrecondition(
            "the server runs on the real clock; start it with --simulated-clock to move time"
                .into(),
        )
    })
}

/// AdvanceClock by `by` (not negative).
pub async fn advance(
    app: &App,
    caller: &Organization,
    by: SignedDuration,
) -> Result<Timestamp, Error> {
    let now = clock_for(app, caller)?
        .advance(by)
        .map_err(|e| Error::invalid("by", e.to_string()))?;
    swept(app, now).await
}

/// SetClock to `to` (not earlier than now).
pub async fn set(app: &App, caller: &Organization, to: Timestamp) -> Result<Timestamp, Error> {
    let now = clock_for(app, caller)?
        .set(to)
        .map_err(|e| Error::invalid("to", e.to_string()))?;
    swept(app, now).await
}

async fn swept(app: &App, now: Timestamp) -> Result<Timestamp, Error> {
    tracing::info!(now = %now, "simulated clock moved");
    app.sweeper().sweep_now().await?;
    Ok(now)
}
