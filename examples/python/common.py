"""Shared command-line plumbing of the example integrations: which server, which
organisation certificate (dev layout: certs/<org>.pem and .key), JSON <-> protobuf."""

import argparse
import datetime as dt

from google.protobuf import json_format

from lacznik_client import ReflectionClient, channel, credentials


def parser(description, org):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--target", default="127.0.0.1:50051", help="server address")
    p.add_argument("--certs", default="certs", help="certificate directory (dev layout)")
    p.add_argument("--org", default=org, help="organisation id (uses certs/<org>.pem/.key)")
    return p


def connect(args):
    creds = credentials(f"{args.certs}/ca.pem", f"{args.certs}/{args.org}.pem", f"{args.certs}/{args.org}.key")
    ch = channel(args.target, creds)
    return ch, ReflectionClient(ch)


def call(client, method, body, timeout=30):
    """Calls `method` with a JSON-like dict body; returns the response as a dict."""
    m = client.method(method)
    req_cls, stub = client._stub(method, streaming=False)
    resp = stub(json_format.ParseDict(body, req_cls()), timeout=timeout)
    return json_format.MessageToDict(resp, preserving_proto_field_name=True)


def stream(client, method, body):
    req_cls, stub = client._stub(method, streaming=True)
    for msg in stub(json_format.ParseDict(body, req_cls())):
        yield json_format.MessageToDict(msg, preserving_proto_field_name=True)


def rfc3339(t):
    return t.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def now():
    return dt.datetime.now(dt.timezone.utc)
