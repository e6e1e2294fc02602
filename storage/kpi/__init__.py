"""KPIs of docs/KPI.md as SQL aggregations: periods, the report, goals and exports."""

from storage.kpi.goals import Goal, GoalError, GoalResult, evaluate_goals, parse_goal
from storage.kpi.keys import ALL_KEYS, NUMERIC_KEYS, REASONS
from storage.kpi.period import Period, PeriodError
from storage.kpi.report import CommunityInfo, KpiReport, UnknownCommunity, compute_report

__all__ = [
    "ALL_KEYS", "NUMERIC_KEYS", "REASONS", "CommunityInfo", "Goal", "GoalError", "GoalResult", "KpiReport", "Period", "PeriodError",
    "UnknownCommunity", "compute_report", "evaluate_goals", "parse_goal",
]
