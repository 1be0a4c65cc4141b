"""Public-page benchmark: requests/second of `/` and `/api/v2/summary.json` against a bare route.

Run by hand (not part of the test suite):

    .venv/bin/python bench/public_page.py [--incidents 10000] [--rounds 12] [--seconds 1.5]
        [--workers 2] [--worker-class sync|gthread --threads 4] [--clients N]

It seeds a throwaway database (a SQLite file in a temporary instance folder, or a private
schema on the PostgreSQL server named by DATABASE_URL, dropped afterwards) with two years of
history (bench/seed.py), starts the app under gunicorn on a free loopback port together with a
bare Flask route (bench/server.py; the Procfile's settings, without the access log), warms up,
and loads each route in short bursts, round after round, from separate client processes
(`wrk` when installed, else http.client loops keeping the connection alive when the server
allows it), bounded in time and count. Clients send `Accept-Encoding: gzip`, as browsers and
API pollers do. A route's ratio is the median over rounds of its requests/second over the bare
route's in the same round; the table also shows the gunicorn workers' CPU time per request.
The last line printed is `public: page_ratio=R1 summary_ratio=R2`.
"""

from __future__ import annotations

import argparse
import http.client
import math
import multiprocessing
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUTES = {"page": "/", "summary": "/api/v2/summary.json", "bare": "/bench/bare"}
HEADERS = {"Accept": "*/*", "Accept-Encoding": "gzip", "Accept-Language": "en",
           "User-Agent": "statuspage-bench"}
MAX_REQUESTS_PER_CLIENT = 500_000
WRK = "/usr/bin/wrk"


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    sys.path.insert(0, str(ROOT))
    from bench.common import private_database

    workdir = Path(tempfile.mkdtemp(prefix="statuspage-bench-"))
    try:
        with private_database(workdir, "bench") as url:
            env = {**os.environ, "INSTANCE_PATH": str(workdir), "DATABASE_URL": url,
                   "SECRET_KEY": secrets.token_urlsafe(32), "HUEY_IMMEDIATE": "true"}
            os.environ.update(env)  # before statuspage is imported: tasks.py reads it
            started = time.perf_counter()
            counts = _seed(url, args.incidents)
            print(f"seeded {counts} in {time.perf_counter() - started:.1f}s")
            with _server(env, workdir, args) as (port, master):
                sizes = _warm_up(port)
                results = _measure(port, master, args, sizes)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    _report(results, sizes)
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=1.5, help="per route and round")
    parser.add_argument("--rounds", type=int, default=12,
                        help="rounds of one burst per route; the median round counts")
    parser.add_argument("--clients", type=int, default=max(2, os.cpu_count() or 2))
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn -k (Procfile: sync)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads (gthread)")
    return parser.parse_args(argv)




def _seed(url: str, incidents: int) -> dict[str, int]:
    from bench.seed import seed
    from statuspage import create_app
    from statuspage.core.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        counts = seed(incidents, random.Random(20240601))
        db.session.remove()
        db.engine.dispose()
    return counts


@contextmanager
def _server(env: dict[str, str], workdir: Path,
            args: argparse.Namespace) -> Iterator[tuple[int, int]]:
    """gunicorn serving bench.server:app on a free loopback port: (port, master pid)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "gunicorn", "--chdir", str(ROOT), "-b", f"127.0.0.1:{port}",
               "-w", str(args.workers), "-k", args.worker_class, "--threads", str(args.threads),
               "--log-level", "warning", "bench.server:app"]
    log_path = workdir / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while _status(port, ROUTES["bare"]) != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _status(port: int, path: str) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path, headers=HEADERS)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status
    except OSError:
        return None


def _warm_up(port: int) -> dict[str, tuple[int, int]]:
    """Render every route in every worker; returns (status, bytes on the wire) per route."""
    sizes = {}
    for name, path in ROUTES.items():
        for _ in range(20):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers=HEADERS)
            response = conn.getresponse()
            body = response.read()
            conn.close()
        sizes[name] = (response.status, len(body))
    return sizes


@dataclass
class Result:
    """Per route: requests/second and the ratio to the bare route's, median over the rounds."""

    rps: float
    ratio: float
    cpu_us: float | None  # server CPU (all workers) per request, over every round


