//! The console's Polish: the procedures' own words for states, kinds and rules
//! (`shared/domain/TERMS.md`), dates in local time, and the validators' English field
//! messages said again in Polish. A message without a translation is shown as the
//! validator wrote it (it names a field and a rule, never a value).

use jiff::Timestamp;

use crate::assistance::model::{Activity, State, Urgency};
use crate::deadlines::ClockState;
use crate::directory::OrgKind;

/// A date as people read it here: `8.09.2031, 10:00`, Europe/Warsaw.
pub(crate) fn date(t: Timestamp) -> String {
    let z = t.to_zoned_datetime(crate::calendar::warsaw().clone());
    format!(
        "{}.{:02}.{}, {:02}:{:02}",
        z.day(),
        z.month(),
        z.year(),
        z.hour(),
        z.minute()
    )
}

/// A date for an `<input type="datetime-local">`: `2031-09-08T10:00`, Europe/Warsaw.
pub(crate) fn input_date(t: Timestamp) -> String {
    let z = t.to_zoned_datetime(crate::calendar::warsaw().clone());
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        z.year(),
        z.month(),
        z.day(),
        z.hour(),
        z.minute()
    )
}

/// Reads what an `<input type="datetime-local">` (or `type="date"`, as midnight) sent, as
/// local time in Europe/Warsaw; `None` when it is not such a value.
pub(crate) fn parse_input_date(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let civil: jiff::civil::DateTime = match s.len() {
        10 => s
            .parse::<jiff::civil::Date>()
            .ok()?
            .to_datetime(jiff::civil::Time::midnight()),
        _ => s.parse().ok()?,
    };
    civil
        .to_zoned_datetime(crate::calendar::warsaw().clone())
        .ok()
        .map(|z| z.timestamp())
}

/// The kind of an organisation, as it is called.
pub(crate) fn org_kind(k: OrgKind) -> &'static str {
    match k {
        OrgKind::WelfareCentre => "ośrodek pomocy społecznej",
        OrgKind::PoliceUnit => "jednostka Policji",
        OrgKind::Team => "zespół interdyscyplinarny",
        OrgKind::AlcoholCommission => "gminna komisja rozwiązywania problemów alkoholowych",
        OrgKind::Education => "oświata",
        OrgKind::HealthCare => "ochrona zdrowia",
        OrgKind::MilitaryPolice => "Żandarmeria Wojskowa",
        OrgKind::Supervisor => "nadzór (urząd wojewódzki)",
        OrgKind::Admin => "administrator łącznika",
    }
}

/// Where a request stands.
pub(crate) fn request_state(s: State) -> &'static str {
    match s {
        State::Submitted => "złożony — czeka na potwierdzenie odbioru",
        State::Received => "odebrany przez Policję",
        State::Accepted => "przyjęty — asysta będzie udzielona",
        State::Declined => "odmowa udzielenia asysty",
        State::Cancelled => "wycofany",
        State::Completed => "zakończony — notatka służbowa złożona",
    }
}

/// How urgent a request is.
pub(crate) fn urgency(u: Urgency) -> &'static str {
    match u {
        Urgency::Normal => "zwykły (co najmniej 3 dni robocze przed terminem)",
        Urgency::UrgentOral => "sprawa niecierpiąca zwłoki (wniosek ustny)",
    }
}

/// What the social worker will do.
pub(crate) fn activity(a: &Activity) -> String {
    match a {
        Activity::CommunityInterview => "rodzinny wywiad środowiskowy".into(),
        Activity::SocialWork => "praca socjalna w środowisku".into(),
        Activity::Other(s) => format!("inne: {s}"),
    }
}

