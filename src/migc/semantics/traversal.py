"""Pre-order lists of the expression nodes in a value or condition, for the checker's scans.

The checks that look at a value's shape (which builtins it calls, which values table it reads,
whether it indexes a list, which fields a condition tests for null) only care about expression
nodes. Listing those directly, in the order `ast.walk` yields them, skips the names and written
types `ast.walk` would also visit (neither holds an expression) and its per-node generators,
which made the scans a third of the checker's time on large files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from migc.syntax import ast

# The expression children of each expression node, in field order (as `ast.children` gives them).
_EXPRESSION_CHILDREN: dict[type, Callable[..., Sequence[ast.Node]]] = {
    ast.Literal: lambda node: (),
    ast.NameRef: lambda node: (),
    ast.Member: lambda node: (node.value,),
    ast.Index: lambda node: (node.value, node.index),
    ast.Call: lambda node: node.args,
    ast.Pipe: lambda node: (node.value, *node.args),
    ast.Binary: lambda node: (node.left, node.right),
    ast.Unary: lambda node: (node.operand,),
    ast.Cast: lambda node: (node.value,),  # its written type holds no expression
    ast.IfExpr: lambda node: (node.condition, node.then, node.otherwise),
    ast.ListExpr: lambda node: node.items,
    ast.RefLookup: lambda node: node.matches if node.fallback is None else (*node.matches, node.fallback),
    ast.RefMatch: lambda node: (node.value,),
}


def expression_nodes(root: ast.Node) -> list[ast.Node]:
    """`root` and every expression under it, parents before children, in the order `ast.walk`
    yields them. A node of any other kind is listed with all its children, as `ast.walk` would."""
    found: list[ast.Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        found.append(node)
        children_of = _EXPRESSION_CHILDREN.get(type(node))
        children = children_of(node) if children_of is not None else list(ast.children(node))
        stack.extend(reversed(children))
    return found
