"""Triage measured on the held-out corpus (bot/data/triage_corpus/heldout.jsonl, never trained or
tuned on): the old keyword rules against the classifier.

    .venv/bin/python scripts/eval_triage.py [--threshold 0.5] [--seed 13]

Prints, for the rules and for the classifier: accuracy, a confusion matrix (rows: the expected
category, columns: what was chosen) and the fraction below the confidence threshold (the rules
have no confidence: their "unsure" is no keyword at all, the fallback); the same accuracy on
tests/data/triage_cases.yaml (the table the rules were tuned on); building, unit, room and
urgency read from the held-out messages (unchanged by the classifier, measured to show they hold
up); the gain from corrections, simulated on the held-out stream in a fixed shuffled order (the
first N taught as a community's staff corrections, accuracy on the rest); a category the base
model never saw, reached from its keywords and a few examples (as a community's new category is);
and how long the model takes to train, to load from its cache and to classify one message.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.categories import Catalog, load_catalogs  # noqa: E402
from bot.classifier import Example, Model, classify, load_corpus, load_model, neighbours  # noqa: E402
from bot.triage import categorize, is_urgent, parse_place  # noqa: E402

CASES = ROOT / "tests" / "data" / "triage_cases.yaml"
STREAM_STEPS = (0, 25, 50, 100, 200, 400)


def confusion(items: Sequence[dict[str, Any]], chosen: Sequence[str], keys: Sequence[str]) -> str:
    counts = Counter((str(item["category"]), got) for item, got in zip(items, chosen, strict=True))
    width = max(len(k) for k in keys) + 1
    lines = [" " * width + "".join(f"{k[:6]:>7}" for k in keys)]
    for expected in keys:
        lines.append(f"{expected:<{width}}" + "".join(f"{counts[(expected, got)]:>7}" for got in keys))
    return "\n".join(lines)


def accuracy(items: Sequence[dict[str, Any]], chosen: Sequence[str]) -> float:
    return sum(str(i["category"]) == c for i, c in zip(items, chosen, strict=True)) / len(items)


def report(name: str, items: Sequence[dict[str, Any]], chosen: Sequence[str], keys: Sequence[str]) -> None:
    print(f"\n== {name}: accuracy {accuracy(items, chosen):.1%} on {len(items)} held-out messages")
    print(confusion(items, chosen, keys))


def place_and_urgency(items: Sequence[dict[str, Any]]) -> None:
    right = Counter[str]()
    for item in items:
        place = parse_place(str(item["text"]))
        right["building"] += place.building == item["building"]
        right["unit"] += place.unit == item["unit"]
        right["room"] += place.room == item["room"]
        right["urgent"] += is_urgent(str(item["text"])) == bool(item["urgent"])
    print("\n== place and urgency on the held-out messages (rules, unchanged by the classifier)")
    for name in ("building", "unit", "room", "urgent"):
        print(f"  {name:>8}: {right[name] / len(items):.1%}")


def stream(model: Model, catalog: Catalog, items: Sequence[dict[str, Any]], seed: int) -> None:
    order = list(items)
    random.Random(seed).shuffle(order)
    rest_from = max(STREAM_STEPS)
    rest = order[rest_from:]  # the same messages are measured at every step
    print(f"\n== corrections simulated on the held-out stream (accuracy on the last {len(rest)})")
    for n in STREAM_STEPS:
        near = neighbours(model, [Example(str(i["text"]), str(i["category"])) for i in order[:n]])
        chosen = [classify(model, str(i["text"]), catalog, near).category for i in rest]
        print(f"  first {n:>3} corrected: {accuracy(rest, chosen):.1%}")


def new_category(catalog: Catalog, items: Sequence[dict[str, Any]], key: str = "parking") -> None:
    """A category the base model never saw (trained without it), reached through its keywords and a
    handful of examples, as a community that adds one in its CATEGORIES_FILE would have it."""
    from bot.classifier import train

    model = train([i for i in load_corpus("train") if i["category"] != key])
    examples = [Example(str(i["text"]), key) for i in load_corpus("train") if i["category"] == key]
    ours = [i for i in items if i["category"] == key]
    print(f"\n== a new category ({key}) from its keywords and a few examples, the base model without it")
    for n in (0, 5, 20, 100):
        near = neighbours(model, examples[:n])
        found = [classify(model, str(i["text"]), catalog, near).category for i in items]
        recall = sum(c == key for i, c in zip(items, found, strict=True) if i["category"] == key) / len(ours)
        overall = accuracy(items, found)
        print(f"  {n:>3} examples: {recall:.1%} of its held-out messages found, all held-out {overall:.1%}")


def timings(model: Model, catalog: Catalog, items: Sequence[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        load_model(Path(folder))
        trained = time.perf_counter() - started
        started = time.perf_counter()
        load_model(Path(folder))
        loaded = time.perf_counter() - started
    texts = [str(i["text"]) for i in items]
    near = neighbours(
        model, [Example(t, str(i["category"])) for t, i in zip(texts[:200], items, strict=False)]
    )

    def per_message(run: Callable[[str], object]) -> list[float]:
        """Milliseconds per message, the best of three runs of each (the machine may be shared)."""
        spent = []
        for text in texts:
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                run(text)
                best = min(best, time.perf_counter() - started)
            spent.append(best * 1000)
        return sorted(spent)

    plain = per_message(lambda t: classify(model, t, catalog))
    with_lessons = per_message(lambda t: classify(model, t, catalog, near))
    print("\n== time")
    print(f"  train and cache (first start): {trained:.2f} s; load from the cache: {loaded * 1000:.0f} ms")
    for name, spent in (("classify", plain), ("classify, 200 lessons", with_lessons)):
        p99 = spent[int(len(spent) * 0.99)]
        print(
            f"  {name}: median {statistics.median(spent):.3f} ms, mean {statistics.mean(spent):.3f} ms, "
            f"p99 {p99:.3f} ms"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=0.5, help="confidence below which staff pick")
    parser.add_argument("--seed", type=int, default=13, help="order of the simulated correction stream")
    args = parser.parse_args()
    catalog = load_catalogs().default
    keys = [c.key for c in catalog.categories]
    model = load_model()
    held = load_corpus("heldout")
    texts = [str(i["text"]) for i in held]

    rules = [categorize(t, catalog) for t in texts]
    report("old keyword rules", held, rules, keys)
    fallback = sum(r == catalog.other.key for r in rules) / len(rules)
    print(f"  no keyword at all (the rules' only 'unsure'): {fallback:.1%}")

    verdicts = [classify(model, t, catalog) for t in texts]
    chosen = [v.category for v in verdicts]
    report("classifier (corpus model + rules)", held, chosen, keys)
    below = [v.confidence < args.threshold for v in verdicts]
    sure = [(i, c) for i, c, b in zip(held, chosen, below, strict=True) if not b]
    print(f"  below the threshold {args.threshold}: {sum(below) / len(below):.1%} (staff are asked to pick)")
    if sure:
        right = accuracy([i for i, _ in sure], [c for _, c in sure])
        print(f"  accuracy of the rest (filed without asking): {right:.1%}")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
        kept = [(i, c) for i, c, v in zip(held, chosen, verdicts, strict=True) if v.confidence >= threshold]
        share = 1 - len(kept) / len(held)
        right = accuracy([i for i, _ in kept], [c for _, c in kept]) if kept else 0.0
        print(f"    threshold {threshold}: {share:5.1%} asked, {right:5.1%} right of the rest")

    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    print(f"\n== {CASES.name} ({len(cases)} cases, the table the rules were tuned on)")
    print(f"  rules: {accuracy(cases, [categorize(str(c['text']), catalog) for c in cases]):.1%}")
    classified = [classify(model, str(c["text"]), catalog).category for c in cases]
    print(f"  classifier: {accuracy(cases, classified):.1%}")

    place_and_urgency(held)
    stream(model, catalog, held, args.seed)
    new_category(catalog, held)
    timings(model, catalog, held)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
