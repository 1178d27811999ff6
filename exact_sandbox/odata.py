"""OData v2 as Exact speaks it: the $filter language and value formats.

``parse_filter`` is a small tokenizer + recursive-descent parser producing a
tuple AST; ``compile_filter`` turns that AST into an SQL expression over the
JSON ``data`` column (so paging stays in SQLite, reference §3.4).
"""
import datetime as dt
import re

from .errors import ODataError

TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<typed>(?:guid|datetime|datetimeoffset)'[^']*')
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[LlMmDdFf]?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_/]*)
  | (?P<punct>[(),])
""", re.VERBOSE)

COMPARISONS = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
KEYWORD_LITERALS = {"true": (1, "bool"), "false": (0, "bool"), "null": (None, "null")}


# -- dates -----------------------------------------------------------------
def parse_datetime_ms(text: str) -> int:
    """ISO 8601 (naive = UTC) or /Date(ms)/ → epoch milliseconds."""
    text = text.strip()
    match = re.fullmatch(r"/Date\((-?\d+)([+-]\d{4})?\)/", text)
    if match:
        return int(match.group(1))
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ODataError(400, f"Invalid date value '{text}'.") from exc
    if moment.tzinfo is None:
        # Exact: /Date(ms)/ is UTC in the sandbox (docs/sandbox.md, reference "Choices": /Date(ms)/)
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return int(moment.timestamp() * 1000)


def format_date(ms: int | None) -> str | None:
    return None if ms is None else f"/Date({int(ms)})/"


# -- tokenizer -------------------------------------------------------------
def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match:
            raise ODataError(400, f"Syntax error at position {position} in '{text}'.")
        position = match.end()
        if match.lastgroup != "ws":
            tokens.append((match.lastgroup, match.group()))
    return tokens


# -- parser ----------------------------------------------------------------
class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.position = 0

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None)

    def take(self):
        token = self.peek()
        self.position += 1
        return token

    def expect(self, value: str):
        kind, text = self.take()
        if text != value:
            raise ODataError(400, f"Syntax error in '{self.text}': expected '{value}'.")

    def is_keyword(self, word: str) -> bool:
        kind, text = self.peek()
        return kind == "ident" and text == word

    def parse(self):
        if not self.tokens:
            raise ODataError(400, "Syntax error: empty $filter.")
        tree = self.or_expression()
        if self.position != len(self.tokens):
            raise ODataError(400, f"Syntax error in '{self.text}' near '{self.peek()[1]}'.")
        return tree

    def or_expression(self):
        tree = self.and_expression()
        while self.is_keyword("or"):
            self.take()
            tree = ("or", tree, self.and_expression())
        return tree

    def and_expression(self):
        tree = self.not_expression()
        while self.is_keyword("and"):
            self.take()
            tree = ("and", tree, self.not_expression())
        return tree

    def not_expression(self):
        if self.is_keyword("not"):
            self.take()
            return ("not", self.not_expression())
        return self.comparison()

    def comparison(self):
        left = self.operand()
        kind, text = self.peek()
        if kind == "ident" and text in COMPARISONS:
            self.take()
            return ("cmp", text, left, self.operand())
        return left

    def operand(self):
        kind, text = self.take()
        if kind == "punct" and text == "(":
            tree = self.or_expression()
            self.expect(")")
            return tree
        if kind == "string":
            return ("lit", text[1:-1].replace("''", "'"), "string")
        if kind == "typed":
            return typed_literal(text)
        if kind == "number":
            return number_literal(text)
        if kind == "ident" and text in KEYWORD_LITERALS:
            return ("lit", *KEYWORD_LITERALS[text])
        if kind == "ident" and self.peek()[1] == "(":
            return self.call(text)
        if kind == "ident":
            return ("field", text)
        raise ODataError(400, f"Syntax error in '{self.text}' near '{text}'.")

    def call(self, name: str):
        self.expect("(")
        arguments = [self.or_expression()]
        while self.peek()[1] == ",":
            self.take()
            arguments.append(self.or_expression())
        self.expect(")")
        return ("call", name, arguments)


def typed_literal(text: str):
    prefix, _, rest = text.partition("'")
    value = rest[:-1]
    if prefix == "guid":
        return ("lit", value.strip("{}").lower(), "guid")
    return ("lit", parse_datetime_ms(value), "datetime")


def number_literal(text: str):
    body = text.rstrip("LlMmDdFf")
    if re.fullmatch(r"-?\d+", body):
        return ("lit", int(body), "int")
    return ("lit", float(body), "float")


def parse_filter(text: str):
    return _Parser(text).parse()


def fields_in(tree) -> set[str]:
    """Every field name used in a filter AST."""
    if tree[0] == "field":
        return {tree[1]}
    if tree[0] == "lit":
        return set()
    if tree[0] == "call":
        return set().union(*(fields_in(argument) for argument in tree[2]))
    return set().union(*(fields_in(part) for part in tree[1:] if isinstance(part, tuple)))


# -- SQL compiler ----------------------------------------------------------
def _function_sql(name: str, args: list[str]) -> str:
    """OData v2 functions Exact supports, as SQLite expressions."""
    table = {
        "trim": (1, "trim({0})"),
        "tolower": (1, "lower({0})"),
        "toupper": (1, "upper({0})"),
        "length": (1, "length({0})"),
        "substringof": (2, "(instr(lower({1}), lower({0})) > 0)"),
        "startswith": (2, "(substr(lower({0}), 1, length({1})) = lower({1}))"),
        "endswith": (2, "(length({0}) >= length({1}) AND substr(lower({0}), -length({1})) = lower({1}))"),
        "year": (1, "CAST(strftime('%Y', {0} / 1000, 'unixepoch') AS INTEGER)"),
    }
    if name not in table:
        raise ODataError(400, f"Unknown function '{name}' in $filter.")
    arity, template = table[name]
    if len(args) != arity:
        raise ODataError(400, f"Function '{name}' expects {arity} arguments.")
    return template.format(*args)


def sql_literal(value) -> str:
    """A literal inlined as SQL (functions repeat their arguments, so no positional parameters)."""
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def compile_filter(tree, column) -> tuple[str, list]:
    """AST → (SQL, params). ``column(name)`` maps a field name to an SQL expression."""
    params: list = []

    def walk(node) -> str:
        kind = node[0]
        if kind in ("and", "or"):
            return f"({walk(node[1])} {kind.upper()} {walk(node[2])})"
        if kind == "not":
            return f"(NOT {walk(node[1])})"
        if kind == "cmp":
            return comparison(*node[1:])
        if kind == "field":
            return column(node[1])
        if kind == "lit":
            return sql_literal(node[1])
        return _function_sql(node[1], [walk(argument) for argument in node[2]])

    def comparison(operator, left, right) -> str:
        for this, other in ((left, right), (right, left)):
            if this[0] == "lit" and this[2] == "null":
                if operator not in ("eq", "ne"):
                    raise ODataError(400, "null can only be compared with eq or ne.")
                return f"({walk(other)} IS {'NOT ' if operator == 'ne' else ''}NULL)"
        if fields_in(left) and fields_in(right):
            # Exact: comparing one property with another is not supported (reference §3.4, kb-copy
            # "OData | Query string options"); the wording is the sandbox's
            raise ODataError(400, "This $filter parameter is not supported for this resource: a property can "
                                  "only be compared with a literal.")
        text_literal = any(side[0] == "lit" and side[2] == "string" for side in (left, right))
        # Exact runs on SQL Server with a case-insensitive collation (docs/sandbox.md, unverified)
        collate = " COLLATE NOCASE" if text_literal else ""
        return f"({walk(left)} {COMPARISONS[operator]} {walk(right)}{collate})"

    return walk(tree), params
