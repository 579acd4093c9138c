//! Spoilers of an assistance request: each breaks exactly one field of a valid request
//! and returns its path; and the bad values they use.

use super::*;

pub(super) const CONTROLS: &[char] = &[
    '\u{0}', '\u{7}', '\u{8}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9c}',
];

/// A bad value for a text field: too long, with a control character inside (line breaks
/// and tabs count for single-line fields), or blank when required.
pub(super) fn bad_text(v: u32, max: usize, multiline: bool, required: bool) -> String {
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

pub(super) fn bad_ts(v: u32) -> Option<prost_types::Timestamp> {
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

pub(super) fn pick<'a>(v: u32, options: &[&'a str]) -> &'a str {
    options[(v as usize / 16) % options.len()]
}

pub(super) const ASSISTANCE_SPOILERS: usize = 33;

pub(super) fn spoil_assistance(r: &mut AssistanceRequest, which: usize, v: u32) -> String {
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
