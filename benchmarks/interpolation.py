"""Interpolation (source article 1, husky -> dalmatian; other ``--pair``s held out): how often the
frames pass through both classes for another model than the generator, per pair, recipe, budget,
start and seed.

The interpolation study's own science (``inputgen.studies.interpolation.science``) with the
default config's generation section, ``--steps`` each, each end's class ``--objective`` and the
``--hold`` (the default config's unless given), from a shipped ``--photo`` (no dalmatian photo
ships) or from noise, one path per seed. Every frame is rated by the generator and the three
other offline models; a model passes when its top-1 is the start class on some frame and the end
class on another (the study's ``passes``). One row per pair, recipe, budget, start and seed: each
model's top-1 per frame as a string (``H`` start class, ``D`` end class, ``e`` a sled dog of the
start's neighbours (Eskimo dog, malamute), ``d`` another dog, ``.`` anything else), and how many
other models pass. ``--pair START,END`` (ImageNet indices) measures a pair the default recipe was
not chosen on. A single path is chaotic: floating-point rounding (threads, deterministic
kernels) changes which frames the others recognise, so read the rate over seeds, not one seed
(the study draws several paths for that). The kernels are the deterministic ones the study's job
uses. The runs before ``--objective`` and ``--hold`` existed had the article's bounded targets
(``constant``) and no hold, as their files say.

    .venv/bin/python benchmarks/interpolation.py --threads 1 --steps 40,160 \
        --starts noise,photo --seeds 4
    .venv/bin/python benchmarks/interpolation.py --threads 1 --steps 160 --starts noise \
        --seeds 8 --pair 291,292   # and 407,779 and 963,954, each also with --hold 0
"""

from __future__ import annotations

import argparse
import os
import platform
from dataclasses import replace
from pathlib import Path

import pandas as pd
import torch
import yaml
from inputgen.engine.generation_settings import CLASS_OBJECTIVES, GenerationSettings
from inputgen.engine.models import load_model
from inputgen.engine.parameterisations import natural_magnitude
from inputgen.engine.photos import photo_sets
from inputgen.platform.config import schema_default
from inputgen.platform.runtime import make_deterministic
from inputgen.studies.interpolation import science

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
# The default config's pretrained models: the generator and the study's other models.
MODELS = {name: spec for name, spec in CONFIG["models"].items() if spec["weights"] != "random"}
SECTION = CONFIG["interpolation"]
SLED_DOGS = {248, 249}  # Eskimo dog, malamute: what the other models often call a husky
DOGS = range(151, 269)


def frame_code(top1: list[int], start: int, end: int) -> str:
    """One character per frame: the start class, the end class, a sled dog, a dog, other."""
    codes = {start: "H", end: "D"}
    return "".join(codes.get(c, "e" if c in SLED_DOGS else "d" if c in DOGS else ".") for c in top1)


def passes(code: str) -> bool:
    return "H" in code and "D" in code


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive whole number")
    return value


def step_counts(text: str) -> list[int]:
    """An argparse type: comma-separated step counts, each at least 1."""
    return [positive_int(part) for part in text.split(",")]


def starts(text: str) -> list[str]:
    """An argparse type: comma-separated starts, each ``photo`` or ``noise``."""
    found = text.split(",")
    unknown = [start for start in found if start not in ("photo", "noise")]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown starts {unknown}; known: photo, noise")
    return found


