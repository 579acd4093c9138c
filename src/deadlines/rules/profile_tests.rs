//! The rules profiles: the 2023 periods at their boundaries (a long weekend, a holiday, both
//! DST changes), the 2011 profile as it was, the `[rules]` table read from a file and from
//! the environment's number, and overrides checked against the profile in force.

use std::collections::BTreeMap;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use jiff::Timestamp;

use super::*;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn rule(profile: Profile, id: &str) -> Rule {
    RuleSet::builtin_profile(profile)
        .get(id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} in {profile}"))
}

#[test]
fn the_2023_card_reaches_the_chair_within_5_working_days_over_the_may_weekend() {
    // Thu 30 Apr 2026: Fri 1 May and Sun 3 May are holidays; working days 4, 5, 6, 7, 8
    // May; the period ends at the local midnight ending Fri 8 May (CEST, UTC+2).
    let to_chair = rule(Profile::Y2023, "bluecard.to_chair");
    assert_eq!(
        to_chair.due(t("2026-04-30T08:00:00Z")),
        t("2026-05-08T22:00:00Z")
    );
    // Started late on the Thursday evening: the day itself is still not counted.
    assert_eq!(
        to_chair.due(t("2026-04-30T21:59:59Z")),
        t("2026-05-08T22:00:00Z")
    );
    // 2011: 7 calendar days, Thu 7 May.
    assert_eq!(
        rule(Profile::Y2011, "bluecard.to_chair").due(t("2026-04-30T08:00:00Z")),
        t("2026-05-07T22:00:00Z")
    );
}

#[test]
fn the_2023_forwarding_and_meeting_count_working_days_across_holidays_and_dst() {
    let forward = rule(Profile::Y2023, "bluecard.forward");
    let meeting = rule(Profile::Y2023, "bluecard.group_meeting");
    // Received Thu 30 Apr 2026 (before 1 and 3 May): 4, 5, 6 May / 4..8 May.
    let received = t("2026-04-30T12:00:00Z");
    assert_eq!(forward.due(received), t("2026-05-06T22:00:00Z"));
    assert_eq!(meeting.due(received), t("2026-05-08T22:00:00Z"));
    // Received Thu 26 Mar 2026, CET; the clocks go forward on Sun 29 Mar: Fri 27, Mon 30,
    // Tue 31 end at midnight CEST (22:00 UTC, not 23:00).
    let spring = t("2026-03-26T10:00:00Z");
    assert_eq!(forward.due(spring), t("2026-03-31T22:00:00Z"));
    assert_eq!(meeting.due(spring), t("2026-04-02T22:00:00Z"));
    // Received Wed 21 Oct 2026, CEST; back to CET on Sun 25 Oct: 22, 23, 26 Oct (forward)
    // and 22, 23, 26, 27, 28 Oct (meeting) end at midnight CET (23:00 UTC).
    let autumn = t("2026-10-21T10:00:00Z");
    assert_eq!(forward.due(autumn), t("2026-10-26T23:00:00Z"));
    assert_eq!(meeting.due(autumn), t("2026-10-28T23:00:00Z"));
    // Received Tue 10 Nov 2026: Wed 11 Nov is a holiday; 12, 13, 16 Nov.
    assert_eq!(
        forward.due(t("2026-11-10T10:00:00Z")),
        t("2026-11-16T23:00:00Z")
    );
}

#[test]
fn the_2011_profile_is_the_default_and_unchanged() {
    let set = RuleSet::builtin();
    assert_eq!(set.profile(), Profile::Y2011);
    assert_eq!(set, RuleSet::builtin_profile(Profile::default()));
    let ids: Vec<&str> = set.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "assistance.notice",
            "assistance.receipt",
            "assistance.response",
            "assistance.response_urgent",
            "assistance.written_confirmation",
            "assistance.service_note",
            "bluecard.to_chair",
            "bluecard.receipt",
            "bluecard.forward",
        ]
    );
    let forward = set.get("bluecard.forward").unwrap();
    assert_eq!((forward.length, forward.unit), (3, Unit::CalendarDays));
    assert_eq!(forward.legal_basis, "Rozp. RM 2011 § 8 ust. 1");
    assert!(set.iter().all(|r| r.profile == Profile::Y2011));
}

#[test]
fn the_2023_profile_cites_the_journal_without_a_paragraph_and_names_the_group() {
    let set = RuleSet::builtin_profile(Profile::Y2023);
    for id in [
        "bluecard.to_chair",
        "bluecard.forward",
        "bluecard.group_meeting",
    ] {
        let r = set.get(id).unwrap();
        assert_eq!(r.unit, Unit::WorkingDays, "{id}");
        assert!(r.legal_basis.contains("Dz.U. 2023 poz. 1870"), "{id}");
        assert!(r.legal_basis.contains("WDU20230001870"), "{id}");
        assert!(!r.legal_basis.contains('§'), "{id}: no invented paragraph");
        assert_eq!(r.profile, Profile::Y2023);
    }
    let forward = set.get("bluecard.forward").unwrap();
    assert!(forward.description.contains("grupa diagnostyczno-pomocowa"));
    let meeting = set.get("bluecard.group_meeting").unwrap();
    assert_eq!(meeting.starts, vec![Event::BlueCardAcknowledged]);
    assert_eq!(meeting.satisfied_by, vec![Event::BlueCardGroupMeetingHeld]);
    assert_eq!(meeting.cancelled_by, vec![Event::BlueCardProcedureClosed]);
    // The assistance rules are the same in both.
    for id in ["assistance.notice", "assistance.service_note"] {
        let mut a = RuleSet::builtin().get(id).unwrap().clone();
        a.profile = Profile::Y2023;
        assert_eq!(&a, set.get(id).unwrap());
    }
    assert_eq!(Profile::Y2023.terms().group, "grupa diagnostyczno-pomocowa");
    assert!(Profile::Y2023.caveat().unwrap().contains("WDU20230001870"));
}

