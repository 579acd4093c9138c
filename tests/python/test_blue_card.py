"""Interop: a Python grpcio client walks one Blue Card A from submission to the closure of
its procedure, through reflection only (no generated stubs): the police unit submits a card,
Blue Card B handed to the suspected person is refused, the team pulls its inbox (also by
long poll, woken by the alcohol commission's repeat card), acknowledges and forwards the
cards, a third organisation is told NOT_FOUND, the team records a step and closes the
procedure, the initiator sees the closure without the protocol, and a closed procedure takes
no more cards.

Usage: test_blue_card.py <host:port> <certs dir>"""

import os
import sys as _sys

# The shared client lives with the examples (examples/python/lacznik_client.py).
_sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "python"))

import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import grpc

from lacznik_client import ReflectionClient
from support import expect_error, field_violations, org_channel, rfc3339, unary_full

SERVICE = "lacznik.v1.BlueCardService"

# Enum values of the contract (checked against the reflected descriptors below).
AVAILABLE, ACKNOWLEDGED, FORWARDED = 1, 2, 3
PROCEDURE_OPEN, PROCEDURE_CLOSED = 1, 2
NO_GROUNDS = 2

LAZY = "2416053"  # Łazy, routed to the team zi-lazy


def unary(client, method, body, timeout=10):
    return unary_full(client, f"{SERVICE}.{method}", body, timeout)


def now():
    return datetime.now(timezone.utc)


# --- the walk -------------------------------------------------------------------------------


def content(started):
    """A Blue Card A filled in by the police at a home intervention in Łazy."""
    return {
        "started_time": rfc3339(started),
        "place": "mieszkanie przy ul. Polnej",
        "person_present": True,
        "persons_experiencing": [{"first_name": "Katarzyna", "last_name": "Przykładowa", "birth_year": 1985}],
        "persons_suspected": [{"first_name": "Tomasz", "last_name": "Przykładowy", "relationship": "mąż"}],
        "children": [{"first_name": "Ola", "last_name": "Przykładowa", "birth_year": 2016, "minor": True}],
        "violence_forms": ["VIOLENCE_FORM_PHYSICAL", "VIOLENCE_FORM_PSYCHOLOGICAL"],
        "injuries": "zasinienie przedramienia",
        "alcohol": True,
        "description": "Interwencja domowa po zgłoszeniu sąsiadów.",
        "intervention_actions": "Odizolowanie sprawcy, pouczenie.",
        "card_b": {
            "handed_over": True,
            "recipient": "CARD_B_RECIPIENT_PERSON_EXPERIENCING",
            "recipient_first_name": "Katarzyna",
            "recipient_last_name": "Przykładowa",
        },
        "crime_suspected": True,
        "filled_by": {"first_name": "Adam", "last_name": "Dzielnicowy", "position": "st. sierż."},
        "gmina_teryt": LAZY,
    }


def pulled_ids(resp):
    return [p.card.card_id for p in resp.cards]


