//! Running the decoder and the validator as the RPC handlers do, and checking a rejection
//! (INVALID_ARGUMENT, each field once, no input value echoed).

use super::*;

pub(super) fn validate_assistance(
    req: &AssistanceRequest,
) -> (Vec<FieldViolation>, Result<(Submission, OrgId), Error>) {
    let mut d = Decoder::default();
    let raw = d.submission(req);
    let pre = d.violations.clone();
    let out = assistance::validate::submission(&raw, d.violations, now(), centre(), directory());
    (pre, out)
}

pub(super) fn validate_card(
    req: &CardRequest,
) -> (Vec<FieldViolation>, Result<(CardSubmission, OrgId), Error>) {
    let mut d = CardDecoder::default();
    let raw = d.content(req.content.as_ref());
    let pre = d.violations.clone();
    let out = bluecard::validate::submission(
        &req.card_id,
        &req.procedure_id,
        raw.as_ref(),
        d.violations,
        now(),
        directory(),
    );
    (pre, out)
}

/// The violations of an error, checked: INVALID_ARGUMENT, at least one, each field once, no
/// description holding an input value longer than 3 characters.
pub(super) fn rejection(
    err: Error,
    inputs: &[String],
) -> Result<Vec<FieldViolation>, TestCaseError> {
    let v = match err {
        Error::InvalidArgument(v) => v,
        other => {
            return Err(TestCaseError::fail(format!(
                "not INVALID_ARGUMENT: {other:?}"
            )));
        }
    };
    prop_assert!(!v.is_empty(), "INVALID_ARGUMENT without violations");
    let mut seen = HashSet::new();
    for x in &v {
        prop_assert!(!x.field.is_empty(), "empty field name: {:?}", v);
        prop_assert!(
            seen.insert(x.field.as_str()),
            "field {:?} reported twice: {:?}",
            x.field,
            v
        );
        for s in inputs {
            for candidate in [s.as_str(), s.trim()] {
                if candidate.chars().count() > 3 {
                    prop_assert!(
                        !echoes(&x.description, candidate),
                        "description {:?} of {:?} echoes the input value {:?}",
                        x.description,
                        x.field,
                        candidate
                    );
                }
            }
        }
    }
    Ok(v)
}

/// Whether `description` holds `value`. A value of digits only is held when it is one of
/// the description's own digit runs: "9999999" inside the fixed "nanos must be
/// 0-999999999" is the message's number, not the client's (a false alarm seen once in CI),
/// while a message that printed the value would show it as a run of its own.
fn echoes(description: &str, value: &str) -> bool {
    if value.chars().all(|c| c.is_ascii_digit()) {
        description
            .split(|c: char| !c.is_ascii_digit())
            .any(|run| run == value)
    } else {
        description.contains(value)
    }
}

pub(super) fn fields(v: &[FieldViolation]) -> Vec<String> {
    v.iter().map(|x| x.field.clone()).collect()
}

/// Every string of an assistance request (what must never be echoed).
pub(super) fn assistance_strings(r: &AssistanceRequest) -> Vec<String> {
    let mut out = vec![r.request_id.clone()];
    if let Some(o) = &r.oral_request {
        out.push(o.officer_name.clone());
    }
    if let Some(c) = &r.content {
        if let Some(a) = &c.address {
            out.extend([
                a.street.clone(),
                a.building_number.clone(),
                a.apartment_number.clone(),
                a.postal_code.clone(),
                a.city.clone(),
                a.gmina_teryt.clone(),
                a.notes.clone(),
            ]);
        }
        if let Some(cl) = &c.client {
            out.extend([
                cl.first_name.clone(),
                cl.last_name.clone(),
                cl.other_data.clone(),
            ]);
        }
        out.push(c.expected_behaviour.clone());
        for w in &c.social_workers {
            out.extend([
                w.first_name.clone(),
                w.last_name.clone(),
                w.id_card_number.clone(),
            ]);
        }
        out.push(c.activity_other.clone());
        if let Some(s) = &c.signed_by {
            out.extend([
                s.first_name.clone(),
                s.last_name.clone(),
                s.position.clone(),
            ]);
        }
    }
    out
}

/// Every string of a card request.
pub(super) fn card_strings(r: &CardRequest) -> Vec<String> {
    let mut out = vec![r.card_id.clone(), r.procedure_id.clone()];
    if let Some(c) = &r.content {
        out.push(c.place.clone());
        for p in c
            .persons_experiencing
            .iter()
            .chain(&c.persons_suspected)
            .chain(&c.children)
            .chain(&c.witnesses)
        {
            out.extend([
                p.first_name.clone(),
                p.last_name.clone(),
                p.relationship.clone(),
            ]);
        }
        out.extend([
            c.violence_other.clone(),
            c.injuries.clone(),
            c.description.clone(),
            c.intervention_actions.clone(),
            c.gmina_teryt.clone(),
        ]);
        if let Some(b) = &c.card_b {
            out.extend([
                b.recipient_first_name.clone(),
                b.recipient_last_name.clone(),
            ]);
        }
        if let Some(s) = &c.filled_by {
            out.extend([
                s.first_name.clone(),
                s.last_name.clone(),
                s.position.clone(),
            ]);
        }
    }
    out
}