/// A deadline rule by what it asks, with its source where the rule names one.
pub(crate) fn rule(id: &str) -> &'static str {
    match id {
        "assistance.notice" => "wniosek co najmniej 3 dni robocze przed asystą (procedura, pkt 1)",
        "assistance.receipt" => "potwierdzenie odbioru wniosku przez Policję (30 minut)",
        "assistance.response" => "decyzja Policji do dnia roboczego przed asystą",
        "assistance.response_urgent" => {
            "decyzja Policji w sprawie niecierpiącej zwłoki (1 godzina)"
        }
        "assistance.written_confirmation" => {
            "pisemny wniosek po zakończeniu czynności (1 dzień roboczy)"
        }
        "assistance.service_note" => "notatka służbowa z przebiegu asysty (1 dzień roboczy)",
        "bluecard.to_chair" => "przekazanie „Niebieskiej Karty – A” przewodniczącemu (§ 7 ust. 1)",
        "bluecard.receipt" => "potwierdzenie odbioru karty przez przewodniczącego",
        "bluecard.forward" => "przekazanie karty członkom zespołu lub grupy (§ 8 ust. 1)",
        "bluecard.group_meeting" => "posiedzenie grupy diagnostyczno-pomocowej",
        _ => "termin",
    }
}

/// Where a deadline stands.
pub(crate) fn clock_state(s: &ClockState) -> &'static str {
    match s {
        ClockState::Open => "biegnie",
        ClockState::Breached { .. } => "po terminie",
        ClockState::Satisfied { .. } => "dotrzymany",
        ClockState::Cancelled { .. } => "nie dotyczy (sprawa zamknięta)",
        ClockState::Superseded => "zastąpiony nowym terminem",
    }
}

/// A validator's message in Polish (the English one when there is no translation).
pub(crate) fn violation(description: &str) -> String {
    let known = [
        ("required", "To pole jest wymagane."),
        (
            "must be NN-NNN",
            "Kod pocztowy w postaci NN-NNN, np. 87-100.",
        ),
        ("must be in the future", "Termin musi być w przyszłości."),
        (
            "must not be in the future",
            "Data nie może być w przyszłości.",
        ),
        (
            "must be after planned_start",
            "Koniec musi być po rozpoczęciu.",
        ),
        (
            "a visit lasts at most 24 hours",
            "Asysta trwa najwyżej 24 godziny.",
        ),
        (
            "at least one social worker",
            "Podaj co najmniej jednego pracownika socjalnego.",
        ),
        (
            "at least one officer",
            "Podaj co najmniej jednego funkcjonariusza.",
        ),
        ("at least one person", "Podaj co najmniej jedną osobę."),
        (
            "at least one form of violence",
            "Wskaż co najmniej jedną formę przemocy.",
        ),
        (
            "no police unit serves this gmina",
            "Żadna jednostka Policji w katalogu nie obsługuje tej gminy.",
        ),
        (
            "not a valid timestamp",
            "To nie jest poprawna data i godzina.",
        ),
        (
            "required for URGENT_ORAL",
            "Wymagane przy sprawie niecierpiącej zwłoki.",
        ),
        (
            "only for URGENT_ORAL",
            "Tylko przy sprawie niecierpiącej zwłoki.",
        ),
        ("only for activity OTHER", "Tylko gdy czynność to „inne”."),
        (
            "required when coercion_used",
            "Wymagane, gdy użyto środków przymusu.",
        ),
        (
            "must not be before arrival_time",
            "Nie może być przed przybyciem.",
        ),
        (
            "must not be before start_time",
            "Nie może być przed rozpoczęciem.",
        ),
        (
            "name at least one part to change",
            "Zmień co najmniej jedną część wniosku.",
        ),
        (
            "must be a UUID chosen by the client",
            "Nieprawidłowy identyfikator formularza — otwórz formularz ponownie.",
        ),
    ];
    if let Some((_, pl)) = known.iter().find(|(en, _)| *en == description) {
        return (*pl).to_string();
    }
    if let Some(rest) = description.strip_prefix("required when the person was not present ") {
        return format!("Wskaż, dlaczego osoba była nieobecna {rest}.");
    }
    let more = [
        (
            "must not be before the card arrived",
            "Nie może być przed otrzymaniem karty.",
        ),
        (
            "must not be before the procedure started",
            "Nie może być przed wszczęciem procedury.",
        ),
        ("not a year", "Rok urodzenia to liczba, np. 1980."),
        (
            "each form at most once",
            "Każdą formę przemocy wskaż najwyżej raz.",
        ),
        ("only with the form OTHER", "Tylko gdy zaznaczono „inne”."),
        (
            "only when the person was not present",
            "Tylko gdy osoba nie była obecna.",
        ),
        (
            "recipient only when handed_over",
            "Odbiorcę podaj tylko, gdy formularz „Niebieska Karta – B” przekazano.",
        ),
        (
            "§ 6 ust. 4: Blue Card B is never handed to a person suspected of violence",
            "§ 6 ust. 4: formularza „Niebieska Karta – B” nie przekazuje się osobie, wobec której istnieje podejrzenie, że stosuje przemoc.",
        ),
        (
            "Blue Card B is never handed to an osoba stosująca przemoc domową (a person using domestic violence)",
            "Formularza „Niebieska Karta – B” nie przekazuje się osobie stosującej przemoc domową.",
        ),
        (
            "§ 6 ust. 3: for a child, to a parent, guardian or the reporting person",
            "§ 6 ust. 3: w sprawie dziecka formularz przekazuje się rodzicowi, opiekunowi lub osobie zgłaszającej.",
        ),
        (
            "for a child, to a parent, guardian or the reporting person",
            "W sprawie dziecka formularz przekazuje się rodzicowi, opiekunowi lub osobie zgłaszającej.",
        ),
        (
            "no interdisciplinary team serves this gmina",
            "Żaden zespół interdyscyplinarny w katalogu nie obsługuje tej gminy.",
        ),
    ];
    if let Some((_, pl)) = more.iter().find(|(en, _)| *en == description) {
        return (*pl).to_string();
    }
    if description == "contains control characters" {
        return "Zawiera niedozwolone znaki sterujące.".into();
    }
    if let Some(n) = description.strip_prefix("at most ") {
        return match n.strip_suffix(" characters") {
            Some(n) => format!("Najwyżej {n} znaków."),
            None => format!("Najwyżej {n}."),
        };
    }
    description.to_string()
}

