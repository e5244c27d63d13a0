"""Plot bench/results/throughput.json as bench/throughput.png: requests/s per variant, ratio labelled.

Run: `.venv/bin/pip install -r bench/requirements.txt && .venv/bin/python -m bench.plot`.
"""

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=HERE / "results" / "throughput.json")
    parser.add_argument("--out", type=Path, default=HERE / "throughput.png")
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = json.loads(args.results.read_text())
    names = list(results["variants"])
    rates = [results["variants"][name]["requests_per_s"] for name in names]
    ratios = [results["variants"][name]["ratio"] for name in names]
    paired = [results["variants"][name].get("paired_ratio") for name in names]
    palette = {"unauthenticated": "#9e9e9e", "ours": "#1f77b4", "peer": "#ff7f0e"}
    colours = [next(colour for prefix, colour in palette.items() if name.startswith(prefix)) for name in names]

    figure, axes = plt.subplots(figsize=(11, 0.6 * len(names) + 1.6))
    bars = axes.barh(names[::-1], rates[::-1], color=colours[::-1])
    for bar, ratio, pair in zip(bars, ratios[::-1], paired[::-1], strict=True):
        label = f" {bar.get_width():.0f}  ({ratio:.2f}x" + (f", paired {pair:.2f}x)" if pair is not None else ")")
        axes.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, label, va="center")
    axes.set_xlabel("requests/s (higher is better)")
    axes.set_xlim(0, max(rates) * 1.6)
    gunicorn = " ".join(results["gunicorn"][:4])
    axes.set_title(
        f"The hello view on gunicorn ({gunicorn}),\nwrk {results['connections']} connections,"
        f" best of {results['rounds']} runs of {results['duration_s']:g} s; paired: median of per-round ratios"
    )
    figure.tight_layout()
    figure.savefig(args.out, dpi=110)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
