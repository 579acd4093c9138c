//! The domain types of a police-assistance request. The content mirrors what the 2016
//! procedure requires a request to contain (pkt 1): the date and address, the client's name
//! and surname (other data where possible) with the expected behaviour, and the name,
//! surname and ID card number (numer legitymacji) of each social worker.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::directory::OrgId;
use crate::store::codec::Versioned;
use crate::teryt::GminaCode;

/// How urgent a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Urgency {
    /// At least 3 working days ahead.
    Normal,
    /// Oral first, written after the activities (sprawa niecierpiąca zwłoki).
    UrgentOral,
}

/// What the social worker will do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activity {
    /// Rodzinny wywiad środowiskowy.
    CommunityInterview,
    /// Praca socjalna w środowisku.
    SocialWork,
    /// Something else.
    Other(String),
}

/// A postal address with its gmina.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street or locality.
    pub street: String,
    /// Building number.
    pub building_number: String,
    /// Apartment number, may be empty.
    pub apartment_number: String,
    /// `NN-NNN`.
    pub postal_code: String,
    /// Town or village.
    pub city: String,
    /// The gmina (routing).
    pub gmina: GminaCode,
    /// Directions for the officers, may be empty.
    pub notes: String,
}

/// A named person (client, signatory, officer share the name fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    /// First name.
    pub first_name: String,
    /// Surname.
    pub last_name: String,
    /// Other identifying data, may be empty.
    pub other_data: String,
}

/// A social worker with the ID card number the police check at the door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialWorker {
    /// First name.
    pub first_name: String,
    /// Surname.
    pub last_name: String,
    /// Numer legitymacji.
    pub id_card_number: String,
}

pub use crate::people::Signatory;

/// An officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    /// First name.
    pub first_name: String,
    /// Surname.
    pub last_name: String,
    /// Badge number.
    pub badge_number: String,
}

/// The content of a request, as the centre writes (and amends) it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    /// Planned start of the visit.
    pub planned_start: Timestamp,
    /// Expected end of the visit.
    pub planned_end: Timestamp,
    /// Where.
    pub address: Address,
    /// At whose home.
    pub client: Client,
    /// The client's expected behaviour.
    pub expected_behaviour: String,
    /// The social workers.
    pub social_workers: Vec<SocialWorker>,
    /// What will be done.
    pub activity: Activity,
    /// The head of the centre who signs.
    pub signed_by: Signatory,
}

/// The oral request before an URGENT_ORAL one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OralRequest {
    /// When it was made.
    pub requested_at: Timestamp,
    /// Who took it.
    pub officer_name: String,
}

/// A validated submission: everything the centre sends with SubmitAssistanceRequest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// Client-chosen id (a UUID, lower-case hyphenated).
    pub request_id: String,
    /// Urgency.
    pub urgency: Urgency,
    /// For URGENT_ORAL.
    pub oral_request: Option<OralRequest>,
    /// The request.
    pub content: Content,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    /// Waiting for the police unit.
    Submitted,
    /// The police unit's system has it.
    Received,
    /// The police unit will assist.
    Accepted,
    /// The police unit will not assist.
    Declined,
    /// Cancelled by the centre.
    Cancelled,
    /// Service note filed.
    Completed,
}

impl State {
    /// Every state, for filters and exhaustive mappings.
    pub const ALL: [State; 6] = [
        State::Submitted,
        State::Received,
        State::Accepted,
        State::Declined,
        State::Cancelled,
        State::Completed,
    ];

    /// Lower-case name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Submitted => "submitted",
            State::Received => "received",
            State::Accepted => "accepted",
            State::Declined => "declined",
            State::Cancelled => "cancelled",
            State::Completed => "completed",
        }
    }
}

/// The police unit's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// True: accepted; false: declined.
    pub accepted: bool,
    /// When.
    pub at: Timestamp,
    /// Assigned officers (accepted).
    pub officers: Vec<Officer>,
    /// Why (declined).
    pub reason: String,
}

/// The written confirmation of an urgent oral request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenConfirmation {
    /// When.
    pub at: Timestamp,
    /// Who signed.
    pub signed_by: Signatory,
    /// Remarks.
    pub remarks: String,
}

