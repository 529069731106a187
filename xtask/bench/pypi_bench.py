#!/usr/bin/env python3
"""`cargo xtask bench pypi`: Tributary against devpi-server and proxpi, in one run, on one package set.

The set is `pypi-requirements.txt` (35 wheels, pinned, the whole closure for CPython 3.11 on
manylinux x86_64). Its wheels are downloaded from PyPI once, into `target/bench/pypi-upstream/`,
with their core metadata next to them (`{wheel}.metadata`). A local upstream index serves them as
PyPI does (PEP 691 JSON or PEP 503 HTML by `Accept`, PEP 658 metadata, PEP 700 fields) and counts
the requests per path. All three servers read that upstream:

- Tributary (release build): `app -> gateway`, `gateway` with `public:pypi` pointed at the upstream;
- devpi-server: `root/pypi` a mirror of the upstream (`mirror_no_project_list`), default options;
- proxpi: under gunicorn, one worker with threads (proxpi's caches are per process).

Warm: one install through each server to fill its cache, then `BENCH_RUNS` timed `uv pip install
--no-cache` runs each, each into a fresh virtualenv, the servers taking turns run by run.
Cold: each server restarted with empty state, the upstream's counters reset, then
`BENCH_COLD_CLIENTS` concurrent installs (each its own fresh virtualenv, no cache), and the same
burst again once the server is warm (the clients' own floor on this machine): failures, wall time,
the median client's resolve and prepare times (from uv's summary), upstream GETs per wheel and per
project page (by path and User-Agent), peak RSS of the server's process tree (VmHWM of the process
and its descendants added up, and the largest RSS sampled during the burst).

Prints two Markdown tables; numbers go in docs/benchmarks.md, never in tests. The logs of the last run
(servers' stderr, failed clients' output) stay in `target/bench/pypi-last-run/`.

Environment: BENCH_RUNS (10), BENCH_COLD_CLIENTS (50), BENCH_SERVERS (`tributary,devpi,proxpi`),
BENCH_INSTALL_TIMEOUT (seconds per install, 900), BENCH_PROXPI_THREADS (16), BENCH_TRIBUTARY_LOG
(the server's `TRIBUTARY_LOG`, `warn`), BENCH_PYPI_INDEX_URL (where the set is downloaded from once),
BENCH_TRIBUTARY_BIN (a prebuilt binary to measure instead of building this tree).
"""
import hashlib, json, os, re, resource, shutil, signal, statistics, subprocess, sys, tempfile, threading, time, urllib.parse, urllib.request, zipfile

from benchlib import (ADMIN_KEY, ADMIN_SECRET, descendants, free_port, run, tree_rss_mib, tributary_chain,
                      wait_http)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(ROOT, "target", "tools")
REQUIREMENTS = os.path.join(ROOT, "xtask", "bench", "pypi-requirements.txt")
UPSTREAM_DIR = os.path.join(ROOT, "target", "bench", "pypi-upstream")
LOG_DIR = os.path.join(ROOT, "target", "bench", "pypi-last-run")
UV = os.path.join(TOOLS, "venv", "bin", "uv")
AWS = os.path.join(TOOLS, "venv", "bin", "aws")
RUNS = int(os.environ.get("BENCH_RUNS", "10"))
COLD_CLIENTS = int(os.environ.get("BENCH_COLD_CLIENTS", "50"))
SERVERS = os.environ.get("BENCH_SERVERS", "tributary,devpi,proxpi").split(",")
INSTALL_TIMEOUT = float(os.environ.get("BENCH_INSTALL_TIMEOUT", "900"))
PROXPI_THREADS = os.environ.get("BENCH_PROXPI_THREADS", "16")
TRIBUTARY_LOG = os.environ.get("BENCH_TRIBUTARY_LOG", "warn")
PYPI_INDEX_URL = os.environ.get("BENCH_PYPI_INDEX_URL", "https://pypi.org/simple/")
# A prebuilt binary to measure instead of this tree's `cargo build --release`.
TRIBUTARY_BIN = os.environ.get("BENCH_TRIBUTARY_BIN")
# The peers, pinned; a changed pin reinstalls (the marker file names the pins).
DEVPI_REQUIREMENTS = ["devpi-server==6.20.3", "devpi-client==7.3.0"]
PROXPI_REQUIREMENTS = ["proxpi==1.3.1", "gunicorn==27.0.1"]


