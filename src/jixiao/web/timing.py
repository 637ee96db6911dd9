"""Opt-in ``Server-Timing`` header: how long the server spent on a request, and how much of it was
this thread's own CPU time, so a load test can tell the server's time from its own.

Off unless ``JIXIAO_SERVER_TIMING=1`` (the load benchmark sets it): a deployment has no use for it,
and durations are nothing a user should have to see. Measured from the outermost middleware to the
response, so it covers every middleware, the view and the template; it does not cover the time a
request waited for a free server thread, nor sending the body.

- ``app``: wall time in this process (includes waiting for the database and for Python's GIL while
  other threads of this process run);
- ``cpu``: this thread's CPU time (``time.thread_time``): what the request itself cost.
"""

from __future__ import annotations

import os
import time

HEADER = "Server-Timing"


def enabled() -> bool:
    return os.environ.get("JIXIAO_SERVER_TIMING", "") == "1"


class ServerTiming:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        t0, c0 = time.perf_counter(), time.thread_time()
        response = self.get_response(request)
        app, cpu = time.perf_counter() - t0, time.thread_time() - c0
        response[HEADER] = f"app;dur={app * 1000:.1f}, cpu;dur={cpu * 1000:.1f}"
        return response
