"""The editor features, one module each: plain functions from a `Snapshot` (and a position) to
lsprotocol results, which `migc.lsp.server` registers and the unit tests call directly."""
