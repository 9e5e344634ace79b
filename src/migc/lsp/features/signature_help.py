"""Signature help: the builtin or values table whose call the cursor is in, and which argument.

In `x | f(a, b)` the piped `x` is the first argument, so the cursor on `a` is on the second
parameter.
"""

from __future__ import annotations

from lsprotocol import types

from migc.lsp.context import cursor_context
from migc.lsp.snapshot import Snapshot


def signature_help(snapshot: Snapshot | None, text: str, offset: int) -> types.SignatureHelp | None:
    context = cursor_context(text, offset)
    if context.call is None or context.in_comment or snapshot is None or snapshot.analysis.scope is None:
        return None
    symbol = snapshot.analysis.scope.get(context.call.function)
    if symbol is None:
        return None
    if symbol.kind == "values":
        returns = f" -> {symbol.type}" if symbol.type.kind != "any" else ""
        information = types.SignatureInformation(
            label=f"{symbol.name}(value){returns}",
            documentation="A values table: maps one value.",
            parameters=[types.ParameterInformation(label="value")],
        )
        return types.SignatureHelp(signatures=[information], active_signature=0, active_parameter=0)
    signature = symbol.signature
    if signature is None:
        return None
    parameters = []
    for param in signature.params:
        label = f"{param.name}: {param.type}{'...' if param.variadic else ''}"
        parameters.append(types.ParameterInformation(label=f"{label} = …" if param.optional else label))
    active = context.call.argument
    if signature.params and active >= len(signature.params) and signature.params[-1].variadic:
        active = len(signature.params) - 1
    information = types.SignatureInformation(
        label=signature.render(),
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=signature.doc) if signature.doc else None,
        parameters=parameters,
        active_parameter=active,
    )
    return types.SignatureHelp(signatures=[information], active_signature=0, active_parameter=active)
