//! The profile in force is shown where an operator looks: `lacznik rules` (the profile,
//! its regulation and caveat, and every rule's basis), `lacznik config check`, and the
//! start log, whether set in the file or by `LACZNIK_RULES__PROFILE=2023` (a number).

use std::ffi::OsStr;

use crate::support::offline::lacznik_with;

#[test]
fn lacznik_rules_prints_the_profile_and_each_rules_basis() {
    let dir = tempfile::tempdir().unwrap();
    let env: [(&str, &OsStr); 1] = [("LACZNIK_RULES__PROFILE", OsStr::new("2023"))];
    let (code, text) = lacznik_with(dir.path(), &["rules"], &env);
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("rules profile: 2023 ("), "{text}");
    assert!(text.contains("Dz.U. 2023 poz. 1870"), "{text}");
    assert!(text.contains("WDU20230001870"), "the caveat: {text}");
    assert!(text.contains("osoba doznająca przemocy domowej"), "{text}");
    let ids: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty() && !l.starts_with("rules profile"))
        .collect();
    assert_eq!(ids.len(), 10, "{ids:?}");
    assert!(ids.contains(&"bluecard.group_meeting"));
    assert_eq!(text.matches("\n  basis:     ").count(), ids.len(), "{text}");

    // In the file, with an override of the 2023-only rule.
    std::fs::write(
        dir.path().join("lacznik.toml"),
        "[rules]\nprofile = \"2023\"\n\n[rules.\"bluecard.group_meeting\"]\nlength = 7\n",
    )
    .unwrap();
    let (code, text) = lacznik_with(dir.path(), &["rules"], &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("overrides:              [rules.\"<id>\"] for bluecard.group_meeting"),
        "{text}"
    );
    assert!(
        text.contains(
            "7 working days after the starting event (overridden; the profile says 5 working days"
        ),
        "{text}"
    );
    let (code, text) = lacznik_with(dir.path(), &["config", "check"], &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("rules profile 2023 (Rozp. RM z 6 września 2023 r."),
        "{text}"
    );
    assert!(
        text.contains("overridden: bluecard.group_meeting"),
        "{text}"
    );

    // The environment's 2011 wins over the file, and then the override names a rule of
    // the other profile: refused by name.
    let env: [(&str, &OsStr); 1] = [("LACZNIK_RULES__PROFILE", OsStr::new("2011"))];
    let (code, text) = lacznik_with(dir.path(), &["rules"], &env);
    assert_ne!(code, 0);
    assert!(text.contains("\"bluecard.group_meeting\" in [rules] is not part of the 2011 rules profile (it is in 2023"), "{text}");
    let env: [(&str, &OsStr); 1] = [("LACZNIK_RULES__PROFILE", OsStr::new("2024"))];
    let (code, text) = lacznik_with(dir.path(), &["config", "check"], &env);
    assert_ne!(code, 0);
    assert!(text.contains("unknown rules profile \"2024\""), "{text}");

    // Unset: 2011, and said so.
    std::fs::remove_file(dir.path().join("lacznik.toml")).unwrap();
    let (code, text) = lacznik_with(dir.path(), &["rules"], &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("rules profile: 2011 ("), "{text}");
    assert!(text.contains("Rozp. RM 2011 § 8 ust. 1"), "{text}");
}

/// The start log names the profile, and warns with the 2023 caveat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_log_names_the_rules_profile() {
    use crate::support::node::{Node, read};
    let tmp = tempfile::tempdir().unwrap();
    let mut node = Node::new(tmp.path(), tmp.path().join("data"), "mopr-torun");
    node.env = vec![
        ("RUST_LOG".into(), "info".into()),
        ("NO_COLOR".into(), "1".into()),
        ("LACZNIK_RULES__PROFILE".into(), "2023".into()),
    ];
    let (mut server, log) = node.spawn(jiff::Timestamp::from_second(1_796_112_000).unwrap());
    node.wait_serving(&mut server, &log).await;
    let text = read(&log);
    let plain = strip_colours(&text);
    let line = plain
        .lines()
        .find(|l| l.contains("serving (mutual TLS only)"))
        .unwrap_or_else(|| panic!("no start line in:\n{plain}"));
    assert!(line.contains("rules_profile=2023"), "{line}");
    assert!(
        plain
            .lines()
            .any(|l| l.contains("WARN") && l.contains("WDU20230001870")),
        "{plain}"
    );
}

fn strip_colours(text: &str) -> String {
    let mut parts = text.split('\u{1b}');
    let mut plain = parts.next().unwrap_or_default().to_string();
    for part in parts {
        plain.push_str(part.split_once('m').map_or(part, |(_, rest)| rest));
    }
    plain
}
