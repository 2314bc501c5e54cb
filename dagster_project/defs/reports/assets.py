"""Reports as assets: the monthly report of every workspace, the invoice documents of a
finalized month, and the quarterly executive summaries (workspaces and platform), all
written under $REPORTS_DIR and previewed in the asset's metadata. Reports read the
published copy of the marts (what analysts read), never the warehouse file."""

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import dagster as dg

from dagster_project.defs.billing.assets import FINALIZED_INVOICES_KEY, FINALIZED_LINES_KEY
from dagster_project.defs.partitions import daily_periods, monthly_periods, quarterly_periods
from dagster_project.defs.resources import PublishedWarehouse
from dagster_project.lib.reports import periods
from dagster_project.lib.reports.daily import NoFiguresForDay, write_daily_platform_report
from dagster_project.lib.reports.executive import write_executive_summaries
from dagster_project.lib.reports.figures import Check
from dagster_project.lib.reports.formatting import CENT, count, money, percent, quantity
from dagster_project.lib.reports.invoices import write_invoice_documents
from dagster_project.lib.reports.monthly import write_monthly_reports
from dagster_project.lib.reports.render import png_data_uri
from dagster_project.settings import load_settings

DAILY_PLATFORM_KEY = dg.AssetKey(["reports", "daily_platform_report"])
MONTHLY_KEY = dg.AssetKey(["reports", "monthly_workspace_reports"])
INVOICE_DOCUMENTS_KEY = dg.AssetKey(["reports", "invoice_documents"])
WORKSPACE_SUMMARIES_KEY = dg.AssetKey(["reports", "workspace_executive_summaries"])
PLATFORM_SUMMARY_KEY = dg.AssetKey(["reports", "platform_executive_summary"])


def _marts(*names: str) -> list[dg.AssetKey]:
    return [dg.AssetKey(["marts", name]) for name in names]


ANALYTICS_MARTS = _marts(
    "fct_workspace_analytics_daily", "fct_agent_performance_daily", "fct_calls_by_hour",
    "fct_calls", "fct_usage_daily", "fct_invoices", "fct_invoice_lines", "dim_workspaces",
)
RECONCILED = "figures_reconcile_with_marts"


def _usd(value: Decimal) -> dg.MetadataValue:
    # numeric so the UI can plot it across partitions, rounded to cents; the files carry
    # the exact Decimal
    return dg.MetadataValue.float(float(value.quantize(CENT, rounding=ROUND_HALF_UP)))


def _checks_result(checks: list[Check], asset_key: dg.AssetKey) -> dg.AssetCheckResult:
    failed = [c for c in checks if not c.passed]
    return dg.AssetCheckResult(
        check_name=RECONCILED,
        asset_key=asset_key,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "checks": len(checks),
            "failed": len(failed),
            "details": dg.MetadataValue.md(
                "\n".join(f"- {'ok' if c.passed else 'MISMATCH'}: {c.name} "
                          f"({c.left} vs {c.right})" for c in checks) or "none"
            ),
        },
    )


def _image(title: str, png: bytes) -> str:
    return f"![{title}]({png_data_uri(png)})"


