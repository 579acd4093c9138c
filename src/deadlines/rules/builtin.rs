//! The built-in rule profile: each rule with its legal basis as quoted in breach records
//! and in `lacznik rules`. Kept apart from the rule types so that the legal content can be
//! read and reviewed on its own; `[rules.<id>]` overrides apply on top of it
//! ([`RuleSet::with_overrides`]).

use super::{Anchor, CaseKind, Condition, Direction, Event, Role, Rule, RuleSet, Unit};

const ALL_ROLES: [Role; 3] = [Role::Sender, Role::Recipient, Role::Supervisor];

#[allow(clippy::too_many_arguments)]
fn rule(
    id: &str,
    legal_basis: &str,
    description: &str,
    case_kind: CaseKind,
    starts: &[Event],
    condition: Condition,
    (anchor, direction, length, unit, roll): (Anchor, Direction, u32, Unit, bool),
    satisfied_by: &[Event],
    cancelled_by: &[Event],
    responsible: Role,
) -> Rule {
    Rule {
        id: id.into(),
        legal_basis: legal_basis.into(),
        description: description.into(),
        case_kind,
        starts: starts.to_vec(),
        condition,
        anchor,
        direction,
        length,
        unit,
        roll,
        satisfied_by: satisfied_by.to_vec(),
        cancelled_by: cancelled_by.to_vec(),
        responsible,
        notify: ALL_ROLES.to_vec(),
        enabled: true,
    }
}

impl RuleSet {
    /// The built-in profile: the 2011 Blue Card regulation and the 2016 police-assistance
    /// procedure, with lacznik's documented defaults where the documents set no period.
    pub fn builtin() -> RuleSet {
        use Anchor::*;
        use CaseKind::*;
        use Direction::*;
        use Event::*;
        use Unit::*;
        let a_closed = [AssistanceCancelled, AssistanceDeclined];
        RuleSet {
            rules: vec![
                rule(
                    "assistance.notice",
                    "Procedura asysty 2016 (art. 107 ust. 3a u.p.s.), pkt 1",
                    "a NORMAL request reaches the police unit at least 3 working days before the visit",
                    Assistance,
                    &[AssistanceSubmitted, AssistanceRescheduled],
                    Condition::NormalOnly,
                    (PlannedStart, Before, 3, WorkingDays, false),
                    &[AssistanceSubmitted, AssistanceRescheduled],
                    &[],
                    Role::Sender,
                ),
                rule(
                    "assistance.receipt",
                    "lacznik default (the procedure sets no period)",
                    "the police unit's system confirms receipt (RECEIVED)",
                    Assistance,
                    &[AssistanceSubmitted, AssistanceAmended],
                    Condition::Always,
                    (EventTime, After, 30, Minutes, false),
                    &[AssistanceReceived, AssistanceAccepted, AssistanceDeclined],
                    &[AssistanceCancelled],
                    Role::Recipient,
                ),
                rule(
                    "assistance.response",
                    "lacznik default (the procedure sets no period)",
                    "the police unit accepts or declines by the end of the working day before the visit",
                    Assistance,
                    &[AssistanceSubmitted, AssistanceAmended],
                    Condition::NormalOnly,
                    (PlannedStart, Before, 1, WorkingDays, false),
                    &[AssistanceAccepted, AssistanceDeclined],
                    &[AssistanceCancelled],
                    Role::Recipient,
                ),
                rule(
                    "assistance.response_urgent",
                    "lacznik default (the procedure sets no period)",
                    "the police unit accepts or declines an urgent oral request within 1 hour",
                    Assistance,
                    &[AssistanceSubmitted, AssistanceAmended],
                    Condition::UrgentOralOnly,
                    (EventTime, After, 1, Hours, false),
                    &[AssistanceAccepted, AssistanceDeclined],
                    &[AssistanceCancelled],
                    Role::Recipient,
                ),
                rule(
                    "assistance.written_confirmation",
                    "Procedura asysty 2016, pkt 1 (written request after an oral one); period: lacznik default",
                    "the written request follows an urgent oral one within 1 working day after the visit",
                    Assistance,
                    &[AssistanceSubmitted],
                    Condition::UrgentOralOnly,
                    (PlannedEnd, After, 1, WorkingDays, false),
                    &[AssistanceWrittenConfirmation],
                    &a_closed,
                    Role::Sender,
                ),
                rule(
                    "assistance.service_note",
                    "Procedura asysty 2016, pkt 3 (notatka służbowa); period: lacznik default",
                    "the officer's service note within 1 working day after the visit",
                    Assistance,
                    &[AssistanceAccepted],
                    Condition::Always,
                    (PlannedEnd, After, 1, WorkingDays, false),
                    &[AssistanceServiceNote],
                    &[AssistanceCancelled, AssistanceAmended],
                    Role::Recipient,
                ),
                rule(
                    "bluecard.to_chair",
                    "Rozp. RM 2011 § 7 ust. 1",
                    "Blue Card A reaches the chair of the team within 7 days of starting the procedure",
                    BlueCard,
                    &[BlueCardSubmitted],
                    Condition::Always,
                    (ProcedureStarted, After, 7, CalendarDays, false),
                    &[BlueCardSubmitted],
                    &[],
                    Role::Sender,
                ),
                rule(
                    "bluecard.receipt",
                    "lacznik default (the regulation sets no period)",
                    "the chair acknowledges receipt of a card within 1 working day",
                    BlueCard,
                    &[BlueCardSubmitted],
                    Condition::Always,
                    (EventTime, After, 1, WorkingDays, false),
                    &[BlueCardAcknowledged],
                    &[BlueCardProcedureClosed],
                    Role::Recipient,
                ),
                rule(
                    "bluecard.forward",
                    "Rozp. RM 2011 § 8 ust. 1",
                    "the chair forwards the card to the team members or working group within 3 days of receipt",
                    BlueCard,
                    &[BlueCardAcknowledged],
                    Condition::Always,
                    (EventTime, After, 3, CalendarDays, false),
                    &[BlueCardForwarded],
                    &[BlueCardProcedureClosed],
                    Role::Recipient,
                ),
            ],
        }
    }
}
