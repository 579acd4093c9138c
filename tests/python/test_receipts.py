"""Interop: a receipt checked with off-the-shelf libraries only, no lacznik code: the
welfare centre submits a request, takes the receipt from the response and verifies it
with jwcrypto (JWS, ES256, key from x5c) and cryptography (the x5c chain to the CA, the
certificate's validity and its signing-only usage); it recomputes the content hash from
what it sent (protobuf, deterministic serialization) and finds no personal data in the
payload. A tampered receipt and one with `alg: none` are refused by jwcrypto too. Then the
same for a Blue Card's submission, acknowledgement and forwarding.

Usage: test_receipts.py <host:port> <certs dir>"""

import os
import sys as _sys

_sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "python"))

import base64
import hashlib
import json
import sys
import uuid
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier
from jwcrypto import jwk, jws

from lacznik_client import ReflectionClient
from support import org_channel, request, rfc3339, unary_full

SERVICE = "lacznik.v1.AssistanceService"
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # RFC 9336


def verify(receipt, ca):
    """The payload of a receipt that verifies against `ca`; raises otherwise."""
    token = jws.JWS()
    token.deserialize(receipt)
    header = token.jose_header
    assert header["alg"] == "ES256", header
    chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"]]
    leaf = chain[0]
    # The chain: the CA signed the leaf (ECDSA P-256 here), valid now, for signing only.
    ca.public_key().verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(leaf.signature_hash_algorithm))
    assert leaf.issuer == ca.subject
    now = datetime.now(timezone.utc)
    assert leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert DOCUMENT_SIGNING in eku and ExtendedKeyUsageOID.SERVER_AUTH not in eku, eku
    ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and not ku.key_cert_sign, ku
    # The signature, with the leaf's P-256 key (JWS ES256: R || S, RFC 7518 section 3.4).
    assert isinstance(leaf.public_key(), ec.EllipticCurvePublicKey), leaf.public_key()
    token.verify(jwk.JWK.from_pyca(leaf.public_key()), alg="ES256")
    return json.loads(token.payload)


def refused(receipt, ca):
    try:
        verify(receipt, ca)
    except Exception:  # noqa: BLE001 - any failure is a refusal here
        return True
    return False


def main():
    target, certs = sys.argv[1], sys.argv[2]
    with open(f"{certs}/ca.pem", "rb") as f:
        ca = x509.load_pem_x509_certificate(f.read())
    now = datetime.now(timezone.utc)
    request_id = str(uuid.uuid4())
    submit = {
        "request_id": request_id,
        "urgency": "URGENCY_NORMAL",
        "content": {
            "planned_start": rfc3339(now + timedelta(days=30)),
            "planned_end": rfc3339(now + timedelta(days=30, hours=2)),
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
            "signed_by": {"first_name": "Maria", "last_name": "Kierownik", "position": "Dyrektor MOPR"},
        },
    }
    with org_channel(target, certs, "mopr-torun") as ch:
        centre = ReflectionClient(ch)
        full = f"{SERVICE}.SubmitAssistanceRequest"
        sent = request(centre, full, submit)
        answer = unary_full(centre, full, submit)
        receipt = answer.receipt
        assert receipt, answer

        payload = verify(receipt, ca)
        assert payload["event_kind"] == "assistance_request.submitted", payload
        assert payload["case_kind"] == "assistance_request" and payload["case_id"] == request_id, payload
        assert payload["actor"] == "mopr-torun" and payload["counterparty"] == "kmp-torun", payload
        assert payload["format_version"] == 1 and payload["record_version"] == 1, payload
        assert payload["audit_seq"] > 0 and len(payload["audit_hash"]) == 64, payload
        # The content hash, recomputed from what was sent.
        digest = hashlib.sha256(sent.content.SerializeToString(deterministic=True)).hexdigest()
        assert payload["content_sha256"] == digest, (payload["content_sha256"], digest)
        # No personal data.
        text = json.dumps(payload, ensure_ascii=False)
        for secret in ("Przykładowa", "Szeroka", "Nowak", "PS/123/2026", "agresja"):
            assert secret not in text, (secret, text)

        # Tampered: a payload that says another case; and an unsigned `alg: none` receipt.
        head, body, sig = receipt.split(".")
        forged = dict(payload, case_id=str(uuid.uuid4()))
        forged_body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
        assert refused(f"{head}.{forged_body}.{sig}", ca), "a forged payload verified"
        none_head = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
        assert refused(f"{none_head}.{body}.", ca), "alg none verified"
    blue_card_receipts(target, certs, ca)
    print("receipts: verified with jwcrypto + cryptography; content hash recomputed; tampering refused")


def blue_card_receipts(target, certs, ca):
    """The Blue Card procedure's receipts: the police's submission (hash of the form they
    sent), the chair's acknowledgement (the same form) and forwarding (hash of the
    forwarding returned), each verified with the same off-the-shelf code."""
    examples = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")
    with open(os.path.join(examples, "blue_card.json"), encoding="utf-8") as f:
        card = json.load(f)
    card["card_id"] = str(uuid.uuid4())
    cards = "lacznik.v1.BlueCardService"
    with org_channel(target, certs, "kp-lazy") as ch:
        police = ReflectionClient(ch)
        sent = request(police, f"{cards}.SubmitBlueCardA", card)
        answer = unary_full(police, f"{cards}.SubmitBlueCardA", card)
    submitted = verify(answer.receipt, ca)
    assert submitted["event_kind"] == "blue_card.submitted", submitted
    assert (submitted["case_kind"], submitted["case_id"]) == ("blue_card", card["card_id"]), submitted
    assert (submitted["actor"], submitted["counterparty"]) == ("kp-lazy", "zi-lazy"), submitted
    form = hashlib.sha256(sent.content.SerializeToString(deterministic=True)).hexdigest()
    assert submitted["content_sha256"] == form, (submitted, form)
    text = json.dumps(submitted, ensure_ascii=False)
    for secret in ("Przykładowa", "Polnej", "zasinienie"):
        assert secret not in text, (secret, text)
    with org_channel(target, certs, "zi-lazy") as ch:
        team = ReflectionClient(ch)
        ack = unary_full(team, f"{cards}.AcknowledgeBlueCard", {"card_id": card["card_id"]})
        acked = verify(ack.receipt, ca)
        assert acked["event_kind"] == "blue_card.acknowledged" and acked["record_version"] == 2, acked
        assert (acked["actor"], acked["counterparty"]) == ("zi-lazy", "kp-lazy"), acked
        assert acked["content_sha256"] == form, acked
        forward = {
            "card_id": card["card_id"],
            "forwarded_to": "FORWARDED_TO_WORKING_GROUP",
            "recipients": "grupa robocza nr 1",
            "forwarded_time": ack.card.acknowledged_time.ToJsonString(),
        }
        fwd = unary_full(team, f"{cards}.RecordForwarding", forward)
        forwarded = verify(fwd.receipt, ca)
        assert forwarded["event_kind"] == "blue_card.forwarded" and forwarded["record_version"] == 3, forwarded
        digest = hashlib.sha256(fwd.card.forwarding.SerializeToString(deterministic=True)).hexdigest()
        assert forwarded["content_sha256"] == digest, (forwarded, digest)


if __name__ == "__main__":
    main()
