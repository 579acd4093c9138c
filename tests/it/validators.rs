//! Property tests of the request validators: the wire decoders (`api::assistance_map`,
//! `api::blue_card_map`) followed by the domain validators (`assistance::validate`,
//! `bluecard::validate`), without a server.
//!
//! - Any wire message (wild values, or now and then a valid one): no panic; either Ok, or INVALID_ARGUMENT with at least one violation,
//!   each field named once, no description echoing an input value; Ok only when the decoder
//!   found nothing, and an accepted submission re-encoded is accepted again unchanged.
//! - A valid request with random valid variations stays valid and its content is kept
//!   (trimmed).
//! - One field spoiled at a time is reported at exactly that field and nowhere else.
//!
//! `PROPTEST_CASES=<n>` runs more cases than the default 256. The fuzz targets in `fuzz/`
//! check the first property on raw protobuf bytes (nightly only).

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::support::fixtures::{self, pbts};
use jiff::{SignedDuration, Timestamp};
use lacznik::api::assistance_map::{self, Decoder};
use lacznik::api::blue_card_map::{self, CardDecoder};
use lacznik::api::convert::ts_to_pb;
use lacznik::api::pb;
use lacznik::assistance::model::{
    Activity, Address, Client, Content, OralRequest, SocialWorker, Submission, Urgency,
};
use lacznik::bluecard::model::{
    AbsenceReason, CardB, CardBRecipient, CardContent, CardPerson, CardSubmission, ViolenceForm,
};
use lacznik::directory::{Directory, OrgId, Organization};
use lacznik::error::{Error, FieldViolation};
use lacznik::people::Signatory;
use lacznik::teryt::GminaCode;
use lacznik::{assistance, bluecard};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

type AssistanceRequest = pb::SubmitAssistanceRequestRequest;
type CardRequest = pb::SubmitBlueCardARequest;

// ---------------------------------------------------------------------------------------
// Environment: the sample directory, MOPR Toruń as the requesting centre, a fixed "now".

fn directory() -> &'static Directory {
    static D: OnceLock<Directory> = OnceLock::new();
    D.get_or_init(|| {
        Directory::from_toml_str(lacznik::config::SAMPLE_DIRECTORY).expect("sample directory")
    })
}

fn centre() -> &'static Organization {
    let id: OrgId = "mopr-torun".parse().expect("org id");
    directory().get(&id).expect("mopr-torun in the sample")
}

fn now() -> Timestamp {
    "2026-03-02T10:00:00Z".parse().expect("now")
}

const DAY: i64 = 86_400;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        // A failure prints its minimal input; no regression files are written into tests/.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------
// Running the decoder + validator, as the RPC handlers do.

fn validate_assistance(
    req: &AssistanceRequest,
) -> (Vec<FieldViolation>, Result<(Submission, OrgId), Error>) {
    let mut d = Decoder::default();
    let raw = d.submission(req);
    let pre = d.violations.clone();
    let out = assistance::validate::submission(&raw, d.violations, now(), centre(), directory());
    (pre, out)
}

fn validate_card(
    req: &CardRequest,
) -> (Vec<FieldViolation>, Result<(CardSubmission, OrgId), Error>) {
    let mut d = CardDecoder::default();
    let raw = d.content(req.content.as_ref());
    let pre = d.violations.clone();
    let out = bluecard::validate::submission(
        &req.card_id,
        &req.procedure_id,
        raw.as_ref(),
        d.violations,
        now(),
        directory(),
    );
    (pre, out)
}

/// The violations of an error, checked: INVALID_ARGUMENT, at least one, each field once, no
/// description holding an input value longer than 3 characters.
fn rejection(err: Error, inputs: &[String]) -> Result<Vec<FieldViolation>, TestCaseError> {
    let v = match err {
        Error::InvalidArgument(v) => v,
        other => {
            return Err(TestCaseError::fail(format!(
                "not INVALID_ARGUMENT: {other:?}"
            )));
        }
    };
    prop_assert!(!v.is_empty(), "INVALID_ARGUMENT without violations");
    let mut seen = HashSet::new();
    for x in &v {
        prop_assert!(!x.field.is_empty(), "empty field name: {:?}", v);
        prop_assert!(
            seen.insert(x.field.as_str()),
            "field {:?} reported twice: {:?}",
            x.field,
            v
        );
        for s in inputs {
            for candidate in [s.as_str(), s.trim()] {
                if candidate.chars().count() > 3 {
                    prop_assert!(
                        !x.description.contains(candidate),
                        "description {:?} of {:?} echoes the input value {:?}",
                        x.description,
                        x.field,
                        candidate
                    );
                }
            }
        }
    }
    Ok(v)
}

fn fields(v: &[FieldViolation]) -> Vec<String> {
    v.iter().map(|x| x.field.clone()).collect()
}

/// Every string of an assistance request (what must never be echoed).
fn assistance_strings(r: &AssistanceRequest) -> Vec<String> {
    let mut out = vec![r.request_id.clone()];
    if let Some(o) = &r.oral_request {
        out.push(o.officer_name.clone());
    }
    if let Some(c) = &r.content {
        if let Some(a) = &c.address {
            out.extend([
                a.street.clone(),
                a.building_number.clone(),
                a.apartment_number.clone(),
                a.postal_code.clone(),
                a.city.clone(),
                a.gmina_teryt.clone(),
                a.notes.clone(),
            ]);
        }
        if let Some(cl) = &c.client {
            out.extend([
                cl.first_name.clone(),
                cl.last_name.clone(),
                cl.other_data.clone(),
            ]);
        }
        out.push(c.expected_behaviour.clone());
        for w in &c.social_workers {
            out.extend([
                w.first_name.clone(),
                w.last_name.clone(),
                w.id_card_number.clone(),
            ]);
        }
        out.push(c.activity_other.clone());
        if let Some(s) = &c.signed_by {
            out.extend([
                s.first_name.clone(),
                s.last_name.clone(),
                s.position.clone(),
            ]);
        }
    }
    out
}

