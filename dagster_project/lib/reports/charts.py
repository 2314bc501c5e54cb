"""Report charts as PNG bytes, drawn with matplotlib's object API on the Agg canvas
(no pyplot state, no display): safe in a headless run and in threads."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

BLUE, GREEN, GREY, RED, ORANGE = "#2f6db5", "#3c9d5d", "#9aa3ad", "#c8463d", "#e08a2e"
SENTIMENT_COLOURS = {"positive": GREEN, "neutral": GREY, "negative": RED}


def _figure(width: float = 8.0, height: float = 3.2) -> tuple[Figure, object]:
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#e5e7eb", linewidth=0.8)
    axes.set_axisbelow(True)
    return figure, axes


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # no Software/date metadata: the same figures give the same bytes
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _empty(axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", color=GREY,
              transform=axes.transAxes, fontsize=12)
    axes.set_xticks([])
    axes.set_yticks([])


def calls_by_hour(calls_per_hour: Sequence[int], title: str = "Calls by hour (UTC)") -> bytes:
    """24 bars, hour 0 to 23 UTC."""
    figure, axes = _figure()
    axes.bar(range(24), calls_per_hour, color=BLUE)
    axes.set_xticks(range(0, 24, 2))
    axes.set_xlim(-0.6, 23.6)
    axes.set_xlabel("hour of day (UTC)")
    axes.set_ylabel("calls")
    axes.set_title(title, loc="left")
    if not any(calls_per_hour):
        _empty(axes, "no calls")
    return _png(figure)


def calls_by_agent(names: Sequence[str], calls: Sequence[int],
                   title: str = "Calls by agent") -> bytes:
    """Horizontal bars, the busiest agent on top."""
    figure, axes = _figure(8.0, max(2.4, 0.45 * len(names) + 1.2))
    axes.grid(axis="x", color="#e5e7eb", linewidth=0.8)
    axes.grid(axis="y", visible=False)
    if names:
        positions = range(len(names))
        axes.barh(positions, calls, color=BLUE)
        axes.set_yticks(positions, [name[:32] for name in names])
        axes.invert_yaxis()
        axes.set_xlabel("calls")
    else:
        _empty(axes, "no calls")
    axes.set_title(title, loc="left")
    return _png(figure)


def cost_trend(days: Sequence[date], series: dict[str, Sequence[Decimal]],
               title: str = "Cost trend (USD per day)") -> bytes:
    """One line per series (e.g. provider cost and revenue) over the days."""
    figure, axes = _figure()
    colours = [ORANGE, BLUE, GREEN, RED]
    if days:
        for (label, values), colour in zip(series.items(), colours, strict=False):
            # plotting needs floats; the amounts themselves stay Decimal in the report
            axes.plot(list(days), [float(v) for v in values], label=label, color=colour,
                      linewidth=1.8, marker="o" if len(days) < 40 else None, markersize=3)
        axes.legend(frameon=False, loc="upper left")
        axes.set_ylabel("USD")
        figure.autofmt_xdate()
    else:
        _empty(axes, "no usage")
    axes.set_title(title, loc="left")
    return _png(figure)


def sentiment(counts: dict[str, int], title: str = "Sentiment of calls") -> bytes:
    figure, axes = _figure(8.0, 3.2)
    labels = list(counts)
    total = sum(counts.values())
    bars = axes.bar(labels, [counts[k] for k in labels],
                    color=[SENTIMENT_COLOURS.get(k, BLUE) for k in labels])
    if total:
        axes.bar_label(bars, labels=[f"{100 * counts[k] / total:.1f}%" for k in labels])
    else:
        _empty(axes, "no sentiment recorded")
    axes.set_ylabel("calls")
    axes.set_title(title, loc="left")
    return _png(figure)


def cost_by_provider(providers: Sequence[str], costs: Sequence[Decimal],
                     title: str = "Provider cost (USD)") -> bytes:
    figure, axes = _figure(8.0, 3.2)
    if providers:
        bars = axes.bar(list(providers), [float(c) for c in costs], color=ORANGE)
        axes.bar_label(bars, labels=[f"{c:,.0f}" if c >= 1000 else f"{c:,.2f}" for c in costs],
                       fontsize=8)
        axes.tick_params(axis="x", labelrotation=30)
        for label in axes.get_xticklabels():
            label.set_horizontalalignment("right")
        axes.set_ylabel("USD")
    else:
        _empty(axes, "no usage")
    axes.set_title(title, loc="left")
    return _png(figure)
