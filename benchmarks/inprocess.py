"""Per-request CPU in one process, through Django's test client (no network, no server):
the bare view and each scenario, alternated, best of 7 × 300. Prints JSON of microseconds.

Run by benchmarks/run.py with the benchmark's settings and its generated data.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")


def main(info: dict) -> None:
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"], client.cookies["csrftoken"] = info["session"], info["csrf"]
    state = "/chatgate/api/widgets/default/state/?lang=en"
    gzip = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
    etag = client.get(state, **gzip)["ETag"]
    calls = {
        "bare Django JsonResponse": lambda: client.get("/bench/bare/"),
        "state (hot)": lambda: client.get(state, **gzip),
        "state, 304": lambda: client.get(state, HTTP_IF_NONE_MATCH=etag, **gzip),
        "heartbeat": lambda: client.post(
            "/chatgate/api/agent/heartbeat/", HTTP_X_CSRFTOKEN=info["csrf"]
        ),
        "conversation poll, idle": lambda: client.get(info["poll"]),
    }
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(7):
        for name, call in calls.items():
            call()
            started = time.perf_counter()
            for _ in range(300):
                call()
            best[name] = min(best[name], (time.perf_counter() - started) / 300 * 1e6)
    print(json.dumps(best))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
