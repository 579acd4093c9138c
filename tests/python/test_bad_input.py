"""Interop: bad input from a non-Rust client is answered with a clear status, never a
crash or a hang: invalid UTF-8, garbage bytes, an oversized message, unknown enum values,
invalid timestamps, 10,000 social workers. The server keeps serving afterwards.

Usage: test_bad_input.py <host:port> <certs dir>"""

import os
import sys as _sys

# The shared client lives with the examples (examples/python/lacznik_client.py).
_sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "python"))

import sys

import grpc

from lacznik_client import ReflectionClient, channel, credentials
from support import field_violations

SUBMIT = "/lacznik.v1.AssistanceService/SubmitAssistanceRequest"


def raw_call(ch, path, payload):
    stub = ch.unary_unary(path, request_serializer=lambda b: b, response_deserializer=lambda b: b)
    try:
        stub(payload, timeout=10)
    except grpc.RpcError as e:
        return e.code(), e.details()
    return grpc.StatusCode.OK, ""


def violations(err):
    """Field names of the google.rpc.BadRequest in the trailers."""
    return [f for f, _ in field_violations(err)[2]]


def main():
    target, certs = sys.argv[1], sys.argv[2]
    creds = credentials(f"{certs}/ca.pem", f"{certs}/mopr-torun.pem", f"{certs}/mopr-torun.key")
    with channel(target, creds) as ch:
        # 1. A string field that is not UTF-8 (field 1, request_id).
        code, _ = raw_call(ch, SUBMIT, b"\x0a\x03\xff\xfe\xfd")
        assert code == grpc.StatusCode.INVALID_ARGUMENT, code
        # 2. Garbage that is not protobuf at all.
        code, _ = raw_call(ch, SUBMIT, b"\xff\xff\xff\xff\xff\xff\x0f")
        assert code == grpc.StatusCode.INVALID_ARGUMENT, code
        # 3. An oversized message (2 MiB, the limit is 1 MiB).
        code, _ = raw_call(ch, SUBMIT, b"\x0a\x80\x80\x80\x01" + b"a" * (2 << 20))
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED, code

        client = ReflectionClient(ch)
        req_cls = type(client.message("lacznik.v1.SubmitAssistanceRequestRequest"))

        def submit(fill):
            msg = req_cls()
            msg.request_id = "0b9a3c9e-2f60-4a57-9b4c-1a7e35d0c001"
            fill(msg)
            try:
                stub = ch.unary_unary(SUBMIT, request_serializer=lambda m: m.SerializeToString(),
                                      response_deserializer=lambda b: b)
                stub(msg, timeout=10)
            except grpc.RpcError as e:
                return e
            raise AssertionError("accepted")

        # 4. Unknown enum values and an invalid timestamp, all reported at once.
        def bad_values(m):
            m.urgency = 99
            m.content.activity = 42
            m.content.planned_start.seconds = 1_900_000_000
            m.content.planned_start.nanos = 2_000_000_000
        e = submit(bad_values)
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e
        names = violations(e)
        for f in ["urgency", "content.activity", "content.planned_start"]:
            assert f in names, names

        # 5. 10,000 social workers.
        def many(m):
            m.urgency = 1
            for _ in range(10_000):
                w = m.content.social_workers.add()
                w.first_name, w.last_name, w.id_card_number = "Ewa", "Nowak", "PS/1/2026"
        e = submit(many)
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e
        assert "content.social_workers" in violations(e), violations(e)

        # The server is still fine.
        me = client.call("lacznik.v1.AdminService.WhoAmI").organization
        assert me.id == "mopr-torun", me
    print("python interop (bad input): OK")


if __name__ == "__main__":
    main()