/// Every string of a card request.
fn card_strings(r: &CardRequest) -> Vec<String> {
    let mut out = vec![r.card_id.clone(), r.procedure_id.clone()];
    if let Some(c) = &r.content {
        out.push(c.place.clone());
        for p in c
            .persons_experiencing
            .iter()
            .chain(&c.persons_suspected)
            .chain(&c.children)
            .chain(&c.witnesses)
        {
            out.extend([
                p.first_name.clone(),
                p.last_name.clone(),
                p.relationship.clone(),
            ]);
        }
        out.extend([
            c.violence_other.clone(),
            c.injuries.clone(),
            c.description.clone(),
            c.intervention_actions.clone(),
            c.gmina_teryt.clone(),
        ]);
        if let Some(b) = &c.card_b {
            out.extend([
                b.recipient_first_name.clone(),
                b.recipient_last_name.clone(),
            ]);
        }
        if let Some(s) = &c.filled_by {
            out.extend([
                s.first_name.clone(),
                s.last_name.clone(),
                s.position.clone(),
            ]);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Value pools (Polish, with diacritics; none is a substring of an English description).

const FIRST: &[&str] = &[
    "Anna",
    "Zofia",
    "Łucja",
    "Małgorzata",
    "Żaneta",
    "Ewa",
    "Grzegorz",
    "Michał",
    "Jędrzej",
    "Bożena",
    "Krzysztof",
    "Ścibor",
    "Źdźisław",
    "Jan Maria",
];
const LAST: &[&str] = &[
    "Nowak",
    "Wiśniewska-Zaborowska",
    "Kowalczyk",
    "Żółkiewska",
    "Gęsiarz",
    "Brzęczyszczykiewicz",
    "Łęcka",
    "Ćwiek",
    "Dąbrowski",
    "Szczęsna",
    "Źródłowska",
    "O'Neill-Pióro",
];
/// Suspected persons' surnames: disjoint from `LAST`, so no Blue Card B recipient drawn
/// from `LAST` is ever a suspected person.
const SUSPECT_LAST: &[&str] = &["Przybysz", "Wróblewski", "Kaczmarek", "Zając", "Mazur"];
const STREETS: &[&str] = &[
    "ul. Szeroka",
    "ul. Mickiewicza",
    "al. Jana Pawła II",
    "os. Kościuszki",
    "Plac Rapackiego",
    "ul. Żeglarska",
];
const BUILDINGS: &[&str] = &["12", "1A", "104/6", "7c", "3 lok. U1"];
const APARTMENTS: &[&str] = &["", "4", "12b", "m. 3"];
const CITIES: &[&str] = &["Toruń", "Łysomice", "Złotoria", "Toruń-Podgórz"];
const NOTES: &[&str] = &[
    "",
    "wejście od podwórza",
    "domofon nie działa\nklatka B",
    "pies w mieszkaniu\r\nuwaga",
    "kod do bramy:\t1234",
];
const OTHER_DATA: &[&str] = &["", "ur. 1980", "PESEL nieznany\nmieszka z matką"];
const BEHAVIOURS: &[&str] = &[
    "agresja słowna",
    "możliwa agresja fizyczna pod wpływem alkoholu\nbyły groźby",
    "spokojny, ale nieufny\twobec urzędników",
];
const ACTIVITY_OTHER: &[&str] = &[
    "asysta przy odebraniu dziecka",
    "pomoc w przeprowadzce\nz rzeczami osobistymi",
];
const POSITIONS: &[&str] = &["", "Dyrektor MOPR", "Kierownik działu", "p.o. Dyrektora"];
const OFFICERS: &[&str] = &[
    "asp. sztab. Jan Kowalski",
    "sierż. Ewa Łącka",
    "dyżurny KMP",
];
const PLACES: &[&str] = &[
    "mieszkanie przy ul. Polnej",
    "klatka schodowa",
    "szkoła podstawowa nr 3",
    "komisariat",
];
const RELATIONSHIPS: &[&str] = &["mąż", "ojciec", "konkubent", "syn", "matka", "brat"];
const OPT_RELATIONSHIPS: &[&str] = &["", "córka", "sąsiadka", "żona"];
const INJURIES: &[&str] = &[
    "",
    "zasinienie przedramienia",
    "otarcia naskórka\nskarży się na ból głowy",
];
const DESCRIPTIONS: &[&str] = &[
    "Interwencja domowa po zgłoszeniu sąsiadów.",
    "Awantura domowa;\nsprawca nietrzeźwy.",
];
const ACTIONS: &[&str] = &[
    "Odizolowanie sprawcy, pouczenie.",
    "Zatrzymanie sprawcy.\r\nPomoc medyczna.",
];
const VIOLENCE_OTHER: &[&str] = &[
    "zastraszanie przez zwierzę",
    "niszczenie rzeczy\nosobistych",
];
/// Gminas with an interdisciplinary team in the sample directory, and the team.
const TEAMS: &[(&str, &str)] = &[
    ("0463011", "zi-torun"),
    ("2416053", "zi-lazy"),
    ("2416021", "zi-zawiercie"),
    ("0862011", "zi-zielona-gora"),
    ("0861011", "zi-gorzow"),
];

fn gmina(s: &str) -> GminaCode {
    s.parse().expect("gmina code")
}

// ---------------------------------------------------------------------------------------
// Strategies: arbitrary (wild) wire values.

/// Arbitrary, mostly hostile text: any unicode, control characters, whitespace only, very
/// long, or lengths around the limits.
fn wild_text() -> BoxedStrategy<String> {
    let control = prop_oneof![
        prop::char::range('\u{0}', '\u{1f}'),
        Just('\u{7f}'),
        prop::char::range('\u{80}', '\u{9f}'),
    ];
    prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        prop::collection::vec(prop_oneof![any::<char>(), control], 0..40)
            .prop_map(String::from_iter),
        "[ \t\r\n\u{85}\u{a0}\u{2003}\u{3000}]{0,8}",
        prop::collection::vec(any::<char>(), 90..3500).prop_map(String::from_iter),
        (
            prop::sample::select(&[7usize, 16, 17, 32, 33, 100, 101, 200, 201, 4000, 4001][..]),
            any::<char>()
        )
            .prop_map(|(n, c)| std::iter::repeat_n(c, n).collect()),
    ]
    .boxed()
}

/// Mostly a plausible value from `pool`, sometimes wild.
fn text(pool: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        6 => prop::sample::select(pool).prop_map(String::from),
        1 => wild_text(),
    ]
    .boxed()
}

/// An enum number: mostly in `0..=max` (and one past it), sometimes any `i32`.
fn enum_number(max: i32) -> BoxedStrategy<i32> {
    prop_oneof![
        6 => 0..=max + 1,
        1 => any::<i32>(),
        1 => prop::sample::select(&[i32::MIN, -1, i32::MAX][..]),
    ]
    .boxed()
}

/// A wire timestamp: absent, near now, or anything (out-of-range seconds and nanos).
fn wild_ts() -> BoxedStrategy<Option<prost_types::Timestamp>> {
    let n = now().as_second();
    let ts = |seconds, nanos| Some(prost_types::Timestamp { seconds, nanos });
    prop_oneof![
        1 => Just(None),
        3 => (n - 90 * DAY..n + 90 * DAY, 0..1_000_000_000i32).prop_map(move |(s, ns)| ts(s, ns)),
        1 => (any::<i64>(), any::<i32>()).prop_map(move |(s, ns)| ts(s, ns)),
        1 => (
            prop::sample::select(
                &[
                    i64::MIN,
                    i64::MAX,
                    -377_705_116_800,
                    -377_705_116_801,
                    253_402_207_200,
                    253_402_207_199,
                    -1,
                    0,
                ][..]
            ),
            prop::sample::select(
                &[
                    i32::MIN,
                    -1_000_000_000,
                    -999_999_999,
                    -1,
                    0,
                    999_999_999,
                    1_000_000_000,
                    i32::MAX,
                ][..]
            )
        )
            .prop_map(move |(s, ns)| ts(s, ns)),
    ]
    .boxed()
}

/// A UUID as a client may write it, and its normal form.
fn uuid_text() -> impl Strategy<Value = (String, String)> {
    (any::<u128>().prop_filter("not nil", |n| *n != 0), 0..5u8).prop_map(|(n, f)| {
        let u = uuid::Uuid::from_u128(n);
        let norm = u.hyphenated().to_string();
        let wire = match f {
            0 => norm.clone(),
            1 => u.simple().to_string(),
            2 => norm.to_uppercase(),
            3 => format!("  {norm} "),
            _ => u.urn().to_string(),
        };
        (wire, norm)
    })
}

fn wild_id() -> BoxedStrategy<String> {
    prop_oneof![
        4 => uuid_text().prop_map(|(w, _)| w),
        1 => Just(uuid::Uuid::nil().to_string()),
        1 => Just(String::new()),
        1 => wild_text(),
    ]
    .boxed()
}

fn wild_gmina() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(
            &[
                "0463011", " 0463011 ", "2416053", "2416021", "0862011", "0861011", "1465011",
                "0163011", "0463010", "0400011", "0463001", "2416054", "04630111", "０463011",
            ][..]
        )
        .prop_map(String::from),
        1 => "[0-9]{7}",
        1 => wild_text(),
    ]
    .boxed()
}

