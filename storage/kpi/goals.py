"""SMART goals on KPIs (`activity_rate >= 0.25`): parsing, validation, met / not met with the gap."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from storage.kpi.keys import NUMERIC_KEYS

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq,
}
_GOAL = re.compile(r"^\s*([a-z0-9_]+)\s*([<>=!]+)\s*(-?\d+(?:\.\d+)?)\s*$")


class GoalError(ValueError):
    """A goal that cannot be read: unknown KPI, bad operator or target."""


@dataclass(frozen=True, slots=True)
class Goal:
    """A target on one numeric KPI."""

    kpi: str
    op: str
    target: float

    def __str__(self) -> str:
        return f"{self.kpi} {self.op} {self.target:g}"


@dataclass(frozen=True, slots=True)
class GoalResult:
    """A goal against a period's value: `met` is None when the KPI is null; `gap` is how far from the target."""

    goal: Goal
    value: float | None
    met: bool | None
    gap: float | None


def parse_goal(text: str) -> Goal:
    """Read `KPI OP NUMBER`; raise `GoalError` naming what is wrong."""
    m = _GOAL.match(text)
    if not m:
        raise GoalError(f"{text!r}: write a goal as KPI OPERATOR NUMBER, e.g. \"activity_rate >= 0.25\"")
    kpi, op, target = m.group(1), m.group(2), float(m.group(3))
    if kpi not in NUMERIC_KEYS:
        raise GoalError(f"{text!r}: unknown KPI {kpi!r} (one of {', '.join(NUMERIC_KEYS)})")
    if op not in OPERATORS:
        raise GoalError(f"{text!r}: unknown operator {op!r} (use >=, <=, >, < or ==)")
    return Goal(kpi, op, target)


def evaluate_goals(goals: Iterable[Goal], kpis: Mapping[str, Any]) -> list[GoalResult]:
    """Each goal against the KPI values: met or not, and the distance to the target (0 when met)."""
    out = []
    for goal in goals:
        value = kpis.get(goal.kpi)
        if not isinstance(value, int | float):
            out.append(GoalResult(goal, None, None, None))
            continue
        met = OPERATORS[goal.op](float(value), goal.target)
        gap = 0.0 if met else round(abs(goal.target - float(value)), 4)
        out.append(GoalResult(goal, float(value), met, gap))
    return out
