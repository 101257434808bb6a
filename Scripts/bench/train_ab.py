"""A/B of two `prep` binaries on `mini` (B=32, T=128, 20 masked/row, vocab 30522, 2 threads):
both run as live processes and take turns step by step (train_bench.Contender, SIGSTOP/SIGCONT),
the order swapping every cycle, so the host's slow phases hit both alike. Prints the median of
the per-cycle ratios A/B (> 1: B is faster) with its quartiles, for wall time and for CPU time. On this VM the quartiles are
about ±5-8% apart, so 40 cycles resolve a whole-step change of a few per cent, not 1%.

Usage: python3 Scripts/bench/train_ab.py OLD_PREP NEW_PREP [CYCLES]   (about 1 s per cycle)"""
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_bench as tb  # noqa: E402


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    a, b = sys.argv[1], sys.argv[2]
    cycles = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    env, _ = tb.blas_env()
    with tempfile.TemporaryDirectory() as scratch:
        specs = [(name, *tb.prep_train(binary, "mini", scratch, name)) for name, binary in (("A", a), ("B", b))]
        times, cpu = tb.take_turns(specs, env, scratch, cycles)
    r = sorted(x / y for x, y in zip(times["A"], times["B"]))
    print(f"A = {a}\nB = {b}\n{cycles} cycles: A/B per cycle median {statistics.median(r):.3f} "
          f"(quartiles {r[len(r) // 4]:.3f}-{r[3 * len(r) // 4]:.3f}); median ms/step A {statistics.median(times['A']):.0f}, "
          f"B {statistics.median(times['B']):.0f}; fastest A {min(times['A']):.0f}, B {min(times['B']):.0f}")
    rc = sorted(x / y for x, y in zip(cpu["A"], cpu["B"]))
    print(f"CPU ms/step per cycle A/B: median {statistics.median(rc):.3f} (quartiles {rc[len(rc) // 4]:.3f}-"
          f"{rc[3 * len(rc) // 4]:.3f}); median CPU ms A {statistics.median(cpu['A']):.0f}, B {statistics.median(cpu['B']):.0f}")


if __name__ == "__main__":
    main()
