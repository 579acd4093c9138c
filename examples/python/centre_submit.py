#!/usr/bin/env python3
"""A welfare centre's system submits a police-assistance request.

    centre_submit.py [--org mopr-torun] [--urgent] [--days-ahead 7]

Prints the stored request's id and state. The same request_id can be sent again safely
(idempotent): a retry returns the stored request."""

import datetime as dt
import uuid

from common import call, connect, now, parser, rfc3339


def request(urgent, days_ahead):
    start = now() - dt.timedelta(minutes=30) if urgent else now() + dt.timedelta(days=days_ahead)
    body = {
        "request_id": str(uuid.uuid4()),
        "urgency": "URGENCY_URGENT_ORAL" if urgent else "URGENCY_NORMAL",
        "content": {
            "planned_start": rfc3339(start),
            "planned_end": rfc3339(start + dt.timedelta(hours=2)),
            "address": {"street": "ul. Szeroka", "building_number": "12", "postal_code": "87-100",
                        "city": "Toruń", "gmina_teryt": "0463011"},
            "client": {"first_name": "Anna", "last_name": "Przykładowa"},
            "expected_behaviour": "agresja słowna",
            "social_workers": [{"first_name": "Ewa", "last_name": "Nowak", "id_card_number": "PS/123/2026"}],
            "activity": "ACTIVITY_COMMUNITY_INTERVIEW",
            "signed_by": {"first_name": "Maria", "last_name": "Kierownik", "position": "Dyrektor MOPR"},
        },
    }
    if urgent:
        body["oral_request"] = {"requested_time": rfc3339(start - dt.timedelta(minutes=15)),
                                "officer_name": "asp. sztab. Jan Kowalski"}
    return body


def main():
    p = parser(__doc__, "mopr-torun")
    p.add_argument("--urgent", action="store_true", help="URGENT_ORAL, visit started 30 min ago")
    p.add_argument("--days-ahead", type=int, default=7)
    args = p.parse_args()
    ch, client = connect(args)
    with ch:
        r = call(client, "lacznik.v1.AssistanceService.SubmitAssistanceRequest",
                 request(args.urgent, args.days_ahead))["request"]
        print(r["request_id"], r["state"], "->", r["police_unit_org_id"])


if __name__ == "__main__":
    main()