fn wild_postal_code() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[0-9]{2}-[0-9]{3}",
        1 => prop::sample::select(&["87100", "87-1000", "8a-100", "87–100", " 87-100 ", "ab-cde"][..])
            .prop_map(String::from),
        1 => wild_text(),
    ]
    .boxed()
}

fn wild_id_card() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[A-Z]{2}/[0-9]{1,5}/20[0-9]{2}",
        1 => "[A-Za-z0-9/ -]{0,40}",
        1 => wild_text(),
    ]
    .boxed()
}

fn wild_signatory() -> impl Strategy<Value = Option<pb::Signatory>> {
    prop::option::weighted(
        0.9,
        (text(FIRST), text(LAST), text(POSITIONS)).prop_map(|(f, l, p)| pb::Signatory {
            first_name: f,
            last_name: l,
            position: p,
        }),
    )
}

fn wild_worker() -> impl Strategy<Value = pb::SocialWorker> {
    (text(FIRST), text(LAST), wild_id_card()).prop_map(|(f, l, id)| pb::SocialWorker {
        first_name: f,
        last_name: l,
        id_card_number: id,
    })
}

fn wild_address() -> impl Strategy<Value = pb::Address> {
    (
        text(STREETS),
        text(BUILDINGS),
        text(APARTMENTS),
        wild_postal_code(),
        text(CITIES),
        wild_gmina(),
        text(NOTES),
    )
        .prop_map(|(street, b, ap, pc, city, g, notes)| pb::Address {
            street,
            building_number: b,
            apartment_number: ap,
            postal_code: pc,
            city,
            gmina_teryt: g,
            notes,
        })
}

fn wild_planned() -> BoxedStrategy<(
    Option<prost_types::Timestamp>,
    Option<prost_types::Timestamp>,
)> {
    let n = now().as_second();
    prop_oneof![
        2 => (n - DAY..n + 60 * DAY, 0..1_000_000_000i32, -60i64..DAY + 60).prop_map(
            |(s, ns, d)| {
                let start = prost_types::Timestamp { seconds: s, nanos: ns };
                let end = prost_types::Timestamp { seconds: s + d, nanos: ns };
                (Some(start), Some(end))
            }
        ),
        1 => (wild_ts(), wild_ts()),
    ]
    .boxed()
}

fn wild_content() -> impl Strategy<Value = pb::AssistanceRequestContent> {
    (
        wild_planned(),
        prop::option::weighted(0.9, wild_address()),
        prop::option::weighted(
            0.9,
            (text(FIRST), text(LAST), text(OTHER_DATA)).prop_map(|(f, l, o)| pb::Client {
                first_name: f,
                last_name: l,
                other_data: o,
            }),
        ),
        text(BEHAVIOURS),
        prop_oneof![
            6 => prop::collection::vec(wild_worker(), 0..4),
            1 => prop::collection::vec(wild_worker(), 0..30),
        ],
        enum_number(3),
        prop_oneof![Just(String::new()), text(ACTIVITY_OTHER)],
        wild_signatory(),
    )
        .prop_map(
            |((start, end), address, client, behaviour, workers, activity, other, signed)| {
                pb::AssistanceRequestContent {
                    planned_start: start,
                    planned_end: end,
                    address,
                    client,
                    expected_behaviour: behaviour,
                    social_workers: workers,
                    activity,
                    activity_other: other,
                    signed_by: signed,
                }
            },
        )
}

fn wild_assistance() -> impl Strategy<Value = AssistanceRequest> {
    (
        wild_id(),
        enum_number(2),
        prop::option::weighted(
            0.4,
            (wild_ts(), text(OFFICERS)).prop_map(|(t, o)| pb::OralRequest {
                requested_time: t,
                officer_name: o,
            }),
        ),
        prop::option::weighted(0.95, wild_content()),
    )
        .prop_map(|(id, urgency, oral, content)| AssistanceRequest {
            request_id: id,
            urgency,
            oral_request: oral,
            content,
        })
}

fn wild_person(last: &'static [&'static str]) -> impl Strategy<Value = pb::CardPerson> {
    (
        text(FIRST),
        text(last),
        prop_oneof![
            2 => Just(0u32),
            3 => 1890u32..2110,
            1 => any::<u32>(),
        ],
        any::<bool>(),
        prop_oneof![text(OPT_RELATIONSHIPS), text(RELATIONSHIPS)],
    )
        .prop_map(|(f, l, y, minor, rel)| pb::CardPerson {
            first_name: f,
            last_name: l,
            birth_year: y,
            minor,
            relationship: rel,
        })
}

fn wild_persons(last: &'static [&'static str]) -> BoxedStrategy<Vec<pb::CardPerson>> {
    prop_oneof![
        8 => prop::collection::vec(wild_person(last), 0..5),
        1 => prop::collection::vec(wild_person(last), 48..54),
    ]
    .boxed()
}

fn wild_card_content() -> impl Strategy<Value = pb::BlueCardAContent> {
    let people = (
        wild_persons(LAST),
        // Sometimes a suspected person shares a surname with the others (Card B check).
        prop_oneof![wild_persons(SUSPECT_LAST), wild_persons(LAST)],
        wild_persons(LAST),
        wild_persons(LAST),
    );
    let card_b = prop::option::weighted(
        0.8,
        (any::<bool>(), enum_number(3), text(FIRST), text(LAST)).prop_map(|(h, r, f, l)| {
            pb::BlueCardB {
                handed_over: h,
                recipient: r,
                recipient_first_name: f,
                recipient_last_name: l,
            }
        }),
    );
    let texts = (
        text(PLACES),
        prop_oneof![Just(String::new()), text(VIOLENCE_OTHER)],
        text(INJURIES),
        text(DESCRIPTIONS),
        text(ACTIONS),
    );
    (
        wild_ts(),
        (any::<bool>(), enum_number(4)),
        people,
        prop::collection::vec(enum_number(6), 0..9),
        texts,
        any::<[bool; 4]>(),
        card_b,
        wild_signatory(),
        wild_gmina(),
    )
        .prop_map(
            |(
                started,
                (present, absence),
                (experiencing, suspected, children, witnesses),
                forms,
                (place, other, injuries, description, actions),
                flags,
                card_b,
                filled_by,
                gmina,
            )| pb::BlueCardAContent {
                started_time: started,
                place,
                person_present: present,
                absence_reason: absence,
                persons_experiencing: experiencing,
                persons_suspected: suspected,
                children,
                witnesses,
                violence_forms: forms,
                violence_other: other,
                injuries,
                alcohol: flags[0],
                other_substances: flags[1],
                firearms: flags[2],
                description,
                intervention_actions: actions,
                card_b,
                crime_suspected: flags[3],
                filled_by,
                gmina_teryt: gmina,
            },
        )
}

fn wild_card() -> impl Strategy<Value = CardRequest> {
    (
        wild_id(),
        prop_oneof![3 => Just(String::new()), 1 => wild_id()],
        prop::option::weighted(0.95, wild_card_content()),
    )
        .prop_map(|(card_id, procedure_id, content)| CardRequest {
            card_id,
            procedure_id,
            content,
        })
}

// ---------------------------------------------------------------------------------------
// Strategies: valid variations of the fixtures.

