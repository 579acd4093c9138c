//! Domain types of the Blue Card procedure (Rozp. RM 2011; the 2023 regulation keeps the
//! forms and adds the grupa diagnostyczno-pomocowa as a forwarding target and its meeting
//! as a step): the Blue Card A form (§ 2, § 3, § 6, § 10), the card as delivered to the
//! chair of the team (§ 7, § 8), and the procedure it starts or joins (§ 9), with its
//! steps and closure (§ 18). Paragraphs are those of 2011.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::deadlines::Profile;
use crate::directory::OrgId;
pub use crate::people::Signatory;
use crate::store::codec::Versioned;
use crate::teryt::GminaCode;

/// § 2 ust. 3-4: why the form was filled in without the person experiencing violence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AbsenceReason {
    /// § 2 ust. 3: absence.
    Absent,
    /// § 2 ust. 3: state of health.
    Health,
    /// § 2 ust. 3: danger to life or health.
    Danger,
    /// § 2 ust. 4: direct contact impossible.
    ContactImpossible,
}

/// A form of violence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ViolenceForm {
    /// Physical.
    Physical,
    /// Psychological.
    Psychological,
    /// Sexual.
    Sexual,
    /// Economic.
    Economic,
    /// Through electronic communication.
    ElectronicCommunication,
    /// Other (described).
    Other,
}

/// § 6: who received Blue Card B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardBRecipient {
    /// The person experiencing violence (§ 6 ust. 1).
    PersonExperiencing,
    /// A parent or guardian of a child (§ 6 ust. 3).
    ParentOrGuardian,
    /// The person who reported, for a child (§ 6 ust. 3).
    ReportingPerson,
}

/// A person named on the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPerson {
    /// First name.
    pub first_name: String,
    /// Surname.
    pub last_name: String,
    /// Year of birth (0: unknown).
    pub birth_year: u32,
    /// A minor.
    pub minor: bool,
    /// Relationship to the persons experiencing violence.
    pub relationship: String,
}

/// Blue Card B, if handed over: to whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardB {
    /// The recipient's role.
    pub recipient: CardBRecipient,
    /// First name.
    pub first_name: String,
    /// Surname.
    pub last_name: String,
}

/// The Blue Card A form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardContent {
    /// When the procedure was started (the form filled in).
    pub started_at: Timestamp,
    /// Where.
    pub place: String,
    /// None: the person was present; Some: why not.
    pub absence: Option<AbsenceReason>,
    /// Persons experiencing violence.
    pub persons_experiencing: Vec<CardPerson>,
    /// Persons suspected.
    pub persons_suspected: Vec<CardPerson>,
    /// Children in the household.
    pub children: Vec<CardPerson>,
    /// Witnesses.
    pub witnesses: Vec<CardPerson>,
    /// Forms of violence.
    pub violence_forms: Vec<ViolenceForm>,
    /// Description of "other".
    pub violence_other: String,
    /// Injuries.
    pub injuries: String,
    /// Alcohol.
    pub alcohol: bool,
    /// Other substances.
    pub other_substances: bool,
    /// Firearms.
    pub firearms: bool,
    /// The situation.
    pub description: String,
    /// § 3 intervention actions.
    pub intervention_actions: String,
    /// § 6 Blue Card B.
    pub card_b: Option<CardB>,
    /// § 10 ust. 2 suspicion of a crime.
    pub crime_suspected: bool,
    /// Who filled it in.
    pub filled_by: Signatory,
    /// The gmina where the person experiencing violence lives.
    pub gmina: GminaCode,
}

/// A validated submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSubmission {
    /// Client-chosen UUID.
    pub card_id: String,
    /// The running procedure a repeat card joins (§ 9).
    pub procedure_id: Option<String>,
    /// The form.
    pub content: CardContent,
}

/// Where the chair passed a card: team members or a working group (2011, § 8 ust. 1), or
/// the grupa diagnostyczno-pomocowa (2023).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ForwardedTo {
    /// Members of the team (2011 profile).
    TeamMembers,
    /// A working group, grupa robocza (2011 profile).
    WorkingGroup,
    /// The grupa diagnostyczno-pomocowa (2023 profile), which replaced the grupa robocza.
    DiagnosticSupportGroup,
}

impl ForwardedTo {
    /// The rules profile whose regulation names this target, so a forwarding can be checked
    /// against the profile the card's deadline runs under.
    pub fn profile(self) -> Profile {
        match self {
            ForwardedTo::TeamMembers | ForwardedTo::WorkingGroup => Profile::Y2011,
            ForwardedTo::DiagnosticSupportGroup => Profile::Y2023,
        }
    }

