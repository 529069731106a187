#!/usr/bin/env python3
"""`cargo xtask bench go`: Tributary's module proxy against nginx, and a 2 GiB generic asset.

A static GOPROXY directory stands in for proxy.golang.org: 50 modules `bench.example/mNN`
v1.0.0 (a go.mod and 64 KB of Go source each) and `bench.example/burst` v1.0.0 (a 4 MB zip).
Tributary serves it through a three-repository chain (app -> team -> gateway with
`public:go-proxy` pointed at the directory), over HTTPS (the go command sends credentials over
HTTPS only); nginx, the ceiling, serves the same directory over HTTPS with the same certificate
(a proxy is static files). Measured, in one run:

- warm: `go mod download` of the 50 modules with an empty module cache, after Tributary has
  fetched them once; the median of BENCH_RUNS runs each, alternating;
- cold burst: 20 concurrent downloads of `burst`'s zip, never fetched before: failures, and how
  many times the upstream was asked for it (single flight: 1);
- a 2 GiB generic asset published with `aws codeartifact publish-package-version` and downloaded
  with `get-package-version-asset`: the server's peak RSS before and after (flat memory: the
  growth should stay under 32 MiB).

Environment: BENCH_RUNS (5), BENCH_GENERIC_GIB (2), BENCH_TRIBUTARY_BIN (a prebuilt binary).
"""
import concurrent.futures, hashlib, io, json, os, random, shutil, ssl, statistics, subprocess, sys, tempfile, time
import urllib.request, zipfile

from benchlib import (ADMIN_KEY, ADMIN_SECRET, ROOT, aws_cli, free_port, start_tributary, stop_all, tree_rss_mib,
                      tributary_binary, tributary_chain, wait_http)

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
GENERIC_GIB = float(os.environ.get("BENCH_GENERIC_GIB", "2"))
MODULES = [f"bench.example/m{i:02d}" for i in range(50)]
GO = os.path.join(ROOT, "target", "tools", "venv", "bin", "go")

# A static proxy that logs each path it serves to `{dir}/../requests.log`.
PROXY = r'''
import http.server, os, sys
log = open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "requests.log"), "a", buffering=1)
class H(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path):
        log.write(path + "\n")
        return super().translate_path(path.split("?")[0])
    def log_message(self, *a): pass
os.chdir(sys.argv[1]); http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), H).serve_forever()
'''