def main():
    target, certs = sys.argv[1], sys.argv[2]
    start = now()
    card_id = str(uuid.uuid4())
    submit = {"card_id": card_id, "content": content(start - timedelta(hours=2))}

    with org_channel(target, certs, "kp-lazy") as police_ch, \
            org_channel(target, certs, "gkrpa-lazy") as commission_ch, \
            org_channel(target, certs, "zi-lazy") as team_ch:
        police = ReflectionClient(police_ch)
        commission = ReflectionClient(commission_ch)
        team = ReflectionClient(team_ch)

        # The numbers used here are the contract's.
        pool = police.pool
        enum = lambda name, value: pool.FindEnumTypeByName(f"lacznik.v1.{name}").values_by_name[value].number
        assert enum("BlueCardState", "BLUE_CARD_STATE_AVAILABLE") == AVAILABLE
        assert enum("BlueCardState", "BLUE_CARD_STATE_ACKNOWLEDGED") == ACKNOWLEDGED
        assert enum("BlueCardState", "BLUE_CARD_STATE_FORWARDED") == FORWARDED
        assert enum("ProcedureState", "PROCEDURE_STATE_OPEN") == PROCEDURE_OPEN
        assert enum("ProcedureState", "PROCEDURE_STATE_CLOSED") == PROCEDURE_CLOSED
        assert enum("ClosureReason", "CLOSURE_REASON_NO_GROUNDS") == NO_GROUNDS

        # 1. The police unit submits a card; it starts a procedure of the team zi-lazy.
        c = unary(police, "SubmitBlueCardA", submit).card
        assert c.card_id == card_id, c
        assert c.initiator_org_id == "kp-lazy", c
        assert c.team_org_id == "zi-lazy", c
        assert c.state == AVAILABLE, c
        assert c.procedure_id, c
        assert not c.repeat, c
        assert c.procedure_state == PROCEDURE_OPEN, c
        assert c.content.card_b.recipient_first_name == "Katarzyna", c
        procedure_id, submitted_time = c.procedure_id, c.submitted_time

        # 2. A retry returns the stored card.
        again = unary(police, "SubmitBlueCardA", submit).card
        assert again.card_id == card_id, again
        assert again.procedure_id == procedure_id, (again.procedure_id, procedure_id)
        assert again.submitted_time == submitted_time, (again.submitted_time, submitted_time)

        # 3. Blue Card B is never handed to a suspected person (§ 6 ust. 4).
        bad = {"card_id": str(uuid.uuid4()), "content": content(start - timedelta(hours=2))}
        bad["content"]["card_b"]["recipient_first_name"] = "Tomasz"
        bad["content"]["card_b"]["recipient_last_name"] = "Przykładowy"
        err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, unary, police, "SubmitBlueCardA", bad)
        code, message, violations = field_violations(err)
        assert code == grpc.StatusCode.INVALID_ARGUMENT.value[0], (code, message)
        fields = [f for f, _ in violations]
        assert "content.card_b" in fields, violations

        # 4. The team pulls its inbox; then a long poll is woken by a repeat card (§ 9).
        pulled = unary(team, "PullBlueCards", {"after_cursor": "", "max_cards": 10, "wait_seconds": 0})
        assert card_id in pulled_ids(pulled), pulled
        assert pulled.next_cursor, pulled
        cursor = pulled.next_cursor

        result = {}

        def long_poll():
            t0 = time.monotonic()
            try:
                result["resp"] = unary(team, "PullBlueCards",
                                       {"after_cursor": cursor, "max_cards": 10, "wait_seconds": 10},
                                       timeout=20)
            except Exception as e:  # re-raised in the main thread
                result["error"] = e
            result["elapsed"] = time.monotonic() - t0

        poller = threading.Thread(target=long_poll)
        poller.start()
        time.sleep(0.5)
        repeat_id = str(uuid.uuid4())
        repeat_content = content(now() - timedelta(hours=1))
        r = unary(commission, "SubmitBlueCardA",
                  {"card_id": repeat_id, "procedure_id": procedure_id, "content": repeat_content}).card
        assert r.repeat, r
        assert r.procedure_id == procedure_id, r
        assert r.initiator_org_id == "gkrpa-lazy", r
        assert r.team_org_id == "zi-lazy", r
        poller.join(timeout=15)
        assert not poller.is_alive(), "the long poll did not return"
        if "error" in result:
            raise result["error"]
        woken = result["resp"]
        assert result["elapsed"] < 5, f"the long poll took {result['elapsed']:.1f} s"
        assert pulled_ids(woken) == [repeat_id], woken
        assert woken.cards[0].card.repeat, woken
        assert woken.next_cursor and woken.next_cursor != cursor, woken

        # 5. Acknowledged cards are no longer pending.
        for cid in (card_id, repeat_id):
            a = unary(team, "AcknowledgeBlueCard", {"card_id": cid}).card
            assert a.state == ACKNOWLEDGED, a
            assert a.HasField("acknowledged_time"), a
        pulled = unary(team, "PullBlueCards", {"after_cursor": "", "max_cards": 10, "wait_seconds": 0})
        ids = pulled_ids(pulled)
        assert card_id not in ids and repeat_id not in ids, pulled

        # 6. The chair forwards the first card to a working group (§ 8 ust. 1).
        f = unary(team, "RecordForwarding",
                  {"card_id": card_id, "forwarded_to": "FORWARDED_TO_WORKING_GROUP",
                   "recipients": "grupa robocza nr 3/2026", "forwarded_time": rfc3339(now())}).card
        assert f.state == FORWARDED, f
        assert f.forwarding.recipients == "grupa robocza nr 3/2026", f
        assert f.forwarding.HasField("recorded_time"), f

        # 7. A third organisation cannot learn anything about the card or the procedure.
        with org_channel(target, certs, "mopr-torun") as other_ch:
            other = ReflectionClient(other_ch)
            expect_error(grpc.StatusCode.NOT_FOUND, unary, other, "GetBlueCard", {"card_id": card_id})
            expect_error(grpc.StatusCode.NOT_FOUND, unary, other, "GetProcedure", {"procedure_id": procedure_id})

        # 8. The team records form C and closes the procedure (§ 18).
        p = unary(team, "RecordProcedureStep",
                  {"procedure_id": procedure_id, "kind": "PROCEDURE_STEP_KIND_FORM_C",
                   "step_time": rfc3339(now())}).procedure
        assert len(p.steps) == 1, p
        assert p.state == PROCEDURE_OPEN, p
        protocol = {
            "persons": ["Katarzyna Przykładowa", "Tomasz Przykładowy"],
            "start_time": rfc3339(start - timedelta(hours=2)),
            "end_time": rfc3339(now()),
            "actions": "Analiza sytuacji, brak zasadności.",
            "signed_by": {"first_name": "Jolanta", "last_name": "Przewodnicząca"},
        }
        p = unary(team, "CloseProcedure",
                  {"procedure_id": procedure_id, "reason": "CLOSURE_REASON_NO_GROUNDS",
                   "protocol": protocol}).procedure
        assert p.state == PROCEDURE_CLOSED, p
        assert p.closure.reason == NO_GROUNDS, p
        assert p.closure.HasField("protocol"), p  # the team sees the protocol
        assert sorted(c.card_id for c in p.cards) == sorted([card_id, repeat_id]), p

        # 9. The initiator sees the closure (reason and time), not the protocol, and only its
        # own card.
        p = unary(police, "GetProcedure", {"procedure_id": procedure_id}).procedure
        assert p.state == PROCEDURE_CLOSED, p
        assert p.closure.reason == NO_GROUNDS, p
        assert p.closure.HasField("closed_time"), p
        assert not p.closure.HasField("protocol"), p
        assert [c.card_id for c in p.cards] == [card_id], p
        c = unary(police, "GetBlueCard", {"card_id": card_id}).card
        assert c.procedure_state == PROCEDURE_CLOSED, c

        # 10. A closed procedure takes no repeat card.
        late = {"card_id": str(uuid.uuid4()), "procedure_id": procedure_id,
                "content": content(now() - timedelta(minutes=30))}
        err = expect_error(grpc.StatusCode.FAILED_PRECONDITION, unary, police, "SubmitBlueCardA", late)
        assert "new procedure" in err.details(), err.details()

    print("python interop (blue card): OK")


if __name__ == "__main__":
    main()
