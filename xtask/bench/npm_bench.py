#!/usr/bin/env python3
"""`cargo xtask bench npm`: Tributary against Verdaccio, in one run, on the same package.

A local fixture registry serves `bench-pkg` with 1,000 versions (the newest with a 320 KB
tarball). Tributary serves it through a three-repository chain (app -> team -> gateway with
`public:npmjs` pointed at the fixture); Verdaccio proxies the same fixture; nginx, the ceiling,
serves the very bytes Tributary answered (tarball, full and abbreviated packuments, with
`gzip_static`). After one warm-up request each, wrk (64 connections, 15 s, gzip accepted)
measures cached tarball GETs, the full packument and the abbreviated packument. Tributary is
measured twice: with the admin's token, and with the token of a principal that permissions
policies allow to read (every request of it evaluates the domain's and the repository's policy).
Peak RSS is the server's VmHWM (nginx: master and workers added up).
Prints a Markdown table; numbers go in docs/benchmarks.md, never in tests.

Environment: BENCH_DURATION (15s), BENCH_CONNECTIONS (64), BENCH_SERVERS
(`tributary,policies,verdaccio,nginx`; a ratio column needs Tributary and its peer), BENCH_TRIBUTARY_BIN
(a prebuilt binary to measure instead of building this tree).
"""
import base64, gzip, hashlib, json, os, random, re, shutil, subprocess, sys, tempfile, urllib.request

from benchlib import (FIXTURE, ROOT, aws_cli, free_port, npm_tarball, policy_reader_token, run, start_tributary,
                      stop_all, tree_rss_mib, tributary_binary, tributary_chain, wait_http)

