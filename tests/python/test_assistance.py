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
from google.protobuf import json_format

from lacznik_client import ReflectionClient
from support import expect_error, field_violations, org_channel, request, rfc3339, unary_full

SERVICE = "lacznik.v1.AssistanceService"

# Enum values of the contract (checked against the reflected descriptors below).
URGENCY_URGENT_ORAL = 2
ACTIVITY_COMMUNITY_INTERVIEW = 1
SUBMITTED, RECEIVED, ACCEPTED, COMPLETED = 1, 2, 3, 6
EVENT_NEW, EVENT_WRITTEN_CONFIRMATION = 1, 4

OFFICER = {"first_name": "Piotr", "last_name": "Zieliński", "badge_number": "12345"}
SIGNATORY = {"first_name": "Maria", "last_name": "Kierownik", "position": "Dyrektor MOPR"}


# --- the walk -------------------------------------------------------------------------------


def unary(client, method, body, timeout=10):
    return unary_full(client, f"{SERVICE}.{method}", body, timeout)


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