def clean_env(**extra):
    """The environment without pip's and uv's settings (this machine sets `PIP_FIND_LINKS`)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "UV_")) and k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def venv_with(name, requirements):
    """A virtualenv under target/tools with `requirements` installed (once); returns its bin dir."""
    venv = os.path.join(TOOLS, name)
    marker = os.path.join(venv, "tributary-installed", " ".join(requirements))
    if not os.path.exists(marker):
        if not os.path.exists(os.path.join(venv, "bin", "python")):
            run(sys.executable, "-m", "venv", venv)
        run(os.path.join(venv, "bin", "pip"), "install", "--quiet", "--disable-pip-version-check", *requirements, env=clean_env())
        os.makedirs(os.path.dirname(marker), exist_ok=True)
        open(marker, "w").close()
    return os.path.join(venv, "bin")


def python311():
    for candidate in (shutil.which("python3.11"), sys.executable):
        if candidate and subprocess.run([candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 11)"]).returncode == 0:
            return candidate
    raise SystemExit("the package set is pinned for CPython 3.11: put `python3.11` on PATH")


# --- the package set, from PyPI once ---------------------------------------------------------

def metadata_of(wheel_path):
    """The wheel's `{name}-{version}.dist-info/METADATA`, as stored."""
    with zipfile.ZipFile(wheel_path) as z:
        names = [n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if len(names) != 1:
            raise SystemExit(f"{wheel_path}: expected one *.dist-info/METADATA, found {names}")
        return z.read(names[0])


def ensure_upstream_files():
    """Downloads the set's wheels (unless the cached set matches the requirements file) and writes
    each one's core metadata next to it; returns the wheel file names."""
    with open(REQUIREMENTS, "rb") as f:
        stamp = hashlib.sha256(f.read()).hexdigest()
    stamp_path = os.path.join(UPSTREAM_DIR, ".requirements-sha256")
    if not (os.path.exists(stamp_path) and open(stamp_path).read() == stamp):
        shutil.rmtree(UPSTREAM_DIR, ignore_errors=True)
        os.makedirs(UPSTREAM_DIR)
        run(os.path.join(TOOLS, "venv", "bin", "pip"), "download", "--quiet", "--disable-pip-version-check", "--only-binary=:all:", "--no-deps",
            "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
            "--platform", "manylinux_2_28_x86_64", "--index-url", PYPI_INDEX_URL,
            "-r", REQUIREMENTS, "-d", UPSTREAM_DIR, env=clean_env())
        for name in os.listdir(UPSTREAM_DIR):
            if name.endswith(".whl"):
                with open(os.path.join(UPSTREAM_DIR, name + ".metadata"), "wb") as f:
                    f.write(metadata_of(os.path.join(UPSTREAM_DIR, name)))
        with open(stamp_path, "w") as f:
            f.write(stamp)
    wheels = sorted(n for n in os.listdir(UPSTREAM_DIR) if n.endswith(".whl"))
    pins = [line for line in open(REQUIREMENTS) if line.strip() and not line.startswith("#")]
    if len(wheels) != len(pins):
        raise SystemExit(f"{UPSTREAM_DIR} holds {len(wheels)} wheels for {len(pins)} pins: remove it and re-run")
    return wheels


# --- the local upstream index ------------------------------------------------------------------

UPSTREAM = r'''
import email.parser, hashlib, html, json, os, re, sys, threading, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT, PORT = sys.argv[1], int(sys.argv[2])
BASE = f"http://127.0.0.1:{PORT}"
JSON_TYPE, HTML_TYPE = "application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.v1+html"

def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()

BLOBS, PROJECTS = {}, {}
for name in sorted(os.listdir(ROOT)):
    if not name.endswith(".whl"):
        continue
    data = open(os.path.join(ROOT, name), "rb").read()
    meta = open(os.path.join(ROOT, name + ".metadata"), "rb").read()
    BLOBS[name], BLOBS[name + ".metadata"] = data, meta
    headers = email.parser.BytesHeaderParser().parsebytes(meta)
    project, version = name.split("-")[0], name.split("-")[1]
    PROJECTS.setdefault(normalize(project), []).append({
        "filename": name, "url": f"{BASE}/packages/{name}", "version": version,
        "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
        "requires-python": headers.get("Requires-Python"),
        "core-metadata": {"sha256": hashlib.sha256(meta).hexdigest()},
        "size": len(data), "upload-time": "2026-01-01T00:00:00.000000Z", "yanked": False,
    })

COUNTS, AGENTS, LOCK = {}, {}, threading.Lock()

def negotiate(accept, query):
    fmt = urllib.parse.parse_qs(query).get("format", [None])[0]
    if fmt:
        accept = fmt
    best, best_q = ("html", "text/html"), -1.0
    for i, part in enumerate((accept or "text/html").split(",")):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        kind = {JSON_TYPE: ("json", JSON_TYPE), "application/vnd.pypi.simple.latest+json": ("json", JSON_TYPE),
                HTML_TYPE: ("html", HTML_TYPE), "application/vnd.pypi.simple.latest+html": ("html", HTML_TYPE),
                "text/html": ("html", "text/html"), "*/*": ("html", "text/html")}.get(fields[0])
        if kind and q > best_q:
            best, best_q = kind, q
    return best

def project_page(name, kind):
    files = PROJECTS[name]
    if kind == "json":
        return json.dumps({
            "meta": {"api-version": "1.1"}, "name": name,
            "versions": sorted({f["version"] for f in files}),
            "files": [{k: v for k, v in f.items() if k != "version" and v is not None}
                      | {"dist-info-metadata": f["core-metadata"]} for f in files],
        }).encode()
    links = []
    for f in files:
        attrs = f' data-core-metadata="sha256={f["core-metadata"]["sha256"]}"' \
                f' data-dist-info-metadata="sha256={f["core-metadata"]["sha256"]}"'
        if f["requires-python"]:
            attrs += f' data-requires-python="{html.escape(f["requires-python"])}"'
        links.append(f'<a href="{f["url"]}#sha256={f["hashes"]["sha256"]}"{attrs}>{f["filename"]}</a><br/>')
    return ('<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1">'
            f'<title>Links for {name}</title></head><body><h1>Links for {name}</h1>'
            + "".join(links) + "</body></html>").encode()

def root_page(kind):
    if kind == "json":
        return json.dumps({"meta": {"api-version": "1.1"}, "projects": [{"name": n} for n in PROJECTS]}).encode()
    return ("<!DOCTYPE html><html><body>" + "".join(f'<a href="/simple/{n}/">{n}</a>' for n in PROJECTS)
            + "</body></html>").encode()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", content_type="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_POST(self):
        if self.path == "/_reset":
            with LOCK:
                COUNTS.clear()
                AGENTS.clear()
            return self.send(204)
        self.send(405)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/_counts":
            with LOCK:
                return self.send(200, json.dumps({"paths": COUNTS, "agents": AGENTS}).encode(), "application/json")
        agent = (self.headers.get("User-Agent") or "-").split(" ")[0]
        key = path if self.command == "GET" else f"{self.command} {path}"  # downloads are GETs
        with LOCK:
            COUNTS[key] = COUNTS.get(key, 0) + 1
            AGENTS[agent] = AGENTS.get(agent, 0) + 1
        if path.startswith("/packages/") and path[len("/packages/"):] in BLOBS:
            return self.send(200, BLOBS[path[len("/packages/"):]], "application/octet-stream")
        if path == "/simple/":
            kind, ctype = negotiate(self.headers.get("Accept"), query)
            return self.send(200, root_page(kind), ctype, [("Vary", "Accept")])
        parts = path.split("/")
        if len(parts) == 4 and parts[1] == "simple" and parts[3] == "":
            name = urllib.parse.unquote(parts[2])
            if normalize(name) != name:
                return self.send(301, headers=[("Location", f"/simple/{normalize(name)}/")])
            if name in PROJECTS:
                kind, ctype = negotiate(self.headers.get("Accept"), query)
                return self.send(200, project_page(name, kind), ctype, [("Vary", "Accept")])
        if len(parts) == 3 and parts[1] == "simple":
            return self.send(301, headers=[("Location", path + "/")])
        self.send(404, b"not found")

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that went away
            super().handle_error(request, client_address)

Server(("127.0.0.1", PORT), Handler).serve_forever()
'''


def http(url, method="GET", timeout=10):
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=timeout) as r:
        return r.read()