TOOLS = os.path.join(ROOT, "target", "tools")
DURATION = os.environ.get("BENCH_DURATION", "15s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "64")
SERVERS = os.environ.get("BENCH_SERVERS", "tributary,policies,verdaccio,nginx").split(",")
NAME = "bench-pkg"
VERSIONS = 1000
# BENCH_BIG_PACKUMENT=1: the workloads are the packuments of BIG_NAME instead, a document of
# about 9.4 MB (the size of `@types/node`'s), to measure memory under big documents.
BIG = os.environ.get("BENCH_BIG_PACKUMENT") == "1"
BIG_NAME, BIG_VERSIONS = "bench-big", 2000
BIG_MB = 0.0


def ensure_tools():
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            run("apt-get", "install", "-y", "--no-install-recommends", tool)
    verdaccio = os.path.join(TOOLS, "verdaccio")
    binary = os.path.join(verdaccio, "node_modules", ".bin", "verdaccio")
    if not os.path.exists(binary):
        os.makedirs(verdaccio, exist_ok=True)
        with open(os.path.join(verdaccio, "package.json"), "w") as f:
            json.dump({"name": "bench-verdaccio", "private": True,
                       "overrides": {"verdaccio-audit": {"node-fetch": "2.7.0"}}}, f)
        run("npm", "install", "--no-audit", "--no-fund", "verdaccio@6", cwd=verdaccio)
    return binary


def build_fixture(root, port):
    random.seed(7)
    os.makedirs(os.path.join(root, NAME, "-"), exist_ok=True)
    versions, times = {}, {"created": "2020-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z"}
    for i in range(VERSIONS):
        version = f"1.{i // 100}.{i % 100}"
        data = npm_tarball(NAME, version, 320 * 1024 if i == VERSIONS - 1 else 64)
        with open(os.path.join(root, NAME, "-", f"{NAME}-{version}.tgz"), "wb") as f:
            f.write(data)
        versions[version] = {
            "name": NAME, "version": version, "description": "A package for benchmarks, with a longer description " * 2,
            "main": "index.js", "license": "MIT", "scripts": {"test": "node test.js"},
            "dependencies": {"left-pad": "^1.3.0", "is-number": "^7.0.0", "lodash": "^4.17.21"},
            "repository": {"type": "git", "url": "git+https://example.invalid/bench.git"},
            "dist": {"tarball": f"http://127.0.0.1:{port}/{NAME}/-/{NAME}-{version}.tgz",
                     "shasum": hashlib.sha1(data).hexdigest(),
                     "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()},
        }
        times[version] = f"2021-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}.000Z"
    latest = list(versions)[-1]
    doc = {"_id": NAME, "name": NAME, "dist-tags": {"latest": latest}, "versions": versions, "time": times}
    with open(os.path.join(root, NAME, "index.json"), "w") as f:
        json.dump(doc, f)
    if BIG:
        global BIG_MB
        BIG_MB = build_big(root, port)
    return latest


def build_big(root, port):
    """A packument of about 9.4 MB: 2000 versions with long dependency lists, as `@types/node`."""
    os.makedirs(os.path.join(root, BIG_NAME), exist_ok=True)
    versions = {}
    for i in range(BIG_VERSIONS):
        version = f"{i // 100}.{i % 100}.0"
        versions[version] = {
            "name": BIG_NAME, "version": version, "description": "Type definitions for a big runtime",
            "license": "MIT", "typesPublisherContentHash": hashlib.sha256(version.encode()).hexdigest(),
            "dependencies": {f"dependency-number-{j}": f"^{j}.{i % 10}.0" for j in range(90)},
            "contributors": [{"name": f"Contributor {j}", "url": f"https://example.invalid/u{j}"} for j in range(12)],
            "dist": {"tarball": f"http://127.0.0.1:{port}/{BIG_NAME}/-/{BIG_NAME}-{version}.tgz",
                     "shasum": hashlib.sha1(version.encode()).hexdigest(),
                     "integrity": "sha512-" + base64.b64encode(hashlib.sha512(version.encode()).digest()).decode()},
        }
    doc = {"_id": BIG_NAME, "name": BIG_NAME, "dist-tags": {"latest": version}, "versions": versions}
    with open(os.path.join(root, BIG_NAME, "index.json"), "w") as f:
        json.dump(doc, f)
    return os.path.getsize(os.path.join(root, BIG_NAME, "index.json")) / 1e6


def wrk(url, headers):
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", "-H", "Accept-Encoding: gzip"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": pct(50), "p99": pct(99), "non2xx": int(errors.group(1)) if errors else 0}


def start_nginx(work, port, files):
    """nginx serving `files` (path -> bytes), each also pre-compressed for `gzip_static`."""
    root = os.path.join(work, "nginx-root")
    for path, data in files.items():
        full = os.path.join(root, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        with open(full + ".gz", "wb") as f:
            f.write(gzip.compress(data))
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""user root; daemon off; worker_processes 2; pid {work}/nginx.pid; error_log {work}/nginx.err;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000; gzip_static on;
  default_type application/json;
  client_body_temp_path {work}/nginx-tmp; proxy_temp_path {work}/nginx-tmp; fastcgi_temp_path {work}/nginx-tmp;
  uwsgi_temp_path {work}/nginx-tmp; scgi_temp_path {work}/nginx-tmp;
  server {{ listen 127.0.0.1:{port}; root {root}; }} }}
""")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return subprocess.Popen([nginx, "-c", conf, "-p", work])


def main():
    verdaccio_bin = ensure_tools()
    aws = aws_cli()
    tributary_bin = tributary_binary()
    work = tempfile.mkdtemp(prefix="tributary-bench-")
    procs = []
    try:
        fixture_port, trib_port, verd_port = free_port(), free_port(), free_port()
        latest = build_fixture(os.path.join(work, "fixture"), fixture_port)
        procs.append(subprocess.Popen([sys.executable, "-c", FIXTURE, os.path.join(work, "fixture"), str(fixture_port)]))
        fixture = {"TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL": f"http://127.0.0.1:{fixture_port}"}
        trib = start_tributary(tributary_bin, os.path.join(work, "trib"), trib_port, fixture)
        procs.append(trib)
        token = tributary_chain(aws, trib_port, "public:npmjs", ["gateway", "team", "app"], os.environ)
        reader_token = policy_reader_token(tributary_bin, aws, trib_port, "bench", "app", os.environ)
        with open(os.path.join(work, "verdaccio.yaml"), "w") as f:
            f.write(f"""storage: {work}/verdaccio-storage
uplinks:
  fixture:
    url: http://127.0.0.1:{fixture_port}/
    maxage: 10m
packages:
  '**':
    access: $all
    proxy: fixture