def class_pair(text: str) -> tuple[int, int]:
    """An argparse type: ``START,END``, two distinct ImageNet class indices."""
    parts = text.split(",")
    if len(parts) != 2 or not all(part.strip().isdigit() for part in parts):
        raise argparse.ArgumentTypeError(f"{text!r} is not START,END (two class indices)")
    pair = tuple(int(part) for part in parts)
    if not all(0 <= c < 1000 for c in pair) or pair[0] == pair[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: two distinct ImageNet classes (0-999)")
    return pair


def hold_fraction(text: str) -> float:
    """An argparse type: a fraction of the steps in [0, 1)."""
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not in [0, 1)")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", default="lite0", choices=sorted(MODELS))
    parser.add_argument(
        "--steps", type=step_counts, default="40,160,320", help="descent steps, comma-separated"
    )
    parser.add_argument("--starts", type=starts, default="photo,noise", help="photo and/or noise")
    parser.add_argument("--seeds", type=positive_int, default=4)
    parser.add_argument("--frames", type=positive_int, default=8)
    parser.add_argument(
        "--objective",
        choices=CLASS_OBJECTIVES,
        default=CONFIG["generation"].get(
            "class_objective", schema_default("generation.class_objective")
        ),
        help="each end's class objective (default: the default config's)",
    )
    parser.add_argument(
        "--hold",
        type=hold_fraction,
        default=SECTION.get("hold", schema_default("interpolation.hold")),
        help="the fraction of the steps that keep the start class (default: the default config's)",
    )
    parser.add_argument(
        "--pair",
        type=class_pair,
        default=f"{SECTION['start']},{SECTION['end']}",
        help="START,END ImageNet classes (default: the default config's husky -> dalmatian)",
    )
    parser.add_argument(
        "--photo", default="chelsea", help="the shipped photo the photo start starts from"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads (0: torch's default); `make run` on 2 cores gives model jobs 1",
    )
    parser.add_argument("--out", default=str(ROOT / "results" / "benchmarks" / "interpolation"))
    parser.add_argument("--summarise", action="store_true", help="print --out's table, then stop")
    args = parser.parse_args()
    out = Path(args.out)
    if args.summarise:
        paths = sorted(out.glob(f"interpolation_{args.generator}_*.tsv"))
        print(summary(pd.concat(pd.read_csv(path, sep="\t") for path in paths)))
        return
    if args.threads:
        torch.set_num_threads(args.threads)
    make_deterministic()  # as the study's job does: the same kernels, the same frames
    start, end = args.pair
    sets = photo_sets(224, 512, (0.25, 1.0), 0)  # the default run's photos and natural crops
    if "photo" in args.starts and args.photo not in sets.names:
        parser.error(f"--photo {args.photo!r}: not a shipped photo; known: {', '.join(sets.names)}")
    base = GenerationSettings.from_dict(CONFIG["generation"])
    base = base.with_magnitude(natural_magnitude(sets.natural["images"]))
    generator = load_model(MODELS[args.generator])
    others = {name: load_model(spec) for name, spec in MODELS.items() if name != args.generator}
    rows = []
    for budget in args.steps:
        for origin in args.starts:
            init = sets.images[[sets.names.index(args.photo)]] if origin == "photo" else None
            for seed in range(args.seeds):
                settings = replace(base, steps=budget, class_objective=args.objective)
                result = science.interpolate(  # one path per seed
                    generator, start, end, settings, seed, args.frames, 1, args.hold, photo=init
                )
                frames = result.history["frames"][:, 0]
                row = {
                    "generator": args.generator,
                    "start_class": start,
                    "end_class": end,
                    "objective": args.objective,
                    "hold": args.hold,
                    "steps": budget,
                    "start": origin,
                    "seed": seed,
                }
                for name, zoo in {args.generator: generator, **others}.items():
                    top1 = zoo.batched_logits(frames, args.frames).argmax(dim=1).tolist()
                    row[name] = frame_code(top1, start, end)
                row["others_passing"] = sum(passes(row[name]) for name in others)
                rows.append(row)
                print(pd.DataFrame([row]).to_string(index=False, header=False), flush=True)
    out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows).assign(threads=torch.get_num_threads())
    stem = (
        f"interpolation_{args.generator}_{start}-{end}_{args.objective}_hold{args.hold:g}"
        f"_threads{torch.get_num_threads()}"
    )
    table.to_csv(out / f"{stem}.tsv", sep="\t", index=False)
    print(
        f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch "
        f"{torch.__version__}, {torch.get_num_threads()} threads\n\n{summary(table)}"
    )


def summary(table: pd.DataFrame) -> str:
    """Per pair, threads, recipe (each end's objective, the hold), budget and start: the
    generator's passes and the seeds on which another model passes too (the study's target: at
    least two models)."""
    generator = table["generator"].iloc[0]
    lines = [
        "| generator | pair | threads | objective | hold | steps | start | seeds "
        "| generator passes | another model passes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    keys = ["start_class", "end_class", "threads", "objective", "hold", "steps", "start"]
    for (first, last, threads, objective, hold, steps, origin), rows in table.groupby(
        keys, sort=False
    ):
        own = sum(passes(code) for code in rows[generator])
        both = int((rows["others_passing"] > 0).sum())
        lines.append(
            f"| {generator} | {first} -> {last} | {threads} | {objective} | {hold:g} | {steps} "
            f"| {origin} | {len(rows)} | {own} | {both} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