def tree_cpu_seconds(pid):
    """User + system CPU time of a process and its live descendants."""
    ticks = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class RssSampler(threading.Thread):
    """The largest current RSS of a process tree, sampled every 0.2 s while it runs (VmHWM also
    holds start-up peaks: devpi-server's is ~570 MiB before it serves anything)."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self):
        while not self.done.wait(0.2):
            self.peak = max(self.peak, tree_rss_mib(self.pid, "VmRSS"))

    def stop(self):
        self.done.set()
        self.join()
        return self.peak


class Server:
    """One server under test: `start` makes fresh state and returns the index URL for uv."""
    label = ""

    def __init__(self, work, upstream):
        self.work, self.upstream, self.proc, self.generation, self.log = work, upstream, None, 0, None

    def fresh_dir(self, kind):
        self.generation += 1
        path = os.path.join(self.work, f"{self.key}-{kind}-{self.generation}")
        os.makedirs(path)
        return path

    def spawn(self, cmd, env, **kw):
        self.log = os.path.join(LOG_DIR, f"{self.key}-{self.generation}.log")
        self.proc = subprocess.Popen(cmd, env=env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, **kw)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Tributary(Server):
    key, label = "tributary", "Tributary (app -> gateway)"

    def start(self):
        port = free_port()
        data = self.fresh_dir("data")
        env = dict(os.environ, TRIBUTARY_EXTERNAL_PUBLIC_PYPI_URL=f"{self.upstream}/",
                   TRIBUTARY_ADMIN_ACCESS_KEY_ID=ADMIN_KEY, TRIBUTARY_ADMIN_SECRET_ACCESS_KEY=ADMIN_SECRET,
                   TRIBUTARY_LOG=TRIBUTARY_LOG)
        self.spawn([TRIBUTARY_BIN or os.path.join(ROOT, "target", "release", "tributary"), "serve", "--data-dir", data,
                    "--listen", f"127.0.0.1:{port}"], env)
        wait_http(f"http://127.0.0.1:{port}/healthz", proc=self.proc)
        token = tributary_chain(AWS, port, "public:pypi", ["gateway", "app"], clean_env())
        return f"http://aws:{urllib.parse.quote(token, safe='')}@127.0.0.1:{port}/pypi/bench/app/simple/"


class Devpi(Server):
    key, label = "devpi", "devpi-server 6.20"

    def start(self):
        bin_dir = venv_with("devpi-venv", DEVPI_REQUIREMENTS)
        port = free_port()
        data, client = self.fresh_dir("data"), self.fresh_dir("client")
        env = clean_env()
        # No root/pypi from devpi-init: it would mirror pypi.org; it is made below, mirroring the upstream.
        subprocess.run([os.path.join(bin_dir, "devpi-init"), "--serverdir", data, "--no-root-pypi"], env=env,
                       check=True, capture_output=True)
        self.spawn([os.path.join(bin_dir, "devpi-server"), "--serverdir", data, "--host", "127.0.0.1",
                    "--port", str(port)], env)
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/+api", proc=self.proc)
        devpi = [os.path.join(bin_dir, "devpi"), "--clientdir", client]
        for args in (["use", url], ["login", "root", "--password", ""],
                     ["index", "-c", "root/pypi", "type=mirror", f"mirror_url={self.upstream}/simple/",
                      "mirror_no_project_list=true"]):
            subprocess.run(devpi + args, env=env, check=True, capture_output=True)
        return f"{url}/root/pypi/+simple/"


class Proxpi(Server):
    key, label = "proxpi", "proxpi 1.3 (gunicorn)"

    def start(self):
        bin_dir = venv_with("proxpi-venv", PROXPI_REQUIREMENTS)
        port = free_port()
        env = clean_env(PROXPI_INDEX_URL=f"{self.upstream}/simple/", PROXPI_CACHE_DIR=self.fresh_dir("cache"),
                        PROXPI_LOGGING_LEVEL="WARNING")
        # One worker with threads: proxpi's index and file caches are per process (its README).
        self.spawn([os.path.join(bin_dir, "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                    "--worker-class", "gthread", "--threads", PROXPI_THREADS, "proxpi.server:app"], env)
        wait_http(f"http://127.0.0.1:{port}/", proc=self.proc)
        return f"http://127.0.0.1:{port}/index/"


# --- the clients -----------------------------------------------------------------------------------

def make_venv(python, path):
    subprocess.run([UV, "venv", "--quiet", "--python", python, path], env=UV_ENV, check=True)


def install_cmd(index_url, venv):
    return [UV, "pip", "install", "--no-cache", "--python", os.path.join(venv, "bin", "python"),
            "--index-url", index_url, "-r", REQUIREMENTS]


def install(index_url, venv, log):
    """One timed install; returns (ok, seconds)."""
    with open(log, "wb") as out:
        start = time.perf_counter()
        try:
            rc = subprocess.run(install_cmd(index_url, venv), env=UV_ENV, stdout=out, stderr=subprocess.STDOUT,
                                timeout=INSTALL_TIMEOUT).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
        return rc == 0, time.perf_counter() - start


def tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def client_phases(log):
    """(resolve, prepare) seconds from uv's summary lines, or None."""
    text = open(log, errors="replace").read()
    found = [re.search(rf"{word} \d+ packages? in ([\d.]+)(ms|s)", text) for word in ("Resolved", "Prepared")]
    if not all(found):
        return None
    return tuple(float(m.group(1)) / (1000 if m.group(2) == "ms" else 1) for m in found)


