//! Spoilers of a Blue Card: each breaks exactly one field of a valid card and returns its
//! path.

use super::*;

pub(super) const CARD_SPOILERS: usize = 34;

/// Which person list a spoiler targets.
pub(super) const LISTS: &[&str] = &[
    "persons_experiencing",
    "persons_suspected",
    "children",
    "witnesses",
];

pub(super) fn spoil_card(r: &mut CardRequest, which: usize, v: u32) -> String {
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