@dg.asset(
    key=MONTHLY_KEY,
    group_name="reports",
    partitions_def=monthly_periods,
    deps=ANALYTICS_MARTS,
    kinds={"duckdb", "html", "json"},
    check_specs=[dg.AssetCheckSpec(
        RECONCILED, asset=MONTHLY_KEY,
        description="For every workspace, the calls, calls by hour, calls by agent and "
        "provider cost that two marts give for the month are equal.",
    )],
    description="The monthly report of every workspace with calls, usage or an invoice in "
    "the month: summary, call analytics, cost breakdown by resource type and provider, "
    "charts (calls by hour, by agent, cost trend). $REPORTS_DIR/monthly/YYYY-MM/"
    "<workspace_id>.json and .html, charts in charts/.",
)
def monthly_workspace_reports(context: dg.AssetExecutionContext, published: PublishedWarehouse):
    period = periods.month(context.partition_key)
    settings = load_settings()
    with published.get_connection() as con:
        reports = write_monthly_reports(con, period, settings.reports_dir)
    context.log.info(f"{period.label}: {len(reports)} workspace reports written")
    rows = [
        f"| {r.figures.workspace_id} | {count(r.figures.calls_total)} | "
        f"{percent(r.figures.success_rate)} | {quantity(r.figures.minutes)} | "
        f"{money(r.figures.provider_cost)} | {money(r.figures.revenue)} |"
        for r in reports
    ]
    busiest = max(reports, key=lambda r: (r.figures.calls_total, r.figures.workspace_id),
                  default=None)
    preview = "\n".join([
        f"### Monthly reports {period.label}", "",
        "| workspace | calls | success rate | minutes | provider cost | revenue |",
        "| --- | ---: | ---: | ---: | ---: | ---: |", *rows,
    ])
    metadata: dict[str, object] = {
        "period": period.label,
        "workspaces": len(reports),
        "calls_total": sum(r.figures.calls_total for r in reports),
        "minutes": float(sum((r.figures.minutes for r in reports), Decimal(0))),
        "provider_cost_usd": _usd(sum((r.figures.provider_cost for r in reports), Decimal(0))),
        "revenue_usd": _usd(sum((r.figures.revenue for r in reports), Decimal(0))),
        "folder": dg.MetadataValue.path(str(settings.reports_dir / "monthly" / period.label)),
    }
    if busiest is not None:
        chart = busiest.charts["calls_by_hour"]
        preview += f"\n\n{busiest.figures.label}:\n\n{_image(chart.title, chart.png)}"
        metadata["chart"] = dg.MetadataValue.path(str(chart.path))
        metadata["busiest_workspace_report"] = dg.MetadataValue.path(
            str(busiest.files["html"]))
    metadata["preview"] = dg.MetadataValue.md(preview)
    yield dg.MaterializeResult(metadata=metadata)
    yield _checks_result([c for r in reports for c in r.figures.checks], MONTHLY_KEY)


@dg.asset(
    key=INVOICE_DOCUMENTS_KEY,
    group_name="reports",
    partitions_def=monthly_periods,
    deps=[FINALIZED_INVOICES_KEY, FINALIZED_LINES_KEY, *_marts("fct_invoices", "fct_invoice_lines",
                                        "fct_usage_daily", "dim_workspaces")],
    kinds={"duckdb", "html"},
    description="One HTML document per finalized invoice of the month, "
    "$REPORTS_DIR/invoices/YYYY-MM/<invoice_number>.html: billing address, dates, payment "
    "terms, fee, usage (by provider and model), adjustment, discount and tax lines, and "
    "totals exactly as in fct_invoice_lines / fct_invoices.",
)
def invoice_documents(
    context: dg.AssetExecutionContext, published: PublishedWarehouse
) -> dg.MaterializeResult:
    period = periods.month(context.partition_key)
    settings = load_settings()
    with published.get_connection() as con:
        written = write_invoice_documents(con, period, settings.reports_dir)
    if not written:
        context.log.warning(f"{period.label} has no finalized invoice: no document written")
    rows = [f"| {doc.invoice_number} | {doc.workspace_id} | {doc.status} | {money(doc.total)} |"
            for doc, _ in written]
    return dg.MaterializeResult(metadata={
        "period": period.label,
        "invoices": len(written),
        "invoices_total_usd": _usd(sum((doc.total for doc, _ in written), Decimal(0))),
        "folder": dg.MetadataValue.path(str(settings.reports_dir / "invoices" / period.label)),
        "preview": dg.MetadataValue.md("\n".join([
            f"### Invoice documents {period.label}", "",
            "| invoice | workspace | status | total (USD) |", "| --- | --- | --- | ---: |",
            *rows,
        ])),
    })


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            PLATFORM_SUMMARY_KEY, group_name="reports", deps=ANALYTICS_MARTS + _marts(
                "fct_platform_daily", "fct_provider_margins"),
            kinds={"duckdb", "html", "markdown"},
            description="The platform's quarterly executive summary: key metrics, call "
            "performance, agent ranking, sentiment, cost and margin by provider, peak hours "
            "(UTC), top workspaces; $REPORTS_DIR/executive/YYYY-QN/platform.md and .html.",
        ),
        dg.AssetSpec(
            WORKSPACE_SUMMARIES_KEY, group_name="reports", deps=ANALYTICS_MARTS,
            kinds={"duckdb", "html", "markdown"},
            description="Every workspace's quarterly executive summary; "
            "$REPORTS_DIR/executive/YYYY-QN/workspaces/<workspace_id>.md and .html.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(RECONCILED, asset=PLATFORM_SUMMARY_KEY,
                          description="The platform's figures that two marts each give for "
                          "the quarter are equal (calls, provider cost, provider margins)."),
        dg.AssetCheckSpec(RECONCILED, asset=WORKSPACE_SUMMARIES_KEY,
                          description="Each workspace's figures that two marts each give for "
                          "the quarter are equal."),
    ],
    partitions_def=quarterly_periods,
)
def executive_summaries(context: dg.AssetExecutionContext, published: PublishedWarehouse):
    quarter = periods.quarter_of(context.partition_time_window.start.date())
    settings = load_settings()
    with published.get_connection() as con:
        platform, workspaces = write_executive_summaries(con, quarter, settings.reports_dir)
    context.log.info(f"{quarter.label}: platform summary and {len(workspaces)} workspace "
                     "summaries written")
    f = platform.figures
    images = "\n\n".join(_image(c.title, c.png) for c in platform.charts.values())
    # the Markdown links its charts as files; the preview embeds them
    preview = platform.markdown.split("\n## Charts", 1)[0] + "\n## Charts\n\n" + images
    yield dg.MaterializeResult(asset_key=PLATFORM_SUMMARY_KEY, metadata={
        "quarter": quarter.label,
        "calls_total": f.calls_total,
        "success_rate_pct": float(f.success_rate or 0),
        "minutes": float(f.minutes),
        "provider_cost_usd": _usd(f.provider_cost),
        "revenue_usd": _usd(f.revenue),
        "workspaces": len(workspaces),
        "summary": dg.MetadataValue.path(str(platform.files["html"])),
        "chart": dg.MetadataValue.path(str(platform.charts["calls_by_hour"].path)),
        "preview": dg.MetadataValue.md(preview),
    })
    yield _checks_result(f.checks, PLATFORM_SUMMARY_KEY)
    rows = [f"| {s.figures.workspace_id} | {count(s.figures.calls_total)} | "
            f"{percent(s.figures.success_rate)} | {money(s.figures.revenue)} |"
            for s in workspaces]
    yield dg.MaterializeResult(asset_key=WORKSPACE_SUMMARIES_KEY, metadata={
        "quarter": quarter.label,
        "workspaces": len(workspaces),
        "folder": dg.MetadataValue.path(
            str(settings.reports_dir / "executive" / quarter.label / "workspaces")),
        "preview": dg.MetadataValue.md("\n".join([
            f"### Executive summaries {quarter.label}", "",
            "| workspace | calls | success rate | revenue (USD) |",
            "| --- | ---: | ---: | ---: |", *rows,
        ])),
    })
    yield _checks_result([c for s in workspaces for c in s.figures.checks],
                         WORKSPACE_SUMMARIES_KEY)


