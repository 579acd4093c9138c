#!/usr/bin/env python3
"""A police unit's dispatch system: follows the stream of assistance requests, acknowledges
each new one (RECEIVED, then ACCEPTED with an officer) and, for visits that have started,
files the service note. Remembers its cursor in a file, so a restart resumes.

    police_dispatch.py [--org kmp-torun] [--cursor-file dispatch.cursor] [--once N] [--note]"""

import datetime as dt
import os

from common import call, connect, now, parser, rfc3339, stream

OFFICER = {"first_name": "Piotr", "last_name": "Zieliński", "badge_number": "12345"}


def main():
    p = parser(__doc__, "kmp-torun")
    p.add_argument("--cursor-file", default="dispatch.cursor")
    p.add_argument("--once", type=int, default=0, help="stop after N events (0: run forever)")
    p.add_argument("--note", action="store_true", help="file the service note when the visit has started")
    args = p.parse_args()
    cursor = open(args.cursor_file).read().strip() if os.path.exists(args.cursor_file) else ""
    ch, client = connect(args)
    seen = 0
    with ch:
        for event in stream(client, "lacznik.v1.AssistanceService.StreamAssistanceRequests", {"after_cursor": cursor}):
            req = event["request"]
            rid = req["request_id"]
            print(event["cursor"], event["kind"], rid, flush=True)
            if event["kind"] in ("ASSISTANCE_EVENT_KIND_NEW", "ASSISTANCE_EVENT_KIND_AMENDED") \
                    and req["state"] == "ASSISTANCE_REQUEST_STATE_SUBMITTED":
                ack = "lacznik.v1.AssistanceService.AcknowledgeAssistanceRequest"
                call(client, ack, {"request_id": rid, "acknowledgement": "ASSISTANCE_REQUEST_STATE_RECEIVED"})
                r = call(client, ack, {"request_id": rid, "acknowledgement": "ASSISTANCE_REQUEST_STATE_ACCEPTED",
                                       "officers": [OFFICER]})["request"]
                print("  ->", r["state"], flush=True)
                start = dt.datetime.fromisoformat(req["content"]["planned_start"].replace("Z", "+00:00"))
                if args.note and start <= now():
                    note = {"officers": [OFFICER], "arrival_time": rfc3339(start),
                            "departure_time": rfc3339(now()), "course": "Asysta przebiegła spokojnie.",
                            "stayed_until_finished": True}
                    r = call(client, "lacznik.v1.AssistanceService.FileServiceNote",
                             {"request_id": rid, "note": note})["request"]
                    print("  ->", r["state"], flush=True)
            with open(args.cursor_file, "w") as f:
                f.write(event["cursor"])
            seen += 1
            if args.once and seen >= args.once:
                return


if __name__ == "__main__":
    main()
