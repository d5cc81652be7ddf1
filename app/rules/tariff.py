"""A tariff computed from data (issue 13, item 5): ``create_invoice: {amount_expr: "..."}``.

A deliberately small arithmetic language, parsed with ``ast`` in ``eval`` mode and walked here —
never handed to ``eval``/``exec``. What is allowed:

- whole or decimal numeric literals (at most 10^15), ``+ - * / //``, unary minus, parentheses;
- names from a fixed set: ``fields.<key>`` (a number/integer/money field of the service or the
  transition's form), ``cart_total`` (the cart's total, rupiah), ``cart_quantity`` (the sum of the
  cart lines' quantities), ``booked_days`` (calendar days of the application's booked slot);
- the calls ``min(a, b, …)``, ``max(a, b, …)``, ``round(x)``, ``ceil(x)``, ``floor(x)``;
- comparisons, ``and``/``or``/``not`` and ``x if condition else y``.

Nothing else: no attribute except ``fields.<key>``, no subscript, no string, no power, no lambda
or comprehension, no other call. The text is at most ``MAX_LENGTH`` characters and ``MAX_DEPTH``
levels deep. Arithmetic is done in ``Decimal``; the result is rounded to whole rupiah (half up).
simpleeval was considered and not used: it allows attribute access, strings and ``**`` by default
and knows nothing of the names' types, which ``rules check`` must verify at load time.

The module is plain Python (no Flask, no models): the loader checks an expression with
``parse_tariff`` + ``tariff_names``; the invoice effect evaluates it with ``evaluate_tariff`` and
puts its computation in words with ``explain_tariff``.
"""
from __future__ import annotations

import ast
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation
from typing import Any, Callable, Mapping

from app.rules.messages import Message, N_

MAX_LENGTH = 400
MAX_DEPTH = 12
MAX_LITERAL = Decimal(10) ** 15
MAX_AMOUNT = Decimal(10) ** 12 - 1   # payment.amount is NUMERIC(14, 2)
# plain names and what each is, for the messages and the docs
PLAIN_NAMES = {
    "cart_total": "the cart's total (rupiah)",
    "cart_quantity": "the sum of the cart lines' quantities",
    "booked_days": "calendar days of the application's booked slot (0 when none)",
}
# the field types a tariff can compute with (integer: the fields helper's whole-number type)
TARIFF_FIELD_TYPES = frozenset({"number", "money", "integer"})
FUNCTIONS = ("min", "max", "round", "ceil", "floor")
_FIELD_KEY = re.compile(r"[a-z][a-z0-9_]*")
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "×", ast.Div: ":", ast.FloorDiv: "div"}
_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


