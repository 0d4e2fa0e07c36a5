"""Every benchmark in ``bench/``, one table: figure, same-run baseline, ratio, goal, pass/fail.

The machine is shared, so each goal is read against a baseline measured in the same
run (the bare echo bot, the sequential search, bare python), except the few the issue
states in absolute terms (P3's 0.3 s, P6's 4,000 tokens, P7's 150 MB and 1.5 s, P8's
1 s), shown with their baseline for context. Each benchmark runs as its own subprocess
and ends its output with a ``BENCH {json}`` line read here (the voice and Discord
benchmarks' own report lines are read as they are); a script that is missing is listed
as skipped, one that fails as failed. Not part of the test suite.

Usage: uv run python bench/run_all.py [--quick] [--postgres URL] [--only P1,P3]
(``--postgres`` defaults to $TEST_DATABASE_URL; without one, P8 runs on SQLite only.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
Figures = dict[str, Any]


@dataclass(frozen=True)
class Row:
    goal_id: str
    figure: str
    value: str
    baseline: str
    ratio: str
    goal: str
    passed: bool | None  # None: informational


@dataclass(frozen=True)
class Bench:
    """One run of one script, and how its figures become rows."""

    label: str
    script: str
    args: tuple[str, ...]
    rows: Callable[[Figures], list[Row]]
    goal_ids: tuple[str, ...]
    read: Callable[[str], Figures] | None = None  # figures from a script's own report


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def telegram_rows(f: Figures) -> list[Row]:
    rate, p99 = f["rate"] / f["echo_rate"], f["p99"] / f["echo_p99"]
    return [
        Row("P1", "updates/s", f"{f['rate']:.1f}", f"{f['echo_rate']:.1f} echo", f"{rate:.2f}x",
            ">= 0.5x", rate >= 0.5),
        Row("P1", "p99 latency", _ms(f["p99"]), _ms(f["echo_p99"]) + " echo", f"{p99:.1f}x",
            "<= 3x", p99 <= 3),
    ]  # fmt: skip


def burst_rows(label: str) -> Callable[[Figures], list[Row]]:
    def rows(f: Figures) -> list[Row]:
        ratio = f["p99"] / f["echo_p99"]
        return [
            Row("P8", f"100 users, p99, {label}", _ms(f["p99"]), _ms(f["echo_p99"]) + " echo",
                f"{ratio:.1f}x", "<= 1 s, 0 errors", f["p99"] <= 1.0 and f["errors"] == 0),
        ]  # fmt: skip

    return rows


def search_rows(f: Figures) -> list[Row]:
    fan, cache = f["fanout"] / f["sequential"], f["cache_hit"] / f["fanout"]
    return [
        Row("P2", "fan-out search", _ms(f["fanout"]), _ms(f["sequential"]) + " sequential",
            f"{fan:.2f}x", "<= 0.6x", fan <= 0.6),
        Row("P2", "cache-hit search", _ms(f["cache_hit"]), _ms(f["fanout"]) + " fan-out",
            f"{cache:.3f}x", "<= 0.1x, 0 calls", cache <= 0.1 and f["cache_hit_calls"] == 0),
        Row("P3", "parse+rank 500, warm", _ms(f["parse_warm"]), _ms(f["parse_first"]) + " first",
            f"{f['parse_warm'] / f['parse_first']:.2f}x", "<= 300 ms", f["parse_warm"] <= 0.3),
        Row("P3", "parse 500 new names", _ms(f["parse_ours"]), _ms(f["parsett"]) + " parsett",
            f"{f['parse_ours'] / f['parsett']:.2f}x", "< 1x", f["parse_ours"] < f["parsett"]),
        Row("P3", "repeat search re-parses", str(f["reparsed"]), _ms(f["rank_parsed"]) + " rank",
            "", "0", f["reparsed"] == 0),
        Row("P3", "loop stall (thread)", _ms(f["stall_thread"]), _ms(f["stall_loop"]) + " inline",
            f"{f['stall_thread'] / f['stall_loop']:.3f}x", "info", None),
    ]  # fmt: skip


def startup_rows(f: Figures) -> list[Row]:
    rss = f["serve_rss"] / f["rss_baseline"]
    return [
        Row("P7", "serve idle RSS", f"{f['serve_rss']:.0f} MB",
            f"{f['rss_baseline']:.0f} MB python+PTB", f"{rss:.1f}x", "<= 150 MB",
            f["serve_rss"] <= 150),
        Row("P7", "chat start to ready", f"{f['chat']:.2f} s", f"{f['bare']:.2f} s bare python",
            f"{f['chat'] / f['bare']:.0f}x", "<= 1.5 s", f["chat"] <= 1.5),
    ]  # fmt: skip


def prompt_rows(f: Figures) -> list[Row]:
    found: list[Row] = []
    for kind, label in (("anthropic", "Anthropic"), ("openai", "OpenAI chat")):
        p = f[kind]
        found += [
            Row("P6", f"search turn input tokens, {label}", str(p["largest"]),
                f"{p['prefix']} tools+system", f"{p['largest'] / p['prefix']:.2f}x",
                "<= 4000 (cl100k)", p["largest"] <= 4000),
            Row("P6", f"turn 2 from prompt cache, {label}", f"{p['share']:.0%}",
                f"{p['turn2']} tokens in", "", ">= 70 %", p["share"] >= 0.7 and p["stable"]),
        ]  # fmt: skip
    return found


def grab_rows(f: Figures) -> list[Row]:
    one, five = f["curl_one"] / f["grab_one"], f["curl_five"] / f["grab_five"]
    return [
        Row("grab", f"1 link, {f['mb']:.0f} MB", f"{f['grab_one']:.2f} s",
            f"{f['curl_one']:.2f} s curl", f"{one:.2f}x", ">= 0.9x curl", one >= 0.9),
        Row("grab", "5 links at once", f"{f['grab_five']:.2f} s",
            f"{f['curl_five']:.2f} s curl", f"{five:.2f}x", "info", None),
    ]  # fmt: skip


def scale_rows(f: Figures) -> list[Row]:
    rows = f["rows"]
    one = rows[0]["updates_per_s"]
    return [
        Row("scale", f"{r['processes']} process(es), updates/s (p99)",
            f"{r['updates_per_s']:.1f} ({r['p99_ms']:.0f} ms)", f"{one:.1f} with 1",
            f"{r['updates_per_s'] / one:.2f}x", f"info, {f['cores']} cores", None)
        for r in rows
    ]  # fmt: skip


def _number(pattern: str, out: str) -> float:
    found = re.search(pattern, out)
    if found is None:
        raise ValueError(f"no {pattern!r} in the output")
    return float(found.group(1))


def read_transcribe(out: str) -> Figures:
    return {
        "warm": _number(r"warm \(median of \d+\): ([\d.]+) s", out),
        "baseline": _number(r"baseline \(previous configuration[^)]*\): ([\d.]+) s", out),
        "audio": _number(r"audio: ([\d.]+) s", out),
    }


def transcribe_rows(f: Figures) -> list[Row]:
    ratio = f["warm"] / f["baseline"]
    return [
        Row("voice", f"transcribe {f['audio']:.0f} s of speech, warm", f"{f['warm']:.2f} s",
            f"{f['baseline']:.2f} s previous config", f"{ratio:.2f}x", "<= 3 s",
            f["warm"] <= 3),
    ]  # fmt: skip


def read_discord(out: str) -> Figures:
    line = next(ln for ln in out.splitlines() if ln.startswith("Concierge"))
    bare = next(ln for ln in out.splitlines() if ln.startswith(("discord.py", "bare")))
    acked = re.search(r"acknowledged within 2 s: (\d+)/(\d+)", out)
    if acked is None:
        raise ValueError("no acknowledgement count in the output")
    return {
        "p99": _number(r"burst p50 +[\d.]+ ms p99 +([\d.]+) ms", line) / 1000,
        "bare_p99": _number(r"burst p50 +[\d.]+ ms p99 +([\d.]+) ms", bare) / 1000,
        "acked": int(acked.group(1)),
        "total": int(acked.group(2)),
    }


def discord_rows(f: Figures) -> list[Row]:
    ratio = f["p99"] / f["bare_p99"]
    return [
        Row("discord", "slash command ack, burst p99", _ms(f["p99"]),
            _ms(f["bare_p99"]) + " bare discord.py", f"{ratio:.1f}x",
            f"all <= 2 s ({f['acked']}/{f['total']})", f["acked"] == f["total"]),
    ]  # fmt: skip


def benches(quick: bool, postgres: str | None) -> list[Bench]:
    burst = ("--chats", "40", "--messages", "5" if quick else "10")
    users = ("--chats", "100", "--messages", "1")
    found = [
        Bench("telegram burst", "telegram_throughput.py", burst, telegram_rows, ("P1",)),
        Bench("100 users, SQLite, offline", "telegram_throughput.py", users,
              burst_rows("SQLite, offline"), ("P8",)),
        Bench("100 users, SQLite, scripted", "telegram_throughput.py",
              (*users, "--model", "scripted"), burst_rows("SQLite, scripted"), ("P8",)),
    ]  # fmt: skip
    if postgres:
        for model in ("offline", "scripted"):
            found.append(
                Bench(f"100 users, Postgres, {model}", "telegram_throughput.py",
                      (*users, "--db", postgres, "--model", model),
                      burst_rows(f"Postgres, {model}"), ("P8",))
            )  # fmt: skip
        found.append(
            Bench("scale-out 1/2/4 processes", "scale_out.py",
                  ("--postgres", postgres, "--users", "50" if quick else "100"),
                  scale_rows, ("scale",))
        )  # fmt: skip
    found += [
        Bench("search fan-out and parsing", "search_fanout.py", (), search_rows, ("P2", "P3")),
        Bench("start-up", "startup.py", (), startup_rows, ("P7",)),
        Bench("prompt size and cache", "prompt_tokens.py", (), prompt_rows, ("P6",)),
        Bench("link downloads", "grab_throughput.py", ("--mb", "50" if quick else "200"),
              grab_rows, ("grab",)),
        Bench("transcription speed", "transcribe.py", (), transcribe_rows, ("voice",),
              read_transcribe),
        Bench("Discord acknowledgement", "discord_ack.py", ("--commands", "3" if quick else "5"),
              discord_rows, ("discord",), read_discord),
    ]  # fmt: skip
    return found


def run(bench: Bench) -> tuple[Figures | None, str, float]:
    """(figures, why not, seconds) of one benchmark subprocess."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(BENCH / bench.script), *bench.args],
            capture_output=True, text=True, timeout=900, cwd=BENCH.parent,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return None, "timed out after 900 s", time.perf_counter() - started
    seconds = time.perf_counter() - started
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")]
    if done.returncode == 0 and bench.read is not None:
        try:
            return bench.read(done.stdout), "", seconds
        except (ValueError, StopIteration) as exc:
            return None, f"output not understood: {exc}", seconds
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return None, f"failed (exit {done.returncode}): {tail[0][:120]}", seconds
    return json.loads(lines[-1].removeprefix("BENCH ")), "", seconds


