#!/bin/bash
# The container's health check: GET /healthz on the port of TRIBUTARY_LISTEN, with bash's
# /dev/tcp, so that the image needs no HTTP client. Exits 0 when the answer's status is 200.
set -eu
port="${TRIBUTARY_LISTEN:-0.0.0.0:8080}"
port="${port##*:}"
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 3 status <&3
case "$status" in
    "HTTP/1."?" 200 "*) exit 0 ;;
    *) exit 1 ;;
esac