/// The label of a form field, by its API path, for the error summary (`content.
/// social_workers[1].last_name` -> "Pracownik socjalny 2: nazwisko").
pub(crate) fn field_label(path: &str) -> String {
    if let Some((head, rest)) = path.rsplit_once('[') {
        if let Some((n, part)) = rest.split_once("].") {
            let who = match head.rsplit('.').next().unwrap_or(head) {
                "social_workers" => "Pracownik socjalny",
                "persons_experiencing" => "Osoba doznająca przemocy",
                "persons_suspected" => "Osoba stosująca przemoc",
                "children" => "Dziecko",
                "witnesses" => "Świadek",
                "officers" => "Funkcjonariusz",
                _ => head,
            };
            let n = n.parse::<usize>().map_or(0, |n| n + 1);
            return format!("{who} {n}: {}", part_label(part));
        }
    }
    let label = match path {
        "form" => "Formularz",
        "request_id" | "card_id" => "Identyfikator formularza",
        "urgency" => "Tryb wniosku",
        "oral_request" => "Wniosek ustny",
        "oral_request.requested_time" => "Wniosek ustny: kiedy zgłoszono",
        "oral_request.officer_name" => "Wniosek ustny: kto przyjął",
        "content.planned_start" => "Termin asysty: początek",
        "content.planned_end" => "Termin asysty: koniec",
        "content.address" => "Adres",
        "content.address.street" => "Ulica lub miejscowość",
        "content.address.building_number" => "Numer budynku",
        "content.address.apartment_number" => "Numer lokalu",
        "content.address.postal_code" => "Kod pocztowy",
        "content.address.city" => "Miejscowość (poczta)",
        "content.address.gmina_teryt" => "Gmina (kod TERYT)",
        "content.address.notes" => "Wskazówki dojazdu",
        "content.client" => "Osoba, u której niezbędna jest asysta",
        "content.client.first_name" => "Osoba: imię",
        "content.client.last_name" => "Osoba: nazwisko",
        "content.client.other_data" => "Osoba: inne dane",
        "content.expected_behaviour" => "Przewidywane zachowanie klienta",
        "content.social_workers" => "Pracownicy socjalni",
        "content.activity" => "Czynność",
        "content.activity_other" => "Czynność: opis",
        "content.signed_by" => "Kierownik ośrodka",
        "content.signed_by.first_name" => "Kierownik ośrodka: imię",
        "content.signed_by.last_name" => "Kierownik ośrodka: nazwisko",
        "content.signed_by.position" => "Kierownik ośrodka: stanowisko",
        "procedure_id" => "Procedura",
        "fields" => "Zmiana",
        "kind" => "Czynność",
        "step_time" => "Kiedy",
        "protocol" => "Protokół",
        "protocol.persons" => "Protokół: osoby",
        "protocol.start_time" => "Protokół: początek działań",
        "protocol.end_time" => "Protokół: koniec działań",
        "protocol.actions" => "Protokół: podjęte działania",
        "content.started_time" => "Data wszczęcia procedury",
        "content.place" => "Miejsce",
        "content.absence_reason" => "Przyczyna nieobecności",
        "content.persons_experiencing" => "Osoby doznające przemocy",
        "content.persons_suspected" => "Osoby stosujące przemoc",
        "content.violence_forms" => "Formy przemocy",
        "content.violence_other" => "Inna forma przemocy",
        "content.injuries" => "Obrażenia",
        "content.description" => "Opis sytuacji",
        "content.intervention_actions" => "Działania interwencyjne",
        "content.card_b" => "Formularz „Niebieska Karta – B”",
        "content.card_b.recipient" => "Karta B: komu przekazano",
        "content.card_b.recipient_first_name" => "Karta B: imię odbiorcy",
        "content.card_b.recipient_last_name" => "Karta B: nazwisko odbiorcy",
        "content.filled_by.first_name" => "Wypełniający: imię",
        "content.filled_by.last_name" => "Wypełniający: nazwisko",
        "content.gmina_teryt" => "Gmina zamieszkania (kod TERYT)",
        "forwarded_to" => "Komu przekazano",
        "recipients" => "Odbiorcy",
        "forwarded_time" => "Kiedy przekazano",
        "reason" => "Powód",
        "note.arrival_time" => "Przybycie",
        "note.departure_time" => "Odjazd",
        "note.course" => "Przebieg asysty",
        "note.officers" => "Funkcjonariusze",
        "note.coercion_measures" => "Środki przymusu",
        "note.police_case_reference" => "Sygnatura sprawy",
        "signed_by.first_name" => "Kierownik: imię",
        "signed_by.last_name" => "Kierownik: nazwisko",
        "remarks" => "Uwagi",
        _ => return path.to_string(),
    };
    label.to_string()
}