@dg.asset(
    key=DAILY_PLATFORM_KEY,
    group_name="reports",
    partitions_def=daily_periods,
    deps=_marts("fct_platform_daily", "fct_workspace_analytics_daily", "fct_invoices"),
    kinds={"duckdb", "json", "markdown"},
    check_specs=[dg.AssetCheckSpec(
        RECONCILED, asset=DAILY_PLATFORM_KEY,
        description="The day's calls and revenue over 30 days equal what "
        "fct_workspace_analytics_daily and fct_invoices give for the same 30 days.",
    )],
    description="The platform at the end of one UTC day (partition = the day): total and "
    "active workspaces, calls and revenue (before tax, finalized invoices) over the 30 "
    "days to the day, MRR, churn rate over 30 days, from fct_platform_daily. "
    "$REPORTS_DIR/daily/YYYY-MM-DD.json and .md.",
)
def daily_platform_report(context: dg.AssetExecutionContext, published: PublishedWarehouse):
    day = date.fromisoformat(context.partition_key)
    if day >= datetime.now(UTC).date():
        raise dg.Failure(description=f"{day} has not ended yet (UTC): its report is written "
                         "the day after")
    settings = load_settings()
    with published.get_connection() as con:
        try:
            report = write_daily_platform_report(con, day, settings.reports_dir)
        except NoFiguresForDay as missing:
            raise dg.Failure(description=str(missing)) from None
    context.log.info(f"{day}: daily platform report written")
    yield dg.MaterializeResult(metadata={
        "date": day.isoformat(),
        "workspaces_total": report.state.workspaces_total,
        "workspaces_active": report.state.workspaces_active,
        "calls_30d": report.state.calls_30d,
        "revenue_30d_usd": _usd(report.state.revenue_30d),
        "mrr_usd": _usd(report.state.mrr),
        # no churn rate without workspaces 30 days before
        **({} if report.state.churn_rate_30d is None
           else {"churn_rate_30d_pct": float(report.state.churn_rate_30d)}),
        "report": dg.MetadataValue.path(str(report.files["md"])),
        "preview": dg.MetadataValue.md(report.markdown()),
    })
    yield _checks_result(report.checks, DAILY_PLATFORM_KEY)