class TariffError(ValueError):
    """An expression the language refuses (``message`` is a rules-check ``Message``)."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


def parse_tariff(text: Any) -> ast.Expression:
    """The checked syntax tree of ``text``, or TariffError saying what is not allowed."""
    if not isinstance(text, str) or not text.strip():
        raise TariffError(N_("rumus tarif harus berupa teks yang tidak kosong"))
    if len(text) > MAX_LENGTH:
        raise TariffError(N_("rumus tarif terlalu panjang (paling banyak %(n)s karakter)", n=MAX_LENGTH))
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise TariffError(N_("rumus tarif tidak dapat dibaca: %(detail)s", detail=error.msg or "")) from None
    _check(tree.body, 1)
    return tree


def _refuse(node: ast.AST) -> TariffError:
    what = type(node).__name__
    if isinstance(node, ast.Constant):
        what = type(node.value).__name__
    return TariffError(N_("rumus tarif memakai '%(what)s', yang tidak diizinkan (hanya angka, + - * / //, "
                          "isian fields.<kunci>, %(names)s, %(functions)s dan 'x if syarat else y')",
                          what=what, names=", ".join(PLAIN_NAMES), functions=", ".join(FUNCTIONS)))


def _check(node: ast.AST, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise TariffError(N_("rumus tarif terlalu dalam (paling banyak %(n)s tingkat)", n=MAX_DEPTH))
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _refuse(node)
        if abs(Decimal(str(node.value))) > MAX_LITERAL:
            raise TariffError(N_("rumus tarif memakai angka %(value)s yang terlalu besar", value=str(node.value)[:30]))
        return
    if isinstance(node, ast.Name):
        if node.id not in PLAIN_NAMES:
            raise TariffError(N_("rumus tarif menyebut nama '%(name)s' yang tidak dikenal (yang ada: fields.<kunci>, %(names)s)",
                                 name=node.id, names=", ".join(PLAIN_NAMES)))
        return
    if isinstance(node, ast.Attribute):
        if not (isinstance(node.value, ast.Name) and node.value.id == "fields" and _FIELD_KEY.fullmatch(node.attr)):
            raise _refuse(node)
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise _refuse(node.op)
        _check(node.left, depth + 1)
        _check(node.right, depth + 1)
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            raise _refuse(node.op)
        _check(node.operand, depth + 1)
        return
    if isinstance(node, ast.Compare):
        if any(type(op) not in _COMPARE for op in node.ops):
            raise _refuse(next(op for op in node.ops if type(op) not in _COMPARE))
        for part in (node.left, *node.comparators):
            _check(part, depth + 1)
        return
    if isinstance(node, ast.BoolOp):
        for part in node.values:
            _check(part, depth + 1)
        return
    if isinstance(node, ast.IfExp):
        for part in (node.test, node.body, node.orelse):
            _check(part, depth + 1)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
            raise _refuse(node)
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise _refuse(ast.Starred())
        wanted = (1, 1) if node.func.id in ("round", "ceil", "floor") else (2, 10)
        if not wanted[0] <= len(node.args) <= wanted[1]:
            raise TariffError(N_("rumus tarif memanggil %(function)s dengan jumlah argumen yang salah", function=node.func.id))
        for arg in node.args:
            _check(arg, depth + 1)
        return
    raise _refuse(node)


def tariff_names(tree: ast.Expression) -> tuple[set[str], set[str]]:
    """(the field keys named as ``fields.<key>``, the plain names used)."""
    fields, plain = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            fields.add(node.attr)
        elif isinstance(node, ast.Name) and node.id != "fields":
            plain.add(node.id)
    return fields, plain


def _number(value: Any) -> Decimal:
    if value is None or value == "" or isinstance(value, bool):
        return Decimal(0)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise TariffError(N_("nilai '%(value)s' bukan angka", value=str(value)[:40])) from None
    if not number.is_finite():
        raise TariffError(N_("nilai '%(value)s' bukan angka", value=str(value)[:40]))
    return number


class _Evaluator:
    def __init__(self, fields: Mapping[str, Any], names: Mapping[str, Any]) -> None:
        self.fields, self.names = fields, names

    def value(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name):
            return _number(self.names.get(node.id))
        if isinstance(node, ast.Attribute):
            return _number(self.fields.get(node.attr))
        if isinstance(node, ast.BinOp):
            left, right = self.value(node.left), self.value(node.right)
            try:
                if isinstance(node.op, ast.Add):
                    return left + right
                if isinstance(node.op, ast.Sub):
                    return left - right
                if isinstance(node.op, ast.Mult):
                    return left * right
                if isinstance(node.op, ast.Div):
                    return left / right
                return (left / right).to_integral_value(rounding=ROUND_FLOOR)
            except (DivisionByZero, InvalidOperation):
                raise TariffError(N_("rumus tarif membagi dengan nol")) from None
        if isinstance(node, ast.UnaryOp):
            operand = self.value(node.operand)
            if isinstance(node.op, ast.Not):
                return not operand
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Compare):
            left = self.value(node.left)
            for op, right_node in zip(node.ops, node.comparators):
                right = self.value(right_node)
                if not _compare(op, left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.BoolOp):
            values = [self.value(part) for part in node.values]
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.IfExp):
            return self.value(node.body if self.value(node.test) else node.orelse)
        if isinstance(node, ast.Call):
            args = [self.value(arg) for arg in node.args]
            name = node.func.id
            if name == "min":
                return min(args)
            if name == "max":
                return max(args)
            rounding = {"round": ROUND_HALF_UP, "ceil": ROUND_CEILING, "floor": ROUND_FLOOR}[name]
            return _as_decimal(args[0]).to_integral_value(rounding=rounding)
        raise _refuse(node)  # unreachable for a parsed tree


def _as_decimal(value: Any) -> Decimal:
    return Decimal(int(value)) if isinstance(value, bool) else value


def _compare(op: ast.cmpop, left: Any, right: Any) -> bool:
    left, right = _as_decimal(left), _as_decimal(right)
    return {ast.Eq: left == right, ast.NotEq: left != right, ast.Lt: left < right, ast.LtE: left <= right,
            ast.Gt: left > right, ast.GtE: left >= right}[type(op)]


def evaluate_tariff(tree: ast.Expression, fields: Mapping[str, Any], names: Mapping[str, Any]) -> Decimal:
    """The amount in whole rupiah (half up); TariffError when it is negative, too large or divides by zero."""
    result = _as_decimal(_Evaluator(fields, names).value(tree.body))
    amount = result.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if amount < 0:
        raise TariffError(N_("rumus tarif menghasilkan jumlah negatif (%(amount)s)", amount=str(amount)))
    if amount > MAX_AMOUNT:
        raise TariffError(N_("rumus tarif menghasilkan jumlah yang terlalu besar (%(amount)s)", amount=str(amount)))
    return amount


_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.FloorDiv: 2}


def explain_tariff(tree: ast.Expression, fields: Mapping[str, Any], names: Mapping[str, Any], *,
                   money: Callable[[Any], str], number: Callable[[Any], str],
                   field_words: Callable[[str, Any], str], name_words: Callable[[str, Any], str]) -> str:
    """The computation in words with the values filled in, e.g. ``3 hari × Rp 1.500.000 = Rp 4.500.000``.

    Only the branch of an ``if … else`` that applied is shown; a literal of 1000 or more reads as
    rupiah, a smaller one as a plain number; names read as ``name_words``/``field_words`` say."""
    evaluator = _Evaluator(fields, names)

    def words(node: ast.AST, parent: int = 0) -> str:
        if isinstance(node, ast.Constant):
            value = Decimal(str(node.value))
            return money(value) if value >= 1000 else number(value)
        if isinstance(node, ast.Name):
            return name_words(node.id, names.get(node.id))
        if isinstance(node, ast.Attribute):
            return field_words(node.attr, fields.get(node.attr))
        if isinstance(node, ast.IfExp):
            return words(node.body if evaluator.value(node.test) else node.orelse, parent)
        if isinstance(node, ast.BinOp):
            level = _PRECEDENCE[type(node.op)]
            text = f"{words(node.left, level)} {_BINARY[type(node.op)]} {words(node.right, level + 1)}"
            return f"({text})" if level < parent else text
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return ("-" if isinstance(node.op, ast.USub) else "") + words(node.operand, 3)
        if isinstance(node, ast.Call):
            return f"{node.func.id}({', '.join(words(arg) for arg in node.args)})"
        return str(evaluator.value(node))

    return f"{words(tree.body)} = {money(evaluate_tariff(tree, fields, names))}"


def is_plain(tree: ast.Expression) -> bool:
    """A single name or literal: nothing to explain."""
    return isinstance(tree.body, (ast.Constant, ast.Name, ast.Attribute))

