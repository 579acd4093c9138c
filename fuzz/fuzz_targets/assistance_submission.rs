//! Fuzzes `SubmitAssistanceRequest` validation: raw bytes decoded as the wire message, then
//! the API decoder and the domain validator exactly as the RPC handler runs them. Never a
//! panic; a rejection is always INVALID_ARGUMENT with at least one violation and each field
//! named once; an acceptance only when the decoder found nothing wrong.
#![no_main]

use std::collections::HashSet;
use std::sync::OnceLock;

use lacznik::api::assistance_map::Decoder;
use lacznik::api::pb;
use lacznik::assistance::validate;
use lacznik::directory::{Directory, OrgId, Organization};
use lacznik::error::Error;
use libfuzzer_sys::fuzz_target;
use prost::Message;

fn env() -> &'static (Directory, Organization, jiff::Timestamp) {
    static ENV: OnceLock<(Directory, Organization, jiff::Timestamp)> = OnceLock::new();
    ENV.get_or_init(|| {
        let directory =
            Directory::from_toml_str(lacznik::config::SAMPLE_DIRECTORY).expect("sample directory");
        let id: OrgId = "mopr-torun".parse().expect("org id");
        let centre = directory.get(&id).expect("mopr-torun").clone();
        // A fixed "now", so that a crash reproduces from its input alone.
        let now = "2026-03-02T10:00:00Z".parse().expect("now");
        (directory, centre, now)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(req) = pb::SubmitAssistanceRequestRequest::decode(data) else {
        return;
    };
    let (directory, centre, now) = env();
    let mut decoder = Decoder::default();
    let raw = decoder.submission(&req);
    let decoded_clean = decoder.violations.is_empty();
    match validate::submission(&raw, decoder.violations, *now, centre, directory) {
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
