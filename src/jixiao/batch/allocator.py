"""How the batch's two allocators treat memory they have freed: set once, before they are loaded.

A streamed batch allocates and frees the same few hundred megabytes for every chunk, in Polars
(its columns) and in Arrow (the results on their way to Parquet). Polars' jemalloc gives freed
pages back to the kernel within half a second (``dirty_decay_ms:500``, its own setting), so each
chunk faulted them in again, zeroed, page by page: measured on 1M synthetic forms, a quarter of
the run's CPU time was the kernel's (4.1–4.4 s of 13.4–14.8 s). So:

* Polars' jemalloc keeps freed pages for five seconds, then returns them at once: the next chunk
  reuses them (2.1–2.6 s of kernel time, 11.2–12.1 s in all, for a peak about 0.1 GiB higher);
* Arrow allocates from the C library's heap (its "system" pool), which keeps what it frees for
  the next allocation: in six pairs of runs beside a busy process, each run with it was 0.15–1.6 s
  shorter than its pair without, at the same peak.

Both libraries read their setting from the environment when they are loaded, so it is set at the
start of the ``jixiao`` command (and of the benchmark's engine processes), never after; a setting
the user gives in the environment is kept. Measured in docs/batch.md, "The allocator".
"""

from __future__ import annotations

import os
import sys

SETTINGS = {
    "_RJEM_MALLOC_CONF": "dirty_decay_ms:5000,muzzy_decay_ms:0",  # Polars' jemalloc (_rjem_ prefix)
    "ARROW_DEFAULT_MEMORY_POOL": "system",  # pyarrow's default pool
}


def set_allocators() -> bool:
    """Put the allocators' settings in the environment; whether they will take effect (neither
    Polars nor pyarrow loaded yet in this process). Values already in the environment are kept."""
    for name, value in SETTINGS.items():
        os.environ.setdefault(name, value)
    return "polars" not in sys.modules and "pyarrow" not in sys.modules
