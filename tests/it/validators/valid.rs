//! Strategies: valid variations of the fixtures, and the expected decoded submissions.

use super::*;

/// A valid single-line value: from `pool`, maybe padded with (non-control) spaces, or the
/// pool's last entry stretched to exactly `max` characters (so that values of disjoint
/// pools stay different).
pub(super) fn valid_line(pool: &'static [&'static str], max: usize) -> BoxedStrategy<String> {
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
pub(super) fn valid_free(pool: &'static [&'static str]) -> BoxedStrategy<String> {
    let pad = prop::sample::select(&["", "", " ", "\n", "\r\n", "\t", " \n\t"][..]);
    (pad.clone(), prop::sample::select(pool), pad)
        .prop_map(|(a, s, b)| format!("{a}{s}{b}"))
        .boxed()
}

#[derive(Debug, Clone)]
pub(super) struct ValidAssistance {
    pub(super) req: AssistanceRequest,
    pub(super) id: String,
}

pub(super) fn valid_worker() -> impl Strategy<Value = pb::SocialWorker> {
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

pub(super) fn valid_signatory() -> impl Strategy<Value = pb::Signatory> {
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

pub(super) fn valid_assistance() -> impl Strategy<Value = ValidAssistance> {
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
pub(super) fn expected_submission(v: &ValidAssistance) -> Submission {
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

pub(super) fn signatory(s: &pb::Signatory) -> Signatory {
    Signatory {
        first_name: s.first_name.trim().into(),
        last_name: s.last_name.trim().into(),
        position: s.position.trim().into(),
    }
}

#[derive(Debug, Clone)]
pub(super) struct ValidCard {
    pub(super) req: CardRequest,
    pub(super) card_id: String,
    pub(super) procedure_id: Option<String>,
    pub(super) team: &'static str,
}

pub(super) fn valid_person(
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

pub(super) fn valid_card() -> impl Strategy<Value = ValidCard> {
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

pub(super) fn expected_card(v: &ValidCard) -> CardSubmission {
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
pub(super) fn any_assistance() -> impl Strategy<Value = AssistanceRequest> {
    prop_oneof![
        3 => wild_assistance().boxed(),
        1 => valid_assistance().prop_map(|v| v.req).boxed(),
    ]
}

pub(super) fn any_card() -> impl Strategy<Value = CardRequest> {
    prop_oneof![
        3 => wild_card().boxed(),
        1 => valid_card().prop_map(|v| v.req).boxed(),
    ]
}
