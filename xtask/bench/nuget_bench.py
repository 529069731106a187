#!/usr/bin/env python3
"""`cargo xtask bench nuget`: Tributary against nginx, in one run, on the same NuGet package.

A local static feed stands in for nuget.org: `bench.pkg` with 500 versions (the newest with a
320 KB `.nupkg`), its registration paged by 64 as nuget.org pages a package above 128 versions,
gzip-encoded. Tributary serves it through a three-repository chain (app -> team -> gateway with
`public:nuget-org` pointed at the feed); nginx, the ceiling, serves the very bytes Tributary
answered (with `gzip_static`). There is no NuGet peer: BaGet and NuGet.Server need .NET, which
is not installable here. After one warm-up request each, wrk (64 connections, 15 s, gzip
accepted) measures the cached `.nupkg`, the registration index, one registration page of 64
versions, and the flat container's version list. Peak RSS is the server's VmHWM (nginx: master
and workers added up). Prints a Markdown table; numbers go in docs/benchmarks.md.

Environment: BENCH_DURATION (15s), BENCH_CONNECTIONS (64), BENCH_TRIBUTARY_BIN (a prebuilt
binary to measure instead of building this tree).
"""
import gzip, io, json, os, random, shutil, subprocess, sys, tempfile, urllib.request, zipfile

from benchlib import (FIXTURE, aws_cli, free_port, start_tributary, stop_all, tree_rss_mib, tributary_binary,
                      tributary_chain, wait_http)
from npm_bench import CONNECTIONS, DURATION, start_nginx, wrk

ID = "Bench.Pkg"
LOWER = ID.lower()
VERSIONS = 500


def nupkg(version, size):
    """A `.nupkg` of `bench.pkg` `version`: its nuspec and `size` random bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{ID}.nuspec", f"""<?xml version="1.0"?><package><metadata><id>{ID}</id><version>{version}</version>
