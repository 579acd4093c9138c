"""Interop: a Python grpcio client walks one police-assistance request from submission to
the service note and the written confirmation, through reflection only (no generated
stubs): the welfare centre submits an urgent oral request, the police unit sees it on its
stream, acknowledges it and files the note, a third organisation is told NOT_FOUND, and the
stream resumes after a cursor.

Usage: test_assistance.py <host:port> <certs dir>"""

import os
import sys as _sys

# The shared client lives with the examples (examples/python/lacznik_client.py).
_sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "python"))

import sys
import uuid
from datetime import datetime, timedelta, timezone

import grpc
from google.protobuf import json_format, message_factory

from lacznik_client import ReflectionClient, channel, credentials

SERVICE = "lacznik.v1.AssistanceService"

# Enum values of the contract (checked against the reflected descriptors below).
URGENCY_URGENT_ORAL = 2
ACTIVITY_COMMUNITY_INTERVIEW = 1
SUBMITTED, RECEIVED, ACCEPTED, COMPLETED = 1, 2, 3, 6
EVENT_NEW, EVENT_WRITTEN_CONFIRMATION = 1, 4

OFFICER = {"first_name": "Piotr", "last_name": "Zieliński", "badge_number": "12345"}
SIGNATORY = {"first_name": "Maria", "last_name": "Kierownik", "position": "Dyrektor MOPR"}


def rfc3339(t):
    return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def request(client, full_method, body):
    """The method's request message, parsed from a protobuf-JSON-style dict."""
    cls = message_factory.GetMessageClass(client.method(full_method).input_type)
    return json_format.ParseDict(body, cls())


def unary(client, method, body, timeout=10):
    full = f"{SERVICE}.{method}"
    msg = request(client, full, body)
    return client.call(full, timeout=timeout, **{fd.name: value for fd, value in msg.ListFields()})


def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except grpc.RpcError as e:
        assert e.code() == code, (e.code(), e.details())
        return e
    raise AssertionError(f"expected {code}, the call succeeded")


# --- a minimal protobuf wire decoder, for google.rpc.Status / google.rpc.BadRequest -------


def _varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def decode_fields(buf):
    """[(field number, value)] with varints as ints and length-delimited fields as bytes."""
    out, i = [], 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = bytes(buf[i : i + n]), i + n
        elif wire == 1:
            value, i = bytes(buf[i : i + 8]), i + 8
        elif wire == 5:
            value, i = bytes(buf[i : i + 4]), i + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        out.append((number, value))
    return out


def field_violations(err):
    """(code, message, [(field, description)]) from `grpc-status-details-bin`."""
    details = [v for k, v in (err.trailing_metadata() or ()) if k == "grpc-status-details-bin"]
    assert details, f"no grpc-status-details-bin in {err.trailing_metadata()}"
    status = decode_fields(details[0])  # google.rpc.Status {1: code, 2: message, 3: Any}
    code = next((v for n, v in status if n == 1), 0)
    message = next((v.decode() for n, v in status if n == 2), "")
    violations = []
    for n, any_bytes in status:
        if n != 3:
            continue
        any_fields = decode_fields(any_bytes)  # google.protobuf.Any {1: type_url, 2: value}
        type_url = next(v.decode() for k, v in any_fields if k == 1)
        if not type_url.endswith("/google.rpc.BadRequest"):
            continue
        value = next((v for k, v in any_fields if k == 2), b"")
        for k, fv in decode_fields(value):  # BadRequest {1: FieldViolation}
            if k == 1:
                f = dict((a, b.decode()) for a, b in decode_fields(fv) if a in (1, 2))
                violations.append((f.get(1, ""), f.get(2, "")))
    return code, message, violations


# --- the walk -------------------------------------------------------------------------------


def org_channel(target, certs, org):
    return channel(target, credentials(f"{certs}/ca.pem", f"{certs}/{org}.pem", f"{certs}/{org}.key"))


