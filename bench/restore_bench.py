"""What `failsafe-dr restore s3 --execute` costs against a bare parallel CopyObject loop (the same concurrency).

    python bench/restore_bench.py [--objects 10000] [--concurrency 16]

Starts its own moto server in a subprocess (tests/support/moto.py runs one in-process; a separate process keeps
client and server off one GIL, as S3 is elsewhere), writes ``--objects`` small objects into a versioned replica
bucket in the backup account (each key twice, so the plan must pick among versions), then times, into fresh
buckets of a target account:

- ``restore``: the real command (``restore.cmd_s3``: listing and planning the versions, the empty-target check,
  copies, per-object verification, the state file, the final count), progress off;
- ``bare``: ThreadPoolExecutor.map of CopyObject over the already-known (key, version) list, nothing else.

Prints objects/s for both and their ratios (the aim is >= 0.8): the copy phase alone, and the whole command.
moto's ListObjectVersions deep-copies every version in the bucket for each page of 1,000, so listing costs
O(versions) per page there (O(n^2) in all) and dominates the whole command at 10,000 objects; S3 answers a page
in a fraction of a second. Not a test: compare ratios between changes, absolute numbers only on one machine.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402

from failsafe.ops import restore  # noqa: E402

# As in tests/support/moto.py (bench/ imports nothing from tests/): accounts are chosen per request by a header.
BACKUP = "222222222222"
TARGET = "333333333333"
REGION = "eu-central-1"
REPLICA = "bench-replica"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def account_session(account: str, region: str = REGION) -> boto3.Session:
    sess = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)

    def add_header(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    sess.events.register("before-sign", add_header)
    return sess


def bucket(s3: Any, name: str, versioned: bool = False) -> None:
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def seed(s3: Any, count: int, concurrency: int) -> list[tuple[str, str]]:
    """Each key written twice; returns (key, newest version ID), the list the bare loop copies."""

    def put(n: int) -> tuple[str, str]:
        key = f"data/{n:06d}"
        s3.put_object(Bucket=REPLICA, Key=key, Body=b"old %d" % n)
        return key, s3.put_object(Bucket=REPLICA, Key=key, Body=b"new %d" % n)["VersionId"]

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(put, range(count)))


def run_restore(target: str, concurrency: int, tmp: Path) -> tuple[float, str]:
    root = argparse.ArgumentParser()
    restore.register(root.add_subparsers())
    args = root.parse_args(
        [
            "restore",
            "s3",
            "--bucket",
            REPLICA,
            "--to",
            target,
            "--to-profile",
            "target",
            "--concurrency",
            str(concurrency),
            "--state-file",
            str(tmp / f"{target}.jsonl"),
            "--no-progress",
            "--execute",
        ]
    )
    out = io.StringIO()
    args.out = out
    start = time.perf_counter()
    code = args.func(args)
    elapsed = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"restore failed ({code}):\n{out.getvalue()[-2000:]}")
    return elapsed, out.getvalue()


def run_bare(target: str, concurrency: int, versions: list[tuple[str, str]]) -> float:
    s3 = restore._client(account_session(TARGET), "s3", pool=concurrency)

    def copy(item: tuple[str, str]) -> None:
        key, version = item
        s3.copy_object(Bucket=target, Key=key, CopySource={"Bucket": REPLICA, "Key": key, "VersionId": version})

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(copy, versions))
    return time.perf_counter() - start


def start_server() -> tuple[str, subprocess.Popen[bytes]]:
    """moto in its own process, as S3 is in another place: client and server do not share one GIL."""
    port = _free_port()
    code = (
        "import logging, time; from moto.server import ThreadedMotoServer; "
        "logging.getLogger('werkzeug').setLevel(logging.WARNING); "
        f"ThreadedMotoServer(ip_address='127.0.0.1', port={port}, verbose=False).start(); time.sleep(86400)"
    )
    server = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"})
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/moto-api/reset", data=b"", timeout=1).close()
            return url, server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("moto server did not start")


def phase(summary: str, name: str) -> float:
    for line in summary.splitlines():
        if line.startswith(name):
            return float(line.split()[-1] if name == "seconds" else line.split()[1])
    raise SystemExit(f"no {name} in the summary:\n{summary}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=restore.DEFAULT_CONCURRENCY)
    parser.add_argument("--tmp", default="/tmp", help="where the state files go")
    args = parser.parse_args()

    url, server = start_server()
    try:
        os.environ.update(AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        os.environ.update(AWS_DEFAULT_REGION=REGION)
        os.environ.pop("AWS_PROFILE", None)
        accounts = {None: BACKUP, "target": TARGET}
        restore.make_session = lambda profile, region: account_session(accounts[profile], region or REGION)
        measure(args)
    finally:
        server.terminate()
        server.wait(timeout=10)


def measure(args: argparse.Namespace) -> None:
    backup, target = account_session(BACKUP).client("s3"), account_session(TARGET).client("s3")
    bucket(backup, REPLICA, versioned=True)
    start = time.perf_counter()
    latest = seed(backup, args.objects, args.concurrency)
    print(f"seeded {args.objects} keys x 2 versions in {time.perf_counter() - start:.1f} s", flush=True)

    tmp = Path(args.tmp)
    for name in ("bench-restore", "bench-bare-1", "bench-bare-2"):
        bucket(target, name)
    bare = [run_bare("bench-bare-1", args.concurrency, latest)]
    seconds, summary = run_restore("bench-restore", args.concurrency, tmp)
    bare.append(run_bare("bench-bare-2", args.concurrency, latest))
    (tmp / "bench-restore.jsonl").unlink(missing_ok=True)

    copying = phase(summary, "seconds")
    n = args.objects
    fastest = min(bare)
    print(summary.strip().split("state file:")[-1].split("\n", 1)[-1])
    print(f"\nconcurrency {args.concurrency}, {n} objects ({2 * n} versions), moto in its own process")
    runs = f"{bare[0]:.1f}, {bare[1]:.1f}"
    print(f"bare CopyObject loop        {fastest:7.1f} s  {n / fastest:8.1f} objects/s  (best of {runs})")
    print(f"restore: copy phase         {copying:7.1f} s  {n / copying:8.1f} objects/s  (copy + verify + state file)")
    print(
        f"restore s3 --execute        {seconds:7.1f} s  {n / seconds:8.1f} objects/s  (+ list/plan, empty check, count)"
    )
    print(f"  of which not copying      {seconds - copying:7.1f} s  (listing versions, planning, checks, final count)")
    print(f"ratio, copy phase / bare    {fastest / copying:7.2f}  (aim >= 0.8)")
    print(f"ratio, whole command / bare {fastest / seconds:7.2f}")


if __name__ == "__main__":
    main()