def burst(server, url, python, work, phase):
    """`COLD_CLIENTS` installs at once through `server`, each into its own fresh virtualenv (made
    before the clock starts): wall time, failures, the median client's resolve and prepare times,
    the largest RSS of the server's process tree sampled meanwhile, and the CPU seconds that tree and
    the clients used."""
    venvs = [os.path.join(work, f"{phase}-{server.key}-{i}") for i in range(COLD_CLIENTS)]
    for v in venvs:
        make_venv(python, v)
    logs = [os.path.join(LOG_DIR, f"{server.key}-{phase}-{i}-client.log") for i in range(COLD_CLIENTS)]
    outs = [open(log, "wb") for log in logs]
    sampler = RssSampler(server.proc.pid)
    sampler.start()
    server_cpu, clients_cpu = tree_cpu_seconds(server.proc.pid), children_cpu_seconds()
    start = time.perf_counter()
    procs = [subprocess.Popen(install_cmd(url, v), env=UV_ENV, stdout=o, stderr=subprocess.STDOUT)
             for v, o in zip(venvs, outs)]
    failures = []
    for i, p in enumerate(procs):
        try:
            rc = p.wait(timeout=max(1, INSTALL_TIMEOUT - (time.perf_counter() - start)))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rc = "timeout"
        if rc != 0:
            failures.append((i, rc))
    wall = time.perf_counter() - start
    server_cpu, clients_cpu = tree_cpu_seconds(server.proc.pid) - server_cpu, children_cpu_seconds() - clients_cpu
    sampled = sampler.stop()
    for o in outs:
        o.close()
    for v in venvs:
        shutil.rmtree(v, ignore_errors=True)
    print(f"{server.label}: {phase}, {COLD_CLIENTS} clients: {wall:.1f} s, {len(failures)} failed", file=sys.stderr)
    for i, rc in failures[:3]:
        print(f"--- client {i} (exit {rc}):\n{tail(logs[i])}", file=sys.stderr)
    if failures:
        print(f"--- the end of {server.log}:\n{tail(server.log, 10)}", file=sys.stderr)
    phases = [p for p in map(client_phases, logs) if p]
    median = lambda xs: statistics.median(xs) if xs else float("nan")  # noqa: E731
    return {"wall": wall, "failures": failures, "sampled": sampled, "server_cpu": server_cpu, "clients_cpu": clients_cpu,
            "resolve": median([p[0] for p in phases]), "prepare": median([p[1] for p in phases])}


