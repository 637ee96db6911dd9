"""The store: units × years × editions, every version of every case kept, with its audit trail.

Models live in :mod:`models`; every write goes through :mod:`services` (one transaction, one
AuditEvent); every read through :mod:`selectors` (scoped to the user); the workflow is the table
in :mod:`workflow`; the REST API is :mod:`api`. Scoring goes through :mod:`scoring`, the one
adapter between the store and the engine. See ``docs/store.md`` and ``docs/api.md``.
"""