fn part_label(part: &str) -> &str {
    match part {
        "first_name" => "imię",
        "last_name" => "nazwisko",
        "id_card_number" => "numer legitymacji",
        "badge_number" => "numer służbowy",
        "birth_year" => "rok urodzenia",
        "relationship" => "relacja",
        other => other,
    }
}

/// The first 8 characters of an id, as people quote a case.
pub(crate) fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

/// A rule's legal basis in Polish: the paragraphs stay as the rules name them; the
/// English notes of the built-in rules (where a period is lacznik's default, or taken
/// from a secondary source) are said in Polish. Overridden rules' own text is shown as
/// written.
pub(crate) fn legal_basis(basis: &str) -> String {
    [
        (
            "lacznik default (the procedure sets no period)",
            "termin domyślny łącznika (procedura nie określa terminu)",
        ),
        (
            "lacznik default (the regulation sets no period)",
            "termin domyślny łącznika (rozporządzenie nie określa terminu)",
        ),
        ("; period: lacznik default", "; termin: domyślny łącznika"),
        (
            "(written request after an oral one)",
            "(wniosek pisemny po ustnym)",
        ),
        (
            "; period from a secondary source, to be checked against ISAP WDU20230001870",
            "; termin według źródła wtórnego, do sprawdzenia w ISAP (WDU20230001870)",
        ),
    ]
    .iter()
    .fold(basis.to_string(), |s, (en, pl)| s.replace(en, pl))
}
