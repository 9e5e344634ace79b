"""Every diagnostic code as a named constant, with its severity and a one-line summary.

Codes are stable: once published, a code keeps its meaning. The hundreds say which stage emits
it: 00 input files, 01 syntax, 02 names, 03 expression types, 04 catalog objects and fields,
05 mapping rules (values, refs, loss, required fields), 06 the dependency graph, 07 policy
(consent), 08 style warnings. docs/diagnostics.md is generated from this table and the golden
cases in tests/cases/.
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec

Severity = Literal["error", "warning", "info", "hint"]


class Code(msgspec.Struct, frozen=True):
    id: str
    slug: str
    severity: Severity
    summary: str


REGISTRY: dict[str, Code] = {}


def _code(id: str, slug: str, severity: Severity, summary: str) -> Code:
    code = Code(id, slug, severity, summary)
    assert id not in REGISTRY, f"duplicate diagnostic code {id}"
    REGISTRY[id] = code
    return code


# --- 00: input files
FILE_UNREADABLE: Final = _code("MIG0001", "file-unreadable", "error", "the file cannot be read as UTF-8 .mig text")

# --- 01: syntax
UNEXPECTED_TOKEN: Final = _code("MIG0101", "unexpected-token", "error", "the parser did not expect this token here")
UNEXPECTED_CHARACTER: Final = _code("MIG0102", "unexpected-character", "error", "a character that no token starts with")
UNTERMINATED_STRING: Final = _code("MIG0103", "unterminated-string", "error", "a string literal is not closed on its line")
UNCLOSED_BLOCK: Final = _code("MIG0104", "unclosed-block", "error", "a `{` block is not closed")
ASSIGN_WITH_EQUALS: Final = _code("MIG0105", "assign-with-equals", "error", "a field is assigned with `=` instead of `<-`")
UNKNOWN_KEYWORD: Final = _code("MIG0106", "unknown-keyword", "error", "a word where a keyword is expected is not one")
UNEXPECTED_END: Final = _code("MIG0107", "unexpected-end", "error", "the file ends in the middle of a construct")
DUPLICATE_CLAUSE: Final = _code("MIG0108", "duplicate-clause", "error", "a header or declaration clause is given twice")
INVALID_ESCAPE: Final = _code("MIG0109", "invalid-escape", "error", "a string contains an unknown escape sequence")
MISSING_TOKEN: Final = _code("MIG0111", "missing-token", "error", "a closing bracket, brace or arrow is missing")
TOO_DEEP: Final = _code("MIG0110", "too-deeply-nested", "error", "an expression is nested deeper than the compiler supports")

# --- 02: names
UNKNOWN_NAME: Final = _code("MIG0201", "unknown-name", "error", "a name that is neither a source field, a `let`, nor a declaration")
UNKNOWN_FUNCTION: Final = _code("MIG0202", "unknown-function", "error", "a call to a function that no builtin or values table defines")
DUPLICATE_DEFINITION: Final = _code("MIG0203", "duplicate-definition", "error", "two declarations share a name")
IMPORT_NOT_FOUND: Final = _code("MIG0204", "import-not-found", "error", "an imported file does not exist")
UNKNOWN_IMPORT: Final = _code("MIG0205", "unknown-import", "error", "an imported name is not declared in the imported file")
IMPORT_CYCLE: Final = _code("MIG0206", "import-cycle", "error", "files import each other in a cycle")
WRONG_ARITY: Final = _code("MIG0207", "wrong-arity", "error", "a call passes too many or too few arguments")
MISSING_HEADER: Final = _code("MIG0208", "missing-header", "error", "a mapping file has no `migration` header, or has two")
HEADER_INCOMPLETE: Final = _code("MIG0209", "header-incomplete", "error", "the `migration` header lacks `from` or `to`")

# --- 03: expression types
TYPE_MISMATCH: Final = _code("MIG0301", "type-mismatch", "error", "a value's type does not fit where it is used")
UNKNOWN_TYPE: Final = _code("MIG0302", "unknown-type", "error", "a type name that the type model does not know")
BAD_TYPE_ARGUMENTS: Final = _code("MIG0303", "bad-type-arguments", "error", "a type has missing or wrong arguments")
NOT_CALLABLE: Final = _code("MIG0304", "not-callable", "error", "a value that is not a function is called or piped into")
INVALID_CAST: Final = _code("MIG0305", "invalid-cast", "error", "an `as` coercion between types that cannot convert")
CONDITION_NOT_BOOLEAN: Final = _code("MIG0306", "condition-not-boolean", "error", "a `where`, `when` or `if` condition is not boolean")
AGGREGATE_OUTSIDE_SUMMARY: Final = _code("MIG0307", "aggregate-outside-summary", "error", "an aggregate such as count() is used outside a `summarize` map")

# --- 04: catalog objects and fields
UNKNOWN_PLATFORM: Final = _code("MIG0401", "unknown-platform", "error", "`from`/`to` names a platform with no catalog")
CATALOG_INVALID: Final = _code("MIG0402", "catalog-invalid", "error", "a catalog or account overlay file is invalid")
PLATFORM_ROLE: Final = _code("MIG0403", "platform-role", "error", "a target platform is used as the source, or a source as the target")
UNKNOWN_OBJECT: Final = _code("MIG0404", "unknown-object", "error", "an object the platform's catalog does not have")
UNKNOWN_FIELD: Final = _code("MIG0405", "unknown-field", "error", "a target field the object does not have")
READ_ONLY_FIELD: Final = _code("MIG0406", "read-only-field", "error", "a value is written to a field the target API does not accept")
DUPLICATE_ASSIGNMENT: Final = _code("MIG0407", "duplicate-assignment", "error", "a target field is assigned twice for the same records")
NOT_LOADABLE: Final = _code("MIG0408", "not-loadable", "error", "records are mapped into an object the target API cannot create")

# --- 05: mapping rules
LENGTH_OVERFLOW: Final = _code("MIG0501", "length-overflow", "error", "a value can be longer or larger than its target field allows")
REQUIRED_FIELD_MISSING: Final = _code("MIG0502", "required-field-missing", "error", "a field the target requires is never set")
REQUIRED_FIELD_MAY_BE_EMPTY: Final = _code("MIG0503", "required-field-may-be-empty", "warning", "a required field is set from a value that can be null")
VALUES_INCOMPLETE: Final = _code("MIG0504", "values-incomplete", "error", "a `values` table misses source values and has no `else`")
VALUE_NOT_IN_PICKLIST: Final = _code("MIG0505", "value-not-in-picklist", "error", "a value is not one of the target picklist's options")
REF_TO_UNMAPPED: Final = _code("MIG0506", "ref-to-unmapped", "error", "a `ref` points at an object that nothing loads and that does not pre-exist")
REF_KEY_NOT_UNIQUE: Final = _code("MIG0507", "ref-key-not-unique", "error", "a `ref` matches by a field that does not identify one record")
NARROWING_WITHOUT_LOSSY: Final = _code("MIG0508", "narrowing-without-lossy", "error", "values are narrowed (many to one, enum collapse) without a `lossy` note")
DROP_WITHOUT_LOSSY: Final = _code("MIG0509", "drop-without-lossy", "error", "a source field is dropped without a `lossy` note saying why")
LIMIT_WITHOUT_LOSSY: Final = _code("MIG0510", "limit-without-lossy", "error", "a `limit` caps records without a `lossy` note")
CUSTOM_NAME_INVALID: Final = _code("MIG0511", "custom-name-invalid", "error", "a custom module or field name breaks the target's naming rules")
CUSTOM_FIELD_COLLISION: Final = _code("MIG0512", "custom-field-collision", "error", "a custom field or module is declared where one already exists")
EXTEND_WITHOUT_MAP: Final = _code("MIG0513", "extend-without-map", "error", "an `extend` block has no matching `map` to extend")
CARDINALITY_MISMATCH: Final = _code("MIG0514", "cardinality-mismatch", "warning", "an object row's declared cardinality does not match its maps")
OTHERWISE_WITHOUT_WHERE: Final = _code("MIG0515", "otherwise-without-where", "error", "an `otherwise` map has no `where` map of the same source before it")
MERGE_WITHOUT_KEY: Final = _code("MIG0517", "merge-without-key", "error", "a `merge` map has no `key`, or one no other map loads records by")
NOT_A_LOOKUP: Final = _code("MIG0516", "not-a-lookup", "error", "a `ref` is assigned to a field that is not a lookup to that object")
TYPE_FIELD_SET_BY_REF: Final = _code("MIG0518", "type-field-set-by-ref", "error", "a field a `ref` sets from the record it finds (a lookup's type field) is assigned as well")

# --- 06: dependency graph
DEPENDENCY_CYCLE: Final = _code("MIG0601", "dependency-cycle", "error", "objects reference each other in a cycle, so none can load first")
ORDER_CONTRADICTS_REFS: Final = _code("MIG0602", "order-contradicts-refs", "error", "the declared `order` loads an object before one it references")
ORDER_UNKNOWN_OBJECT: Final = _code("MIG0603", "order-unknown-object", "warning", "the declared `order` names an object that no map loads")

# --- 07: policy
CONSENT_MISSING: Final = _code("MIG0701", "consent-missing", "error", "personal data is migrated without a consent gate in the header")

# --- 08: style warnings
UNUSED_DECLARATION: Final = _code("MIG0801", "unused-declaration", "warning", "a `values` table or `let` is declared but never used")
PIPE_BINDS_TIGHTER: Final = _code("MIG0802", "pipe-binds-tighter", "warning", "a `|` pipeline or `as` on the right of `??` or `+` applies only to that operand")