UV_ENV = clean_env(UV_NO_CACHE="1", UV_NO_CONFIG="1", UV_PYTHON_DOWNLOADS="never")


def main():
    for tool in (UV, AWS):
        if not os.path.exists(tool):
            raise SystemExit(f"{tool} is missing: run `cargo xtask tools` first")
    python = python311()
    wheels = ensure_upstream_files()
    venv_with("devpi-venv", DEVPI_REQUIREMENTS)
    venv_with("proxpi-venv", PROXPI_REQUIREMENTS)
    if not TRIBUTARY_BIN:
        run("cargo", "build", "--release", "--package", "tributary", cwd=ROOT)
    shutil.rmtree(LOG_DIR, ignore_errors=True)
    os.makedirs(LOG_DIR)
    work = tempfile.mkdtemp(prefix="tributary-pypi-bench-")
    upstream_port = free_port()
    upstream = f"http://127.0.0.1:{upstream_port}"
    upstream_proc = subprocess.Popen([sys.executable, "-c", UPSTREAM, UPSTREAM_DIR, str(upstream_port)])
    kinds = {"tributary": Tributary, "devpi": Devpi, "proxpi": Proxpi}
    servers = [kinds[k](work, upstream) for k in SERVERS]
    projects = sorted({w.split("-")[0].replace("_", "-").lower() for w in wheels})
    results = {s.key: {"warm": [], "warm_failures": 0, "warm_upstream": 0} for s in servers}
    started = time.time()
    try:
        wait_http(f"{upstream}/simple/")
        counts = lambda: json.loads(http(f"{upstream}/_counts"))["paths"]  # noqa: E731
        agents = lambda: json.loads(http(f"{upstream}/_counts"))["agents"]  # noqa: E731
        reset = lambda: http(f"{upstream}/_reset", method="POST")  # noqa: E731

        # Warm: fill each cache with one install, then timed runs, the servers taking turns.
        urls = {}
        for s in servers:
            urls[s.key] = s.start()
            venv = os.path.join(work, f"warmup-{s.key}")
            make_venv(python, venv)
            log = os.path.join(LOG_DIR, f"{s.key}-warmup-client.log")
            ok, secs = install(urls[s.key], venv, log)
            print(f"{s.label}: warm-up install {'ok' if ok else 'FAILED'} in {secs:.1f} s", file=sys.stderr)
            if not ok:
                print(tail(log), file=sys.stderr)
            shutil.rmtree(venv)
        for r in range(RUNS):
            for s in servers:
                venv = os.path.join(work, f"warm-{s.key}-{r}")
                make_venv(python, venv)
                reset()
                log = os.path.join(LOG_DIR, f"{s.key}-warm-{r}-client.log")
                ok, secs = install(urls[s.key], venv, log)
                results[s.key]["warm_upstream"] += sum(counts().values())
                if ok:
                    results[s.key]["warm"].append(secs)
                else:
                    results[s.key]["warm_failures"] += 1
                    print(f"{s.label}: warm run {r} FAILED:\n{tail(log)}", file=sys.stderr)
                print(f"{s.label}: warm run {r}: {secs:.2f} s", file=sys.stderr)
                shutil.rmtree(venv)
        for s in servers:
            s.stop()

        # Cold: fresh state, then every client at once; then the same burst again, now warm.
        for s in servers:
            url = s.start()
            reset()
            cold = burst(s, url, python, work, "cold")
            c = counts()
            with open(os.path.join(LOG_DIR, f"{s.key}-cold-upstream-requests.json"), "w") as f:
                json.dump({"paths": c, "user-agents": agents()}, f, indent=1, sort_keys=True)
            per_file = [c.get(f"/packages/{w}", 0) for w in wheels]
            per_meta = [c.get(f"/packages/{w}.metadata", 0) for w in wheels]
            per_page = [c.get(f"/simple/{p}/", 0) for p in projects]
            results[s.key].update(
                cold=cold, files=per_file, metadata=per_meta, pages=per_page, agents=agents(),
                other=sum(c.values()) - sum(per_file) - sum(per_meta) - sum(per_page),
                rss=tree_rss_mib(s.proc.pid), rss_after=tree_rss_mib(s.proc.pid, "VmRSS"))
            reset()
            results[s.key]["burst_warm"] = burst(s, url, python, work, "burst-warm")
            results[s.key]["burst_warm_upstream"] = sum(counts().values())
            s.stop()
    finally:
        for s in servers:
            s.stop()
        upstream_proc.send_signal(signal.SIGTERM)
        upstream_proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    report(servers, results, len(wheels), time.time() - started)