/// A valid single-line value: from `pool`, maybe padded with (non-control) spaces, or the
/// pool's last entry stretched to exactly `max` characters (so that values of disjoint
/// pools stay different).
fn valid_line(pool: &'static [&'static str], max: usize) -> BoxedStrategy<String> {
    let pad = prop::sample::select(&["", "", " ", "  ", "\u{a0}", "\u{3000}"][..]);
    let last = pool[pool.len() - 1];
    let longest: String = last
        .chars()
        .chain(std::iter::repeat('ż'))
        .take(max)
        .collect();
    prop_oneof![
        12 => (pad.clone(), prop::sample::select(pool), pad)
            .prop_map(|(a, s, b)| format!("{a}{s}{b}")),
        1 => Just(longest),
    ]
    .boxed()
}

/// A valid free text (line breaks and tabs allowed anywhere, padding included).
fn valid_free(pool: &'static [&'static str]) -> BoxedStrategy<String> {
    let pad = prop::sample::select(&["", "", " ", "\n", "\r\n", "\t", " \n\t"][..]);
    (pad.clone(), prop::sample::select(pool), pad)
        .prop_map(|(a, s, b)| format!("{a}{s}{b}"))
        .boxed()
}

#[derive(Debug, Clone)]
struct ValidAssistance {
    req: AssistanceRequest,
    id: String,
}

fn valid_worker() -> impl Strategy<Value = pb::SocialWorker> {
    (
        valid_line(FIRST, 100),
        valid_line(LAST, 100),
        "[A-Z]{2}/[0-9]{1,5}/20[0-9]{2}",
        prop::sample::select(&["", " "][..]),
    )
        .prop_map(|(f, l, id, pad)| pb::SocialWorker {
            first_name: f,
            last_name: l,
            id_card_number: format!("{pad}{id}{pad}"),
        })
}

fn valid_signatory() -> impl Strategy<Value = pb::Signatory> {
    (
        valid_line(FIRST, 100),
        valid_line(LAST, 100),
        valid_line(POSITIONS, 100),
    )
        .prop_map(|(f, l, p)| pb::Signatory {
            first_name: f,
            last_name: l,
            position: p,
        })
}

fn valid_assistance() -> impl Strategy<Value = ValidAssistance> {
    let n = now().as_second();
    let times = (
        n + 4 * DAY..n + 60 * DAY,
        0..1_000_000_000i32,
        60_000i64..=86_400_000,
    );
    let oral = prop::option::weighted(0.3, (n - 7 * DAY..=n + 299, valid_line(OFFICERS, 100)));
    let address = (
        valid_line(STREETS, 100),
        valid_line(BUILDINGS, 16),
        valid_line(APARTMENTS, 16),
        ("[0-9]{2}-[0-9]{3}", prop::sample::select(&["", " "][..])),
        valid_line(CITIES, 100),
        prop::sample::select(&["0463011", " 0463011 "][..]),
        prop_oneof![Just(String::new()), valid_free(NOTES)],
    );
    let client = (
        valid_line(FIRST, 100),
        valid_line(LAST, 100),
        prop_oneof![Just(String::new()), valid_free(OTHER_DATA)],
    );
    let activity = prop_oneof![
        Just((pb::Activity::CommunityInterview, String::new())),
        Just((pb::Activity::SocialWork, String::new())),
        Just((pb::Activity::SocialWork, "  \n".to_string())),
        valid_free(ACTIVITY_OTHER).prop_map(|t| (pb::Activity::Other, t)),
    ];
    (
        uuid_text(),
        times,
        oral,
        address,
        client,
        valid_free(BEHAVIOURS),
        prop::collection::vec(valid_worker(), 1..=20),
        activity,
        valid_signatory(),
    )
        .prop_map(
            |(
                (wire_id, id),
                (start_s, start_ns, visit_ms),
                oral,
                (street, building, apartment, (pc, pc_pad), city, g, notes),
                (cf, cl, co),
                behaviour,
                workers,
                (activity, activity_other),
                signed,
            )| {
                let start = Timestamp::new(start_s, start_ns).expect("start");
                let mut req = match &oral {
                    None => fixtures::normal(&wire_id, start),
                    Some((oral_s, _)) => fixtures::urgent(
                        &wire_id,
                        start,
                        Timestamp::from_second(*oral_s).expect("oral time"),
                    ),
                };
                if let (Some(o), Some((_, officer))) = (req.oral_request.as_mut(), oral) {
                    o.officer_name = officer;
                }
                let c = req.content.as_mut().expect("fixture content");
                c.planned_end = Some(pbts(start + SignedDuration::from_millis(visit_ms)));
                c.address = Some(pb::Address {
                    street,
                    building_number: building,
                    apartment_number: apartment,
                    postal_code: format!("{pc_pad}{pc}{pc_pad}"),
                    city,
                    gmina_teryt: g.into(),
                    notes,
                });
                c.client = Some(pb::Client {
                    first_name: cf,
                    last_name: cl,
                    other_data: co,
                });
                c.expected_behaviour = behaviour;
                c.social_workers = workers;
                c.activity = activity as i32;
                c.activity_other = activity_other;
                c.signed_by = Some(signed);
                ValidAssistance { req, id }
            },
        )
}

/// What a valid assistance request must turn into: the same content, trimmed.
fn expected_submission(v: &ValidAssistance) -> Submission {
    let r = &v.req;
    let c = r.content.as_ref().expect("content");
    let a = c.address.as_ref().expect("address");
    let cl = c.client.as_ref().expect("client");
    let s = c.signed_by.as_ref().expect("signed_by");
    Submission {
        request_id: v.id.clone(),
        urgency: if r.urgency == pb::Urgency::UrgentOral as i32 {
            Urgency::UrgentOral
        } else {
            Urgency::Normal
        },
        oral_request: r.oral_request.as_ref().map(|o| OralRequest {
            requested_at: fixtures::ts(&o.requested_time),
            officer_name: o.officer_name.trim().into(),
        }),
        content: Content {
            planned_start: fixtures::ts(&c.planned_start),
            planned_end: fixtures::ts(&c.planned_end),
            address: Address {
                street: a.street.trim().into(),
                building_number: a.building_number.trim().into(),
                apartment_number: a.apartment_number.trim().into(),
                postal_code: a.postal_code.trim().into(),
                city: a.city.trim().into(),
                gmina: gmina("0463011"),
                notes: a.notes.trim().into(),
            },
            client: Client {
                first_name: cl.first_name.trim().into(),
                last_name: cl.last_name.trim().into(),
                other_data: cl.other_data.trim().into(),
            },
            expected_behaviour: c.expected_behaviour.trim().into(),
            social_workers: c
                .social_workers
                .iter()
                .map(|w| SocialWorker {
                    first_name: w.first_name.trim().into(),
                    last_name: w.last_name.trim().into(),
                    id_card_number: w.id_card_number.trim().into(),
                })
                .collect(),
            activity: match pb::Activity::try_from(c.activity) {
                Ok(pb::Activity::CommunityInterview) => Activity::CommunityInterview,
                Ok(pb::Activity::SocialWork) => Activity::SocialWork,
                _ => Activity::Other(c.activity_other.trim().into()),
            },
            signed_by: signatory(s),
        },
    }
}

fn signatory(s: &pb::Signatory) -> Signatory {
    Signatory {
        first_name: s.first_name.trim().into(),
        last_name: s.last_name.trim().into(),
        position: s.position.trim().into(),
    }
}

#[derive(Debug, Clone)]
struct ValidCard {
    req: CardRequest,
    card_id: String,
    procedure_id: Option<String>,
    team: &'static str,
}

fn valid_person(
    last: &'static [&'static str],
    relationships: &'static [&'static str],
) -> impl Strategy<Value = pb::CardPerson> {
    (
        valid_line(FIRST, 100),
        valid_line(last, 100),
        prop_oneof![Just(0u32), 1900u32..=2100],
        any::<bool>(),
        valid_line(relationships, 100),
    )
        .prop_map(|(f, l, y, minor, rel)| pb::CardPerson {
            first_name: f,
            last_name: l,
            birth_year: y,
            minor,
            relationship: rel,
        })
}

