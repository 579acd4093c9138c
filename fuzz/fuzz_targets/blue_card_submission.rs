//! Fuzzes `SubmitBlueCardA` validation: raw bytes decoded as the wire message, then the API
//! decoder and the domain validator exactly as the RPC handler runs them. Never a panic; a
//! rejection is always INVALID_ARGUMENT with at least one violation and each field named
//! once; an acceptance only when the decoder found nothing wrong.
#![no_main]

use std::collections::HashSet;
use std::sync::OnceLock;

use lacznik::api::blue_card_map::CardDecoder;
use lacznik::api::pb;
use lacznik::bluecard::validate;
use lacznik::directory::Directory;
use lacznik::error::Error;
use libfuzzer_sys::fuzz_target;
use prost::Message;

fn env() -> &'static (Directory, jiff::Timestamp) {
    static ENV: OnceLock<(Directory, jiff::Timestamp)> = OnceLock::new();
    ENV.get_or_init(|| {
        let directory =
            Directory::from_toml_str(lacznik::config::SAMPLE_DIRECTORY).expect("sample directory");
        // A fixed "now", so that a crash reproduces from its input alone.
        let now = "2026-03-02T10:00:00Z".parse().expect("now");
        (directory, now)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(req) = pb::SubmitBlueCardARequest::decode(data) else {
        return;
    };
    let (directory, now) = env();
    let mut decoder = CardDecoder::default();
    let raw = decoder.content(req.content.as_ref());
    let decoded_clean = decoder.violations.is_empty();
    let out = validate::submission(
        &req.card_id,
        &req.procedure_id,
        raw.as_ref(),
        decoder.violations,
        *now,
        directory,
    );
    match out {
        Ok(_) => assert!(decoded_clean, "accepted despite decoding violations"),
        Err(Error::InvalidArgument(v)) => {
            assert!(!v.is_empty(), "INVALID_ARGUMENT without violations");
            let mut seen = HashSet::new();
            for x in &v {
                assert!(
                    seen.insert(&x.field),
                    "field {:?} reported twice: {v:?}",
                    x.field
                );
            }
        }
        Err(other) => panic!("not INVALID_ARGUMENT: {other:?}"),
    }
});
