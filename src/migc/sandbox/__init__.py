"""Sandboxes: local ASGI emulators of every platform API, with the platforms' validation, limits,
pagination, error bodies and 429s, plus deterministic fault injection. Starlette is used only
inside this package. See docs/connectors.md.
"""
