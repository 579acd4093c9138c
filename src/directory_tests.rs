//! Unit tests of `directory`.

use super::*;

const SAMPLE: &str = include_str!("../directory.sample.toml");
const TORUN: &str = "0463011";

fn id(s: &str) -> OrgId {
    s.parse().unwrap()
}

fn g(s: &str) -> GminaCode {
    s.parse().unwrap()
}

fn ids<'a>(orgs: impl Iterator<Item = &'a Organization>) -> Vec<&'a str> {
    orgs.map(|o| o.id.as_str()).collect()
}

/// One `[[organization]]` table.
fn org(id: &str, kind: &str, gminas: &[&str]) -> String {
    let gminas: Vec<String> = gminas.iter().map(|g| format!("{g:?}")).collect();
    let gminas = gminas.join(", ");
    format!("[[organization]]\nid = {id:?}\nname = \"N\"\nkind = {kind:?}\ngminas = [{gminas}]\n")
}

/// The problems of an invalid directory, as their messages.
fn problems(text: &str) -> Vec<String> {
    match Directory::from_toml_str(text) {
        Err(DirectoryError::Invalid {
            problems,
            path: None,
        }) => problems.iter().map(ToString::to_string).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn parse_error(text: &str) -> String {
    match Directory::from_toml_str(text) {
        Err(DirectoryError::Parse {
            message,
            path: None,
        }) => message,
        other => panic!("expected Parse, got {other:?}"),
    }
}

#[test]
fn org_id_rules() {
    for ok in ["mopr-torun", "0", "a-", &"a".repeat(64)] {
        assert_eq!(id(ok).as_str(), ok);
    }
    let e = |s: &str| s.parse::<OrgId>().unwrap_err();
    assert_eq!(e(""), OrgIdError::Empty);
    assert_eq!(e(&"a".repeat(65)), OrgIdError::TooLong(65));
    assert_eq!(e("Mopr"), OrgIdError::BadChar('M'));
    assert_eq!(e("a/../b"), OrgIdError::BadChar('/'));
    assert_eq!(e("kmp_torun"), OrgIdError::BadChar('_'));
    assert_eq!(e("łazy"), OrgIdError::BadChar('ł'));
    assert_eq!(e("-rf"), OrgIdError::BadStart);
}

#[test]
fn kinds() {
    for k in OrgKind::ALL {
        let v: OrgKind = toml::Value::String(k.as_str().into()).try_into().unwrap();
        assert_eq!((v, k.to_string()), (k, k.as_str().to_owned()));
    }
    let initiators = OrgKind::ALL.iter().filter(|k| k.is_blue_card_initiator());
    assert_eq!(initiators.count(), 6);
    assert!(!OrgKind::Team.is_blue_card_initiator());
    assert!(OrgKind::MilitaryPolice.is_blue_card_initiator());
}

#[test]
fn sample_parses_and_routes() {
    let d = Directory::from_toml_str(SAMPLE).unwrap();
    assert_eq!((d.len(), d.is_empty()), (25, false));
    let all = ids(d.iter());
    assert!(all.is_sorted(), "{all:?}");
    for (gmina, routed) in [
        (TORUN, ["kmp-torun", "zi-torun", "kpuw-bydgoszcz"]),
        ("2416053", ["kp-lazy", "zi-lazy", "suw-katowice"]),
        ("2416021", ["kpp-zawiercie", "zi-zawiercie", "suw-katowice"]),
        (
            "0862011",
            ["kmp-zielona-gora", "zi-zielona-gora", "luw-gorzow"],
        ),
        ("0861011", ["kmp-gorzow", "zi-gorzow", "luw-gorzow"]),
    ] {
        let gmina = g(gmina);
        let mut got = ids(d.police_unit_for(gmina).into_iter());
        got.extend(ids(d.team_for(gmina).into_iter()));
        got.extend(ids(d.supervisors_of(gmina)));
        assert_eq!(got, routed);
    }
    let waw = g("1465011");
    assert!(d.police_unit_for(waw).is_none() && d.team_for(waw).is_none());
    assert_eq!(d.supervisors_of(waw).count(), 0);
    assert!(d.serves(&id("zw-warszawa"), waw));
    assert!(d.serves(&id("suw-katowice"), g("2416021")));
    assert!(!d.serves(&id("mopr-torun"), g("2416021")));
    assert!(!d.serves(&id("nobody"), g(TORUN)));
    let admin = d.get(&id("lacznik-admin")).unwrap();
    assert_eq!(
        (admin.kind, admin.gminas.len(), admin.active),
        (OrgKind::Admin, 0, true)
    );
    assert!(!d.get(&id("mopr-torun-filia")).unwrap().active);
    let mopr = d.get(&id("mopr-torun")).unwrap();
    assert_eq!(mopr.name, "Miejski Ośrodek Pomocy Rodzinie w Toruniu");
}

#[test]
fn inactive_org_still_routes_and_counts() {
    let police = org("kmp-a", "police_unit", &[TORUN]) + "active = false\n";
    let text = police + &org("zi-a", "team", &[TORUN]) + &org("mopr-a", "welfare_centre", &[TORUN]);
    let d = Directory::from_toml_str(&text).unwrap();
    let p = d.police_unit_for(g(TORUN)).unwrap();
    assert_eq!((p.id.as_str(), p.active), ("kmp-a", false));
    assert!(d.serves(&id("kmp-a"), g(TORUN)));
    // A second unit cannot be slipped in while the first is suspended.
    let text = text + &org("kmp-b", "police_unit", &[TORUN]);
    assert_eq!(problems(&text).len(), 1);
}

#[test]
fn duplicate_police_unit_names_gmina_and_ids() {
    let text = org("kmp-b", "police_unit", &[TORUN])
        + &org("kmp-a", "police_unit", &[TORUN, "2416021"])
        + &org("zi-a", "team", &[TORUN]);
    let err = Directory::from_toml_str(&text).unwrap_err();
    let DirectoryError::Invalid { problems, .. } = err else {
        panic!("{err:?}")
    };
    let ids = vec![id("kmp-a"), id("kmp-b")];
    let kind = OrgKind::PoliceUnit;
    assert_eq!(
        problems,
        [Problem::SeveralServing {
            gmina: g(TORUN),
            kind,
            ids
        }]
    );
    let msg = problems[0].to_string();
    assert_eq!(
        msg,
        "gmina 0463011 has several organisations of kind police_unit: kmp-a, kmp-b"
    );
}

#[test]
fn duplicate_team() {
    let text = org("zi-a", "team", &["2416053"]) + &org("zi-b", "team", &["2416053"]);
    let want = "gmina 2416053 has several organisations of kind team: zi-a, zi-b";
    assert_eq!(problems(&text), [want]);
}

#[test]
fn welfare_centre_without_team_or_police() {
    let text = org("kmp-a", "police_unit", &[TORUN]) + &org("mopr-a", "welfare_centre", &[TORUN]);
    let err = Directory::from_toml_str(&text).unwrap_err();
    let DirectoryError::Invalid { problems, .. } = err else {
        panic!("{err:?}")
    };
    let (welfare_centre, gmina, missing) = (id("mopr-a"), g(TORUN), OrgKind::Team);
    assert_eq!(
        problems,
        [Problem::MissingRoute {
            welfare_centre,
            gmina,
            missing
        }]
    );
    assert_eq!(
        self::problems(&org("mops-x", "welfare_centre", &["2416021"])),
        [
            "welfare centre mops-x serves gmina 2416021, which has no police_unit",
            "welfare centre mops-x serves gmina 2416021, which has no team",
        ]
    );
}

#[test]
fn per_entry_problems() {
    let text = org("dup", "admin", &[])
        + &org("dup", "education", &[])
        + &org("sup", "supervisor", &[])
        + &org("kmp-a", "police_unit", &[TORUN, TORUN, TORUN])
        + "[[organization]]\nid = \"blank\"\nname = \"  \"\nkind = \"admin\"\n";
    assert_eq!(
        problems(&text),
        [
            "organisation sup of kind supervisor serves no gmina (it needs at least one)",
            "organisation kmp-a lists gmina 0463011 more than once",
            "organisation blank has an empty name",
            "organisation id dup appears 2 times",
        ]
    );
    for kind in ["police_unit", "team", "welfare_centre"] {
        assert!(problems(&org("x", kind, &[]))[0].contains("serves no gmina"));
    }
    let d = org("a", "education", &[]) + &org("b", "alcohol_commission", &[]);
    assert_eq!(Directory::from_toml_str(&d).unwrap().len(), 2);
    assert_eq!(problems(""), ["the directory lists no organisations"]);
    assert_eq!(problems("# nothing\n").len(), 1);
}

#[test]
fn all_problems_collected() {
    let text = org("kmp-a", "police_unit", &[TORUN])
        + &org("kmp-b", "police_unit", &[TORUN])
        + &org("mopr-a", "welfare_centre", &[TORUN])
        + &org("zi-empty", "team", &[]);
    let err = Directory::from_toml_str(&text).unwrap_err();
    let DirectoryError::Invalid { problems, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(problems.len(), 3, "{problems:?}");
    let msg = err.to_string();
    assert_eq!(msg.lines().count(), 4, "{msg}");
    assert!(
        msg.starts_with("directory has 3 problem(s):\n  - "),
        "{msg}"
    );
}

#[test]
fn parse_errors() {
    let m = parse_error(&org("x", "social_worker", &[]));
    assert!(
        m.contains("unknown variant `social_worker`") && m.contains("line 4"),
        "{m}"
    );
    let m = parse_error(&(org("x", "admin", &[]) + "colour = \"blue\"\n"));
    assert!(
        m.contains("unknown field `colour`") && m.contains("line 6"),
        "{m}"
    );
    let m = parse_error(&org("x", "admin", &["2416054"]));
    assert!(m.contains("type digit 4"), "{m}");
    assert!(parse_error(&org("X", "admin", &[])).contains("'X'"));
    assert!(parse_error("[[organization]\n").contains("line 1"));
    assert!(parse_error("[[org]]\nid = \"a\"\n").contains("unknown field `org`"));
}

#[test]
fn load_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("directory.toml");
    let err = Directory::load(&path).unwrap_err();
    assert!(matches!(err, DirectoryError::Io { .. }));
    assert!(err.to_string().contains("directory.toml"), "{err}");
    std::fs::write(&path, org("mopr-a", "welfare_centre", &[TORUN])).unwrap();
    let err = Directory::load(&path).unwrap_err().to_string();
    assert!(err.starts_with("directory file ") && err.contains("directory.toml has 2"));
    std::fs::write(&path, "kind = 1\n").unwrap();
    let err = Directory::load(&path).unwrap_err();
    assert!(matches!(&err, DirectoryError::Parse { path: Some(p), .. } if p == &path));
    std::fs::write(&path, SAMPLE).unwrap();
    assert_eq!(Directory::load(&path).unwrap().len(), 25);
}