#[test]
fn no_rule_of_any_profile_is_called_profile() {
    for p in Profile::ALL {
        assert!(
            RuleSet::builtin_profile(p)
                .get(section::PROFILE_KEY)
                .is_none()
        );
    }
}

#[test]
fn overrides_apply_on_top_of_the_profile_in_force_and_name_the_other_profile() {
    let mut o = BTreeMap::new();
    o.insert(
        "bluecard.group_meeting".to_string(),
        RuleOverride {
            length: Some(7),
            ..Default::default()
        },
    );
    let set = RuleSet::for_profile(Profile::Y2023, &o).unwrap();
    assert_eq!(set.get("bluecard.group_meeting").unwrap().length, 7);
    assert!(
        set.table()
            .contains("(overridden; the profile says 5 working days")
    );
    let e = RuleSet::for_profile(Profile::Y2011, &o).unwrap_err();
    assert_eq!(
        e,
        RuleError::NotInProfile {
            id: "bluecard.group_meeting".into(),
            profile: Profile::Y2011,
            belongs: Profile::Y2023,
        }
    );
    assert!(
        e.to_string().contains("not part of the 2011 rules profile"),
        "{e}"
    );
    // The other profile gets the overrides it can take, and never fails.
    let sibling = set.sibling(Profile::Y2011);
    assert_eq!(sibling.profile(), Profile::Y2011);
    assert!(sibling.get("bluecard.group_meeting").is_none());
    o.insert(
        "bluecard.forward".to_string(),
        RuleOverride {
            notify: Some(vec![Role::Supervisor]),
            ..Default::default()
        },
    );
    let set = RuleSet::for_profile(Profile::Y2023, &o).unwrap();
    let sibling = set.sibling(Profile::Y2011);
    let forward = sibling.get("bluecard.forward").unwrap();
    assert_eq!(forward.notify, vec![Role::Supervisor]);
    assert_eq!(
        forward.unit,
        Unit::CalendarDays,
        "the 2011 rule stays a 2011 rule"
    );
}

#[test]
fn the_rules_table_names_the_profile_its_regulation_and_each_basis() {
    let text = RuleSet::builtin_profile(Profile::Y2023).table();
    assert!(text.starts_with("rules profile: 2023 (Rozp. RM z 6 września 2023 r."));
    assert!(text.contains("WDU20230001870"));
    assert!(text.contains("osoba doznająca przemocy domowej"));
    assert!(text.contains("osoba stosująca przemoc domową"));
    assert_eq!(text.matches("  basis:     ").count(), 10);
    let text = RuleSet::builtin().table();
    assert!(text.starts_with("rules profile: 2011 ("));
    assert!(text.contains("grupa robocza"));
    assert!(!text.contains("caveat"));
}

#[derive(Debug, serde::Deserialize)]
struct Holder {
    #[serde(default)]
    rules: RulesSection,
}

#[test]
fn the_rules_table_reads_profile_and_overrides_from_a_file() {
    let toml = "[rules]\nprofile = \"2023\"\n\n[rules.\"bluecard.forward\"]\nlength = 4\n";
    let h: Holder = Figment::from(Toml::string(toml)).extract().unwrap();
    assert_eq!(h.rules.profile, Profile::Y2023);
    assert_eq!(h.rules.overrides.len(), 1, "profile is not an override");
    assert_eq!(h.rules.overrides["bluecard.forward"].length, Some(4));
    let set = h.rules.rule_set().unwrap();
    assert_eq!(set.profile(), Profile::Y2023);
    assert_eq!(set.get("bluecard.forward").unwrap().length, 4);
    // Unset: the 2011 profile.
    let h: Holder = Figment::from(Toml::string("[rules.\"bluecard.forward\"]\nlength = 4\n"))
        .extract()
        .unwrap();
    assert_eq!(h.rules.profile, Profile::Y2011);
}

#[test]
fn the_environment_hands_the_profile_over_as_a_number_and_it_is_accepted() {
    // What `LACZNIK_RULES__PROFILE=2023` becomes in figment: an integer at rules.profile,
    // merged over the serialised defaults (which write the profile as a string).
    let defaults = Serialized::defaults(HolderOut {
        rules: RulesSection::default(),
    });
    let h: Holder = Figment::from(defaults)
        .merge(Serialized::default("rules.profile", 2023))
        .extract()
        .unwrap();
    assert_eq!(h.rules.profile, Profile::Y2023);
    assert!(h.rules.overrides.is_empty());
    for bad in [
        Serialized::default("rules.profile", 2025),
        Serialized::default("rules.profile", 0),
    ] {
        let e = Figment::from(bad)
            .extract::<Holder>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected \"2011\" or \"2023\""), "{e}");
    }
    let e = Figment::from(Serialized::default("rules.profile", "2024"))
        .extract::<Holder>()
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown rules profile \"2024\""), "{e}");
}

#[derive(Debug, serde::Serialize)]
struct HolderOut {
    rules: RulesSection,
}

#[test]
fn a_profile_is_stored_and_sent_as_its_year() {
    let bytes = rmp_serde::to_vec_named(&Profile::Y2023).unwrap();
    assert_eq!(rmp_serde::from_slice::<String>(&bytes).unwrap(), "2023");
    assert_eq!(
        rmp_serde::from_slice::<Profile>(&bytes).unwrap(),
        Profile::Y2023
    );
    assert_eq!(Profile::Y2011.to_string(), "2011");
    assert_eq!("2023".parse::<Profile>().unwrap(), Profile::Y2023);
    assert!("2023a".parse::<Profile>().is_err());
}
