"""Linear CKA benchmark: inputgen.engine.cka against straightforward numpy float64 references,
side by side in one run. Every measurement runs in its own process, so its peak memory (max
RSS) is its own.

1. n = 5000, d = 2048 (d < n): ``linear_cka`` (float64 feature-space form, picked because it is
   cheaper here) against two Gram-formula references in numpy float64: Kornblith's (centre the
   Gram matrices by subtracting means) and the textbook ``tr(K H L H)`` with the centring
   matrix H. Wall time, peak memory, max |difference| (target: >= 5x faster than the Gram
   reference).
2. Streaming: ``StreamingCKA`` over batches of 1000 generated on the fly, n = 5000 and 20000:
   its peak memory should not grow with n.

    .venv/bin/python benchmarks/cka.py [--n 5000] [--d 2048] [--stream-n 20000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import resource
import time

import numpy as np

BLOCK = 1000


def block(start: int, rows: int, d: int):
    """Rows start..start+rows of two related float32 activation matrices (a shared 64-d signal
    plus noise), the same whether generated alone or as part of the whole."""
    mixing = np.random.default_rng(0)
    mix_x, mix_y = mixing.normal(size=(64, d)), mixing.normal(size=(64, d))
    rng = np.random.default_rng([1, start])
    signal = rng.normal(size=(rows, 64))
    x = signal @ mix_x + rng.normal(size=(rows, d))
    y = np.tanh(signal @ mix_y) + rng.normal(size=(rows, d))
    return x.astype(np.float32), y.astype(np.float32)


def blocks(n: int, d: int):
    for start in range(0, n, BLOCK):
        yield block(start, min(BLOCK, n - start), d)


def features(n: int, d: int):
    parts = list(blocks(n, d))
    return np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts])


def gram_reference(x, y) -> float:
    """Kornblith et al.'s reference: Gram matrices centred by mean subtraction, float64."""
    x, y = x.astype(np.float64), y.astype(np.float64)

    def centred(gram):
        gram = gram - gram.mean(axis=0, keepdims=True)
        return gram - gram.mean(axis=1, keepdims=True)

    k, l = centred(x @ x.T), centred(y @ y.T)  # noqa: E741
    return float((k * l).sum() / np.sqrt((k * k).sum() * (l * l).sum()))


def textbook_reference(x, y) -> float:
    """HSIC = tr(K H L H) with the centring matrix H = I - 11^T / n, float64."""
    x, y = x.astype(np.float64), y.astype(np.float64)
    n = len(x)
    h = np.eye(n) - 1.0 / n
    k, l = h @ (x @ x.T) @ h, h @ (y @ y.T) @ h  # noqa: E741

    def hsic(a, b):
        return np.trace(a @ b)

    return float(hsic(k, l) / np.sqrt(hsic(k, k) * hsic(l, l)))


def ours(x, y) -> float:
    from inputgen.engine.cka import linear_cka

    return linear_cka(x, y)


def streaming(n: int, d: int) -> float:
    from inputgen.engine.cka import StreamingCKA

    stream = StreamingCKA()
    for x, y in blocks(n, d):
        stream.update({"x": x, "y": y})
    return stream.cka("x", "y")


def measure(name: str, n: int, d: int, queue) -> None:
    import inputgen.engine.cka  # noqa: F401  (torch's import is not part of any timing)

    if name == "baseline":  # the imports alone: the floor of every peak below
        start, value = time.perf_counter(), 0.0
    elif name == "streaming":
        start = time.perf_counter()
        value = streaming(n, d)
    else:
        x, y = features(n, d)
        function = {"ours": ours, "gram": gram_reference, "textbook": textbook_reference}[name]
        start = time.perf_counter()
        value = function(x, y)
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((value, seconds, peak_mib))


def run(name: str, n: int, d: int):
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=measure, args=(name, n, d, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--d", type=int, default=2048)
    parser.add_argument("--stream-n", type=int, default=20000)
    parser.add_argument("--skip-textbook", action="store_true", help="its n^3 takes minutes")
    args = parser.parse_args()
    import torch

    print(
        f"machine: {platform.node()} | {platform.processor() or platform.machine()} | "
        f"{torch.get_num_threads()} threads | torch {torch.__version__} | numpy {np.__version__}"
    )
    print(f"n = {args.n}, d = {args.d}, float32 inputs, float64 arithmetic everywhere\n")
    floor = run("baseline", 0, 0)[2]
    print(f"peak memory of the imports alone: {floor:.0f} MiB (in every peak below)\n")
    results = {name: run(name, args.n, args.d) for name in ("ours", "gram")}
    if not args.skip_textbook:
        results["textbook"] = run("textbook", args.n, args.d)
    base = results["ours"]
    print(f"{'what':42s} {'seconds':>8s} {'peak MiB':>9s} {'ratio':>7s} {'max |diff|':>11s}")
    labels = {
        "ours": "inputgen.engine.cka.linear_cka (feature form)",
        "gram": "numpy Gram, mean-centred (Kornblith)",
        "textbook": "numpy Gram, tr(K H L H)",
    }
    for name, (value, seconds, peak) in results.items():
        ratio = seconds / base[1]
        print(
            f"{labels[name]:42s} {seconds:8.2f} {peak:9.0f} {ratio:6.1f}x "
            f"{abs(value - base[0]):11.2e}"
        )
    print()
    for n in (args.n, args.stream_n):
        value, seconds, peak = run("streaming", n, args.d)
        label = f"StreamingCKA, n = {n}, batches of {BLOCK}"
        print(f"{label:42s} {seconds:8.2f} {peak:9.0f}   CKA {value:.6f}")
    print(f"(full linear_cka at n = {args.n}: CKA {base[0]:.6f})")


if __name__ == "__main__":
    main()
