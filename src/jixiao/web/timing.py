"""Opt-in ``Server-Timing`` header: how long the server spent on a request, and how much of it was
this thread's own CPU time, so a load test can tell the server's time from its own.

Off unless ``JIXIAO_SERVER_TIMING=1`` (the load benchmark sets it): a deployment has no use for it,
and durations are nothing a user should have to see. Measured from the outermost middleware to the
response, so it covers every middleware, the view and the template; it does not cover the time a
request waited for a free server thread, nor sending the body.

- ``app``: wall time in this process (includes waiting for the database and for Python's GIL while
  other threads of this process run);
- ``cpu``: this thread's CPU time (``time.thread_time``): what the request itself cost;
- ``db``: wall time inside database calls (waiting for the database, and for the GIL on return);
- ``peers``: CPU time the process's other threads used meanwhile. Only one thread runs Python at a
  time (the GIL), so this is about how long this request waited for the GIL.

What is left of ``app`` after ``cpu``, ``db`` and ``peers`` is time the thread was ready but no core
ran it: other processes on the machine.
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
        from django.db import connection

        db = [0.0]

        def timed(execute, sql, params, many, context):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                db[0] += time.perf_counter() - t

        t0, c0, p0 = time.perf_counter(), time.thread_time(), time.process_time()
        with connection.execute_wrapper(timed):
            response = self.get_response(request)
        app, cpu, proc = time.perf_counter() - t0, time.thread_time() - c0, time.process_time() - p0
        response[HEADER] = (f"app;dur={app * 1000:.1f}, cpu;dur={cpu * 1000:.1f}, db;dur={db[0] * 1000:.1f}, "
                            f"peers;dur={max(0.0, proc - cpu) * 1000:.1f}")
        return response
