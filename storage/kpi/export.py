"""Machine-readable exports of a KPI report: the JSON object of KPI.md and a CSV table."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from storage.kpi.goals import GoalResult
from storage.kpi.keys import ALL_KEYS, NUMERIC_KEYS, REASONS
from storage.kpi.report import KpiReport


def report_dict(report: KpiReport, goals: list[GoalResult] | None = None) -> dict[str, Any]:
    """The report as KPI.md's JSON object (plus the null reasons and the goals)."""
    p = report.period
    data: dict[str, Any] = {
        "community": {"platform": report.community.platform, "id": report.community.id, "name": report.community.name},
        "period": {"label": p.label, "start": p.start.isoformat(), "end": p.end.isoformat(), "timezone": p.timezone},
        "kpis": {key: report.kpis.get(key) for key in ALL_KEYS},
        "previous": {key: report.previous.get(key) for key in NUMERIC_KEYS},
        "reasons": {key: REASONS.get(code, code) for key, code in report.reasons.items()},
    }
    if goals is not None:
        data["goals"] = [
            {"goal": str(g.goal), "kpi": g.goal.kpi, "value": g.value, "met": g.met, "gap": g.gap} for g in goals
        ]
    return data


def to_json(report: KpiReport, goals: list[GoalResult] | None = None) -> str:
    """The JSON export (one object, keys in report order)."""
    return json.dumps(report_dict(report, goals), ensure_ascii=False, indent=2)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def to_csv(report: KpiReport) -> str:
    """One row per KPI: value, previous value, change and the reason when null."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["period", "kpi", "value", "previous", "delta", "null_reason"])
    for key in ALL_KEYS:
        value = report.kpis.get(key)
        reason = REASONS.get(report.reasons.get(key, ""), "") if value is None else ""
        writer.writerow([report.period.label, key, _cell(value), _cell(report.previous.get(key)), _cell(report.delta(key)), reason])
    return buf.getvalue()