fn valid_card() -> impl Strategy<Value = ValidCard> {
    let n = now().as_second();
    let ids = (
        uuid_text(),
        prop::option::weighted(0.3, uuid_text()),
        (n - 60 * DAY..n + 299, 0..1_000_000_000i32),
    );
    let presence = prop_oneof![Just((true, 0)), (1..=4i32).prop_map(|a| (false, a)),];
    let people = (
        prop::collection::vec(valid_person(LAST, OPT_RELATIONSHIPS), 1..4),
        prop::collection::vec(valid_person(SUSPECT_LAST, RELATIONSHIPS), 1..3),
        prop::collection::vec(valid_person(LAST, OPT_RELATIONSHIPS), 0..4),
        prop::collection::vec(valid_person(LAST, OPT_RELATIONSHIPS), 0..3),
    );
    let forms = prop::sample::subsequence(vec![1, 2, 3, 4, 5, 6], 1..=6)
        .prop_shuffle()
        .prop_flat_map(|forms| {
            let other = if forms.contains(&6) {
                valid_free(VIOLENCE_OTHER).boxed()
            } else {
                prop::sample::select(&["", " ", "\n"][..])
                    .prop_map(String::from)
                    .boxed()
            };
            (Just(forms), other)
        });
    let texts = (
        valid_line(PLACES, 200),
        prop_oneof![Just(String::new()), valid_free(INJURIES)],
        valid_free(DESCRIPTIONS),
        valid_free(ACTIONS),
    );
    // 0: no Card B; 1: not handed over; 2: handed over (recipient chosen below).
    let card_b = (
        0..3u8,
        1..=3i32,
        valid_line(FIRST, 100),
        valid_line(LAST, 100),
    );
    (
        ids,
        presence,
        people,
        forms,
        texts,
        any::<[bool; 4]>(),
        card_b,
        valid_signatory(),
        prop::sample::select(TEAMS),
    )
        .prop_map(
            |(
                ((wire_id, card_id), procedure, (start_s, start_ns)),
                (present, absence),
                (experiencing, suspected, children, witnesses),
                (forms, violence_other),
                (place, injuries, description, actions),
                flags,
                (b_kind, recipient, b_first, b_last),
                filled_by,
                (g, team),
            )| {
                let started = Timestamp::new(start_s, start_ns).expect("started");
                let mut req = fixtures::card(&wire_id, started);
                let procedure_id = procedure.as_ref().map(|(_, norm)| norm.clone());
                req.procedure_id = procedure.map(|(wire, _)| wire).unwrap_or_default();
                let all_minors = experiencing.iter().all(|p| p.minor);
                // § 6 ust. 3: for a child, never to the person experiencing violence.
                let recipient = if all_minors && recipient == 1 {
                    2
                } else {
                    recipient
                };
                let c = req.content.as_mut().expect("fixture content");
                c.place = place;
                c.person_present = present;
                c.absence_reason = absence;
                c.persons_experiencing = experiencing;
                c.persons_suspected = suspected;
                c.children = children;
                c.witnesses = witnesses;
                c.violence_forms = forms;
                c.violence_other = violence_other;
                c.injuries = injuries;
                c.alcohol = flags[0];
                c.other_substances = flags[1];
                c.firearms = flags[2];
                c.crime_suspected = flags[3];
                c.description = description;
                c.intervention_actions = actions;
                c.card_b = match b_kind {
                    0 => None,
                    1 => Some(pb::BlueCardB::default()),
                    _ => Some(pb::BlueCardB {
                        handed_over: true,
                        recipient,
                        recipient_first_name: b_first,
                        recipient_last_name: b_last,
                    }),
                };
                c.filled_by = Some(filled_by);
                c.gmina_teryt = g.into();
                ValidCard {
                    req,
                    card_id,
                    procedure_id,
                    team,
                }
            },
        )
}

fn expected_card(v: &ValidCard) -> CardSubmission {
    let c = v.req.content.as_ref().expect("content");
    let persons = |list: &[pb::CardPerson]| {
        list.iter()
            .map(|p| CardPerson {
                first_name: p.first_name.trim().into(),
                last_name: p.last_name.trim().into(),
                birth_year: p.birth_year,
                minor: p.minor,
                relationship: p.relationship.trim().into(),
            })
            .collect::<Vec<_>>()
    };
    CardSubmission {
        card_id: v.card_id.clone(),
        procedure_id: v.procedure_id.clone(),
        content: CardContent {
            started_at: fixtures::ts(&c.started_time),
            place: c.place.trim().into(),
            absence: match c.absence_reason {
                1 => Some(AbsenceReason::Absent),
                2 => Some(AbsenceReason::Health),
                3 => Some(AbsenceReason::Danger),
                4 => Some(AbsenceReason::ContactImpossible),
                _ => None,
            },
            persons_experiencing: persons(&c.persons_experiencing),
            persons_suspected: persons(&c.persons_suspected),
            children: persons(&c.children),
            witnesses: persons(&c.witnesses),
            violence_forms: c
                .violence_forms
                .iter()
                .map(|f| match f {
                    1 => ViolenceForm::Physical,
                    2 => ViolenceForm::Psychological,
                    3 => ViolenceForm::Sexual,
                    4 => ViolenceForm::Economic,
                    5 => ViolenceForm::ElectronicCommunication,
                    _ => ViolenceForm::Other,
                })
                .collect(),
            violence_other: c.violence_other.trim().into(),
            injuries: c.injuries.trim().into(),
            alcohol: c.alcohol,
            other_substances: c.other_substances,
            firearms: c.firearms,
            description: c.description.trim().into(),
            intervention_actions: c.intervention_actions.trim().into(),
            card_b: c.card_b.as_ref().filter(|b| b.handed_over).map(|b| CardB {
                recipient: match b.recipient {
                    1 => CardBRecipient::PersonExperiencing,
                    2 => CardBRecipient::ParentOrGuardian,
                    _ => CardBRecipient::ReportingPerson,
                },
                first_name: b.recipient_first_name.trim().into(),
                last_name: b.recipient_last_name.trim().into(),
            }),
            crime_suspected: c.crime_suspected,
            filled_by: signatory(c.filled_by.as_ref().expect("filled_by")),
            gmina: gmina(c.gmina_teryt.trim()),
        },
    }
}

/// Any message: mostly wild (almost never acceptable), a quarter valid variations, so
/// that both the rejection and the acceptance branch are exercised.
fn any_assistance() -> impl Strategy<Value = AssistanceRequest> {
    prop_oneof![
        3 => wild_assistance().boxed(),
        1 => valid_assistance().prop_map(|v| v.req).boxed(),
    ]
}

fn any_card() -> impl Strategy<Value = CardRequest> {
    prop_oneof![
        3 => wild_card().boxed(),
        1 => valid_card().prop_map(|v| v.req).boxed(),
    ]
}

// ---------------------------------------------------------------------------------------
// Spoilers: each breaks exactly one field of a valid request and returns its path.

const CONTROLS: &[char] = &[
    '\u{0}', '\u{7}', '\u{8}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9c}',
];