def report(servers, results, n_wheels, elapsed):
    nan = float("nan")
    warm = {s.key: results[s.key]["warm"] for s in servers}
    medians = {k: statistics.median(v) if v else nan for k, v in warm.items()}
    cold = {s.key: results[s.key].get("cold", {"wall": nan, "failures": [], "sampled": nan}) for s in servers}
    best_warm = min((v for v in medians.values() if v == v), default=nan)
    clean = [cold[s.key]["wall"] for s in servers if not cold[s.key]["failures"]]
    best_cold = min(clean, default=nan)
    print(f"\n{n_wheels} wheels; warm: {RUNS} runs each; cold: {COLD_CLIENTS} concurrent clients; "
          f"whole bench {elapsed / 60:.1f} min\n")
    print("| server | warm median | warm min | warm / fastest | cold wall | cold / fastest without failures "
          "| cold failures | upstream GETs per file (max / mean) | peak RSS (VmHWM, cold) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for s in servers:
        r, c = results[s.key], cold[s.key]
        warm_failed = f" ({r['warm_failures']} failed)" if r["warm_failures"] else ""
        files = r.get("files", [0])
        print(f"| {s.label} | {medians[s.key]:.2f} s{warm_failed} | {min(warm[s.key], default=nan):.2f} s "
              f"| {medians[s.key] / best_warm:.2f}x | {c['wall']:.1f} s | {c['wall'] / best_cold:.2f}x "
              f"| {len(c['failures'])}/{COLD_CLIENTS} | {max(files)} / {statistics.mean(files):.2f} "
              f"| {r.get('rss', nan):.0f} MiB |")
    peers = [s for s in servers if s.key != "tributary"]
    if "tributary" in results and peers:
        fastest_warm = min(medians[s.key] for s in peers)
        clean_peers = [cold[s.key]["wall"] for s in peers if not cold[s.key]["failures"]]
        ratio = cold["tributary"]["wall"] / min(clean_peers) if clean_peers else nan
        print(f"\nTributary / fastest peer: warm median {medians['tributary'] / fastest_warm:.2f}x, "
              f"cold wall {ratio:.2f}x (the fastest peer without failures)")
    print("\n| server | cold: upstream GETs per project page (max / mean) | cold: `.metadata` GETs "
          "| cold: other upstream requests | cold: median client resolve / prepare | cold: CPU server / clients "
          "| cold: RSS sampled (max) / after | same burst again, warm: wall, failures, upstream requests "
          "| warm burst: CPU server / clients | upstream requests in the timed warm runs |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for s in servers:
        r, c = results[s.key], cold[s.key]
        b = r.get("burst_warm", {"wall": nan, "failures": []})
        pages = r.get("pages", [0])
        print(f"| {s.label} | {max(pages)} / {statistics.mean(pages):.2f} | {sum(r.get('metadata', [0]))} "
              f"| {r.get('other', 0)} | {c.get('resolve', nan):.1f} s / {c.get('prepare', nan):.1f} s "
              f"| {c.get('server_cpu', nan):.1f} s / {c.get('clients_cpu', nan):.0f} s "
              f"| {c['sampled']:.0f} / {r.get('rss_after', nan):.0f} MiB "
              f"| {b['wall']:.1f} s, {len(b['failures'])}/{COLD_CLIENTS}, {r.get('burst_warm_upstream', 0)} "
              f"| {b.get('server_cpu', nan):.1f} s / {b.get('clients_cpu', nan):.0f} s | {r['warm_upstream']} |")
    print("\nUpstream requests in the cold burst by User-Agent: " + "; ".join(
        f"{s.label}: " + ", ".join(f"{a} {n}" for a, n in sorted(results[s.key].get("agents", {}).items()))
        for s in servers))


if __name__ == "__main__":
    main()
