#!/usr/bin/env python3
"""`cargo xtask bench growth`: how the control plane's lists, a big package's document and
publishing behave as a repository grows (issue 15, item 8).

One Tributary (this tree's release build, SQLite and the local disk: the default) with domain
`bench` and repository `big`, no upstream. Two phases, each measured at checkpoints as it grows:

- packages: one-version npm packages `pkg-NNNNNN` published over HTTP (the npm publish request,
  four connections) up to BENCH_PACKAGES (100,000), measured at 1,000, 10,000 and 100,000: the
  publish rate of the segment, ListPackages' first page of 1,000 (median of 9), every page of a
  whole listing walked with `nextToken` (median and slowest), ListPackages `maxResults=1`, and
  the database's bytes per version (`tributary.db` and its WAL);
- versions: one package `aaa-wide` (first in name order, so `maxResults=1` lists it) given
  versions one by one up to BENCH_VERSIONS (10,000), measured at 100, 1,000 and 10,000: the
  publish rate, ListPackageVersions' first page of 1,000 (median of 9), ListPackages
  `maxResults=1`, the packument cold (right after a publish, which retires it: median of 5) and
  warm (median of 9).

Times are the client's, from sending the (already signed) request to the last byte, on one
keep-alive connection. Prints a Markdown table per phase; numbers go in docs/benchmarks.md.
Environment: BENCH_PACKAGES, BENCH_VERSIONS, BENCH_TRIBUTARY_BIN (a prebuilt binary).
"""
import base64, hashlib, http.client, json, os, statistics, subprocess, sys, tempfile, threading, time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import ADMIN_KEY, ADMIN_SECRET, aws_cli, free_port, npm_tarball, start_tributary, stop_all, tributary_binary

import awscli  # noqa: F401 (the aws CLI vendors botocore, and importing it makes `botocore` its copy)
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

PACKAGES = int(os.environ.get("BENCH_PACKAGES", "100000"))
VERSIONS = int(os.environ.get("BENCH_VERSIONS", "10000"))
PACKAGE_CHECKPOINTS = sorted({c for c in (1000, 10000, 100000) if c < PACKAGES} | {PACKAGES})
VERSION_CHECKPOINTS = sorted({c for c in (100, 1000, 10000) if c < VERSIONS} | {VERSIONS})
WIDE = "aaa-wide"
CREDENTIALS = Credentials(ADMIN_KEY, ADMIN_SECRET)