def _measure(port: int, master: int, args: argparse.Namespace,
             sizes: dict[str, tuple[int, int]]) -> dict[str, Result]:
    """Short bursts per route, round after round; each round's ratios use its own bare burst.

    The load from other programs on the machine drifts; comparing routes measured seconds apart
    and taking the median round keeps that drift out of the ratios.
    """
    names = [n for n in ROUTES if sizes[n][0] == 200]
    rates: dict[str, list[float]] = {n: [] for n in names}
    cpu = dict.fromkeys(names, 0.0)
    served = dict.fromkeys(names, 0)
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.clients) as pool:
        for round_no in range(args.rounds):
            # Rotate the order so no route always runs right after another's load.
            shift = round_no % len(names)
            line = []
            for name in names[shift:] + names[:shift]:
                before = _server_cpu(master)
                rate, count = _load(pool, port, ROUTES[name], args)
                cpu[name] += _server_cpu(master) - before
                served[name] += count
                rates[name].append(rate)
                line.append(f"{name} {rate:7.1f}")
            print(f"round {round_no + 1:2}: " + "  ".join(line) + "  req/s")
    bare = rates.get("bare")
    results = {}
    for name in names:
        ratios = [r / b for r, b in zip(rates[name], bare, strict=True)] if bare else [0.0]
        per_request = cpu[name] / served[name] * 1e6 if served[name] and cpu[name] else None
        results[name] = Result(statistics.median(rates[name]), statistics.median(ratios),
                               per_request)
    return results


def _server_cpu(master: int) -> float:
    """CPU seconds used so far by the gunicorn workers (Linux /proc; 0 elsewhere)."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        total = 0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    except (OSError, IndexError, ValueError):
        return 0.0
    return total / os.sysconf("SC_CLK_TCK")


def _load(pool: multiprocessing.pool.Pool, port: int, path: str,
          args: argparse.Namespace) -> tuple[float, int]:
    """Requests/second and requests served for one burst of every client on `path`."""
    if Path(WRK).exists():
        return _wrk(port, path, args)
    start_at = time.time() + 0.1  # every client starts together, after they are all ready
    jobs = [(port, path, start_at, args.seconds)] * args.clients
    results = pool.starmap(_client, jobs)
    if any(errors for _, _, errors in results):
        raise SystemExit(f"{path}: non-200 responses under load: {results}")
    rate = sum(count / elapsed for count, elapsed, _ in results)
    return rate, sum(count for count, _, _ in results)


def _client(port: int, path: str, start_at: float, seconds: float) -> tuple[int, float, int]:
    """One client process: requests in a loop on one keep-alive connection, for `seconds`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    time.sleep(max(0.0, start_at - time.time()))
    started = time.perf_counter()
    deadline = started + seconds
    count = errors = 0
    while count < MAX_REQUESTS_PER_CLIENT and time.perf_counter() < deadline:
        conn.request("GET", path, headers=HEADERS)
        response = conn.getresponse()
        response.read()
        errors += response.status != 200
        count += 1
        if response.will_close:  # gunicorn's sync workers close after each response
            conn.close()
    conn.close()
    return count, time.perf_counter() - started, errors


def wrk_duration(seconds: float) -> str:
    """wrk's -d takes whole units only (Debian's wrk refuses "1.5s"): whole seconds, at least 1."""
    return f"{max(1, math.ceil(seconds))}s"


def _wrk(port: int, path: str, args: argparse.Namespace) -> tuple[float, int]:
    headers = [arg for k, v in HEADERS.items() for arg in ("-H", f"{k}: {v}")]
    out = subprocess.run(
        [WRK, "-t", str(args.clients), "-c", str(args.clients * 4),
         "-d", wrk_duration(args.seconds), *headers, f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True, timeout=args.seconds + 30,
    ).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{path}: non-200 responses under load:\n{out}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if rate is None or count is None:
        raise SystemExit(f"unexpected wrk output:\n{out}")
    return float(rate.group(1)), int(count.group(1))


def _report(results: dict[str, Result], sizes: dict[str, tuple[int, int]]) -> None:
    print()
    print(f"{'route':8} {'path':22} {'status':>6} {'bytes':>6} {'req/s':>8} {'ratio':>6} "
          f"{'server CPU/req':>15}")
    missing = Result(0.0, 0.0, None)
    for name, path in ROUTES.items():
        status, size = sizes[name]
        found = results.get(name, missing)
        cpu = f"{found.cpu_us:10.0f} us" if found.cpu_us else f"{'-':>13}"
        print(f"{name:8} {path:22} {status:>6} {size:>6} {found.rps:8.1f} {found.ratio:6.2f} "
              f"{cpu:>15}")
    absent = [n for n in ROUTES if sizes[n][0] != 200]
    if absent:
        print(f"not measured (no 200 response): {', '.join(absent)}")
    page, summary = results.get("page", missing), results.get("summary", missing)
    print(f"public: page_ratio={page.ratio:.2f} summary_ratio={summary.ratio:.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
