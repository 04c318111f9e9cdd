"""The evaluate step's report: one self-contained HTML file (plots as embedded PNG)
rendered from the evaluation summary. Plain Python and matplotlib; no Spark.
"""

from __future__ import annotations

import base64
import html
import io


def _figure(draw, width: float = 7.0, height: float = 3.2) -> str:
    """An <img> tag holding the PNG that `draw(ax)` makes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    try:
        draw(ax)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    finally:
        plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


def _hist_plot(hist: dict, title: str, xlabel: str) -> str:
    if not hist or not hist["counts"]:
        return f"<p>{html.escape(title)}: no values.</p>"

    def draw(ax):
        edges, counts = hist["edges"], hist["counts"]
        ax.bar(edges[:-1], counts, width=[b - a for a, b in zip(edges, edges[1:])], align="edge",
               color="#4878a8", edgecolor="white")  # fmt: skip
        ax.set_title(title)
        ax.set_xlabel(f"log10 {xlabel}" if hist.get("log10") else xlabel)
        ax.set_ylabel("documents")

    return _figure(draw, 4.6, 3.0)


def _bar_plot(counts: dict, title: str, horizontal: bool = False) -> str:
    if not counts:
        return f"<p>{html.escape(title)}: none.</p>"
    labels, values = list(counts), list(counts.values())

    def draw(ax):
        if horizontal:
            ax.barh(labels[::-1], values[::-1], color="#c0504d")
            ax.set_xlabel("rows")
        else:
            ax.bar(labels, values, color="#4878a8")
            ax.set_ylabel("documents")
            ax.tick_params(axis="x", labelrotation=30)
        ax.set_title(title)

    return _figure(draw, 4.6, max(2.4, 0.32 * len(labels) + 1.0) if horizontal else 3.0)


def _funnel_plot(steps: list[dict]) -> str:
    if not steps:
        return "<p>No pipeline tables found.</p>"

    def draw(ax):
        import numpy as np

        x = np.arange(len(steps))
        for i, (key, color) in enumerate(
            (("rows", "#4878a8"), ("chars", "#6aa84f"), ("tokens", "#e69138"))
        ):
            ax.bar(x + (i - 1) * 0.27, [100 * (s[f"{key}_share"] or 0) for s in steps], 0.27,
                   label=key, color=color)  # fmt: skip
        ax.set_xticks(x, [s["table"] for s in steps])
        ax.set_ylabel("% of raw")
        ax.set_ylim(0, 105)
        ax.set_title("Funnel: what each step keeps")
        ax.legend()

    return _figure(draw)


def _source_plot(sources: list[dict]) -> str:
    if not sources:
        return "<p>No score summary (run the score step).</p>"

    def draw(ax):
        import numpy as np

        names = [s["source"] for s in sources]
        x = np.arange(len(names))
        for i, (key, color) in enumerate(
            (("ch", "#4878a8"), ("ra", "#6aa84f"), ("sim", "#e69138"))
        ):
            ax.bar(
                x + (i - 1) * 0.27,
                [s[key] or 0 for s in sources],
                0.27,
                label=key.upper(),
                color=color,
            )
        ax.set_xticks(x, names, rotation=30)
        ax.set_ylabel("mean attribute")
        ax.set_title("Attributes per source")
        ax.legend()

    return _figure(draw)


def _table(rows: list[dict], columns: list[str] | None = None) -> str:
    if not rows:
        return "<p>none</p>"
    columns = columns or list(rows[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(r.get(c)))}</td>" for c in columns) + "</tr>"
        for r in rows
    )
    return f"<div class='wide'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1100px; }
h1 { margin-bottom: 0.2em; }
.verdict { display: inline-block; padding: 0.3em 0.8em; border-radius: 4px; color: white; font-weight: bold; }
.pass { background: #38761d; } .fail { background: #cc0000; }
table { border-collapse: collapse; margin: 0.6em 0 1.4em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
tr.fail td { background: #fde0e0; } tr.pass td { background: #e6f4e1; }
.plots img { margin: 0.3em; border: 1px solid #eee; }
.wide { overflow-x: auto; }
"""