def next_event_for(stream, request_id, kind):
    for ev in stream:
        if ev.request.request_id == request_id:
            assert ev.kind == kind, ev
            return ev
    raise AssertionError(f"the stream ended before the event for {request_id}")


def main():
    target, certs = sys.argv[1], sys.argv[2]
    now = datetime.now(timezone.utc)
    request_id = str(uuid.uuid4())

    submit = {
        "request_id": request_id,
        "urgency": "URGENCY_URGENT_ORAL",
        "oral_request": {
            "requested_time": rfc3339(now - timedelta(hours=1)),
            "officer_name": "asp. sztab. Jan Kowalski",
        },
        "content": {
            "planned_start": rfc3339(now - timedelta(minutes=30)),
            "planned_end": rfc3339(now + timedelta(minutes=30)),
            "address": {
                "street": "ul. Szeroka",
                "building_number": "12",
                "postal_code": "87-100",
                "city": "Toruń",
                "gmina_teryt": "0463011",
            },
            "client": {"first_name": "Anna", "last_name": "Przykładowa"},
            "expected_behaviour": "agresja słowna",
            "social_workers": [{"first_name": "Ewa", "last_name": "Nowak", "id_card_number": "PS/123/2026"}],
            "activity": "ACTIVITY_COMMUNITY_INTERVIEW",
            "signed_by": SIGNATORY,
        },
    }

    with org_channel(target, certs, "mopr-torun") as centre_ch, org_channel(target, certs, "kmp-torun") as police_ch:
        centre = ReflectionClient(centre_ch)
        police = ReflectionClient(police_ch)

        # The numbers used here are the contract's.
        pool = centre.pool
        enum = lambda name, value: pool.FindEnumTypeByName(f"lacznik.v1.{name}").values_by_name[value].number
        assert enum("Urgency", "URGENCY_URGENT_ORAL") == URGENCY_URGENT_ORAL
        assert enum("Activity", "ACTIVITY_COMMUNITY_INTERVIEW") == ACTIVITY_COMMUNITY_INTERVIEW
        assert enum("AssistanceRequestState", "ASSISTANCE_REQUEST_STATE_SUBMITTED") == SUBMITTED
        assert enum("AssistanceRequestState", "ASSISTANCE_REQUEST_STATE_RECEIVED") == RECEIVED
        assert enum("AssistanceRequestState", "ASSISTANCE_REQUEST_STATE_ACCEPTED") == ACCEPTED
        assert enum("AssistanceRequestState", "ASSISTANCE_REQUEST_STATE_COMPLETED") == COMPLETED
        assert enum("AssistanceEventKind", "ASSISTANCE_EVENT_KIND_NEW") == EVENT_NEW
        assert enum("AssistanceEventKind", "ASSISTANCE_EVENT_KIND_WRITTEN_CONFIRMATION") == EVENT_WRITTEN_CONFIRMATION

        # 1. Submit an urgent oral request; routed from the gmina to kmp-torun.
        r = unary(centre, "SubmitAssistanceRequest", submit).request
        assert r.request_id == request_id, r
        assert r.state == SUBMITTED, r
        assert r.urgency == URGENCY_URGENT_ORAL, r
        assert r.centre_org_id == "mopr-torun", r
        assert r.police_unit_org_id == "kmp-torun", r
        assert r.version == 1, r
        assert r.content.address.city == "Toruń", r
        assert r.oral_request.officer_name == "asp. sztab. Jan Kowalski", r
        submitted_time = r.submitted_time

        # 2. A retry returns the stored request; the same id with other content is refused.
        again = unary(centre, "SubmitAssistanceRequest", submit).request
        assert again.request_id == request_id and again.version == 1, again
        assert again.submitted_time == submitted_time, (again.submitted_time, submitted_time)
        changed = json_format.MessageToDict(request(centre, f"{SERVICE}.SubmitAssistanceRequest", submit),
                                            preserving_proto_field_name=True)
        changed["content"]["expected_behaviour"] = "agresja fizyczna"
        expect_error(grpc.StatusCode.ALREADY_EXISTS, unary, centre, "SubmitAssistanceRequest", changed)

        # 3. An invalid request: every violation in google.rpc.BadRequest.
        err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, unary, centre, "SubmitAssistanceRequest",
                           {"request_id": ""})
        code, message, violations = field_violations(err)
        assert code == grpc.StatusCode.INVALID_ARGUMENT.value[0], (code, message)
        fields = [f for f, _ in violations]
        assert "request_id" in fields and "content" in fields, violations

        # 4. The police unit sees the NEW event on its stream.
        stream = police.stream(f"{SERVICE}.StreamAssistanceRequests", timeout=10, after_cursor="")
        try:
            new = next_event_for(stream, request_id, EVENT_NEW)
        finally:
            stream.cancel()
        assert new.cursor, new
        assert new.version == 1, new
        assert new.request.police_unit_org_id == "kmp-torun", new
        new_cursor = new.cursor

        # 5. RECEIVED, then ACCEPTED with an officer.
        r = unary(police, "AcknowledgeAssistanceRequest",
                  {"request_id": request_id, "acknowledgement": "ASSISTANCE_REQUEST_STATE_RECEIVED"}).request
        assert r.state == RECEIVED, r
        assert r.HasField("received_time"), r
        r = unary(police, "AcknowledgeAssistanceRequest",
                  {"request_id": request_id, "acknowledgement": "ASSISTANCE_REQUEST_STATE_ACCEPTED",
                   "officers": [OFFICER]}).request
        assert r.state == ACCEPTED, r
        assert r.decision.outcome == ACCEPTED, r
        assert [o.badge_number for o in r.decision.officers] == ["12345"], r

        # 6. A third organisation cannot learn anything about the request.
        with org_channel(target, certs, "mgops-lazy") as other_ch:
            other = ReflectionClient(other_ch)
            expect_error(grpc.StatusCode.NOT_FOUND, unary, other, "GetAssistanceRequest", {"request_id": request_id})

        # 7. The service note completes the request.
        note = {
            "officers": [OFFICER],
            "arrival_time": rfc3339(now - timedelta(minutes=25)),
            "departure_time": rfc3339(now - timedelta(minutes=5)),
            "course": "Asysta przebiegła spokojnie.",
            "stayed_until_finished": True,
        }
        r = unary(police, "FileServiceNote", {"request_id": request_id, "note": note}).request
        assert r.state == COMPLETED, r
        assert r.service_note.course == "Asysta przebiegła spokojnie.", r
        assert r.service_note.stayed_until_finished, r
        assert r.service_note.HasField("filed_time"), r

        # 8. The centre sends the written confirmation; the history tells the whole story.
        r = unary(centre, "SubmitWrittenConfirmation",
                  {"request_id": request_id, "signed_by": SIGNATORY, "remarks": ""}).request
        assert r.HasField("written_confirmation"), r
        r = unary(centre, "GetAssistanceRequest", {"request_id": request_id}).request
        assert r.HasField("written_confirmation"), r
        assert r.written_confirmation.signed_by.last_name == "Kierownik", r
        assert r.state == COMPLETED, r
        actions = [h.action for h in r.history]
        assert actions == ["submitted", "received", "accepted", "service_note", "written_confirmation"], actions
        breaches = list(r.breaches)  # may be empty
        assert all(b.DESCRIPTOR.full_name == "lacznik.v1.Breach" for b in breaches), breaches

        # 9. Resuming after the NEW event's cursor: the next event for this request is the
        # written confirmation (acknowledgements and notes are not stream events).
        stream = police.stream(f"{SERVICE}.StreamAssistanceRequests", timeout=10, after_cursor=new_cursor)
        try:
            ev = next_event_for(stream, request_id, EVENT_WRITTEN_CONFIRMATION)
        finally:
            stream.cancel()
        assert ev.cursor != new_cursor, ev
        assert ev.request.state == COMPLETED, ev

    print("python interop (assistance): OK")


if __name__ == "__main__":
    main()
