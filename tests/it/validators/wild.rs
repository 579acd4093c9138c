//! Strategies: arbitrary (wild) wire values.

use super::*;

/// Arbitrary, mostly hostile text: any unicode, control characters, whitespace only, very
/// long, or lengths around the limits.
pub(super) fn wild_text() -> BoxedStrategy<String> {
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
pub(super) fn text(pool: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        6 => prop::sample::select(pool).prop_map(String::from),
        1 => wild_text(),
    ]
    .boxed()
}

/// An enum number: mostly in `0..=max` (and one past it), sometimes any `i32`.
pub(super) fn enum_number(max: i32) -> BoxedStrategy<i32> {
    prop_oneof![
        6 => 0..=max + 1,
        1 => any::<i32>(),
        1 => prop::sample::select(&[i32::MIN, -1, i32::MAX][..]),
    ]
    .boxed()
}

/// A wire timestamp: absent, near now, or anything (out-of-range seconds and nanos).
pub(super) fn wild_ts() -> BoxedStrategy<Option<prost_types::Timestamp>> {
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
pub(super) fn uuid_text() -> impl Strategy<Value = (String, String)> {
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

pub(super) fn wild_id() -> BoxedStrategy<String> {
    prop_oneof![
        4 => uuid_text().prop_map(|(w, _)| w),
        1 => Just(uuid::Uuid::nil().to_string()),
        1 => Just(String::new()),
        1 => wild_text(),
    ]
    .boxed()
}

pub(super) fn wild_gmina() -> BoxedStrategy<String> {
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

pub(super) fn wild_postal_code() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[0-9]{2}-[0-9]{3}",
        1 => prop::sample::select(&["87100", "87-1000", "8a-100", "87–100", " 87-100 ", "ab-cde"][..])
            .prop_map(String::from),
        1 => wild_text(),
    ]
    .boxed()
}

pub(super) fn wild_id_card() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[A-Z]{2}/[0-9]{1,5}/20[0-9]{2}",
        1 => "[A-Za-z0-9/ -]{0,40}",
        1 => wild_text(),
    ]
    .boxed()
}

pub(super) fn wild_signatory() -> impl Strategy<Value = Option<pb::Signatory>> {
    prop::option::weighted(
        0.9,
        (text(FIRST), text(LAST), text(POSITIONS)).prop_map(|(f, l, p)| pb::Signatory {
            first_name: f,
            last_name: l,
            position: p,
        }),
    )
}

pub(super) fn wild_worker() -> impl Strategy<Value = pb::SocialWorker> {
    (text(FIRST), text(LAST), wild_id_card()).prop_map(|(f, l, id)| pb::SocialWorker {
        first_name: f,
        last_name: l,
        id_card_number: id,
    })
}

pub(super) fn wild_address() -> impl Strategy<Value = pb::Address> {
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

pub(super) fn wild_planned() -> BoxedStrategy<(
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

pub(super) fn wild_content() -> impl Strategy<Value = pb::AssistanceRequestContent> {
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

pub(super) fn wild_assistance() -> impl Strategy<Value = AssistanceRequest> {
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

pub(super) fn wild_person(last: &'static [&'static str]) -> impl Strategy<Value = pb::CardPerson> {
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

pub(super) fn wild_persons(last: &'static [&'static str]) -> BoxedStrategy<Vec<pb::CardPerson>> {
    prop_oneof![
        8 => prop::collection::vec(wild_person(last), 0..5),
        1 => prop::collection::vec(wild_person(last), 48..54),
    ]
    .boxed()
}

pub(super) fn wild_card_content() -> impl Strategy<Value = pb::BlueCardAContent> {
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

pub(super) fn wild_card() -> impl Strategy<Value = CardRequest> {
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
