"""Pre-order lists of the expression nodes in a value or condition, for the checker's scans.

The scans that look at a tree's shape (which fields a condition tests for null; the calls of a
value nested too deeply for inference to trace them) only care about expression nodes. Listing
those directly, in the order `ast.walk` yields them, skips the names and written types
`ast.walk` would also visit (neither holds an expression) and its per-node generators.
"""

from __future__ import annotations

from collections.abc import Callable

from migc.syntax import ast

# The expression children of each expression node, last first: pushed on a stack in this order,
# they come off it in field order (the order `ast.children` gives). None: the node has none.
_CHILDREN_LAST_FIRST: dict[type, Callable[..., tuple[ast.Node, ...]] | None] = {
    ast.Literal: None,
    ast.NameRef: None,
    ast.Member: lambda node: (node.value,),
    ast.Index: lambda node: (node.index, node.value),
    ast.Call: lambda node: node.args[::-1],
    ast.Pipe: lambda node: (*node.args[::-1], node.value),
    ast.Binary: lambda node: (node.right, node.left),
    ast.Unary: lambda node: (node.operand,),
    ast.Cast: lambda node: (node.value,),  # its written type holds no expression
    ast.IfExpr: lambda node: (node.otherwise, node.then, node.condition),
    ast.ListExpr: lambda node: node.items[::-1],
    ast.RefLookup: lambda node: (
        ((node.fallback,) if node.fallback is not None else ())
        + ((node.otherwise,) if node.otherwise is not None else ())
        + node.matches[::-1]
    ),
    ast.RefMatch: lambda node: (node.value,),
}


def expression_nodes(root: ast.Node) -> list[ast.Node]:
    """`root` and every expression under it, parents before children, in the order `ast.walk`
    yields them. The children of a node of any other kind are all listed (names too)."""
    found: list[ast.Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        found.append(node)
        kind = type(node)
        if kind in _CHILDREN_LAST_FIRST:
            children = _CHILDREN_LAST_FIRST[kind]
            if children is not None:
                stack.extend(children(node))
        else:
            stack.extend(reversed(ast.children(node)))
    return found
