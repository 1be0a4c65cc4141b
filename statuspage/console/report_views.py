"""Console reports: one calendar month of incidents, response times against the plan's
targets, cadence and uptime, with inline-SVG charts, CSV downloads, and the components'
uptime targets. Months that have not begun have no report: no link leads there, and asking
for one by URL says so (404)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.report_charts import BarChart, bar_chart
from statuspage.core.errors import DomainError
from statuspage.core.numbers import whole_number
from statuspage.reports import csv_export as reports_csv
from statuspage.reports import month_report as reports
from statuspage.reports import uptime_targets
from statuspage.reports.month import Month, current_month
from statuspage.reports.month_report import MonthReport


def _month_or_404(text: str) -> Month:
    try:
        month = Month.parse(text)
    except DomainError:
        abort(404)
    if month > current_month():
        abort(404)
    return month


def _charts(report: MonthReport) -> list[BarChart]:
    spreads = [
        ("Detection, median", report.detection.median),
        ("First update, median", report.first_update.median),
        ("First update, 90th pct", report.first_update.p90),
        ("Resolve, median", report.resolve.median),
        ("Resolve, 90th pct", report.resolve.p90),
    ]
    return [
        bar_chart("by-severity", f"Incidents by severity, {report.month.label}",
                  [(s, float(n)) for s, n in report.by_severity]),
        bar_chart("by-component", f"Incidents by component, {report.month.label}",
                  [(name, float(n)) for name, n in report.by_component]),
        bar_chart("response-times", f"Response times in minutes, {report.month.label}",
                  [(label, value) for label, value in spreads if value is not None],
                  value_format="{:.1f} min"),
    ]


@bp.get("/reports", endpoint="reports")
@require_role("viewer")
def report_month() -> ResponseReturnValue:
    status = 200
    current = current_month()
    month = current
    if request.args.get("month"):
        try:
            month = Month.parse(request.args["month"])
        except DomainError as error:
            flash(error.message, "error")
            status = 400
    if month > current:
        return render_template("console/report_future.html", month=month,
                               current=current), 404
    report = reports.month_report(month)
    return render_template(
        "console/reports.html",
        report=report,
        charts=_charts(report),
        current=current,
        next_month=month.next() if month < current else None,
        can_admin=current_user.is_admin,
    ), status


@bp.get("/reports/<month>/incidents.csv")
@require_role("viewer")
def report_incidents_csv(month: str) -> ResponseReturnValue:
    report = reports.month_report(_month_or_404(month))
    return _csv(reports_csv.incidents_csv(report), f"incidents-{report.month.key}.csv")


@bp.get("/reports/<month>/uptime.csv")
@require_role("viewer")
def report_uptime_csv(month: str) -> ResponseReturnValue:
    report = reports.month_report(_month_or_404(month))
    return _csv(reports_csv.uptime_csv(report), f"uptime-{report.month.key}.csv")


@bp.post("/reports/targets")
@require_role("admin")
def report_targets() -> ResponseReturnValue:
    month = request.form.get("month", "")
    targets: dict[int, float | None] = {}
    try:
        for key, value in request.form.items():
            component_id = whole_number(key[7:]) if key.startswith("target-") else None
            if component_id is not None:
                targets[component_id] = _percent(value)
        changed = uptime_targets.set_uptime_targets(targets, current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("%(changed)s uptime target(s) changed.", changed=changed), "success")
    args: dict[str, Any] = {"month": month} if month else {}
    return redirect(url_for("console.reports", **args)), 303


def _percent(text: str) -> float | None:
    text = text.strip().rstrip("%").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise DomainError(f"“{text}” is not a percentage.", "targets") from None


def _csv(text: str, filename: str) -> Response:
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
