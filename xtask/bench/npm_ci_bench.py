#!/usr/bin/env python3
"""`cargo xtask bench npm-ci`: the memory of one Tributary while `npm ci` installs a real project
through `app -> team -> gateway` from the public npm registry (it needs the network).

The project (`npm-ci-project/package.json` and its lockfile) pins 128 packages. Two installs run,
each with an empty npm cache: `npm ci` cold (every packument and tarball fetched from the
registry and stored) and warm (served from what was stored). The server's RSS after each and its
peak RSS (VmHWM) are reported as JSON.

BENCH_TRIBUTARY_BIN: a prebuilt binary (else this tree's release build).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (ADMIN_KEY, ADMIN_SECRET, aws_cli, free_port, tree_rss_mib,  # noqa: E402
                      tributary_binary, tributary_chain, wait_http)

PROJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npm-ci-project")


def npm_ci(project, registry, token, cache):
    """`npm ci` of `project` against `registry`, with an empty npm cache; returns its seconds."""
    host = registry.split("://", 1)[1]
    with open(os.path.join(project, ".npmrc"), "w") as f:
        f.write(f"registry={registry}/\n//{host}/:_authToken={token}\n")
    shutil.rmtree(os.path.join(project, "node_modules"), ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    started = time.time()
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--cache", cache,
                    "--registry", registry + "/"], cwd=project, check=True, stdout=subprocess.DEVNULL)
    return round(time.time() - started, 1)


def count_packages(project):
    with open(os.path.join(project, "package-lock.json")) as f:
        return sum(1 for path in json.load(f)["packages"] if path)


def main():
    aws = aws_cli()
    binary = tributary_binary()
    work = tempfile.mkdtemp(prefix="tributary-npm-ci-")
    server = None
    try:
        project = os.path.join(work, "project")
        shutil.copytree(PROJECT, project)
        port = free_port()
        env = dict(os.environ, TRIBUTARY_ADMIN_ACCESS_KEY_ID=ADMIN_KEY,
                   TRIBUTARY_ADMIN_SECRET_ACCESS_KEY=ADMIN_SECRET, TRIBUTARY_LOG="error")
        server = subprocess.Popen([binary, "serve", "--data-dir", os.path.join(work, "trib"),
                                   "--listen", f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL)
        wait_http(f"http://127.0.0.1:{port}/healthz", proc=server)
        token = tributary_chain(aws, port, "public:npmjs", ["gateway", "team", "app"], os.environ)
        registry = f"http://127.0.0.1:{port}/npm/bench/app"
        cache = os.path.join(work, "npm-cache")
        steps = {}
        for step in ["cold", "warm"]:
            seconds = npm_ci(project, registry, token, cache)
            steps[step] = {"seconds": seconds, "rss_mib": round(tree_rss_mib(server.pid, "VmRSS"), 1),
                           "peak_rss_mib": round(tree_rss_mib(server.pid), 1)}
        print(json.dumps({"packages": count_packages(project), "steps": steps,
                          "peak_rss_mib": round(tree_rss_mib(server.pid), 1)}, indent=1))
    finally:
        if server is not None:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