/// A bad value for a text field: too long, with a control character inside (line breaks
/// and tabs count for single-line fields), or blank when required.
fn bad_text(v: u32, max: usize, multiline: bool, required: bool) -> String {
    let k = v / 8;
    match v % if required { 3 } else { 2 } {
        0 => {
            let c = ['ż', 'x', 'Ł', '字'][k as usize % 4];
            std::iter::repeat_n(c, max + 1 + (k as usize / 4) % 3).collect()
        }
        1 => {
            let mut pool = CONTROLS.to_vec();
            if !multiline {
                pool.extend(['\n', '\r', '\t']);
            }
            format!("Ko{}walski", pool[k as usize % pool.len()])
        }
        _ => ["", " ", "   ", "\u{a0}", " \n\t "][k as usize % 5].into(),
    }
}

fn bad_ts(v: u32) -> Option<prost_types::Timestamp> {
    match v % 4 {
        0 => None,
        1 => Some(prost_types::Timestamp {
            seconds: now().as_second(),
            nanos: 1_000_000_000,
        }),
        2 => Some(prost_types::Timestamp {
            seconds: i64::MAX,
            nanos: 0,
        }),
        _ => Some(prost_types::Timestamp {
            seconds: 0,
            nanos: i32::MIN,
        }),
    }
}

fn pick<'a>(v: u32, options: &[&'a str]) -> &'a str {
    options[(v as usize / 16) % options.len()]
}

const ASSISTANCE_SPOILERS: usize = 33;

fn spoil_assistance(r: &mut AssistanceRequest, which: usize, v: u32) -> String {
    let text = |max, multiline, required| bad_text(v, max, multiline, required);
    // Makes the request URGENT_ORAL with a valid oral request (still a valid request).
    fn make_urgent(r: &mut AssistanceRequest) -> &mut pb::OralRequest {
        r.urgency = pb::Urgency::UrgentOral as i32;
        r.oral_request.get_or_insert_with(|| pb::OralRequest {
            requested_time: Some(pbts(now() - SignedDuration::from_mins(30))),
            officer_name: "asp. Jan Kowalski".into(),
        })
    }
    match which {
        0 => {
            r.request_id = pick(
                v,
                &[
                    "",
                    "not-a-uuid",
                    "00000000-0000-0000-0000-000000000000",
                    "{123}",
                ],
            )
            .into();
            "request_id".into()
        }
        1 => {
            r.urgency = [0, 3, -1, i32::MAX, i32::MIN][v as usize % 5];
            "urgency".into()
        }
        2 => {
            if r.urgency == pb::Urgency::UrgentOral as i32 {
                r.oral_request = None;
            } else {
                r.oral_request = Some(pb::OralRequest {
                    requested_time: Some(pbts(now())),
                    officer_name: "asp. Jan Kowalski".into(),
                });
            }
            "oral_request".into()
        }
        3 => {
            let o = make_urgent(r);
            o.requested_time = match v % 3 {
                0 => bad_ts(v / 3),
                1 => Some(pbts(now() + SignedDuration::from_mins(6))),
                _ => Some(pbts(now() + SignedDuration::from_hours(24 * 30))),
            };
            "oral_request.requested_time".into()
        }
        4 => {
            make_urgent(r).officer_name = text(100, false, true);
            "oral_request.officer_name".into()
        }
        5 => {
            r.content = None;
            "content".into()
        }
        _ => {
            let c = r.content.as_mut().expect("content");
            let start = fixtures::ts(&c.planned_start);
            let n = c.social_workers.len();
            let i = v as usize % n;
            match which {
                6 => {
                    if v % 2 == 0 {
                        c.planned_start = bad_ts(v / 2);
                    } else {
                        // NORMAL: a start in the past (the end stays a valid hour later).
                        let past = now() - SignedDuration::from_mins(1 + i64::from(v % 10_000));
                        c.planned_start = Some(pbts(past));
                        c.planned_end = Some(pbts(past + SignedDuration::from_hours(1)));
                        r.urgency = pb::Urgency::Normal as i32;
                        r.oral_request = None;
                    }
                    "content.planned_start".into()
                }
                7 => {
                    c.planned_end = match v % 5 {
                        0 | 1 => bad_ts(v / 5),
                        2 => Some(pbts(start)),
                        3 => Some(pbts(
                            start - SignedDuration::from_secs(1 + i64::from(v / 5)),
                        )),
                        _ => Some(pbts(
                            start + SignedDuration::from_hours(24) + SignedDuration::from_nanos(1),
                        )),
                    };
                    "content.planned_end".into()
                }
                8 => {
                    c.address = None;
                    "content.address".into()
                }
                9 => {
                    c.address.as_mut().unwrap().street = text(100, false, true);
                    "content.address.street".into()
                }
                10 => {
                    c.address.as_mut().unwrap().building_number = text(16, false, true);
                    "content.address.building_number".into()
                }
                11 => {
                    c.address.as_mut().unwrap().apartment_number = text(16, false, false);
                    "content.address.apartment_number".into()
                }
                12 => {
                    c.address.as_mut().unwrap().postal_code = pick(
                        v,
                        &[
                            "", "87100", "87-10", "8a-100", "87-1000", "87–100", "ab-cde", "87-1 0",
                        ],
                    )
                    .into();
                    "content.address.postal_code".into()
                }
                13 => {
                    c.address.as_mut().unwrap().city = text(100, false, true);
                    "content.address.city".into()
                }
                14 => {
                    c.address.as_mut().unwrap().notes = text(4000, true, false);
                    "content.address.notes".into()
                }
                15 => {
                    c.address.as_mut().unwrap().gmina_teryt = pick(
                        v,
                        &[
                            "", "2416053", "1465011", "0463012", "0163011", "abc", "04630111",
                            "0463014",
                        ],
                    )
                    .into();
                    "content.address.gmina_teryt".into()
                }
                16 => {
                    c.client = None;
                    "content.client".into()
                }
                17 => {
                    c.client.as_mut().unwrap().first_name = text(100, false, true);
                    "content.client.first_name".into()
                }
                18 => {
                    c.client.as_mut().unwrap().last_name = text(100, false, true);
                    "content.client.last_name".into()
                }
                19 => {
                    c.client.as_mut().unwrap().other_data = text(4000, true, false);
                    "content.client.other_data".into()
                }
                20 => {
                    c.expected_behaviour = text(4000, true, true);
                    "content.expected_behaviour".into()
                }
                21 => {
                    if v % 2 == 0 {
                        c.social_workers.clear();
                    } else {
                        let w = c.social_workers[0].clone();
                        c.social_workers.resize(21 + (v as usize / 2) % 10, w);
                    }
                    "content.social_workers".into()
                }
                22 => {
                    c.social_workers[i].first_name = text(100, false, true);
                    format!("content.social_workers[{i}].first_name")
                }
                23 => {
                    c.social_workers[i].last_name = text(100, false, true);
                    format!("content.social_workers[{i}].last_name")
                }
                24 => {
                    c.social_workers[i].id_card_number = pick(
                        v,
                        &[
                            "",
                            "  ",
                            "AB_12",
                            "AB/12/2026?",
                            "ŻÓ/12/2026",
                            "AB\n12",
                            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                        ],
                    )
                    .into();
                    format!("content.social_workers[{i}].id_card_number")
                }
                25 => {
                    c.activity = [0, 4, -7, i32::MIN, i32::MAX][v as usize % 5];
                    "content.activity".into()
                }
                26 => {
                    if c.activity == pb::Activity::Other as i32 {
                        c.activity_other = text(4000, true, true);
                    } else {
                        c.activity_other = "coś zupełnie innego".into();
                    }
                    "content.activity_other".into()
                }
                27 => {
                    c.signed_by = None;
                    "content.signed_by".into()
                }
                28 => {
                    c.signed_by.as_mut().unwrap().first_name = text(100, false, true);
                    "content.signed_by.first_name".into()
                }
                29 => {
                    c.signed_by.as_mut().unwrap().last_name = text(100, false, true);
                    "content.signed_by.last_name".into()
                }
                30 => {
                    c.signed_by.as_mut().unwrap().position = text(100, false, false);
                    "content.signed_by.position".into()
                }
                31 => {
                    // OTHER without a description.
                    c.activity = pb::Activity::Other as i32;
                    c.activity_other = pick(v, &["", "  ", "\n"]).into();
                    "content.activity_other".into()
                }
                _ => {
                    c.planned_start = Some(prost_types::Timestamp {
                        seconds: pbts(start).seconds,
                        nanos: [-1_000_000_000, 1_000_000_000, i32::MAX][v as usize % 3],
                    });
                    "content.planned_start".into()
                }
            }
        }
    }
}

