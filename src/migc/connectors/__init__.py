"""Connectors: the HTTP clients that read source platforms and write target CRMs.

httpx is used only inside this package. `base` is the contract, `registry` finds a platform's
module, `http` + `ratelimit` + `retry` are the shared request machinery, `secrets` loads
credentials. See docs/connectors.md.
"""
