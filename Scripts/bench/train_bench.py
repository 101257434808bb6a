"""Driver for Scripts/bench/train (see there).

This VM's cores slow to about half speed for seconds at a time (docs/training.md), so timing one
contender after another, even in alternating rounds of a few steps, gave per-round ratios from
1.0x to 2.1x in one run. Here every contender is a live process (`prep train`, the PyTorch loops in
train_contenders.py, an OpenBLAS sgemm loop) and the driver hands the cores to them in turn with
SIGSTOP/SIGCONT, one step per turn, timed by the driver from SIGCONT to the step's line. A cycle
of turns lasts a couple of seconds, so a slow phase hits every contender of that cycle. The
figures to read are the per-cycle ratios and their median."""
import argparse
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PRESETS = {"mini": (256, 4, 4, 1024), "small": (512, 4, 8, 2048)}
VOCAB, B, T, P = 30522, 32, 128, 20


def flops_per_step(h, layers, inter, predictions):
    """Same convention as MaskedLanguageModel.flopsPerStep (matmuls only, fwd+bwd)."""
    n = B * T
    enc = 6 * n * (4 * h * h + 2 * h * inter) * layers
    att = 3 * 4 * B * T * T * h * layers
    head = 6 * predictions * (h * h + h * VOCAB)
    return enc + att + head


def tuned_coretype():
    """The kernel `prep` selects (BLASThreads.ensureTunedKernel) when OpenBLAS falls back to Prescott."""
    flags = set()
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            flags = set(line.split())
            break
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        return "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Haswell"
    return None


class Contender:
    """A process that prints (or logs) one line per step; paused except during its turns."""

    def __init__(self, name, argv, env, scratch, metrics=None):
        self.name, self.metrics = name, metrics
        self.err = open(os.path.join(scratch, name.replace(" ", "_") + ".err"), "w+")
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=self.err)
        self.buffer, self.log = b"", None

    def _poll_lines(self, wait):
        """New complete step lines as (wall ms, cpu ms), waiting up to `wait` seconds for data."""
        if self.metrics is None:
            ready, _, _ = select.select([self.proc.stdout], [], [], wait)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    self._died()
                self.buffer += chunk
        else:
            # Kept open: a read at the end of the file is one cheap syscall per millisecond.
            time.sleep(wait)
            if self.log is None and os.path.exists(self.metrics):
                self.log = open(self.metrics, "rb", buffering=0)
            if self.log is not None:
                self.buffer += self.log.read()
            if self.proc.poll() is not None:
                self._died()
        *lines, self.buffer = self.buffer.split(b"\n")
        out = []
        for line in lines:
            if self.metrics is None:
                f = line.split()
                out.append((float(f[0]), float(f[1])))
            else:
                r = json.loads(line)
                out.append((r["ms_per_step"], r["cpu_ms_per_step"]))
        return out

    def _died(self):
        self.err.seek(0)
        sys.exit(f"{self.name} exited (status {self.proc.poll()}): {self.err.read()[-2000:]}")

    def turn(self, timeout=600):
        """Resumes the process until its next step ends, then pauses it; returns that step's
        (wall ms, CPU ms). The wall time is the driver's own, from SIGCONT to the step's line:
        the step's self-reported time includes the pause or not, depending on whether SIGSTOP
        landed just before or just after it read its clock."""
        begin = time.monotonic()
        os.kill(self.proc.pid, signal.SIGCONT)
        got = []
        while not got:
            if time.monotonic() - begin > timeout:
                sys.exit(f"{self.name}: no step in {timeout} s")
            got = self._poll_lines(0.001)
        wall = (time.monotonic() - begin) * 1000
        os.kill(self.proc.pid, signal.SIGSTOP)
        return wall, got[-1][1]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def blas_env():
    """Our environment plus the OpenBLAS kernel `prep` would pick, for the sgemm contender too."""
    env = dict(os.environ)
    core = tuned_coretype()
    if core and "OPENBLAS_CORETYPE" not in env:
        env["OPENBLAS_CORETYPE"] = core
    return env, core


def prep_train(prep, model, scratch, tag):
    """A `prep train` contender on synthetic batches: (argv, its metrics.jsonl)."""
    run = os.path.join(scratch, "run-" + tag)
    return ([prep, "train", "--synthetic-vocab", str(VOCAB), "--model", model, "--steps", "1000000",
             "--batch-size", str(B), "--max-length", str(T), "--max-predictions", str(P),
             "--threads", "2", "--lr", "1e-4", "--out", run], os.path.join(run, "metrics.jsonl"))