const CARD_SPOILERS: usize = 34;

/// Which person list a spoiler targets.
const LISTS: &[&str] = &[
    "persons_experiencing",
    "persons_suspected",
    "children",
    "witnesses",
];

fn spoil_card(r: &mut CardRequest, which: usize, v: u32) -> String {
    let text = |max, multiline, required| bad_text(v, max, multiline, required);
    match which {
        0 => {
            r.card_id = pick(v, &["", "card-1", "00000000-0000-0000-0000-000000000000"]).into();
            return "card_id".into();
        }
        1 => {
            r.procedure_id = pick(v, &["x", "00000000-0000-0000-0000-000000000000", "123"]).into();
            return "procedure_id".into();
        }
        2 => {
            r.content = None;
            return "content".into();
        }
        _ => {}
    }
    let c = r.content.as_mut().expect("content");
    let list_name = LISTS[v as usize % 4];
    let list = match list_name {
        "persons_experiencing" => &mut c.persons_experiencing,
        "persons_suspected" => &mut c.persons_suspected,
        "children" => &mut c.children,
        _ => &mut c.witnesses,
    };
    let valid_person = pb::CardPerson {
        first_name: "Ola".into(),
        last_name: "Nowak".into(),
        birth_year: 1990,
        minor: false,
        relationship: "córka".into(),
    };
    if list.is_empty() {
        list.push(valid_person.clone());
    }
    let i = (v as usize / 4) % list.len();
    let person_path = |field: &str| format!("content.{list_name}[{i}].{field}");
    match which {
        3 => {
            c.started_time = match v % 3 {
                0 => bad_ts(v / 3),
                1 => Some(pbts(now() + SignedDuration::from_mins(6))),
                _ => Some(pbts(now() + SignedDuration::from_hours(24 * 400))),
            };
            "content.started_time".into()
        }
        4 => {
            c.place = text(200, false, true);
            "content.place".into()
        }
        5 => {
            match v % 3 {
                0 => {
                    c.person_present = true;
                    c.absence_reason = 1 + (v / 3 % 4) as i32;
                }
                1 => {
                    c.person_present = false;
                    c.absence_reason = 0;
                }
                _ => c.absence_reason = [5, -1, 99, i32::MIN][(v as usize / 3) % 4],
            }
            "content.absence_reason".into()
        }
        6 | 7 => {
            let (name, list, template) = if which == 6 {
                (
                    "persons_experiencing",
                    &mut c.persons_experiencing,
                    valid_person,
                )
            } else {
                let mut p = valid_person;
                p.last_name = "Przybysz".into();
                ("persons_suspected", &mut c.persons_suspected, p)
            };
            if v % 2 == 0 {
                list.clear();
            } else {
                list.resize(51 + (v as usize / 2) % 5, template);
            }
            format!("content.{name}")
        }
        8 => {
            // children or witnesses: at most 50.
            let (name, list) = if v % 2 == 0 {
                ("children", &mut c.children)
            } else {
                ("witnesses", &mut c.witnesses)
            };
            list.resize(51, valid_person);
            format!("content.{name}")
        }
        9 => {
            list[i].first_name = text(100, false, true);
            person_path("first_name")
        }
        10 => {
            list[i].last_name = text(100, false, true);
            person_path("last_name")
        }
        11 => {
            list[i].birth_year = [1, 1899, 2101, u32::MAX][(v as usize / 16) % 4];
            person_path("birth_year")
        }
        12 => {
            // Required for suspected persons only.
            list[i].relationship = text(100, false, list_name == "persons_suspected");
            person_path("relationship")
        }
        13 => {
            if v % 2 == 0 {
                c.violence_forms.clear();
                c.violence_other.clear();
            } else {
                let form = if c.violence_forms.contains(&6) { 6 } else { 1 };
                c.violence_forms = vec![form; 7 + (v as usize / 2) % 3];
            }
            "content.violence_forms".into()
        }
        14 => {
            let at = c.violence_forms.len();
            c.violence_forms
                .push([0, 7, -1, 99, i32::MAX][(v as usize / 16) % 5]);
            format!("content.violence_forms[{at}]")
        }
        15 => {
            if c.violence_forms.contains(&6) {
                c.violence_other = text(4000, true, true);
            } else {
                c.violence_other = "zastraszanie".into();
            }
            "content.violence_other".into()
        }
        16 => {
            c.injuries = text(4000, true, false);
            "content.injuries".into()
        }
        17 => {
            c.description = text(4000, true, true);
            "content.description".into()
        }
        18 => {
            c.intervention_actions = text(4000, true, true);
            "content.intervention_actions".into()
        }
        19 => {
            match v % 3 {
                0 => {
                    // § 6 ust. 4: never to a suspected person (names compared loosely).
                    let s = &c.persons_suspected[0];
                    c.card_b = Some(pb::BlueCardB {
                        handed_over: true,
                        recipient: pb::CardBRecipient::ParentOrGuardian as i32,
                        recipient_first_name: s.first_name.trim().to_uppercase(),
                        recipient_last_name: s.last_name.trim().to_lowercase(),
                    });
                }
                1 => {
                    c.card_b = Some(pb::BlueCardB {
                        handed_over: false,
                        recipient: 0,
                        recipient_first_name: "Anna".into(),
                        recipient_last_name: String::new(),
                    });
                }
                _ => {
                    c.card_b = Some(pb::BlueCardB {
                        handed_over: false,
                        recipient: 1 + (v / 3 % 3) as i32,
                        recipient_first_name: String::new(),
                        recipient_last_name: String::new(),
                    });
                }
            }
            "content.card_b".into()
        }
        20..=22 => {
            let b = c.card_b.get_or_insert_with(Default::default);
            b.handed_over = true;
            b.recipient = pb::CardBRecipient::ReportingPerson as i32;
            b.recipient_first_name = "Halina".into();
            b.recipient_last_name = "Nowak".into();
            match which {
                20 => {
                    match v % 3 {
                        0 => b.recipient = [0, 4, -1, i32::MAX][(v as usize / 3) % 4],
                        _ => {
                            // § 6 ust. 3: all persons experiencing violence are children.
                            b.recipient = pb::CardBRecipient::PersonExperiencing as i32;
                            for p in &mut c.persons_experiencing {
                                p.minor = true;
                            }
                        }
                    }
                    "content.card_b.recipient".into()
                }
                21 => {
                    b.recipient_first_name = text(100, false, true);
                    "content.card_b.recipient_first_name".into()
                }
                _ => {
                    b.recipient_last_name = text(100, false, true);
                    "content.card_b.recipient_last_name".into()
                }
            }
        }
        23 => {
            c.filled_by = None;
            "content.filled_by".into()
        }
        24 => {
            c.filled_by.as_mut().unwrap().first_name = text(100, false, true);
            "content.filled_by.first_name".into()
        }
        25 => {
            c.filled_by.as_mut().unwrap().last_name = text(100, false, true);
            "content.filled_by.last_name".into()
        }
        26 => {
            c.filled_by.as_mut().unwrap().position = text(100, false, false);
            "content.filled_by.position".into()
        }
        27 => {
            c.gmina_teryt = pick(
                v,
                &[
                    "", "1465011", "0163011", "2416054", "abcdefg", "24160531", "2416000",
                    "2400053",
                ],
            )
            .into();
            "content.gmina_teryt".into()
        }
        // A second helping of the person fields, the most numerous ones.
        28 | 29 => {
            list[i].first_name = text(100, false, true);
            person_path("first_name")
        }
        30 | 31 => {
            list[i].last_name = text(100, false, true);
            person_path("last_name")
        }
        _ => {
            c.started_time = Some(prost_types::Timestamp {
                seconds: now().as_second() - DAY,
                nanos: [-1_000_000_000, 1_000_000_000, i32::MIN][v as usize % 3],
            });
            "content.started_time".into()
        }
    }
}

