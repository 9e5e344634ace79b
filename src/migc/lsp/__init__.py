"""The language server for .mig files (`migc lsp`): pygls over stdio, thin handlers over `check_file`.

lsprotocol and pygls are imported only inside this package. `server` wires the handlers,
`snapshot` holds one analysed version of a document, `convert` owns every position conversion,
and `features/` has one module per editor feature, each a set of plain functions that the unit
tests call directly.
"""
