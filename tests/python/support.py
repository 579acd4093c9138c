"""Helpers shared by the Python interop tests: timestamps, requests from dicts, expected
errors, and a minimal decoder of google.rpc.Status / BadRequest (the venv has no
googleapis-common-protos)."""

from datetime import timezone

import grpc
from google.protobuf import json_format, message_factory

from lacznik_client import channel, credentials


def rfc3339(t):
    return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def request(client, full_method, body):
    """The method's request message, parsed from a protobuf-JSON-style dict."""
    cls = message_factory.GetMessageClass(client.method(full_method).input_type)
    return json_format.ParseDict(body, cls())


def unary_full(client, full, body, timeout=10):
    """Calls the method `full` (e.g. lacznik.v1.AdminService.WhoAmI) with a dict body."""
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



def org_channel(target, certs, org):
    return channel(target, credentials(f"{certs}/ca.pem", f"{certs}/{org}.pem", f"{certs}/{org}.key"))