class Client:
    """One keep-alive connection to the server, for the control plane (signed) and npm."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def send(self, method, target, body=b"", headers=None):
        """(seconds, status, body) of one request; the time runs from sending to the last byte.
        A connection the server closed while idle is opened again, and the request sent again."""
        for attempt in (1, 2):
            try:
                started = time.perf_counter()
                self.conn.request(method, target, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                return time.perf_counter() - started, response.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
                if attempt == 2:
                    raise

    def control(self, path, query):
        """A signed control-plane POST (the lists are POSTs): (seconds, answer)."""
        target = f"{path}?{urllib.parse.urlencode(query)}"
        request = AWSRequest(method="POST", url=f"http://127.0.0.1:{self.port}{target}", data=b"")
        SigV4Auth(CREDENTIALS, "codeartifact", "us-east-1").add_auth(request)
        seconds, status, data = self.send("POST", target, headers=dict(request.headers.items()))
        if status != 200:
            raise SystemExit(f"POST {target}: {status} {data[:300]!r}")
        return seconds, json.loads(data)

    def publish(self, name, version):
        """The npm publish request of `name@version` (a 64-byte payload)."""
        tarball = npm_tarball(name, version, 64)
        filename = f"{name}-{version}.tgz"
        document = {
            "_id": name, "name": name, "dist-tags": {"latest": version},
            "versions": {version: {"name": name, "version": version, "dist": {
                "tarball": f"http://127.0.0.1:{self.port}/npm/bench/big/{name}/-/{filename}",
                "shasum": hashlib.sha1(tarball).hexdigest(),
                "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()}}},
            "_attachments": {filename: {"content_type": "application/octet-stream",
                                        "data": base64.b64encode(tarball).decode(), "length": len(tarball)}},
        }
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        _, status, data = self.send("PUT", f"/npm/bench/big/{name}", json.dumps(document).encode(), headers)
        if status not in (200, 201):
            raise SystemExit(f"publishing {name}@{version}: {status} {data[:300]!r}")

    def get(self, path):
        seconds, status, data = self.send("GET", path, headers={"Authorization": f"Bearer {self.token}"})
        if status != 200:
            raise SystemExit(f"GET {path}: {status} {data[:300]!r}")
        return seconds, data


def median_ms(samples):
    return statistics.median(samples) * 1000


def list_packages(client, max_results, token=None):
    query = {"domain": "bench", "repository": "big", "max-results": str(max_results)}
    if token:
        query["next-token"] = token
    return client.control("/v1/packages", query)


def walk_packages(client):
    """Every page of 1,000 of a whole listing: the seconds of each."""
    times, token = [], None
    while True:
        seconds, answer = list_packages(client, 1000, token)
        times.append(seconds)
        token = answer.get("nextToken")
        if not token:
            return times


def database_bytes(data_dir):
    return sum(os.path.getsize(os.path.join(data_dir, f)) for f in os.listdir(data_dir) if f.startswith("tributary.db"))


def publish_packages(port, token, start, end, connections=4):
    """Publishes `pkg-{start..end}` on `connections` connections; seconds taken."""
    counter, lock, failure = [start], threading.Lock(), []

    def worker():
        client = Client(port, token)
        while not failure:
            with lock:
                n = counter[0]
                counter[0] += 1
            if n >= end:
                return
            try:
                client.publish(f"pkg-{n:06d}", "1.0.0")
            except BaseException as e:
                failure.append(e)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failure:
        raise failure[0]
    return time.perf_counter() - started


def main():
    binary = tributary_binary()
    aws = aws_cli()
    work = tempfile.mkdtemp(prefix="growth-bench-")
    data_dir = os.path.join(work, "data")
    port = free_port()
    server = start_tributary(binary, data_dir, port, {})
    try:
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ADMIN_KEY, AWS_SECRET_ACCESS_KEY=ADMIN_SECRET,
                   AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")
        ca = [aws, "codeartifact", "--endpoint-url", f"http://127.0.0.1:{port}"]
        for args in (["create-domain", "--domain", "bench"], ["create-repository", "--domain", "bench", "--repository", "big"]):
            subprocess.run(ca + args, env=env, check=True, stdout=subprocess.DEVNULL)
        token = subprocess.run(ca + ["get-authorization-token", "--domain", "bench", "--query", "authorizationToken",
                                     "--output", "text"], env=env, check=True, capture_output=True, text=True).stdout.strip()
        client = Client(port, token)

        print(f"## Packages: one version each, up to {PACKAGES:,}\n")
        print("| packages | publish rate (/s) | ListPackages first page of 1,000 (ms) | whole listing: pages, median / slowest page (ms) | ListPackages maxResults=1 (ms) | database bytes per version |")
        print("|---:|---:|---:|---:|---:|---:|")
        published = 0
        for checkpoint in PACKAGE_CHECKPOINTS:
            seconds = publish_packages(port, token, published, checkpoint)
            rate = (checkpoint - published) / seconds
            published = checkpoint
            first = median_ms([list_packages(client, 1000)[0] for _ in range(9)])
            pages = walk_packages(client)
            one = median_ms([list_packages(client, 1)[0] for _ in range(9)])
            per_version = database_bytes(data_dir) / published
            print(f"| {published:,} | {rate:,.0f} | {first:.1f} | {len(pages)}: {median_ms(pages):.1f} / {max(pages) * 1000:.1f} "
                  f"| {one:.1f} | {per_version:,.0f} |", flush=True)

        print(f"\n## One package, `{WIDE}`, up to {VERSIONS:,} versions (beside the {published:,} packages)\n")
        print("| versions | publish rate (/s) | ListPackageVersions first page of 1,000 (ms) | ListPackages maxResults=1 (ms) | packument cold (ms) | packument warm (ms) | packument bytes |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        done = 0
        versions_query = {"domain": "bench", "repository": "big", "format": "npm", "package": WIDE, "max-results": "1000"}
        for checkpoint in VERSION_CHECKPOINTS:
            started, before = time.perf_counter(), done
            while done < checkpoint:
                client.publish(WIDE, f"1.0.{done}")
                done += 1
            rate = (done - before) / (time.perf_counter() - started)
            versions_page = median_ms([client.control("/v1/package/versions", versions_query)[0] for _ in range(9)])
            one = median_ms([list_packages(client, 1)[0] for _ in range(9)])
            cold = []
            for _ in range(5):
                client.publish(WIDE, f"1.0.{done}")
                done += 1
                cold.append(client.get(f"/npm/bench/big/{WIDE}")[0])
            warm, size = [], 0
            for _ in range(9):
                seconds, body = client.get(f"/npm/bench/big/{WIDE}")
                warm.append(seconds)
                size = len(body)
            print(f"| {checkpoint:,} | {rate:,.0f} | {versions_page:.1f} | {one:.1f} | {median_ms(cold):.1f} "
                  f"| {median_ms(warm):.1f} | {size:,} |", flush=True)
    finally:
        stop_all([server])


if __name__ == "__main__":
    main()
