"""Measure whole sign-ins against the app and the development provider.

Both run under hypercorn on 127.0.0.1. Each sign-in is what a browser does:
``/login``, the provider's picker, Authorize, the callback, the dashboard and
sign-out (which revokes the grant). Prints latency and throughput figures and
the app's memory; asserts nothing about them. Bounded in count and in time.

    .venv/bin/nox -s bench -- --sign-ins 300 --concurrency 5
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import List, Optional, Sequence

import aiohttp
from tests.e2e.servers import app_worker_pids, free_port, serve_app, serve_provider

_FORM_TOKEN = re.compile(r'name="authorization_token" value="([^"]+)"')
_CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


# Signing out revokes the person's whole grant, pending codes included, as on
# GitHub: sign-ins that run side by side each hold an account of their own.
ACCOUNTS = ("octo-demo", "private-email", "nameless", "many-teams", "blank-strings")


async def sign_in_once(app_url: str, account: str) -> float:
    """One whole sign-in and sign-out in a fresh cookie jar; its seconds."""
    started = time.perf_counter()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as web:
        async with web.get(f"{app_url}/login", allow_redirects=False) as answer:
            authorize_url = answer.headers["Location"]
        async with web.get(authorize_url) as answer:
            form_token = _find(_FORM_TOKEN, await answer.text())
        form = {
            "authorization_token": form_token,
            "account": account,
            "action": "authorize",
            "scope": "read:user",
        }
        async with web.post(authorize_url, data=form) as answer:
            dashboard = await answer.text()
            if not answer.url.path.endswith("/dashboard"):
                raise RuntimeError(f"sign-in ended at {answer.url} ({answer.status})")
        csrf = {"csrf_token": _find(_CSRF_TOKEN, dashboard)}
        async with web.post(f"{app_url}/logout", data=csrf) as answer:
            answer.raise_for_status()
    return time.perf_counter() - started


def _find(pattern: re.Pattern[str], page: str) -> str:
    found = pattern.search(page)
    if found is None:
        raise RuntimeError(f"no {pattern.pattern!r} on the page")
    return found.group(1)


async def run(app_url: str, sign_ins: int, concurrency: int) -> List[float]:
    """Run ``sign_ins`` sign-ins, ``concurrency`` (at most one per account) at once."""
    free: asyncio.Queue[str] = asyncio.Queue()
    for account in ACCOUNTS[:concurrency]:
        free.put_nowait(account)

    async def one() -> float:
        account = await free.get()
        try:
            return await sign_in_once(app_url, account)
        finally:
            free.put_nowait(account)

    return list(await asyncio.gather(*(one() for _ in range(sign_ins))))


def resident_mib(pid: int) -> float:
    """The resident memory of a process, from /proc, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sign-ins", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=len(ACCOUNTS))
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args(argv)
    sign_ins = max(1, min(args.sign_ins, 2000))
    concurrency = max(1, min(args.concurrency, len(ACCOUNTS)))

    app_port = free_port()
    callback = f"http://127.0.0.1:{app_port}/github/callback"
    with ExitStack() as servers:
        cwd = servers.enter_context(tempfile.TemporaryDirectory())
        # Only warnings: a line per sign-in would bury the figures.
        provider = servers.enter_context(serve_provider(callback, quiet=True))
        app_url = servers.enter_context(
            serve_app(app_port, provider, Path(cwd), LOG_LEVEL="WARNING")
        )
        # hypercorn's one worker, a child of the process serve_app starts.
        (pid,) = app_worker_pids(app_url)
        before = resident_mib(pid)
        started = time.perf_counter()
        durations = asyncio.run(
            asyncio.wait_for(run(app_url, sign_ins, concurrency), args.time_limit)
        )
        elapsed = time.perf_counter() - started
        after = resident_mib(pid)

    report(durations, elapsed, concurrency, before, after)
    return 0


def report(
    durations: List[float],
    elapsed: float,
    concurrency: int,
    before: float,
    after: float,
) -> None:
    """Print the figures."""
    ordered = sorted(durations)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(f"sign-ins:            {len(durations)} ({concurrency} at a time)")
    print(f"throughput:          {len(durations) / elapsed:.1f} sign-ins/s")
    print(f"latency median:      {statistics.median(ordered) * 1000:.1f} ms")
    print(f"latency p95:         {p95 * 1000:.1f} ms")
    print(f"latency max:         {ordered[-1] * 1000:.1f} ms")
    print(f"app memory (RSS):    {before:.1f} MiB before, {after:.1f} MiB after")


if __name__ == "__main__":
    sys.exit(main())