def take_turns(specs, env, scratch, cycles):
    """Starts each (name, argv, metrics or None) contender, warms it up, then runs `cycles`
    cycles of one step each, rotating who goes first. Returns ({name: wall ms per cycle},
    {name: CPU ms per cycle})."""
    contenders = []
    try:
        for who, argv, metrics in specs:
            # One at a time: start, warm up (first steps fault in memory), pause.
            c = Contender(who, argv, env, scratch, metrics)
            contenders.append(c)
            c.turn(); c.turn()
        times = {c.name: [] for c in contenders}
        cpu = {c.name: [] for c in contenders}
        for cycle in range(cycles):
            k = cycle % len(contenders)
            for c in contenders[k:] + contenders[:k]:
                w, u = c.turn()
                times[c.name].append(w)
                cpu[c.name].append(u)
        return times, cpu
    finally:
        for c in contenders:
            c.stop()


def bench_model(args, name, scratch):
    h, l, a, i = PRESETS[name]
    fl = flops_per_step(h, l, i, B * P)
    env, core = blas_env()
    py = [sys.executable, os.path.join(HERE, "train_contenders.py")]
    specs = [("ours", *prep_train(args.prep, name, scratch, name)),
             ("PyTorch masked-only loop", py + ["masked-only", name], None)]
    if not args.skip_transformers:
        specs.append(("transformers.BertForMaskedLM", py + ["transformers", name], None))
    specs.append(("sgemm", py + ["sgemm", name], None))
    times, cpu = take_turns(specs, env, scratch, args.cycles)
    per_cycle = every = times
    ours = per_cycle["ours"]
    sgemm_gflops = [24 * 2.0 * B * T * i * h / ms / 1e6 for ms in per_cycle["sgemm"]]
    print(f"\n{name} (L{l} H{h} A{a} I{i}): {args.cycles} cycles, one step per contender in each")
    for other in [n for n in times if n not in ("ours", "sgemm")]:
        r = [o / u for o, u in zip(per_cycle[other], ours)]
        print(f"  {other} / ours, per cycle: " + ", ".join(f"{x:.2f}" for x in r))
        s = sorted(r)
        # The measure is tokens/s over a run: total time of all timed steps, both sides.
        print(f"    over all cycles {sum(per_cycle[other]) / sum(ours):.2f}x the tokens/s; "
              f"median {statistics.median(s):.2f}x (lowest {s[0]:.2f}x, highest {s[-1]:.2f}x); "
              f"fastest steps {min(every[other]):.0f} vs {min(every['ours']):.0f} ms -> "
              f"{min(every[other]) / min(every['ours']):.2f}x")
    share = sorted(fl / o / 1e6 / g for o, g in zip(ours, sgemm_gflops))
    print(f"  ours GFLOP/s as a share of the same cycle's 2-thread sgemm ({B*T}x{i}x{h}, OpenBLAS/{core}): "
          f"median {100 * statistics.median(share):.0f}% (lowest {100 * share[0]:.0f}%, highest {100 * share[-1]:.0f}%)")
    print(f"  {'':30s} {'ms/step':>8s} {'CPU ms':>8s} {'tokens/s':>9s} {'GFLOP/s':>8s}")
    for n in times:
        ms = statistics.median(every[n])
        if n == "sgemm":
            print(f"  {'sgemm (24 calls per step)':30s} {ms:8.0f} {statistics.median(cpu[n]):8.0f} {'':>9s} "
                  f"{statistics.median(sgemm_gflops):8.1f}")
        else:
            print(f"  {n:30s} {ms:8.0f} {statistics.median(cpu[n]):8.0f} {B * T / ms * 1000:9.0f} "
                  f"{fl / ms / 1e6 if n != 'transformers.BertForMaskedLM' else float('nan'):8.1f}")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prep", required=True)
    ap.add_argument("--models", default="mini,small")
    ap.add_argument("--cycles", type=int, default=20, help="turns per contender, one step each (default 20)")
    ap.add_argument("--skip-transformers", action="store_true")
    args = ap.parse_args()
    print(f"B={B} T={T} masked/row={P} vocab={VOCAB}, 2 threads each; contenders take turns (SIGSTOP/SIGCONT); "
          f"load average at start {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.models.split(","):
            bench_model(args, name, scratch)
    print(f"\nload average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
