//! Realistic, valid requests (copied from `tests/it/support/fixtures.rs`, with the free text
//! grown to the size a social worker really writes: about 1.5 KB per request).

use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;

/// A wire timestamp.
pub fn pbts(t: Timestamp) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.as_second(),
        nanos: t.subsec_nanosecond(),
    }
}

/// A fresh request id (lower-case hyphenated UUID v4, as clients send).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

const BEHAVIOUR: &str = "Klient w trakcie poprzednich wizyt zachowywał się agresywnie wobec \
pracowników socjalnych: podnosił głos, używał wulgaryzmów, groził pobiciem i zniszczeniem mienia. \
Podczas wywiadu środowiskowego w marcu zamknął drzwi na klucz i nie pozwalał pracownikowi \
opuścić mieszkania przez około dwadzieścia minut. Według informacji od dzielnicowego i sąsiadów \
nadużywa alkoholu, zwłaszcza w dniach wypłaty świadczeń, a w mieszkaniu przebywa duży pies \
bez kagańca. Istnieje uzasadniona obawa, że w czasie planowanego rodzinnego wywiadu \
środowiskowego (aktualizacja) dojdzie do agresji słownej, a możliwe jest także naruszenie \
nietykalności cielesnej pracowników. W mieszkaniu przebywa również dwoje małoletnich dzieci \
oraz matka klienta, osoba niepełnosprawna ruchowo, która w przeszłości zgłaszała przemoc ze \
strony syna. Prosimy o obecność funkcjonariuszy przez cały czas trwania czynności oraz o \
wcześniejszy kontakt telefoniczny z kierownikiem sekcji w celu uzgodnienia miejsca spotkania \
przed budynkiem. Pracownicy nie wejdą do mieszkania przed przybyciem patrolu.";

const NOTES: &str = "Wejście od podwórza, klatka B, domofon nieczynny; brama wjazdowa \
zamykana po godzinie 20:00. Na parterze sklep spożywczy, w pobliżu często przebywa grupa \
znajomych klienta. Miejsce parkingowe dla radiowozu od strony ul. Ciasnej.";

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
            notes: NOTES.into(),
        }),
        client: Some(pb::Client {
            first_name: "Anna".into(),
            last_name: "Wiśniewska-Zaborowska".into(),
            other_data: "ur. 1980, zam. na stałe pod wskazanym adresem".into(),
        }),
        expected_behaviour: BEHAVIOUR.into(),
        social_workers: vec![
            pb::SocialWorker {
                first_name: "Ewa".into(),
                last_name: "Nowak".into(),
                id_card_number: "PS/123/2026".into(),
            },
            pb::SocialWorker {
                first_name: "Krzysztof".into(),
                last_name: "Lewandowski".into(),
                id_card_number: "PS/207/2026".into(),
            },
        ],
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

/// A visit start 30 days ahead at 10:00 UTC: always "in the future" and well over the
/// 3-working-day notice, so no request is late.
pub fn visit_start(now: Timestamp) -> Timestamp {
    let ahead = now + SignedDuration::from_hours(30 * 24);
    let day = ahead.as_second() - ahead.as_second().rem_euclid(86_400);
    Timestamp::from_second(day + 10 * 3600).expect("valid timestamp")
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

const CARD_DESCRIPTION: &str = "Interwencja domowa po zgłoszeniu sąsiadów o głośnej awanturze \
i odgłosach uderzeń dochodzących z mieszkania. Po przybyciu na miejsce patrol zastał kobietę \
z widocznym zaczerwienieniem twarzy i zasinieniem przedramienia, płaczącą; mężczyzna był \
pobudzony i pod wpływem alkoholu (badanie alkomatem: 0,9 mg/l). Z relacji pokrzywdzonej \
wynika, że od około roku mąż wszczyna awantury po spożyciu alkoholu, wyzywa ją, zabiera \
pieniądze na utrzymanie domu, a dziś popchnął ją na szafkę i chwycił za ręce. W mieszkaniu \
przebywała małoletnia córka, która była świadkiem zdarzenia. Pokrzywdzona wcześniej nie \
zgłaszała przemocy z obawy przed reakcją męża.";

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
            pb::ViolenceForm::Economic as i32,
        ],
        violence_other: String::new(),
        injuries: "zasinienie przedramienia, zaczerwienienie policzka".into(),
        alcohol: true,
        other_substances: false,
        firearms: false,
        description: CARD_DESCRIPTION.into(),
        intervention_actions: "Odizolowanie sprawcy, pouczenie o przysługujących prawach, \
przekazanie informacji o ośrodku interwencji kryzysowej, zatrzymanie sprawcy do wytrzeźwienia."
            .into(),
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
