"""`cargo xtask bench soak`: Tributary (release build, SQLite + filesystem blobs) under a steady
mix of traffic for SOAK_SECONDS (1800 by default) at SOAK_RATE requests per second (40):
- installs through `app -> team -> gateway`: packument reads (abbreviated and full) of 100
  upstream packages of 40 versions each and of one package of 2,000 versions, cached tarball
  downloads, and first downloads of versions not fetched yet (ingests from a local registry);
- publishes: new versions of private packages (spread over 200 packages), about 2 a second,
  and reads of their packuments;
- control-plane calls with a token: DescribeRepository, ListPackageVersions.

Every 10 s it samples the server's resident memory, open file descriptors and what its caches
bounded by weight hold (from `/metrics`). At the end it
prints the error rate, latency percentiles, how many requests started late (the load generator
sends on a schedule: a server that cannot keep up shows as a growing backlog), and the slope of
RSS and open files (least squares, after a warm-up of a tenth of the run), which should be flat:
a leak shows as a steady climb."""
import base64, hashlib, json, os, random, subprocess, sys, tempfile, threading, time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (ADMIN_KEY, ADMIN_SECRET, FIXTURE, aws_cli, free_port, npm_tarball, tributary_binary,
                      tributary_chain, wait_http)

SECONDS = int(os.environ.get("SOAK_SECONDS", "1800"))
RATE = float(os.environ.get("SOAK_RATE", "40"))
UPSTREAM_PACKAGES = 100
VERSIONS_PER_PACKAGE = 40
BIG_PACKAGE, BIG_VERSIONS = "soak-big", 2000
PRIVATE_PACKAGES = 200
IN_FLIGHT = 32


def dist(data):
    return {"shasum": hashlib.sha1(data).hexdigest(),
            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()}


def write_package(root, port, name, count, size):
    os.makedirs(os.path.join(root, name, "-"), exist_ok=True)
    versions = {}
    for i in range(count):
        version = f"1.{i // 1000}.{i % 1000}"
        data = npm_tarball(name, version, size)
        with open(os.path.join(root, name, "-", f"{name}-{version}.tgz"), "wb") as f:
            f.write(data)
        versions[version] = {"name": name, "version": version,
                             "dist": {"tarball": f"http://127.0.0.1:{port}/{name}/-/{name}-{version}.tgz", **dist(data)}}
    doc = {"_id": name, "name": name, "dist-tags": {"latest": version}, "versions": versions}
    with open(os.path.join(root, name, "index.json"), "w") as f:
        json.dump(doc, f)
    return [(name, v) for v in versions]


def build_fixture(root, port):
    """Upstream packages whose versions the soak downloads once each (an ingest), then again and
    again (cached), in a shuffled order, as installs of many projects would; and one package with
    many versions, whose packument is big."""
    random.seed(11)
    files = []
    for n in range(UPSTREAM_PACKAGES):
        files += write_package(root, port, f"soak-up-{n}", VERSIONS_PER_PACKAGE, 2048)
    files += write_package(root, port, BIG_PACKAGE, BIG_VERSIONS, 512)
    random.shuffle(files)
    return files


def sample(pid):
    rss = 0
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def rss_parts(pid):
    """The kinds of resident memory (MiB): anonymous (the heap, what the allocator keeps, thread
    stacks), file-backed (the binary, mapped files) and shared (SQLite's WAL index)."""
    parts = {}
    for line in open(f"/proc/{pid}/status"):
        for field in ("RssAnon", "RssFile", "RssShmem"):
            if line.startswith(field + ":"):
                parts[field] = round(int(line.split()[1]) / 1024, 1)
    return parts


def cache_mib(base):
    """What the caches bounded by weight hold, from `/metrics` (`tributary_cache_weight_bytes`),
    in MiB by cache. The upstream documents' weight estimates their parsed size (4 times their
    text); npm keeps them as text, so a quarter of it is counted."""
    text = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
    held = {}
    for line in text.splitlines():
        if line.startswith("tributary_cache_weight_bytes{"):
            name = line.split('cache="', 1)[1].split('"', 1)[0]
            value = float(line.rsplit(" ", 1)[1])
            held[name] = (value / 4 if name == "upstream-documents" else value) / 2**20
    return held


def slope(points):
    """Least-squares slope of (t, y) points, per minute."""
    n = len(points)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    return 60 * sum((t - mt) * (y - my) for t, y in points) / var if var else 0.0


