#!/usr/bin/env python3
"""The system of an interdisciplinary team's chair: long-polls the Blue Card inbox,
acknowledges each card and records its forwarding: to a working group under the server's
2011 rules profile (§ 8 ust. 1), to the grupa diagnostyczno-pomocowa under the 2023 one
(the profile of the card's forwarding deadline decides, as the server checks it).

    chair_inbox.py [--org zi-lazy] [--cursor-file inbox.cursor] [--once N] [--wait 30]"""

import os

from common import call, connect, now, parser, rfc3339


# Where each rules profile sends a card, and to whom it says it went.
TARGETS = {
    "2011": ("FORWARDED_TO_WORKING_GROUP", "grupa robocza"),
    "2023": ("FORWARDED_TO_DIAGNOSTIC_SUPPORT_GROUP", "grupa diagnostyczno-pomocowa"),
}


def forward_profile(card):
    """The rules profile of the card's forwarding deadline ("2011" from older servers)."""
    for d in card.get("deadlines", []):
        if d.get("rule_id") == "bluecard.forward":
            return d.get("rules_profile") or "2011"
    return "2011"


def main():
    p = parser(__doc__, "zi-lazy")
    p.add_argument("--cursor-file", default="inbox.cursor")
    p.add_argument("--once", type=int, default=0, help="stop after N cards (0: run forever)")
    p.add_argument("--wait", type=int, default=30, help="long-poll seconds")
    args = p.parse_args()
    cursor = open(args.cursor_file).read().strip() if os.path.exists(args.cursor_file) else ""
    ch, client = connect(args)
    done = 0
    with ch:
        while True:
            page = call(client, "lacznik.v1.BlueCardService.PullBlueCards",
                        {"after_cursor": cursor, "max_cards": 10, "wait_seconds": args.wait}, timeout=args.wait + 30)
            for pulled in page.get("cards", []):
                card = pulled["card"]
                cid = card["card_id"]
                acked = call(client, "lacznik.v1.BlueCardService.AcknowledgeBlueCard", {"card_id": cid})["card"]
                to, recipients = TARGETS[forward_profile(acked)]
                c = call(client, "lacznik.v1.BlueCardService.RecordForwarding",
                         {"card_id": cid, "forwarded_to": to,
                          "recipients": recipients, "forwarded_time": rfc3339(now())})["card"]
                print(pulled["cursor"], cid, "repeat" if card.get("repeat") else "new", "->", c["state"], flush=True)
                done += 1
            cursor = page.get("next_cursor", cursor)
            with open(args.cursor_file, "w") as f:
                f.write(cursor)
            if args.once and done >= args.once:
                return


if __name__ == "__main__":
    main()