log: {{ type: stdout, format: pretty, level: error }}
listen: 127.0.0.1:{verd_port}
""")
        verd = None
        if "verdaccio" in SERVERS:
            verd = subprocess.Popen([verdaccio_bin, "--config", os.path.join(work, "verdaccio.yaml")], stdout=subprocess.DEVNULL)
            procs.append(verd)
            wait_http(f"http://127.0.0.1:{verd_port}/-/ping")
        tgz = f"{NAME}/-/{NAME}-{latest}.tgz"
        trib_base = f"http://127.0.0.1:{trib_port}/npm/bench/app"
        auth_header = {"Authorization": f"Bearer {token}"}
        wait_http(f"{trib_base}/{tgz}", auth_header, timeout=120)
        fetch = lambda path, extra={}: urllib.request.urlopen(  # noqa: E731
            urllib.request.Request(f"{trib_base}/{path}", headers={**auth_header, **extra}), timeout=60).read()
        nginx_port = free_port()
        doc_name = BIG_NAME if BIG else NAME
        nginx = start_nginx(work, nginx_port, {
            f"/{tgz}": fetch(tgz),
            "/full.json": fetch(doc_name),
            "/abbreviated.json": fetch(doc_name, {"Accept": "application/vnd.npm.install-v1+json"}),
        })
        procs.append(nginx)
        wait_http(f"http://127.0.0.1:{nginx_port}/full.json")
        servers = {
            "Tributary (app -> team -> gateway)": (trib, f"http://127.0.0.1:{trib_port}/npm/bench/app", [f"Authorization: Bearer {token}"]),
            "Tributary, a reader under policies": (trib, f"http://127.0.0.1:{trib_port}/npm/bench/app", [f"Authorization: Bearer {reader_token}"]),
            "Verdaccio 6": (verd, f"http://127.0.0.1:{verd_port}", []),
            "nginx (static, the ceiling)": (nginx, f"http://127.0.0.1:{nginx_port}", []),
        }
        servers = {label: server for key, (label, server) in zip(("tributary", "policies", "verdaccio", "nginx"),
                                                                 servers.items())
                   if key in SERVERS}
        # (label, path, extra headers, path for the static nginx files)
        workloads = [
            ("cached tarball (320 KB)", tgz, [], tgz),
            (f"packument, {VERSIONS} versions, full", NAME, [], "full.json"),
            ("packument, abbreviated", NAME, ["Accept: application/vnd.npm.install-v1+json"], "abbreviated.json"),
        ]
        if BIG:
            workloads = [
                (f"packument of {BIG_VERSIONS} versions ({BIG_MB:.1f} MB), full", BIG_NAME, [], "full.json"),
                ("the same, abbreviated", BIG_NAME, ["Accept: application/vnd.npm.install-v1+json"], "abbreviated.json"),
            ]
        results = {}
        for server, (proc, base, auth) in servers.items():
            static = server.startswith("nginx")
            for _, path, extra, static_path in workloads:  # warm: one request of each, through the whole chain
                target = static_path if static else path
                wait_http(f"{base}/{target}", dict(h.split(": ", 1) for h in auth + extra), timeout=120)
            for label, path, extra, static_path in workloads:
                target = static_path if static else path
                results[(server, label)] = wrk(f"{base}/{target}", auth + extra)
            results[(server, "rss")] = tree_rss_mib(proc.pid)
        names = list(servers)
        print(f"\n| workload ({CONNECTIONS} connections, {DURATION}, gzip) | " + " | ".join(names)
              + " | Tributary / Verdaccio | Tributary / nginx | under policies / nginx |")
        print("|---|" + "---|" * (len(names) + 3))
        for label, _, _, _ in workloads:
            cells = []
            for n in names:
                r = results[(n, label)]
                bad = f", {r['non2xx']} non-2xx" if r["non2xx"] else ""
                cells.append(f"{r['rps']:.0f} req/s (p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms{bad})")
            rps = {("policies" if "policies" in name else name.split()[0].lower().rstrip(",")): results[(name, label)]["rps"]
                   for name in names}
            ratio = lambda ours, peer: f"{rps[ours] / rps[peer]:.2f}x" if ours in rps and rps.get(peer) else "-"  # noqa: E731
            print(f"| {label} | " + " | ".join(cells)
                  + f" | {ratio('tributary', 'verdaccio')} | {ratio('tributary', 'nginx')} | {ratio('policies', 'nginx')} |")
        print("| peak RSS | " + " | ".join(f"{results[(n, 'rss')]:.0f} MiB" for n in names) + " | | |")
    finally:
        stop_all(procs)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
