"""A small dynamic lacznik client for the interop tests: it learns the contract through
gRPC server reflection (like grpcurl) instead of compiled stubs, so the tests prove that a
generic tool in another language can use the service with nothing but the server."""

import grpc
from google.protobuf import descriptor_pool, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)


def credentials(ca_path, cert_path=None, key_path=None):
    """mTLS channel credentials from PEM files (no client identity if cert_path is None)."""
    with open(ca_path, "rb") as f:
        ca = f.read()
    if cert_path is None:
        return grpc.ssl_channel_credentials(root_certificates=ca)
    with open(cert_path, "rb") as f:
        chain = f.read()
    with open(key_path, "rb") as f:
        key = f.read()
    return grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=chain)


def channel(target, creds):
    # The dev server certificate names localhost; connect by address, verify by name.
    return grpc.secure_channel(
        target, creds, options=[("grpc.ssl_target_name_override", "localhost")]
    )


class ReflectionClient:
    """Calls any unary or server-streaming method by its full name, grpcurl-style."""

    def __init__(self, chan):
        self.chan = chan
        self.db = ProtoReflectionDescriptorDatabase(chan)
        self.pool = descriptor_pool.DescriptorPool(self.db)

    def services(self):
        return list(self.db.get_services())

    def method(self, full_method):
        service_name, method_name = full_method.rsplit(".", 1)
        service = self.pool.FindServiceByName(service_name)
        return service.FindMethodByName(method_name)

    def message(self, full_name, **fields):
        cls = message_factory.GetMessageClass(self.pool.FindMessageTypeByName(full_name))
        return cls(**fields)

    def _stub(self, full_method, streaming):
        m = self.method(full_method)
        req_cls = message_factory.GetMessageClass(m.input_type)
        resp_cls = message_factory.GetMessageClass(m.output_type)
        path = "/%s/%s" % (m.containing_service.full_name, m.name)
        make = self.chan.unary_stream if streaming else self.chan.unary_unary
        return req_cls, make(
            path,
            request_serializer=lambda msg: msg.SerializeToString(),
            response_deserializer=resp_cls.FromString,
        )

    def call(self, full_method, timeout=10, **fields):
        req_cls, stub = self._stub(full_method, streaming=False)
        return stub(req_cls(**fields), timeout=timeout)

    def stream(self, full_method, timeout=None, **fields):
        req_cls, stub = self._stub(full_method, streaming=True)
        return stub(req_cls(**fields), timeout=timeout)
