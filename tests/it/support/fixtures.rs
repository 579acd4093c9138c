//! Request builders shared by the integration tests: realistic, valid content that each
//! test then spoils or changes as it needs.

use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;

/// A wire timestamp.
pub fn pbts(t: Timestamp) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.as_second(),
        nanos: t.subsec_nanosecond(),
    }
}

/// A domain timestamp from the wire.
pub fn ts(p: &Option<prost_types::Timestamp>) -> Timestamp {
    let p = p.as_ref().expect("timestamp set");
    Timestamp::new(p.seconds, p.nanos).expect("valid timestamp")
}

/// Parses an RFC 3339 instant.
pub fn t(s: &str) -> Timestamp {
    s.parse().expect("RFC 3339")
}

/// A fresh request id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Valid content for MOPR Toruń (routes to KMP Toruń), a two-hour visit from `start`.
pub fn content(start: Timestamp) -> pb::AssistanceRequestContent {
    pb::AssistanceRequestContent {
        planned_start: Some(pbts(start)),
        planned_end: Some(pbts(start + SignedDuration::from_hours(2))),
        address: Some(pb::Address {
            street: "ul. Szeroka".into(),
            building_number: "12".into(),
            apartment_number: "4".into(),
            postal_code: "87-100".into(),
            city: "Toruń".into(),
            gmina_teryt: "0463011".into(),
            notes: "wejście od podwórza".into(),
        }),
        client: Some(pb::Client {
            first_name: "Anna".into(),
            last_name: "Wiśniewska-Zaborowska".into(),
            other_data: "ur. 1980".into(),
        }),
        expected_behaviour: "agresja słowna, możliwa agresja fizyczna pod wpływem alkoholu".into(),
        social_workers: vec![pb::SocialWorker {
            first_name: "Ewa".into(),
            last_name: "Nowak".into(),
            id_card_number: "PS/123/2026".into(),
        }],
        activity: pb::Activity::CommunityInterview as i32,
        activity_other: String::new(),
        signed_by: Some(pb::Signatory {
            first_name: "Maria".into(),
            last_name: "Kierownik".into(),
            position: "Dyrektor MOPR".into(),
        }),
    }
}

/// A NORMAL submission.
pub fn normal(id: &str, start: Timestamp) -> pb::SubmitAssistanceRequestRequest {
    pb::SubmitAssistanceRequestRequest {
        request_id: id.into(),
        urgency: pb::Urgency::Normal as i32,
        oral_request: None,
        content: Some(content(start)),
    }
}

/// A NORMAL submission for an address in Łazy (gmina 2416053, routes to KP Łazy): what
/// MGOPS Łazy may send.
pub fn normal_in_lazy(id: &str, start: Timestamp) -> pb::SubmitAssistanceRequestRequest {
    let mut req = normal(id, start);
    req.content
        .as_mut()
        .unwrap()
        .address
        .as_mut()
        .unwrap()
        .gmina_teryt = "2416053".into();
    req
}

/// An URGENT_ORAL submission, the oral request made at `oral_at`.
pub fn urgent(
    id: &str,
    start: Timestamp,
    oral_at: Timestamp,
) -> pb::SubmitAssistanceRequestRequest {
    pb::SubmitAssistanceRequestRequest {
        request_id: id.into(),
        urgency: pb::Urgency::UrgentOral as i32,
        oral_request: Some(pb::OralRequest {
            requested_time: Some(pbts(oral_at)),
            officer_name: "asp. sztab. Jan Kowalski".into(),
        }),
        content: Some(content(start)),
    }
}

/// An officer.
pub fn officer() -> pb::Officer {
    pb::Officer {
        first_name: "Piotr".into(),
        last_name: "Zieliński".into(),
        badge_number: "12345".into(),
    }
}

/// A valid service note for a visit at `start`.
pub fn note(start: Timestamp) -> pb::ServiceNote {
    pb::ServiceNote {
        officers: vec![officer()],
        arrival_time: Some(pbts(start)),
        departure_time: Some(pbts(start + SignedDuration::from_mins(90))),
        course: "Asysta przebiegła spokojnie.".into(),
        stayed_until_finished: true,
        coercion_used: false,
        coercion_measures: vec![],
        prohibited_act: false,
        police_case_reference: String::new(),
        filed_time: None,
    }
}

/// The field names of an INVALID_ARGUMENT status's violations.
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

fn person(first: &str, last: &str, relationship: &str, minor: bool) -> pb::CardPerson {
    pb::CardPerson {
        first_name: first.into(),
        last_name: last.into(),
        birth_year: if minor { 2016 } else { 1985 },
        minor,
        relationship: relationship.into(),
    }
}

/// A valid Blue Card A for Łazy (routes to the team `zi-lazy`), the procedure started at
/// `started`.
pub fn card_content(started: Timestamp) -> pb::BlueCardAContent {
    pb::BlueCardAContent {
        started_time: Some(pbts(started)),
        place: "mieszkanie przy ul. Polnej".into(),
        person_present: true,
        absence_reason: 0,
        persons_experiencing: vec![person("Katarzyna", "Zawadzka-Przybysz", "", false)],
        persons_suspected: vec![person("Tomasz", "Przybysz", "mąż", false)],
        children: vec![person("Ola", "Przybysz", "córka", true)],
        witnesses: vec![],
        violence_forms: vec![
            pb::ViolenceForm::Physical as i32,
            pb::ViolenceForm::Psychological as i32,
        ],
        violence_other: String::new(),
        injuries: "zasinienie przedramienia".into(),
        alcohol: true,
        other_substances: false,
        firearms: false,
        description: "Interwencja domowa po zgłoszeniu sąsiadów.".into(),
        intervention_actions: "Odizolowanie sprawcy, pouczenie.".into(),
        card_b: Some(pb::BlueCardB {
            handed_over: true,
            recipient: pb::CardBRecipient::PersonExperiencing as i32,
            recipient_first_name: "Katarzyna".into(),
            recipient_last_name: "Zawadzka-Przybysz".into(),
        }),
        crime_suspected: true,
        filled_by: Some(pb::Signatory {
            first_name: "Adam".into(),
            last_name: "Dzielnicowy".into(),
            position: "st. sierż.".into(),
        }),
        gmina_teryt: "2416053".into(),
    }
}

/// A card submission starting a new procedure.
pub fn card(id: &str, started: Timestamp) -> pb::SubmitBlueCardARequest {
    pb::SubmitBlueCardARequest {
        card_id: id.into(),
        procedure_id: String::new(),
        content: Some(card_content(started)),
    }
}

/// A valid closing protocol.
pub fn protocol(start: Timestamp, end: Timestamp) -> pb::ClosureProtocol {
    pb::ClosureProtocol {
        persons: vec![
            "Katarzyna Zawadzka-Przybysz".into(),
            "Tomasz Przybysz".into(),
        ],
        start_time: Some(pbts(start)),
        end_time: Some(pbts(end)),
        actions: "Analiza sytuacji rodziny, plan pomocy zrealizowany.".into(),
        signed_by: Some(pb::Signatory {
            first_name: "Jolanta".into(),
            last_name: "Przewodnicząca".into(),
            position: "Przewodnicząca ZI".into(),
        }),
    }
}

/// Breaches as (rule, due, resolved): what the deadline tests compare.
pub fn breach_rows(breaches: &[pb::Breach]) -> Vec<(String, Timestamp, bool)> {
    breaches
        .iter()
        .map(|b| {
            (
                b.rule_id.clone(),
                ts(&b.due_time),
                b.resolved_time.is_some(),
            )
        })
        .collect()
}