<authors>Bench</authors><description>A package for benchmarks.</description></metadata></package>""")
        z.writestr("content/data.bin", random.randbytes(size))
    return buf.getvalue()


def build_feed(root, port):
    """The static feed; the newest version."""
    random.seed(7)
    base = f"http://127.0.0.1:{port}"
    versions = [f"1.{i // 100}.{i % 100}" for i in range(VERSIONS)]
    def write(path, data, gz=False):
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(gzip.compress(data) if gz else data)
    write("v3/index.json", json.dumps({"version": "3.0.0", "resources": [
        {"@id": f"{base}/v3/flat/", "@type": "PackageBaseAddress/3.0.0"},
        {"@id": f"{base}/v3/reg/", "@type": "RegistrationsBaseUrl/3.6.0"},
    ]}).encode())
    leaves = []
    for i, version in enumerate(versions):
        content = f"{base}/v3/flat/{LOWER}/{version}/{LOWER}.{version}.nupkg"
        write(f"v3/flat/{LOWER}/{version}/{LOWER}.{version}.nupkg", nupkg(version, 320 * 1024 if i == VERSIONS - 1 else 64))
        leaves.append({"@id": f"{base}/v3/reg/{LOWER}/{version}.json", "packageContent": content, "catalogEntry": {
            "id": ID, "version": version, "authors": "Bench", "description": "A package for benchmarks, " * 4,
            "listed": True, "published": "2024-01-01T00:00:00+00:00", "packageContent": content,
            "tags": ["bench", "nuget"], "licenseExpression": "MIT", "projectUrl": "https://example.invalid/bench",
            "dependencyGroups": [{"targetFramework": "net8.0", "dependencies": [
                {"id": "Newtonsoft.Json", "range": "[13.0.1, )"}, {"id": "Serilog", "range": "[3.0.0, )"}]}]}})
    pages = []
    for n in range(0, VERSIONS, 64):
        chunk = leaves[n:n + 64]
        url = f"{base}/v3/reg/{LOWER}/page/{n // 64}.json"
        write(f"v3/reg/{LOWER}/page/{n // 64}.json", json.dumps({"@id": url, "items": chunk}).encode(), gz=True)
        pages.append({"@id": url, "count": len(chunk), "lower": chunk[0]["catalogEntry"]["version"],
                      "upper": chunk[-1]["catalogEntry"]["version"]})
    write(f"v3/reg/{LOWER}/index.json", json.dumps({"count": len(pages), "items": pages}).encode(), gz=True)
    return versions[-1]


# The fixture serves the gzip-encoded registration files with `Content-Encoding: gzip`, as
# nuget.org does whatever the request asks.
FEED = FIXTURE.replace(
    "    def log_message(self, *a): pass",
    """    def end_headers(self):
        if "/v3/reg/" in self.path:
            self.send_header("Content-Encoding", "gzip")
        super().end_headers()
    def log_message(self, *a): pass""")


def main():
    aws = aws_cli()
    tributary_bin = tributary_binary()
    if not shutil.which("wrk") or not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "wrk", "nginx"], check=True)
    work = tempfile.mkdtemp(prefix="tributary-bench-nuget-")
    procs = []
    try:
        feed_port, trib_port, nginx_port = free_port(), free_port(), free_port()
        latest = build_feed(os.path.join(work, "feed"), feed_port)
        procs.append(subprocess.Popen([sys.executable, "-c", FEED, os.path.join(work, "feed"), str(feed_port)]))
        feed = {"TRIBUTARY_EXTERNAL_PUBLIC_NUGET_ORG_URL": f"http://127.0.0.1:{feed_port}/v3/index.json"}
        trib = start_tributary(tributary_bin, os.path.join(work, "trib"), trib_port, feed)
        procs.append(trib)
        token = tributary_chain(aws, trib_port, "public:nuget-org", ["gateway", "team", "app"], os.environ)
        base = f"http://127.0.0.1:{trib_port}/nuget/bench/app"
        auth = {"Authorization": f"Bearer {token}"}
        nupkg_path = f"v3/flatcontainer/{LOWER}/{latest}/{LOWER}.{latest}.nupkg"
        registration = f"v3/registration-gz-semver2/{LOWER}/index.json"
        flat = f"v3/flatcontainer/{LOWER}/index.json"
        wait_http(f"{base}/{nupkg_path}", auth, timeout=120)
        fetch = lambda path: urllib.request.urlopen(urllib.request.Request(f"{base}/{path}", headers=auth), timeout=60).read()  # noqa: E731
        index = json.loads(fetch(registration))
        page = index["items"][1]["@id"].split("/nuget/bench/app/", 1)[1]
        workloads = [  # (label, Tributary's path, nginx's file)
            ("cached .nupkg (320 KB)", nupkg_path, "pkg.nupkg"),
            (f"registration index, {VERSIONS} versions (8 pages)", registration, "index.json"),
            ("registration page, 64 versions", page, "page.json"),
            (f"flat container version list, {VERSIONS} versions", flat, "flat.json"),
        ]
        nginx = start_nginx(work, nginx_port, {f"/{file}": fetch(path) for _, path, file in workloads})
        procs.append(nginx)
        wait_http(f"http://127.0.0.1:{nginx_port}/index.json")
        results = {}
        for label, path, file in workloads:
            wait_http(f"{base}/{path}", auth, timeout=120)
            results[("tributary", label)] = wrk(f"{base}/{path}", [f"Authorization: Bearer {token}"])
            results[("nginx", label)] = wrk(f"http://127.0.0.1:{nginx_port}/{file}", [])
        rss = {"tributary": tree_rss_mib(trib.pid), "nginx": tree_rss_mib(nginx.pid)}
        print(f"\n| workload ({CONNECTIONS} connections, {DURATION}, gzip) | Tributary (app -> team -> gateway) "
              "| nginx (static, the ceiling) | Tributary / nginx | p99 Tributary / nginx |")
        print("|---|---|---|---|---|")
        for label, _, _ in workloads:
            t, n = results[("tributary", label)], results[("nginx", label)]
            cell = lambda r: f"{r['rps']:.0f} req/s (p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms" + (  # noqa: E731
                f", {r['non2xx']} non-2xx)" if r["non2xx"] else ")")
            print(f"| {label} | {cell(t)} | {cell(n)} | {t['rps'] / n['rps']:.2f}x | {t['p99'] / n['p99']:.2f}x |")
        print(f"| peak RSS | {rss['tributary']:.0f} MiB | {rss['nginx']:.0f} MiB | | |")
    finally:
        stop_all(procs)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
