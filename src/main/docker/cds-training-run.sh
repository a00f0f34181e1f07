#!/usr/bin/env bash
# AppCDS training run, used by the Dockerfile and by bench/run.sh:   cds-training-run.sh ARCHIVE [java options...]
# Run it in the directory that holds the extracted kimicode2api.jar. It starts the gateway in full, sends a few
# requests of every kind, then stops it with SIGTERM; at exit the JVM writes every class it loaded into ARCHIVE.
# Serving requests matters: an archive trained only up to the context refresh (-Dspring.context.exit=onRefresh)
# misses the web server's and the request path's classes, and started about 0.35 s slower (docs/performance.md).
# Nothing outside this process is contacted: the upstream is a closed local port, so the gateway answers the
# chat requests itself with a 502.
set -euo pipefail
archive=$1
shift
port=${CDS_TRAINING_PORT:-18089}
timeout=${CDS_TRAINING_TIMEOUT:-300} # seconds to wait for the start (slow builders, emulated architectures)

KIMI_API_BASE_URL=http://127.0.0.1:9/coding SERVER_PORT="$port" UPSTREAM_CONNECT_RETRIES=1 \
	java -XX:ArchiveClassesAtExit="$archive" "$@" -jar kimicode2api.jar >cds-training.log 2>&1 &
pid=$!
# Any failure stops the JVM and shows its log, so a failed image build says why.
trap 'rc=$?; kill -KILL "$pid" 2>/dev/null || true; [ "$rc" = 0 ] || cat cds-training.log >&2' EXIT

send() { # one raw HTTP/1.0 request (bash only: the runtime image has no curl); true when it was answered
	local status
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '%b' "$1" >&3
	IFS= read -r -t 30 status <&3 || status=""
	cat <&3 >/dev/null 2>&1 || true # the rest of the answer; an error answer may end with a reset
	exec 3>&-
	[[ $status == HTTP/1.?\ * ]]
}
post() { # path, JSON body
	send "POST $1 HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${#2}\r\n\r\n$2"
}

ready=0
for ((i = 0; i < timeout * 10; i++)); do
	send 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' 2>/dev/null && { ready=1; break; }
	kill -0 "$pid" 2>/dev/null || { echo "the gateway stopped during its training start" >&2; exit 1; }
	sleep 0.1
done
[ "$ready" = 1 ] || { echo "the gateway did not answer within ${timeout}s (CDS_TRAINING_TIMEOUT)" >&2; exit 1; }
for i in 1 2 3; do
	send 'GET /v1/models HTTP/1.0\r\nHost: localhost\r\n\r\n'
	post /v1/chat/completions '{"model":"kimi-for-coding-thinking","messages":[{"role":"user","content":"hi"}]}'
	post /v1/chat/completions '{"model":"kimi-for-coding","stream":true,"messages":[{"role":"user","content":"hi"}]}'
	post /v1/messages '{"model":"kimi-for-coding-thinking","max_tokens":1024,"messages":[{"role":"user","content":"hi"}]}'
	post /v1/chat/completions '{not json'
	send 'GET /actuator/health/readiness HTTP/1.0\r\nHost: localhost\r\n\r\n'
	send 'GET /actuator/prometheus HTTP/1.0\r\nHost: localhost\r\n\r\n'
done
kill -TERM "$pid"
wait "$pid" || true # 143: the JVM's status after a SIGTERM it handled
[ -s "$archive" ] || { echo "no archive $archive was written" >&2; exit 1; }
trap - EXIT
rm -f cds-training.log