    /// The targets of `profile`, as a client names them, for error messages.
    pub fn of_profile(profile: Profile) -> &'static str {
        match profile {
            Profile::Y2011 => {
                "the team members or a grupa robocza (FORWARDED_TO_TEAM_MEMBERS, \
                 FORWARDED_TO_WORKING_GROUP)"
            }
            Profile::Y2023 => {
                "the grupa diagnostyczno-pomocowa (FORWARDED_TO_DIAGNOSTIC_SUPPORT_GROUP)"
            }
        }
    }
}

/// The forwarding of a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forwarding {
    /// To whom.
    pub to: ForwardedTo,
    /// Names or designation of the recipients.
    pub recipients: String,
    /// When (reported).
    pub at: Timestamp,
    /// When recorded.
    pub recorded_at: Timestamp,
}

/// A stored card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardRecord {
    /// The id.
    pub card_id: String,
    /// SHA-256 of the submission, for idempotent retries.
    pub submission_digest: [u8; 32],
    /// The procedure.
    pub procedure_id: String,
    /// A § 9 repeat card.
    pub repeat: bool,
    /// The initiator.
    pub initiator: OrgId,
    /// The team.
    pub team: OrgId,
    /// The form.
    pub content: CardContent,
    /// When it reached lacznik.
    pub submitted_at: Timestamp,
    /// When the chair acknowledged it.
    pub acknowledged_at: Option<Timestamp>,
    /// The forwarding.
    pub forwarding: Option<Forwarding>,
    /// Position of the card in the team's inbox feed.
    pub inbox_seq: u64,
}

impl Versioned for CardRecord {
    const SCHEMA_VERSION: u8 = 1;
}

impl CardRecord {
    /// The visibility rule of a card, for reads and commands alike: its initiator and its
    /// team see it; to anyone else it does not exist (NOT_FOUND).
    pub fn visible_to(&self, org: &OrgId) -> bool {
        &self.initiator == org || &self.team == org
    }
}

/// A later step of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepKind {
    /// Form C (§ 8 ust. 2).
    FormC,
    /// Form D (§ 8 ust. 6).
    FormD,
    /// Help plan adopted (§ 16 ust. 1 pkt 4).
    HelpPlanAdopted,
    /// Help plan changed (§ 16 ust. 3).
    HelpPlanChanged,
    /// The first meeting of the group working on the case (2023: the grupa
    /// diagnostyczno-pomocowa; meets `bluecard.group_meeting`).
    GroupMeetingHeld,
}

/// A recorded step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// What.
    pub kind: StepKind,
    /// When (reported).
    pub at: Timestamp,
    /// When recorded.
    pub recorded_at: Timestamp,
}

/// § 18 ust. 1 reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClosureReason {
    /// pkt 1: violence stopped and the plan completed.
    ViolenceStopped,
    /// pkt 2: no grounds for action.
    NoGrounds,
}

/// § 18 ust. 2 protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protocol {
    /// Persons concerned.
    pub persons: Vec<String>,
    /// Start date.
    pub start: Timestamp,
    /// End date.
    pub end: Timestamp,
    /// Actions taken.
    pub actions: String,
    /// The chair.
    pub signed_by: Signatory,
}

/// The closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// Why.
    pub reason: ClosureReason,
    /// When recorded.
    pub at: Timestamp,
    /// The protocol.
    pub protocol: Protocol,
}

/// A stored procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureRecord {
    /// Server-assigned UUID.
    pub procedure_id: String,
    /// The team.
    pub team: OrgId,
    /// The gmina.
    pub gmina: GminaCode,
    /// The first card's start time.
    pub started_at: Timestamp,
    /// Its cards, in order.
    pub cards: Vec<String>,
    /// Organisations that sent a card (they see the closure, § 18 ust. 3).
    pub initiators: Vec<OrgId>,
    /// Steps.
    pub steps: Vec<Step>,
    /// The closure.
    pub closure: Option<Closure>,
}

impl Versioned for ProcedureRecord {
    const SCHEMA_VERSION: u8 = 1;
}

impl ProcedureRecord {
    /// The visibility rule of a procedure: its team and every initiator of one of its
    /// cards (they are told of the closure, § 18 ust. 3); within it, an initiator sees
    /// only the cards it may see ([`CardRecord::visible_to`]).
    pub fn visible_to(&self, org: &OrgId) -> bool {
        &self.team == org || self.initiators.contains(org)
    }

    /// Whether `org` sees everything of it (the team) rather than its own cards.
    pub fn conducted_by(&self, org: &OrgId) -> bool {
        &self.team == org
    }
}

/// A team inbox entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxEvent {
    /// The card.
    pub card_id: String,
    /// When it arrived.
    pub at: Timestamp,
}

impl Versioned for InboxEvent {
    const SCHEMA_VERSION: u8 = 1;
}