def distribution_plots(d: dict) -> str:
    """The plots of the evaluated documents' distributions (summary["distributions"]),
    a line each."""
    return "\n".join([
        _bar_plot(d["language"], "Language"),
        _bar_plot(d["topic"], "Topic (keyword lexicons)"),
        _hist_plot(d["length_chars"], "Length", "characters"),
        _hist_plot(d.get("perplexity"), "Perplexity", "perplexity"),
        _hist_plot(d.get("coherence"), "Coherence", "coherence"),
        _hist_plot(d.get("readability"), "Readability", "readability"),
        _hist_plot(d.get("similarity"), "Similarity", "cosine"),
    ])  # fmt: skip


def render(summary: dict, distributions_html: str | None = None) -> str:
    """The report's HTML. `distributions_html`: distribution_plots of the summary's
    distributions when the caller has made them already (evaluate draws them while its
    Spark passes run)."""
    gate = summary["gate"]
    verdict_rows = "".join(
        f'<tr class="{v["verdict"]}">' + "".join(
            f"<td>{html.escape(_fmt(v[c]))}</td>"
            for c in ("metric", "level", "direction", "value", "threshold", "verdict", "tighten", "measures")
        ) + "</tr>"
        for v in summary["verdicts"]
    )  # fmt: skip
    verdict_head = "".join(
        f"<th>{c}</th>"
        for c in ("metric", "level", "gate", "value", "threshold", "verdict", "tighten", "measures")
    )
    if distributions_html is None:
        distributions_html = distribution_plots(summary["distributions"])
    order = summary.get("step_order", [])
    steps = sorted(
        summary["rejects"], key=lambda s: (order.index(s) if s in order else len(order), s)
    )
    rejects = "".join(
        _bar_plot(
            dict(list(summary["rejects"][step].items())[:12]), f"Rejects: {step}", horizontal=True
        )
        for step in steps
    )
    review = summary.get("review") or {}
    review_html = ""
    if review.get("export"):
        e = review["export"]
        review_html += (
            f"<p>{e['documents']} documents exported for review (stratified by source and language): "
            f"<code>{html.escape(e['csv'])}</code>, <code>{html.escape(e['jsonl'])}</code>, "
            f"criteria in <code>{html.escape(e['criteria'])}</code>.</p>"
        )
    if review.get("labels"):
        review_html += _table([review["labels"]])
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>ziya-data evaluation: {html.escape(summary['table'])}</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>ziya-data evaluation</h1>",
        f"<p>Table <b>{html.escape(summary['table'])}</b> version {summary['table_version']}, "
        f"{summary['rows']} rows; {summary['sampled']} evaluated ({html.escape(summary['sample'])}); "
        f"run {html.escape(summary['run_id'])}.</p>",
        f'<p>Gate: <span class="verdict {gate}">{gate.upper()}</span></p>',
        f"<table><thead><tr>{verdict_head}</tr></thead><tbody>{verdict_rows}</tbody></table>",
        "<h2>Funnel</h2>",
        f"<div class='plots'>{_funnel_plot(summary['funnel'])}</div>",
        _table(summary["funnel"]),
        "<h2>Reject reasons per step</h2>",
        f"<div class='plots'>{rejects or '<p>No rejects.</p>'}</div>",
        "<h2>Distributions (evaluated documents)</h2><div class='plots'>",
        distributions_html,
        "</div>",
        "<h2>Per source</h2>",
        _table(summary["by_source"]),
        "<h2>Per language</h2>",
        _table(summary["by_language"]),
        "<h2>Effective data volume (score step)</h2>",
        f"<div class='plots'>{_source_plot(summary['effective_volume'])}</div>",
        _table(summary["effective_volume"]),
        "<h2>Human review</h2>",
        review_html or "<p>No review exported or imported.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)
