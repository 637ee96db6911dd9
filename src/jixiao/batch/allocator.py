"""How long Polars' allocator keeps memory it has freed: set once, before Polars is loaded.

A streamed batch allocates and frees the same few hundred megabytes for every chunk. Polars'
allocator (jemalloc) hands freed pages back to the kernel within moments by default, so each
chunk faults them in again, zeroed, page by page: measured on 1M synthetic forms, a quarter of
the run's CPU time was the kernel's (4.1–4.4 s of 13.4–14.8 s). Keeping freed pages for five
seconds, then returning them at once, lets the next chunk reuse them: 2.1–2.6 s of kernel time,
11.2–12.1 s in all, for a peak about 0.1 GiB higher (docs/batch.md, "The allocator").

jemalloc reads the setting from the environment when the library is loaded, so it is set at the
start of the ``jixiao`` command (and of the benchmark's engine processes), never after Polars
is imported; a setting the user gives in the environment is kept.
"""

from __future__ import annotations

import os
import sys

ENV = "_RJEM_MALLOC_CONF"  # Polars' jemalloc is built with the _rjem_ prefix
SETTING = "dirty_decay_ms:5000,muzzy_decay_ms:0"


def keep_freed_pages() -> bool:
    """Set the allocator's decay in the environment; whether it will take effect (Polars not
    yet loaded in this process). A value already in the environment is left as it is."""
    os.environ.setdefault(ENV, SETTING)
    return "polars" not in sys.modules
