#!/usr/bin/env python3
"""grpcurl-style calls to a lacznik server, learning the contract through reflection.

    call.py [--target 127.0.0.1:50051] [--certs certs] --org ORG list
    call.py ... --org ORG describe lacznik.v1.AdminService
    call.py ... --org ORG lacznik.v1.AdminService.WhoAmI '{}'

Requests and responses are JSON (protobuf JSON mapping); server streams print one JSON
object per message."""

import os
import sys as _sys

# The shared client lives with the examples (examples/python/lacznik_client.py).
_sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "python"))

import argparse
import json
import sys

from google.protobuf import json_format

from lacznik_client import ReflectionClient, channel, credentials


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="127.0.0.1:50051")
    p.add_argument("--certs", default="certs")
    p.add_argument("--org", required=True, help="organisation id; uses certs/<org>.pem and .key")
    p.add_argument("method", help="'list', 'describe', or a full method name")
    p.add_argument("arg", nargs="?", default="{}", help="service name for describe, JSON request otherwise")
    a = p.parse_args()

    creds = credentials(f"{a.certs}/ca.pem", f"{a.certs}/{a.org}.pem", f"{a.certs}/{a.org}.key")
    with channel(a.target, creds) as ch:
        client = ReflectionClient(ch)
        if a.method == "list":
            print("\n".join(sorted(client.services())))
            return
        if a.method == "describe":
            svc = client.pool.FindServiceByName(a.arg)
            for m in svc.methods:
                stream = "stream " if m.server_streaming else ""
                print(f"rpc {m.name}({m.input_type.full_name}) returns ({stream}{m.output_type.full_name})")
            return
        m = client.method(a.method)
        request = json.loads(a.arg)
        req_cls, stub = client._stub(a.method, streaming=m.server_streaming)
        msg = json_format.ParseDict(request, req_cls())
        if m.server_streaming:
            for resp in stub(msg):
                print(json_format.MessageToJson(resp, indent=None), flush=True)
        else:
            resp = stub(msg, timeout=30)
            print(json_format.MessageToJson(resp, indent=2))


if __name__ == "__main__":
    sys.exit(main())