def table(rows: list[Row]) -> str:
    head = ("goal", "figure", "value", "baseline (same run)", "ratio", "target", "result")
    body = [
        (r.goal_id, r.figure, r.value, r.baseline, r.ratio, r.goal,
         "info" if r.passed is None else ("pass" if r.passed else "FAIL"))
        for r in rows
    ]  # fmt: skip
    widths = [max(len(str(line[i])) for line in [head, *body]) for i in range(len(head))]

    def fmt(line: tuple[str, ...]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(head), rule, *(fmt(line) for line in body)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller bursts and files")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--only", default="", help="comma-separated goal ids, e.g. P1,P3")
    args = parser.parse_args()
    wanted = {g.strip() for g in args.only.split(",") if g.strip()}
    rows: list[Row] = []
    notes: list[str] = []
    for bench in benches(args.quick, args.postgres):
        if wanted and not wanted.intersection(bench.goal_ids):
            continue
        if not (BENCH / bench.script).exists():
            notes.append(f"skipped {bench.label}: bench/{bench.script} not present")
            continue
        print(f"running {bench.label} (bench/{bench.script} {' '.join(bench.args)})…", flush=True)
        figures, why, seconds = run(bench)
        if figures is None:
            notes.append(f"{bench.label}: {why}")
            continue
        rows += bench.rows(figures)
        notes.append(f"{bench.label}: {seconds:.0f} s")
    if not args.postgres and (not wanted or "P8" in wanted):
        notes.append("P8 on Postgres skipped: no --postgres URL and no $TEST_DATABASE_URL")
    load = os.getloadavg()
    print(
        f"\nmachine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, load average {load[0]:.1f} (shared)\n"
    )
    print(table(rows))
    print("\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