/// The officer's service note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceNote {
    /// Officers present.
    pub officers: Vec<Officer>,
    /// Arrival.
    pub arrival: Timestamp,
    /// Departure.
    pub departure: Timestamp,
    /// Course of the assistance.
    pub course: String,
    /// Stayed until the social worker finished.
    pub stayed_until_finished: bool,
    /// Direct coercion used.
    pub coercion_used: bool,
    /// Which measures.
    pub coercion_measures: Vec<String>,
    /// A prohibited act was committed.
    pub prohibited_act: bool,
    /// The Police case reference.
    pub police_case_reference: String,
    /// When it was filed.
    pub filed_at: Timestamp,
}

/// What a history entry records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// Submitted.
    Submitted,
    /// Amended: which parts, and the content before.
    Amended {
        /// Parts changed.
        changed: Vec<String>,
        /// Content before the amendment.
        previous: Box<Content>,
    },
    /// RECEIVED.
    Received,
    /// ACCEPTED.
    Accepted,
    /// DECLINED.
    Declined,
    /// Cancelled.
    Cancelled,
    /// Written confirmation.
    WrittenConfirmation,
    /// Service note.
    ServiceNote,
}

impl Action {
    /// The name used on the wire and in the audit log.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Submitted => "submitted",
            Action::Amended { .. } => "amended",
            Action::Received => "received",
            Action::Accepted => "accepted",
            Action::Declined => "declined",
            Action::Cancelled => "cancelled",
            Action::WrittenConfirmation => "written_confirmation",
            Action::ServiceNote => "service_note",
        }
    }
}

/// One entry of a request's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub by: OrgId,
    /// What.
    pub action: Action,
    /// Content version after it.
    pub version: u32,
}

/// A stored request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssistanceRecord {
    /// The id.
    pub request_id: String,
    /// SHA-256 of the original submission, for idempotent retries.
    pub submission_digest: [u8; 32],
    /// The welfare centre.
    pub centre: OrgId,
    /// The police unit.
    pub police_unit: OrgId,
    /// State.
    pub state: State,
    /// Urgency.
    pub urgency: Urgency,
    /// The oral request (URGENT_ORAL).
    pub oral_request: Option<OralRequest>,
    /// Current content.
    pub content: Content,
    /// Content version.
    pub version: u32,
    /// Submitted.
    pub submitted_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// RECEIVED.
    pub received_at: Option<Timestamp>,
    /// Decision.
    pub decision: Option<Decision>,
    /// Written confirmation.
    pub written_confirmation: Option<WrittenConfirmation>,
    /// Service note.
    pub service_note: Option<ServiceNote>,
    /// Cancellation time and reason.
    pub cancellation: Option<(Timestamp, String)>,
    /// Every change.
    pub history: Vec<HistoryEntry>,
}

impl AssistanceRecord {
    /// The visibility rule of a request, used by reads and commands alike: its centre and
    /// its police unit see it; to anyone else it does not exist (NOT_FOUND, exactly as
    /// for an unknown id).
    pub fn visible_to(&self, org: &OrgId) -> bool {
        &self.centre == org || &self.police_unit == org
    }
}

impl Versioned for AssistanceRecord {
    const SCHEMA_VERSION: u8 = 1;
}

/// What the police stream reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// New request.
    New,
    /// Amended.
    Amended,
    /// Cancelled.
    Cancelled,
    /// Written confirmation.
    WrittenConfirmation,
}

/// One entry of a police unit's feed: ids and times only; the request is read when the
/// event is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedEvent {
    /// What happened.
    pub kind: EventKind,
    /// The request.
    pub request_id: String,
    /// Content version after the event.
    pub version: u32,
    /// When.
    pub at: Timestamp,
    /// The record's version (history length) after the event, which its receipt names;
    /// 0 in events stored before receipts existed.
    #[serde(default)]
    pub record_version: u64,
}

impl Versioned for FeedEvent {
    const SCHEMA_VERSION: u8 = 1;
}
