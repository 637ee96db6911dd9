"""The web pages (Django templates + HTMX): entry, review (复核), reports, overview, audit.

They read through the store's selectors and write through its services only; nothing here
defines a model. See docs/web.md.
"""