def main():
    aws = aws_cli()
    tributary_bin = tributary_binary()
    work = tempfile.mkdtemp(prefix="tributary-soak-")
    procs = []
    try:
        fixture_port, port = free_port(), free_port()
        upstream_files = build_fixture(os.path.join(work, "fixture"), fixture_port)
        procs.append(subprocess.Popen([sys.executable, "-c", FIXTURE, os.path.join(work, "fixture"), str(fixture_port)]))
        env = dict(os.environ, TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL=f"http://127.0.0.1:{fixture_port}",
                   TRIBUTARY_ADMIN_ACCESS_KEY_ID=ADMIN_KEY, TRIBUTARY_ADMIN_SECRET_ACCESS_KEY=ADMIN_SECRET,
                   TRIBUTARY_LOG="error")
        server = subprocess.Popen([tributary_bin, "serve", "--data-dir", os.path.join(work, "trib"),
                                   "--listen", f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL)
        procs.append(server)
        wait_http(f"http://127.0.0.1:{port}/healthz", proc=server)
        token = tributary_chain(aws, port, "public:npmjs", ["gateway", "team", "app"], os.environ)
        base = f"http://127.0.0.1:{port}"
        registry = f"{base}/npm/bench/app"
        auth = {"Authorization": f"Bearer {token}"}

        lock = threading.Lock()
        counts = {"ok": 0, "errors": 0, "late": 0}
        errors = []
        latencies = []
        fetched = []            # upstream (package, version)s already downloaded once
        published = []          # versions of the private package
        state = {"next_upstream": 0, "next_private": 0}

        def request(method, url, body=None, headers=None):
            req = urllib.request.Request(url, data=body, method=method, headers={**auth, **(headers or {})})
            start = time.time()
            try:
                urllib.request.urlopen(req, timeout=60).read()
                with lock:
                    counts["ok"] += 1
                    latencies.append(time.time() - start)
            except Exception as e:  # noqa: BLE001 - every failure counts
                with lock:
                    counts["errors"] += 1
                    if len(errors) < 20:
                        errors.append(f"{method} {url}: {e}")

        def publish():
            # New versions spread over PRIVATE_PACKAGES packages, as a team's would: one package
            # with thousands of versions in half an hour measures that package, not the soak.
            with lock:
                state["next_private"] += 1
                n = state["next_private"]
            name, version = f"soak-private-{n % PRIVATE_PACKAGES}", f"1.0.{n // PRIVATE_PACKAGES}"
            data = npm_tarball(name, version, 16 * 1024)
            doc = {"_id": name, "name": name, "dist-tags": {"latest": version},
                   "versions": {version: {"name": name, "version": version, "dist": dist(data)}},
                   "_attachments": {f"{name}-{version}.tgz": {
                       "content_type": "application/octet-stream", "length": len(data),
                       "data": base64.b64encode(data).decode()}}}
            request("PUT", f"{registry}/{name}", json.dumps(doc).encode(), {"Content-Type": "application/json"})
            with lock:
                published.append(name)

        def private_package():
            with lock:
                name = random.choice(published) if published else None
            if name is None:
                return publish()
            request("GET", f"{registry}/{name}")

        def ingest():
            with lock:
                if state["next_upstream"] >= len(upstream_files):
                    return None
                name, version = upstream_files[state["next_upstream"]]
                state["next_upstream"] += 1
            request("GET", f"{registry}/{name}/-/{name}-{version}.tgz")
            with lock:
                fetched.append((name, version))

        def cached():
            with lock:
                file = random.choice(fetched) if fetched else None
            if file is None:
                return ingest()
            name, version = file
            request("GET", f"{registry}/{name}/-/{name}-{version}.tgz")

        def packument(abbreviated):
            with lock:
                file = random.choice(fetched) if fetched else None
            name = file[0] if file else "soak-up-0"
            accept = {"Accept": "application/vnd.npm.install-v1+json"} if abbreviated else {}
            request("GET", f"{registry}/{name}", headers=accept)

        mix = [
            (30, "cached tarball", cached),
            (15, "packument (abbreviated)", lambda: packument(True)),
            (5, "packument (full)", lambda: packument(False)),
            (5, "big packument", lambda: request("GET", f"{registry}/{BIG_PACKAGE}", headers={"Accept": "application/vnd.npm.install-v1+json"})),
            (5, "private packument", private_package),
            (10, "first download (ingest)", ingest),
            (5, "publish", publish),
            (10, "DescribeRepository", lambda: request("GET", f"{base}/v1/repository?domain=bench&repository=app")),
            (10, "ListPackageVersions", lambda: request("POST", f"{base}/v1/package/versions?domain=bench&repository=app&format=npm&package=soak-private-1", b"")),
        ]
        weights = [w for w, _, _ in mix]
        by_kind = {}
        samples, caches = [], []
        warm_parts = None
        started = time.time()
        print(f"soak: {SECONDS} s at {RATE} requests/s", file=sys.stderr)
        with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
            next_at, next_sample, sent = started, started, 0
            while time.time() - started < SECONDS:
                now = time.time()
                if now >= next_sample:
                    rss, fds = sample(server.pid)
                    samples.append((now - started, rss, fds))
                    if now - started >= SECONDS / 10 and warm_parts is None:
                        warm_parts = rss_parts(server.pid)
                    caches.append(cache_mib(base))
                    next_sample += 10
                if now < next_at:
                    time.sleep(min(next_at - now, 0.05))
                    continue
                _, kind, action = random.choices(mix, weights=weights)[0]
                scheduled = next_at

                def run_one(action=action, kind=kind, scheduled=scheduled):
                    start = time.time()
                    if start - scheduled > 1:
                        with lock:
                            counts["late"] += 1
                    action()
                    with lock:
                        by_kind.setdefault(kind, []).append(time.time() - start)

                pool.submit(run_one)
                sent += 1
                next_at = started + sent / RATE
        rss, fds = sample(server.pid)
        samples.append((time.time() - started, rss, fds))
        caches.append(cache_mib(base))
        last_parts = rss_parts(server.pid)
        # Memory that is not the caches': a leak shows here even while the caches fill.
        uncached = [(t, r - sum(c.values())) for (t, r, _), c in zip(samples, caches) if t >= SECONDS / 10]
        warm = [s for s in samples if s[0] >= SECONDS / 10]
        total = counts["ok"] + counts["errors"]
        latencies.sort()

        def percentile(p, values=latencies):
            return round(1000 * values[min(len(values) - 1, int(p * len(values)))], 1) if values else None
        for values in by_kind.values():
            values.sort()
        second_half = [s for s in samples if s[0] >= SECONDS / 2]
        print(json.dumps({
            "seconds": SECONDS, "rate": RATE, "requests": total, "errors": counts["errors"],
            "error_rate": counts["errors"] / total if total else 0,
            "late": counts["late"],
            "latency_ms": {"p50": percentile(0.5), "p99": percentile(0.99), "max": percentile(1.0)},
            "latency_ms_by_kind": {kind: {"p50": percentile(0.5, v), "p99": percentile(0.99, v)} for kind, v in by_kind.items()},
            "ingested": len(fetched), "published": len(published),
            "rss_mib": {"first": round(warm[0][1], 1), "last": round(warm[-1][1], 1),
                        "max": round(max(s[1] for s in warm), 1),
                        "slope_per_minute": round(slope([(t, r) for t, r, _ in warm]), 3),
                        "second_half_slope_per_minute": round(slope([(t, r) for t, r, _ in second_half]), 3)},
            "open_fds": {"first": warm[0][2], "last": warm[-1][2], "max": max(s[2] for s in warm),
                         "slope_per_minute": round(slope([(t, f) for t, _, f in warm]), 3)},
            "caches_mib_last": {name: round(v, 1) for name, v in caches[-1].items()},
            "rss_minus_caches_mib": {"first": round(uncached[0][1], 1), "last": round(uncached[-1][1], 1),
                                     "slope_per_minute": round(slope(uncached), 3),
                                     "second_half_slope_per_minute": round(
                                         slope([(t, r) for t, r in uncached if t >= SECONDS / 2]), 3)},
            "rss_parts_mib": {"after_warm_up": warm_parts, "last": last_parts},
            "rss_samples_mib": [round(r) for _, r, _ in samples],
            "cache_samples_mib": [round(sum(c.values())) for c in caches],
            "first_errors": errors,
        }, indent=2))
    finally:
        for p in procs:
            p.kill()


if __name__ == "__main__":
    main()