def write_module(root, path, version, source_bytes):
    files = {"go.mod": f"module {path}\n\ngo 1.21\n".encode(),
             "lib.go": (f"package {path.rsplit('/', 1)[1]}\n\n// " +
                        random.randbytes(source_bytes // 2).hex() + "\n").encode()}
    base = os.path.join(root, path, "@v")
    os.makedirs(base, exist_ok=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(f"{path}@{version}/{name}", data)
    for name, data in ((f"{version}.zip", buf.getvalue()), (f"{version}.mod", files["go.mod"]),
                       (f"{version}.info", json.dumps({"Version": version, "Time": "2026-01-01T00:00:00Z"}).encode()),
                       ("list", f"{version}\n".encode())):
        with open(os.path.join(base, name), "wb") as f:
            f.write(data)


def certificate(work):
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def start_nginx_tls(work, port, root, cert, key):
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""user root; daemon off; worker_processes 2; pid {work}/nginx.pid; error_log {work}/nginx.err;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000; default_type application/octet-stream;
  client_body_temp_path {work}/nginx-tmp; proxy_temp_path {work}/nginx-tmp; fastcgi_temp_path {work}/nginx-tmp;
  uwsgi_temp_path {work}/nginx-tmp; scgi_temp_path {work}/nginx-tmp;
  server {{ listen 127.0.0.1:{port} ssl; ssl_certificate {cert}; ssl_certificate_key {key}; root {root}; }} }}
""")
    return subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c", conf, "-p", work])


def go_download(work, proxy, cert):
    """Seconds `go mod download` of every module takes with an empty module cache."""
    home = tempfile.mkdtemp(dir=work)
    env = {"PATH": os.environ["PATH"], "HOME": home, "GOPATH": os.path.join(home, "go"),
           "GOMODCACHE": os.path.join(home, "mod"), "GOCACHE": os.path.join(home, "cache"), "GOENV": "off",
           "GOTELEMETRY": "off", "GOTOOLCHAIN": "local", "GOFLAGS": "-modcacherw", "GOPROXY": proxy,
           "GOSUMDB": "off", "SSL_CERT_FILE": cert}
    started = time.monotonic()
    subprocess.run([GO, "mod", "download"] + [f"{m}@v1.0.0" for m in MODULES], env=env, cwd=home, check=True,
                   capture_output=True)
    elapsed = time.monotonic() - started
    shutil.rmtree(home, ignore_errors=True)
    return elapsed


def main():
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "nginx"], check=True)
    aws = aws_cli()
    tributary_bin = tributary_binary()
    work = tempfile.mkdtemp(prefix="tributary-bench-go-")
    procs = []
    try:
        random.seed(13)
        root = os.path.join(work, "proxy")
        for path in MODULES:
            write_module(root, path, "v1.0.0", 64 * 1024)
        write_module(root, "bench.example/burst", "v1.0.0", 4 * 1024 * 1024)
        cert, key = certificate(work)
        proxy_port, trib_port, tls_port, nginx_port = free_port(), free_port(), free_port(), free_port()
        procs.append(subprocess.Popen([sys.executable, "-c", PROXY, root, str(proxy_port)]))
        env = {"TRIBUTARY_EXTERNAL_PUBLIC_GO_PROXY_URL": f"http://127.0.0.1:{proxy_port}",
               "TRIBUTARY_TLS_LISTEN": f"127.0.0.1:{tls_port}", "TRIBUTARY_TLS_CERT": cert, "TRIBUTARY_TLS_KEY": key}
        trib = start_tributary(tributary_bin, os.path.join(work, "trib"), trib_port, env)
        procs.append(trib)
        token = tributary_chain(aws, trib_port, "public:go-proxy", ["gateway", "team", "app"], os.environ)
        nginx = start_nginx_tls(work, nginx_port, root, cert, key)
        procs.append(nginx)
        ours = f"https://aws:{token}@127.0.0.1:{tls_port}/go/bench/app"
        theirs = f"https://127.0.0.1:{nginx_port}"
        context = ssl.create_default_context(cafile=cert)
        wait_http(f"http://127.0.0.1:{trib_port}/healthz")
        time.sleep(0.5)

        # Cold burst: 20 clients at once for a zip nobody fetched yet.
        burst_url = f"https://127.0.0.1:{tls_port}/go/bench/app/bench.example/burst/@v/v1.0.0.zip"
        expected = hashlib.sha256(open(os.path.join(root, "bench.example/burst/@v/v1.0.0.zip"), "rb").read()).hexdigest()
        def fetch(_):
            request = urllib.request.Request(burst_url, headers={"Authorization": f"Bearer {token}"})
            try:
                body = urllib.request.urlopen(request, context=context, timeout=120).read()
                return hashlib.sha256(body).hexdigest() == expected
            except Exception:
                return False
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            outcomes = list(pool.map(fetch, range(20)))
        upstream_fetches = sum(1 for line in open(os.path.join(work, "requests.log"))
                               if line.strip() == "/bench.example/burst/@v/v1.0.0.zip")

        # Warm: fill Tributary once, then alternate.
        go_download(work, ours, cert)
        times = {"tributary": [], "nginx": []}
        for _ in range(RUNS):
            times["tributary"].append(go_download(work, ours, cert))
            times["nginx"].append(go_download(work, theirs, cert))
        t, n = statistics.median(times["tributary"]), statistics.median(times["nginx"])

        # A large generic asset, up and down.
        asset = os.path.join(work, "big.bin")
        size = int(GENERIC_GIB * 1024 ** 3)
        digest = hashlib.sha256()
        with open(asset, "wb") as f:
            block = random.randbytes(8 * 1024 * 1024)
            written = 0
            while written < size:
                chunk = block[: min(len(block), size - written)]
                f.write(chunk)
                digest.update(chunk)
                written += len(chunk)
        aws_env = dict(os.environ, AWS_ACCESS_KEY_ID=ADMIN_KEY, AWS_SECRET_ACCESS_KEY=ADMIN_SECRET,
                       AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")
        ca = [aws, "codeartifact", "--endpoint-url", f"http://127.0.0.1:{trib_port}"]
        package = ["--domain", "bench", "--repository", "app", "--format", "generic", "--namespace", "bench",
                   "--package", "big", "--package-version", "1.0.0"]
        before = tree_rss_mib(trib.pid)
        started = time.monotonic()
        subprocess.run(ca + ["publish-package-version"] + package + ["--asset-content", asset, "--asset-name", "big.bin",
                       "--asset-sha256", digest.hexdigest()], env=aws_env, check=True, stdout=subprocess.DEVNULL)
        up = time.monotonic() - started
        after_up = tree_rss_mib(trib.pid)
        os.remove(asset)
        out = os.path.join(work, "big.out")
        started = time.monotonic()
        subprocess.run(ca + ["get-package-version-asset"] + package + ["--asset", "big.bin", out], env=aws_env, check=True,
                       stdout=subprocess.DEVNULL)
        down = time.monotonic() - started
        after_down = tree_rss_mib(trib.pid)
        same = os.path.getsize(out) == size
        os.remove(out)

        print(f"\n| workload | Tributary (app -> team -> gateway, HTTPS) | nginx (static, HTTPS, the ceiling) | Tributary / nginx |")
        print("|---|---|---|---|")
        print(f"| warm `go mod download` of {len(MODULES)} modules, empty module cache (median of {RUNS}) "
              f"| {t:.2f} s | {n:.2f} s | {n / t:.2f}x the speed |")
        print(f"| cold burst: 20 concurrent downloads of a new 4 MB zip | {outcomes.count(True)} of 20 served whole, "
              f"{outcomes.count(False)} failed; upstream asked {upstream_fetches} time(s) | | |")
        print(f"| {GENERIC_GIB:g} GiB generic asset up (publish-package-version) | {up:.1f} s, peak RSS {before:.0f} -> "
              f"{after_up:.0f} MiB | | |")
        print(f"| the same down (get-package-version-asset) | {down:.1f} s, peak RSS -> {after_down:.0f} MiB "
              f"(growth {after_down - before:.0f} MiB), bytes {'identical in size' if same else 'WRONG SIZE'} | | |")
    finally:
        stop_all(procs)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
