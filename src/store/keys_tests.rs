//! Unit tests of `keys`.

use super::*;

#[test]
fn prefix_end_bounds_the_prefix() {
    assert_eq!(prefix_end(&[1, 2]), vec![1, 3]);
    assert_eq!(prefix_end(&[1, 0xff]), vec![2]);
    let k = key(FEED, &[&var(b"kmp-torun"), &u64_be(5)]);
    let p = key(FEED, &[&var(b"kmp-torun")]);
    assert!(k.as_slice() >= p.as_slice() && k < prefix_end(&p));
    assert_eq!(trailing_u64(&k), Some(5));
}

#[test]
fn length_prefix_keeps_ids_apart() {
    let a = key(FEED, &[&var(b"ab")]);
    let b = key(FEED, &[&var(b"abc")]);
    assert!(!b.starts_with(&a));
}
