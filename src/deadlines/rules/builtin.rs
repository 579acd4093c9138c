//! The built-in rule profiles: each rule with its legal basis as quoted in breach records
//! and in `lacznik rules`. Kept apart from the rule types so that the legal content can be
//! read and reviewed on its own; `[rules.<id>]` overrides apply on top of the profile in
//! force ([`RuleSet::for_profile`]).
//!
//! The police-assistance rules are the same in both profiles. The Blue Card rules of 2023
//! cite "Dz.U. 2023 poz. 1870" without a paragraph: their periods come from a secondary
//! source (the official wording was not available when they were written) and are to be
//! checked against ISAP WDU20230001870; no paragraph number is given that could not be
//! quoted.

use std::collections::BTreeMap;

use super::{Anchor, CaseKind, Condition, Direction, Event, Profile, Role, Rule, RuleSet, Unit};

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
        profile: Profile::Y2011,
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
    /// The 2011 profile without overrides: the 2011 Blue Card regulation and the 2016
    /// police-assistance procedure, with lacznik's documented defaults where the documents
    /// set no period.
    pub fn builtin() -> RuleSet {
        RuleSet::builtin_profile(Profile::Y2011)
    }

    /// The built-in rules of `profile`, without overrides.
    pub fn builtin_profile(profile: Profile) -> RuleSet {
        let mut rules = assistance();
        rules.extend(match profile {
            Profile::Y2011 => blue_card_2011(),
            Profile::Y2023 => blue_card_2023(),
        });
        for r in &mut rules {
            r.profile = profile;
        }
        RuleSet {
            profile,
            rules,
            overrides: BTreeMap::new(),
        }
    }
}

/// The police-assistance rules (the 2016 procedure and lacznik's defaults), the same in
/// every profile.
fn assistance() -> Vec<Rule> {
    use Anchor::*;
    use CaseKind::*;
    use Direction::*;
    use Event::*;
    use Unit::*;
    let a_closed = [AssistanceCancelled, AssistanceDeclined];
    vec![
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
    ]
}

/// Rozp. RM 2011 (Dz.U. 2011 nr 209 poz. 1245): § 7 ust. 1 and § 8 ust. 1, calendar days.
fn blue_card_2011() -> Vec<Rule> {
    use Anchor::*;
    use CaseKind::*;
    use Direction::*;
    use Event::*;
    use Unit::*;
    vec![
        rule(
            "bluecard.to_chair",
            "Rozp. RM 2011 § 7 ust. 1",
            "Blue Card A reaches the chair of the zespół interdyscyplinarny within 7 days of starting the procedure",
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
            "the chair forwards the card to the members of the zespół interdyscyplinarny or a grupa robocza within 3 days of receipt",
            BlueCard,
            &[BlueCardAcknowledged],
            Condition::Always,
            (EventTime, After, 3, CalendarDays, false),
            &[BlueCardForwarded],
            &[BlueCardProcedureClosed],
            Role::Recipient,
        ),
    ]
}

/// The legal basis of the 2023 periods, said the same way on every rule.
const BASIS_2023: &str = "Rozp. RM 2023 (Dz.U. 2023 poz. 1870); period from a secondary \
                          source, to be checked against ISAP WDU20230001870";

/// Rozp. RM 2023 (Dz.U. 2023 poz. 1870), working days; see the module documentation.
fn blue_card_2023() -> Vec<Rule> {
    use Anchor::*;
    use CaseKind::*;
    use Direction::*;
    use Event::*;
    use Unit::*;
    vec![
        rule(
            "bluecard.to_chair",
            BASIS_2023,
            "Blue Card A reaches the chair of the zespół interdyscyplinarny within 5 working days of starting the procedure",
            BlueCard,
            &[BlueCardSubmitted],
            Condition::Always,
            (ProcedureStarted, After, 5, WorkingDays, false),
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
            BASIS_2023,
            "the chair passes the card to the grupa diagnostyczno-pomocowa within 3 working days of receipt",
            BlueCard,
            &[BlueCardAcknowledged],
            Condition::Always,
            (EventTime, After, 3, WorkingDays, false),
            &[BlueCardForwarded],
            &[BlueCardProcedureClosed],
            Role::Recipient,
        ),
        rule(
            "bluecard.group_meeting",
            BASIS_2023,
            "the grupa diagnostyczno-pomocowa holds its first meeting within 5 working days of the chair's receipt of the card",
            BlueCard,
            &[BlueCardAcknowledged],
            Condition::Always,
            (EventTime, After, 5, WorkingDays, false),
            &[BlueCardGroupMeetingHeld],
            &[BlueCardProcedureClosed],
            Role::Recipient,
        ),
    ]
}
