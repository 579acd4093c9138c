"""Shared command-line plumbing of the example integrations: which server, which
organisation certificate (dev layout: certs/<org>.pem and .key), JSON <-> protobuf."""

import argparse
import datetime as dt

import grpc
from google.protobuf import json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc

from lacznik_client import ReflectionClient, channel, credentials


def parser(description, org):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--target", default="127.0.0.1:50051",
                   help="server address, or the nodes of a deployment comma-separated "
                        "(the first that answers its health check with SERVING is used)")
    p.add_argument("--certs", default="certs", help="certificate directory (dev layout)")
    p.add_argument("--org", default=org, help="organisation id (uses certs/<org>.pem/.key)")
    return p


def connect(args):
    creds = credentials(f"{args.certs}/ca.pem", f"{args.certs}/{args.org}.pem", f"{args.certs}/{args.org}.key")
    targets = [t.strip() for t in args.target.split(",") if t.strip()]
    if len(targets) == 1:
        ch = channel(targets[0], creds)
        return ch, ReflectionClient(ch)
    why = []
    for target in targets:
        ch = channel(target, creds)
        try:
            status = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
            if status.status == health_pb2.HealthCheckResponse.SERVING:
                return ch, ReflectionClient(ch)
            why.append(f"{target}: not serving")
        except grpc.RpcError as e:
            why.append(f"{target}: {e.code().name}")
        ch.close()
    raise SystemExit("no node serves: " + "; ".join(why))


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
