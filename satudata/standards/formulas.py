"""Indicator formulas: a small expression language over the standard's variables.

A formula is one Python-syntax expression, parsed with ``ast`` and translated into Polars
expressions; nothing is evaluated as Python. Names are variable codes; calls are limited to the
aggregates below. Examples::

    share(business_scale == 'MIKRO')          percentage of businesses that are micro
    share(present(nib))                       percentage with a NIB
    share(owner_sex == 'P')                   percentage with a woman owner
    sum(annual_sales) / count()               average annual sales
    median(workers_total)
"""

import ast
from dataclasses import dataclass

import polars as pl
from django.utils.translation import gettext_lazy as _

from satudata.errors import DomainError

AGGREGATES = {"count", "share", "sum", "mean", "median", "min", "max"}
ROW_FUNCTIONS = {"present"}
COMPARISONS = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge"}
ARITHMETIC = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv"}


class FormulaError(DomainError):
    code = "indicator.formula_invalid"


@dataclass
class ParsedFormula:
    text: str
    tree: ast.Expression
    variables: list[str]


def parse(text: str, variables: set[str]) -> ParsedFormula:
    """Check a formula against the variables of a standard version; return the variables it uses."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(_("The formula cannot be read at character {offset}: {reason}"),
                           offset=exc.offset or 0, reason=exc.msg) from None
    used: list[str] = []
    _check(tree.body, variables, used, inside_aggregate=False)
    return ParsedFormula(text=text.strip(), tree=tree, variables=sorted(set(used)))


def _check(node: ast.AST, variables: set[str], used: list[str], *, inside_aggregate: bool) -> None:
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise FormulaError(_("Only calls such as share(…), sum(…) or count() are allowed."))
        name = node.func.id
        if name in AGGREGATES:
            if inside_aggregate:
                raise FormulaError(_("{function}(…) cannot be used inside another aggregate."), function=name)
            if name == "count" and len(node.args) > 1 or name != "count" and len(node.args) != 1:
                raise FormulaError(_("{function}(…) takes one argument."), function=name)
            for argument in node.args:
                _check(argument, variables, used, inside_aggregate=True)
            return
        if name in ROW_FUNCTIONS:
            if len(node.args) != 1:
                raise FormulaError(_("{function}(…) takes one argument."), function=name)
            _check(node.args[0], variables, used, inside_aggregate=inside_aggregate)
            return
        raise FormulaError(_("Unknown function {function}; use count, share, sum, mean, median, min, max or present."),
                           function=name)
    if isinstance(node, ast.Name):
        if not inside_aggregate:
            raise FormulaError(_("The variable {name} must be inside an aggregate such as sum(…)."), name=node.id)
        if node.id not in variables:
            raise FormulaError(_("{name} is not a variable of this standard version."), name=node.id)
        used.append(node.id)
        return
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, int | float | str) and node.value is not None:
            raise FormulaError(_("Only numbers, text in quotes and None may be written as values."))
        return
    if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
        _check(node.left, variables, used, inside_aggregate=inside_aggregate)
        _check(node.right, variables, used, inside_aggregate=inside_aggregate)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
        _check(node.operand, variables, used, inside_aggregate=inside_aggregate)
        return
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARISONS:
        _check(node.left, variables, used, inside_aggregate=inside_aggregate)
        _check(node.comparators[0], variables, used, inside_aggregate=inside_aggregate)
        return
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, variables, used, inside_aggregate=inside_aggregate)
        return
    raise FormulaError(_("This part of the formula is not allowed: {part}"), part=ast.unparse(node))


def to_expression(parsed: ParsedFormula) -> pl.Expr:
    """The formula as one Polars aggregate expression, for ``group_by(...).agg``."""
    return _translate(parsed.tree.body)


def _translate(node: ast.AST) -> pl.Expr:
    if isinstance(node, ast.Call):
        name = node.func.id  # type: ignore[attr-defined]
        argument = _translate(node.args[0]) if node.args else None
        if name == "present":
            return argument.is_not_null()
        if name == "count":
            return pl.len().cast(pl.Float64) if argument is None else argument.cast(pl.Float64).sum()
        if name == "share":
            return 100.0 * argument.cast(pl.Float64).fill_null(0).sum() / pl.len()
        return getattr(argument.cast(pl.Float64), name)()
    if isinstance(node, ast.Name):
        return pl.col(node.id)
    if isinstance(node, ast.Constant):
        return pl.lit(node.value)
    if isinstance(node, ast.BinOp):
        return getattr(_translate(node.left), ARITHMETIC[type(node.op)])(_translate(node.right))
    if isinstance(node, ast.UnaryOp):
        operand = _translate(node.operand)
        return ~operand if isinstance(node.op, ast.Not) else -operand
    if isinstance(node, ast.Compare):
        left, right = node.left, node.comparators[0]
        if isinstance(right, ast.Constant) and right.value is None:
            null = _translate(left).is_null()
            return null if isinstance(node.ops[0], ast.Eq) else ~null
        return getattr(_translate(left), COMPARISONS[type(node.ops[0])])(_translate(right))
    if isinstance(node, ast.BoolOp):
        values = [_translate(v) for v in node.values]
        return pl.all_horizontal(values) if isinstance(node.op, ast.And) else pl.any_horizontal(values)
    raise FormulaError(_("This part of the formula is not allowed: {part}"), part=ast.unparse(node))
