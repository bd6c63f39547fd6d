"""``python -m tests.understanding.crossval``: how the learned reading generalises.

Leave one tuning file out: train on the models and every other tuning file, then run the
harness on that file's requests and ordinary sentences without the learned reading and
with it (red flags are triaged before any request is read, so the layer cannot move
them). The file left out was never trained on in that run, so its figures say what the
layer does to unseen words; the matcher's rules were tuned on it, a hard baseline.
Held-out files are never read here.

For each threshold: requests on topic, and ordinary sentences that the learned reading
turned from not-understood into some request ("spurious": no alarm, but a wrong answer).

``--flags``: the same for the learned reading of red flags (``skill.understanding.alarm``),
on the triage of the words alone (no dialog): of the red flags the rules miss in the file
left out, how many the model trained without it answers, and at which level; of the
ordinary sentences and requests the rules keep quiet, how many it alarms.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from skill.models import available_locales, load_model
from skill.understanding import alarm, learned
from skill.understanding.matcher import FALLBACK_INTENT
from tests.understanding import load_items, run_items

TUNING = Path(__file__).resolve().parents[1] / "data" / "tuning"


def flags_main(thresholds: list[float]) -> int:
    from skill.content import default_library
    from skill.core.triage import TriageRules, assess

    paths = sorted(TUNING.glob("*.yaml"))
    library = default_library()
    rules: dict[str, TriageRules] = {}
    # name -> [missed red flags, answered, at their level, quiet ordinary, alarmed,
    #          quiet requests, alarmed]
    total = {t: [0] * 7 for t in thresholds}
    for left in paths:
        trained = alarm.build([p for p in paths if p != left])
        for item in load_items(left):
            if item.locale not in rules:
                found = library.for_locale(item.locale).sections["triage"]
                assert isinstance(found, TriageRules)
                rules[item.locale] = found
            ruled = rules[item.locale]
            if assess(ruled, None, item.say, free_text=True).kind != "ordinary":
                continue  # the rules answered; the model is never asked
            for t in thresholds:
                model = alarm.LearnedFlags(trained.weights, trained.bias, t)
                heard = alarm.second_reading(ruled, item.say, model)
                acc = total[t]
                if item.expect == "red_flag":
                    acc[0] += 1
                    acc[1] += heard is not None
                    acc[2] += heard is not None and heard.urgency == item.level
                elif item.expect in ("ordinary", "intent"):
                    at = 3 if item.expect == "ordinary" else 5
                    acc[at] += 1
                    acc[at + 1] += heard is not None
        print(f"== {left.name}", flush=True)
    print("== every file left out in turn")
    for t, (missed, answered, exact, quiet, alarmed, quiet_req, alarmed_req) in total.items():
        print(f"  threshold {t}: of {missed} red flags the rules missed, {answered} answered"
              f" ({exact} at their level); alarms on {alarmed}/{quiet} ordinary sentences"
              f" ({100 * alarmed / max(quiet, 1):.1f}%) and {alarmed_req}/{quiet_req} requests")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.understanding.crossval")
    parser.add_argument("--threshold", type=float, action="append",
                        help="posterior thresholds to try (default 0.7, 0.8, 0.9, 0.95;"
                             " with --flags 0.8, 0.9, 0.95, 0.98)")
    parser.add_argument("--flags", action="store_true",
                        help="cross-validate the learned reading of red flags instead")
    args = parser.parse_args(argv)
    if args.flags:
        return flags_main(args.threshold or [0.8, 0.9, 0.95, 0.98])
    thresholds = args.threshold or [0.7, 0.8, 0.9, 0.95]
    paths = sorted(TUNING.glob("*.yaml"))
    models = [load_model(loc) for loc in available_locales()]
    total = {name: [0, 0, 0] for name in ["none", *map(str, thresholds)]}
    for left in paths:
        trained = learned.build(models, [p for p in paths if p != left])
        items = [i for i in load_items(left) if i.expect in ("intent", "ordinary")]
        requests = sum(i.expect == "intent" for i in items)
        base = run_items(items, learned=None)
        rows = {"none": base}
        for t in thresholds:
            model = learned.LearnedIntents(trained.counts, trained.docs, trained.alpha, t)
            rows[str(t)] = run_items(items, learned=model)
        print(f"== {left.name} ({requests} requests, {len(items) - requests} ordinary)",
              flush=True)
        for name, outcomes in rows.items():
            passed = sum(o.passed for o in outcomes if o.item.expect == "intent")
            spurious = sum(
                o.item.expect == "ordinary" and b.intent == FALLBACK_INTENT
                and o.intent not in (FALLBACK_INTENT, None)
                for o, b in zip(outcomes, base, strict=True)
            )
            acc = total[name]
            acc[0] += passed
            acc[1] += requests
            acc[2] += spurious
            print(f"  learned={name:<5} requests {passed}/{requests}  spurious {spurious}",
                  flush=True)
    print("== every file left out in turn")
    for name, (passed, requests, spurious) in total.items():
        print(f"  learned={name:<5} requests {passed}/{requests} ({100 * passed / requests:.1f}%)"
              f"  spurious {spurious}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
