//! Unit tests of `keys`.

use super::*;

#[test]
fn prefix_end_bounds_the_prefix() {
    assert_eq!(prefix_end(&[1, 2]), vec![1, 3]);
    assert_eq!(prefix_end(&[1, 0xff]), vec![2]);
    let p = feed("kmp-torun").unwrap();
    let k = seq_entry(&p, 5);
    assert!(k.as_slice() >= p.as_slice() && k < prefix_end(&p));
    assert_eq!(trailing_u64(&k), Some(5));
}

#[test]
fn length_prefix_keeps_ids_apart() {
    let a = feed("ab").unwrap();
    let b = feed("abc").unwrap();
    assert!(!b.starts_with(&a));
}

#[test]
fn a_part_longer_than_its_length_prefix_is_an_error_not_cut() {
    let long = "x".repeat(256);
    assert!(matches!(request(&long), Err(StoreError::KeyPart(256))));
    assert!(matches!(
        due(Timestamp::UNIX_EPOCH, "c", &long, 1),
        Err(StoreError::KeyPart(256))
    ));
    assert!(request(&"x".repeat(255)).is_ok());
}

#[test]
fn due_keys_read_back_and_sort_by_time() {
    let t = Timestamp::from_millisecond(1_700_000_000_123).unwrap();
    let k = due(t, "case-1", "assistance.notice", 2).unwrap();
    assert_eq!(
        parse_due(&k),
        Some(DueEntry {
            due: t,
            case_id: "case-1".into(),
            rule: "assistance.notice".into(),
            occurrence: 2
        })
    );
    let earlier = due(t - jiff::SignedDuration::from_millis(1), "z", "z", 9).unwrap();
    assert!(earlier < k);
    let (start, end) = due_by(t);
    assert!(k >= start && k < end, "due exactly now is due");
}

#[test]
fn index_entries_name_their_record() {
    let t = Timestamp::from_millisecond(5).unwrap();
    let k = request_index("mopr-torun", t, "id-1").unwrap();
    let prefix = request_index_of("mopr-torun").unwrap();
    assert_eq!(index_id(&prefix, &k), Some("id-1".into()));
    let (start, end) = time_range(&prefix, Some(t), None);
    assert!(k >= start && k < end);
    assert_eq!(
        pending_recipient(&unreceived("kmp-torun", "r").unwrap()),
        Some("kmp-torun".into())
    );
}
