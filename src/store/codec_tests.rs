//! Unit tests of `codec`.

use super::*;

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct V1 {
    a: u32,
    b: String,
}
impl Versioned for V1 {
    const SCHEMA_VERSION: u8 = 1;
}

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct V1Plus {
    a: u32,
    b: String,
    #[serde(default)]
    c: Option<u8>,
}
impl Versioned for V1Plus {
    const SCHEMA_VERSION: u8 = 1;
}

#[test]
fn round_trip_and_added_optional_field() {
    let v = V1 {
        a: 7,
        b: "x".into(),
    };
    let bytes = encode(b"k", &v).unwrap();
    assert_eq!(bytes[0], 1);
    assert_eq!(decode::<V1>(b"k", &bytes).unwrap(), v);
    let plus: V1Plus = decode(b"k", &bytes).unwrap();
    assert_eq!(plus.c, None);
}

#[test]
fn unknown_version_and_garbage_are_errors_not_panics() {
    let mut bytes = encode(
        b"k",
        &V1 {
            a: 1,
            b: "y".into(),
        },
    )
    .unwrap();
    bytes[0] = 9;
    assert!(decode::<V1>(b"k", &bytes).is_err());
    assert!(decode::<V1>(b"k", &[]).is_err());
    assert!(decode::<V1>(b"k", &[1, 0xff, 0x00]).is_err());
}
