//! Expiry read from real rcgen certificates and CRLs: days left, the CA bundle's every
//! certificate, client certificates by organisation id, unreadable files reported.

use time::{Duration, OffsetDateTime};

use super::{DAY, Expiry, Inventory, Item, table};
use crate::directory::OrgId;
use crate::pki::{self, Validity};

fn sample() -> crate::directory::Directory {
    crate::config::Config::default()
        .load_directory()
        .expect("the built-in sample")
}

#[test]
fn a_certs_init_directory_lists_every_certificate_with_days_left() {
    let dir = tempfile::tempdir().unwrap();
    pki::init(dir.path(), &sample()).unwrap();
    let org: OrgId = "kmp-torun".parse().unwrap();
    // One organisation's certificate runs out in 5 days.
    pki::issue(dir.path(), &org, 5).unwrap();
    pki::revoke(dir.path(), &"mopr-torun".parse().unwrap()).unwrap();
    let inv = Inventory::of_dir(dir.path()).unwrap();
    assert!(inv.problems.is_empty(), "{:?}", inv.problems);
    let now = super::now_unix();
    let find = |item: &Item| inv.items.iter().find(|e| &e.item == item).unwrap();
    // Issued "for N days" from now: N days left, or N-1 once a second has passed.
    let about = |item: &Item, days: i64| {
        let left = find(item).days_left(now);
        assert!((days - 1..=days).contains(&left), "{item:?}: {left}");
    };
    about(&Item::Server, 825);
    about(&Item::Ca, 3650);
    about(&Item::Receipts, 825);
    about(&Item::Crl, 365);
    about(&Item::Client(org.clone()), 5);
    let k = find(&Item::Client(org.clone()));
    assert!(
        k.describe(now).contains(" day(s) left, expires 20"),
        "{}",
        k.describe(now)
    );
    assert_eq!(inv.soonest().unwrap().item, Item::Client(org));
    let clients = inv
        .items
        .iter()
        .filter(|e| matches!(e.item, Item::Client(_)))
        .count();
    assert_eq!(clients, sample().len());
    let text = table(&inv, now);
    assert!(text.contains("client kmp-torun"), "{text}");
    assert!(text.contains("crl"), "{text}");
}

#[test]
fn every_certificate_of_a_ca_bundle_counts() {
    let dir = tempfile::tempdir().unwrap();
    let a = pki::DevCa::generate("a").unwrap();
    let b = pki::DevCa::generate("b").unwrap();
    let path = dir.path().join("bundle.pem");
    std::fs::write(&path, format!("{}{}", a.cert_pem(), b.cert_pem())).unwrap();
    let certs = super::bundle(&path).unwrap();
    assert_eq!(certs.len(), 2);
    assert_ne!(certs[0].serial, certs[1].serial);
}

#[test]
fn an_expired_certificate_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let ca = pki::DevCa::generate("ca").unwrap();
    let now = OffsetDateTime::now_utc();
    let old = ca
        .issue_client(
            &"kp-lazy".parse().unwrap(),
            Validity {
                not_before: now - Duration::days(30),
                not_after: now - Duration::days(3) - Duration::hours(1),
            },
        )
        .unwrap();
    let path = dir.path().join("old.pem");
    std::fs::write(&path, &old.cert_pem).unwrap();
    let e = super::leaf(&path, Item::Server).unwrap();
    let t = super::now_unix();
    assert!(e.seconds_left(t) < -3 * DAY);
    assert!(
        e.describe(t).starts_with("EXPIRED 3 day(s) ago"),
        "{}",
        e.describe(t)
    );
}

#[test]
fn a_broken_file_is_a_problem_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    pki::init(dir.path(), &sample()).unwrap();
    std::fs::write(dir.path().join("server.pem"), "not a certificate").unwrap();
    let inv = Inventory::of_dir(dir.path()).unwrap();
    assert_eq!(inv.problems.len(), 1, "{:?}", inv.problems);
    assert!(inv.problems[0].to_string().contains("server.pem"));
    assert!(!inv.items.iter().any(|e: &Expiry| e.item == Item::Server));
}