// ---------------------------------------------------------------------------------------
// The properties.

proptest! {
    #![proptest_config(config())]

    /// Any wire message: no panic, all-or-nothing, and a well-formed rejection.
    #[test]
    fn assistance_any_message_is_accepted_whole_or_rejected_cleanly(req in any_assistance()) {
        let (pre, out) = validate_assistance(&req);
        match out {
            Ok((sub, police)) => {
                prop_assert!(pre.is_empty(), "accepted despite decoding violations {:?}", pre);
                prop_assert_eq!(police.as_str(), "kmp-torun");
                // What was accepted, sent again, is accepted again unchanged.
                let again = AssistanceRequest {
                    request_id: sub.request_id.clone(),
                    urgency: match sub.urgency {
                        Urgency::Normal => pb::Urgency::Normal,
                        Urgency::UrgentOral => pb::Urgency::UrgentOral,
                    } as i32,
                    oral_request: sub.oral_request.as_ref().map(|o| pb::OralRequest {
                        requested_time: Some(ts_to_pb(o.requested_at)),
                        officer_name: o.officer_name.clone(),
                    }),
                    content: Some(assistance_map::content_pb(&sub.content)),
                };
                let (_, out2) = validate_assistance(&again);
                let (sub2, _) = out2.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                prop_assert_eq!(sub2, sub);
            }
            Err(e) => {
                rejection(e, &assistance_strings(&req))?;
            }
        }
    }

    #[test]
    fn blue_card_any_message_is_accepted_whole_or_rejected_cleanly(req in any_card()) {
        let (pre, out) = validate_card(&req);
        match out {
            Ok((sub, team)) => {
                prop_assert!(pre.is_empty(), "accepted despite decoding violations {:?}", pre);
                let expected_team = TEAMS
                    .iter()
                    .find(|(g, _)| *g == sub.content.gmina.to_string())
                    .map(|(_, t)| *t);
                prop_assert_eq!(Some(team.as_str()), expected_team);
                let again = CardRequest {
                    card_id: sub.card_id.clone(),
                    procedure_id: sub.procedure_id.clone().unwrap_or_default(),
                    content: Some(blue_card_map::content_pb(&sub.content)),
                };
                let (_, out2) = validate_card(&again);
                let (sub2, _) = out2.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                prop_assert_eq!(sub2, sub);
            }
            Err(e) => {
                rejection(e, &card_strings(&req))?;
            }
        }
    }

    /// Random valid variations of the fixture stay valid, and the content is kept, trimmed.
    #[test]
    fn assistance_valid_request_stays_valid(v in valid_assistance()) {
        let (pre, out) = validate_assistance(&v.req);
        prop_assert!(pre.is_empty(), "decoding violations {:?}", pre);
        let (sub, police) = match out {
            Ok(ok) => ok,
            Err(e) => return Err(TestCaseError::fail(format!("valid request refused: {e:?}"))),
        };
        prop_assert_eq!(police.as_str(), "kmp-torun");
        prop_assert_eq!(sub, expected_submission(&v));
    }

    #[test]
    fn blue_card_valid_card_stays_valid(v in valid_card()) {
        let (pre, out) = validate_card(&v.req);
        prop_assert!(pre.is_empty(), "decoding violations {:?}", pre);
        let (sub, team) = match out {
            Ok(ok) => ok,
            Err(e) => return Err(TestCaseError::fail(format!("valid card refused: {e:?}"))),
        };
        prop_assert_eq!(team.as_str(), v.team);
        prop_assert_eq!(sub, expected_card(&v));
    }

    /// One spoiled field is reported at exactly that field.
    #[test]
    fn assistance_one_bad_field_is_reported_exactly(
        v in valid_assistance(),
        which in 0..ASSISTANCE_SPOILERS,
        variant in any::<u32>(),
    ) {
        let mut req = v.req;
        let path = spoil_assistance(&mut req, which, variant);
        let (_, out) = validate_assistance(&req);
        let e = match out {
            Ok(_) => return Err(TestCaseError::fail(format!("{path} spoiled, still accepted"))),
            Err(e) => e,
        };
        let got = rejection(e, &assistance_strings(&req))?;
        prop_assert_eq!(fields(&got), vec![path], "violations: {:?}", got);
    }

    #[test]
    fn blue_card_one_bad_field_is_reported_exactly(
        v in valid_card(),
        which in 0..CARD_SPOILERS,
        variant in any::<u32>(),
    ) {
        let mut req = v.req;
        let path = spoil_card(&mut req, which, variant);
        let (_, out) = validate_card(&req);
        let e = match out {
            Ok(_) => return Err(TestCaseError::fail(format!("{path} spoiled, still accepted"))),
            Err(e) => e,
        };
        let got = rejection(e, &card_strings(&req))?;
        prop_assert_eq!(fields(&got), vec![path], "violations: {:?}", got);
    }
}

/// The spoilers cover every field path they claim (guards against a spoiler silently
/// falling through to another branch after an edit).
#[test]
fn every_spoiler_is_reachable() {
    let base = fixtures::normal(
        &fixtures::new_id(),
        now() + SignedDuration::from_hours(24 * 5),
    );
    let mut paths = HashSet::new();
    for which in 0..ASSISTANCE_SPOILERS {
        for v in 0..64 {
            let mut r = base.clone();
            paths.insert(spoil_assistance(&mut r, which, v));
        }
    }
    assert!(paths.len() >= 30, "{paths:?}");
    let base = fixtures::card(&fixtures::new_id(), now() - SignedDuration::from_hours(1));
    let mut paths = HashSet::new();
    for which in 0..CARD_SPOILERS {
        for v in 0..64 {
            let mut r = base.clone();
            paths.insert(spoil_card(&mut r, which, v));
        }
    }
    assert!(paths.len() >= 40, "{paths:?}");
}

/// The checks themselves: an echoed value, a duplicate field and an empty list are caught.
#[test]
fn rejection_check_catches_echo_duplicates_and_emptiness() {
    let inputs = vec!["Kowalski".to_string()];
    let echo = Error::invalid("content.client.last_name", "Kowalski is not allowed");
    assert!(rejection(echo, &inputs).is_err());
    let twice = Error::InvalidArgument(vec![
        FieldViolation::new("request_id", "required"),
        FieldViolation::new("request_id", "must be a UUID"),
    ]);
    assert!(rejection(twice, &inputs).is_err());
    assert!(rejection(Error::InvalidArgument(vec![]), &inputs).is_err());
    let other = Error::PermissionDenied("no".into());
    assert!(rejection(other, &inputs).is_err());
    let fine = Error::invalid("content.client.last_name", "required");
    assert_eq!(rejection(fine, &inputs).expect("fine").len(), 1);
}
