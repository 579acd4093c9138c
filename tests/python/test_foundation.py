"""Interop: a Python grpcio client connects with a client certificate, calls health and
WhoAmI (through reflection, grpcurl-style), and is refused without a certificate.

Usage: test_foundation.py <host:port> <certs dir>"""

import os
import sys as _sys

# The shared client lives with the examples (examples/python/lacznik_client.py).
_sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "python"))

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from lacznik_client import ReflectionClient, channel, credentials


def main():
    target, certs = sys.argv[1], sys.argv[2]
    ca = f"{certs}/ca.pem"

    with channel(target, credentials(ca, f"{certs}/mopr-torun.pem", f"{certs}/mopr-torun.key")) as ch:
        health = health_pb2_grpc.HealthStub(ch)
        resp = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
        assert resp.status == health_pb2.HealthCheckResponse.SERVING, resp
        resp = health.Check(health_pb2.HealthCheckRequest(service="lacznik.v1.AdminService"), timeout=10)
        assert resp.status == health_pb2.HealthCheckResponse.SERVING, resp

        client = ReflectionClient(ch)
        services = client.services()
        for s in ["lacznik.v1.AdminService", "lacznik.v1.AssistanceService",
                  "lacznik.v1.BlueCardService", "lacznik.v1.BreachService"]:
            assert s in services, services

        me = client.call("lacznik.v1.AdminService.WhoAmI").organization
        assert me.id == "mopr-torun", me
        assert me.name == "Miejski Ośrodek Pomocy Rodzinie w Toruniu", me
        kind = client.pool.FindEnumTypeByName("lacznik.v1.OrganizationKind").values_by_number[me.kind].name
        assert kind == "ORGANIZATION_KIND_WELFARE_CENTRE", kind

        orgs = client.call("lacznik.v1.AdminService.ListOrganizations", gmina="2416053").organizations
        assert "kp-lazy" in [o.id for o in orgs], orgs

    # A second organisation sees itself.
    with channel(target, credentials(ca, f"{certs}/kp-lazy.pem", f"{certs}/kp-lazy.key")) as ch:
        me = ReflectionClient(ch).call("lacznik.v1.AdminService.WhoAmI").organization
        assert me.id == "kp-lazy", me

    # No client certificate: refused at the handshake, the call never happens.
    with channel(target, credentials(ca)) as ch:
        health = health_pb2_grpc.HealthStub(ch)
        try:
            health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.UNAVAILABLE, e
        else:
            raise AssertionError("a client without a certificate was served")

    print("python interop (foundation): OK")


if __name__ == "__main__":
    main()
