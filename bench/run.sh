#!/usr/bin/env bash
# kimicode2api benchmark, one command from a fresh clone:   bash bench/run.sh
#
# Measures, on this machine and against a fast local fake upstream (bench/FakeUpstream.java), all on 127.0.0.1:
#   - non-streaming chat completions, wrk -t2 -c64 --latency: the fake upstream direct, nginx as a plain reverse
#     proxy with a keep-alive pool (bench/nginx.conf), the thinnest JVM hop for reference (bench/BareHop.java: Reactor
#     Netty and Jackson, no Spring), and the gateway, cold (first BENCH_COLD_SECONDS of load) and
#     warm (after BENCH_WARM_AFTER_SECONDS of load), with the plain model and the thinking (rewritten) model;
#   - the agent paths, warm: POST /v1/responses bridged onto chat completions (plain and streamed, next to the chat
#     route's stream), and one request at a time the latency added to the thinking rewrite and to a 40-message,
#     20-tool agent turn on the thinking model;
#   - SSE added latency per event, gateway vs direct (bench/StreamLatency.java);
#   - concurrent open streams through the gateway, with RSS, file descriptors and CPU (bench/StreamHold.java): at
#     BENCH_STREAMS, then, when the open-files limit cannot hold 2 sockets per stream in the gateway, again at the
#     largest count that limit allows;
#   - the added cost of rewriting a ~3 MB thinking request (median of BENCH_BIG_POSTS POSTs, direct vs gateway);
#   - the gateway's time from process start to ready (fat jar; extracted jar; + AppCDS archive; + AppCDS and Spring
#     AOT, as the Dockerfile runs it) and its RSS.
# Prints one markdown table and writes it to bench/results-latest.md. Stops everything it started on exit.
#
# Settings (environment):
#   BENCH_SECONDS=8              seconds of each measured wrk figure
#   BENCH_COLD_SECONDS=30        first load on a fresh gateway, split evenly: plain model, then thinking model
#   BENCH_WARM_AFTER_SECONDS=75  seconds of load on the gateway before the warm figures (the rest is warm-up)
#   BENCH_STREAMS=10000          concurrent streams for the hold test; BENCH_HOLD_EVENTS=30, BENCH_HOLD_GAP_MS=1000,
#                                BENCH_HOLD_RAMP_SECONDS=20 (streams are opened evenly over the ramp)
#   BENCH_HOLD_FIT=1             second hold run sized to the open-files limit when BENCH_STREAMS does not fit (0: skip)
#   BENCH_GATEWAY_OPTS=""        extra JVM options for the gateway (it always runs with -Xmx512m); any other
#                                environment variable (e.g. LOGGING_LEVEL_KIMICODE2API_ACCESS=warn) reaches it as is
#   BENCH_LAT_STREAMS=16 BENCH_LAT_EVENTS=200 BENCH_LAT_GAP_MS=10   per-event latency test
#   BENCH_BIG_POSTS=20           3 MB POSTs timed per side (after as many warm-up POSTs)
#   BENCH_PATH_WARM_SECONDS=15   untimed load on each agent path (/v1/responses, the streams) before its figure
#   BENCH_BARE=1                 also measure bench/BareHop.java, the thinnest JVM hop, for reference (0: skip)
#   BENCH_STARTS=3               starts of each extracted start-up variant (median and range are reported)
#   BENCH_PORT_BASE=18080        gateway on BASE, fake upstream on BASE+1, nginx on BASE+2
#   BENCH_SKIP_BUILD=1           reuse target/kimicode2api.jar when it exists
#   BENCH_KEEP_TMP=1             keep the temp dir (logs, raw wrk output) instead of deleting it
# Quick run:  BENCH_SECONDS=2 BENCH_COLD_SECONDS=4 BENCH_WARM_AFTER_SECONDS=6 BENCH_STREAMS=500 \
#             BENCH_HOLD_EVENTS=5 BENCH_HOLD_GAP_MS=200 BENCH_HOLD_RAMP_SECONDS=2 BENCH_BIG_POSTS=3 bash bench/run.sh
set -Eeuo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BENCH="$ROOT/bench"

SECS=${BENCH_SECONDS:-8}
COLD=${BENCH_COLD_SECONDS:-30}
WARM_AFTER=${BENCH_WARM_AFTER_SECONDS:-75}
STREAMS=${BENCH_STREAMS:-10000}
HOLD_EVENTS=${BENCH_HOLD_EVENTS:-30}
HOLD_GAP_MS=${BENCH_HOLD_GAP_MS:-1000}
HOLD_RAMP=${BENCH_HOLD_RAMP_SECONDS:-20}
HOLD_FIT=${BENCH_HOLD_FIT:-1}
GATEWAY_OPTS=${BENCH_GATEWAY_OPTS:-}
LAT_STREAMS=${BENCH_LAT_STREAMS:-16}
LAT_EVENTS=${BENCH_LAT_EVENTS:-200}
LAT_GAP_MS=${BENCH_LAT_GAP_MS:-10}
BIG_POSTS=${BENCH_BIG_POSTS:-20}
PATH_WARM=${BENCH_PATH_WARM_SECONDS:-15}
STARTS=${BENCH_STARTS:-3}
[ "$STARTS" -ge 1 ] 2>/dev/null || { echo "BENCH_STARTS must be at least 1" >&2; exit 1; }
BARE=${BENCH_BARE:-1}
PORT_BASE=${BENCH_PORT_BASE:-18080}
GW_PORT=$PORT_BASE
FAKE_PORT=$((PORT_BASE + 1))
NGINX_PORT=$((PORT_BASE + 2))
BARE_PORT=$((PORT_BASE + 3))
COLD_HALF=$(((COLD + 1) / 2))
CHAT=/v1/chat/completions

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- 1. tools, limits, build
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	log "installing ${need[*]}"
	$SUDO apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v java >/dev/null 2>&1 || die "java (JDK 17+) is needed"

# Many concurrent streams need many descriptors in every process: raise the limit as far as allowed.
ulimit -Hn 65536 2>/dev/null || true
HARD_NOFILE=$(ulimit -Hn)
if [ "$HARD_NOFILE" = unlimited ] || [ "$HARD_NOFILE" -ge 65536 ]; then ulimit -n 65536; else ulimit -n "$HARD_NOFILE"; fi
NOFILE=$(ulimit -n)
log "open-files limit for all processes: $NOFILE (hard limit $HARD_NOFILE)"

JAR="$ROOT/target/kimicode2api.jar"
if [ "${BENCH_SKIP_BUILD:-0}" = 1 ] && [ -f "$JAR" ]; then
	log "reusing $JAR"
else
	log "building the jar"
	if command -v mvn >/dev/null 2>&1; then mvn -B -q -DskipTests package >&2; else ./mvnw -B -q -DskipTests package >&2; fi
fi
[ -f "$JAR" ] || die "no $JAR after the build"

for p in "$GW_PORT" "$FAKE_PORT" "$NGINX_PORT" "$BARE_PORT"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then die "port $p is already in use (set BENCH_PORT_BASE)"; fi
done

# ---------------------------------------------------------------- process bookkeeping
TMP=$(mktemp -d /tmp/kimicode2api-bench.XXXXXX)
FAKE_PID="" NGINX_PID="" GW_PID="" BARE_PID=""
stop_pid() { # pid, seconds to wait after TERM before KILL
	local pid=$1 wait=${2:-10} i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < wait * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	local rc=$?
	stop_pid "$GW_PID" 10
	stop_pid "$NGINX_PID" 5
	stop_pid "$BARE_PID" 5
	stop_pid "$FAKE_PID" 5
	if [ "${BENCH_KEEP_TMP:-0}" = 1 ]; then log "logs kept in $TMP"; else rm -rf "$TMP"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Readiness probe with bash builtins only (no curl process per try, which would steal CPU from a starting JVM on
# 2 cores): true when GET path on 127.0.0.1:port answers 2xx.
probe() { # port, path
	local line
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
	IFS= read -r -t 2 line <&3 || line=""
	exec 3>&-
	[[ $line == HTTP/1.?\ 2* ]]
}
wait_http() { # port, path, seconds, pid; true when it answered 2xx (polled every 50 ms)
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		probe "$1" "$2" 2>/dev/null && return 0
		kill -0 "$4" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
rss_mb() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

start_gateway() { # extra env assignments...; sets GW_PID, READY_MS, STARTED_LINE
	local t0 t1
	t0=$(now_ms)
	# The access lines (hundreds of MB in a run) are formatted and written by the gateway as always, but not kept:
	# on this VM, a log file that size made the page cache's writeback stall the gateway (docs/performance.md).
	env "$@" KIMI_API_BASE_URL="http://127.0.0.1:$FAKE_PORT/coding" SERVER_PORT="$GW_PORT" \
		java -Xmx512m $GATEWAY_OPTS -jar "$JAR" > >(grep --line-buffered -v ' kimicode2api\.access ' >>"$TMP/gateway.log") 2>&1 &
	GW_PID=$!
	wait_http "$GW_PORT" / 120 "$GW_PID" || die "the gateway did not answer GET / within 120 s (see $TMP/gateway.log)"
	t1=$(now_ms)
	READY_MS=$((t1 - t0))
	STARTED_LINE=$(grep -o 'Started [A-Za-z0-9]* in [0-9.]* seconds (process running for [0-9.]*)' "$TMP/gateway.log" | tail -1 || true)
}

# ---------------------------------------------------------------- wrk helpers
declare -A RPS P50 P99 ERRS
lat_ms() { # percentile label (50%), file
	awk -v p="$1" '$1 == p {
		v = $2
		if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
		else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
		else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
	}' "$2"
}
wrk_run() { # name, lua script, url, seconds
	local name=$1 script=$2 url=$3 secs=$4 out="$TMP/wrk-$1.txt"
	log "wrk $name: ${secs}s @ $url"
	wrk -t2 -c64 -d"${secs}s" --latency -s "$script" "$url" >"$out" 2>&1 || true
	RPS[$name]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
	P50[$name]=$(lat_ms 50% "$out")
	P99[$name]=$(lat_ms 99% "$out")
	ERRS[$name]=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$out")
	: "${RPS[$name]:=0}" "${P50[$name]:=?}" "${P99[$name]:=?}"
	log "  -> ${RPS[$name]} rps, p50 ${P50[$name]} ms, p99 ${P99[$name]} ms, errors ${ERRS[$name]}"
}
wrk_load() { # untimed load: lua script, url, seconds
	[ "$3" -gt 0 ] || return 0
	log "warm-up load ${3}s @ $2"
	wrk -t2 -c64 -d"${3}s" -s "$1" "$2" >"$TMP/wrk-warmup-$(now_ms).txt" 2>&1 || true
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "?") printf "%.2f", a / b; else printf "–" }'; }
fmt_int() { awk -v a="$1" 'BEGIN { s = sprintf("%.0f", a); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } print s r }'; }

# ---------------------------------------------------------------- 2. fake upstream
log "starting the fake upstream on 127.0.0.1:$FAKE_PORT"
java -Xmx2g "$BENCH/FakeUpstream.java" "$FAKE_PORT" >"$TMP/fake.log" 2>&1 &
FAKE_PID=$!
wait_http "$FAKE_PORT" / 60 "$FAKE_PID" || die "the fake upstream did not start (see $TMP/fake.log)"
DIRECT="http://127.0.0.1:$FAKE_PORT/coding$CHAT"

# ---------------------------------------------------------------- 3a. direct
wrk_load "$BENCH/chat.lua" "$DIRECT" 5
wrk_run direct-plain "$BENCH/chat.lua" "$DIRECT" "$SECS"
wrk_run direct-thinking "$BENCH/chat-thinking.lua" "$DIRECT" "$SECS"

# ---------------------------------------------------------------- 3b. nginx
mkdir -p "$TMP/nginx"
NGINX_CONF="$BENCH/nginx.conf"
if [ "$PORT_BASE" != 18080 ]; then
	sed -e "s/127\.0\.0\.1:18081/127.0.0.1:$FAKE_PORT/" -e "s/127\.0\.0\.1:18082/127.0.0.1:$NGINX_PORT/" \
		"$BENCH/nginx.conf" >"$TMP/nginx/nginx.conf"
	NGINX_CONF="$TMP/nginx/nginx.conf"
fi
log "starting nginx on 127.0.0.1:$NGINX_PORT"
"$NGINX" -c "$NGINX_CONF" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" &
NGINX_PID=$!
wait_http "$NGINX_PORT" / 30 "$NGINX_PID" || die "nginx did not start (see $TMP/nginx/error.log)"
NGINX_URL="http://127.0.0.1:$NGINX_PORT$CHAT"
wrk_load "$BENCH/chat.lua" "$NGINX_URL" 3
wrk_run nginx-plain "$BENCH/chat.lua" "$NGINX_URL" "$SECS"
wrk_run nginx-thinking "$BENCH/chat-thinking.lua" "$NGINX_URL" "$SECS"
stop_pid "$NGINX_PID" 5
NGINX_PID=""

# ---------------------------------------------------------------- 3b'. the thinnest JVM hop, for reference
# bench/BareHop.java: Reactor Netty server + client and the same Jackson rewrite, no Spring. It runs on the gateway's
# own libraries (the extracted jar, also used for the start-up variants below) and gets the same warm-up.
java -Djarmode=tools -jar "$JAR" extract --destination "$TMP/cds" >"$TMP/cds-extract.log" 2>&1 ||
	log "could not extract $JAR (see $TMP/cds-extract.log): no bare hop, no start-up variants"
[ -f "$TMP/cds/kimicode2api.jar" ] || BARE=0
if [ "$BARE" = 1 ]; then
	log "starting the bare Reactor Netty hop on 127.0.0.1:$BARE_PORT (reference, no Spring)"
	java -Xmx512m -Dreactor.netty.ioWorkerCount="$(($(nproc) > 2 ? $(nproc) : 2))" -cp "$TMP/cds/lib/*" \
		"$BENCH/BareHop.java" "$BARE_PORT" "http://127.0.0.1:$FAKE_PORT/coding" >"$TMP/barehop.log" 2>&1 &
	BARE_PID=$!
	wait_http "$BARE_PORT" / 60 "$BARE_PID" || die "the bare hop did not start (see $TMP/barehop.log)"
	BARE_URL="http://127.0.0.1:$BARE_PORT$CHAT"
	wrk_load "$BENCH/chat-thinking.lua" "$BARE_URL" $((WARM_AFTER / 2))
	wrk_load "$BENCH/chat.lua" "$BARE_URL" $((WARM_AFTER - WARM_AFTER / 2))
	wrk_run bare-plain-warm "$BENCH/chat.lua" "$BARE_URL" "$SECS"
	wrk_run bare-thinking-warm "$BENCH/chat-thinking.lua" "$BARE_URL" "$SECS"
	stop_pid "$BARE_PID" 5
	BARE_PID=""
fi

# ---------------------------------------------------------------- 3c. gateway, cold then warm
log "starting the gateway on 127.0.0.1:$GW_PORT (java -Xmx512m $GATEWAY_OPTS -jar target/kimicode2api.jar)"
start_gateway
READY1_MS=$READY_MS
STARTED1=$STARTED_LINE
RSS_IDLE_START=$(rss_mb "$GW_PID")
log "gateway ready after $READY1_MS ms ($STARTED1), RSS $RSS_IDLE_START MB"
GW="http://127.0.0.1:$GW_PORT"
GW_URL="$GW$CHAT"

# correctness first: the figures mean nothing if the gateway does not do its job
[ "$(curl -s "$GW/")" = '{"status":"running"}' ] || die "GET / did not answer {\"status\":\"running\"}"
hdrs=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
	-d '{"model":"kimi-for-coding-thinking","messages":[]}' "$GW_URL" | tr -d '\r')
grep -qi '^X-Fake-Thinking: true' <<<"$hdrs" || die "the thinking model was not rewritten: $hdrs"
grep -qi '^X-Fake-Path: /coding/v1/chat/completions' <<<"$hdrs" || die "the base path was not kept: $hdrs"
plain='{"model":"kimi-for-coding","messages":[]}'
hdrs=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d "$plain" "$GW_URL" | tr -d '\r')
grep -qi "^X-Fake-Body-Bytes: ${#plain}\$" <<<"$hdrs" || die "the plain model's body was not forwarded as is: $hdrs"
grep -qi '^X-Fake-Thinking: false' <<<"$hdrs" || die "the plain model got thinking: $hdrs"
log "gateway checks passed (rewrite, base path, plain body as is)"

wrk_run gw-plain-cold "$BENCH/chat.lua" "$GW_URL" "$COLD_HALF"
wrk_run gw-thinking-cold "$BENCH/chat-thinking.lua" "$GW_URL" "$((COLD - COLD_HALF > 0 ? COLD - COLD_HALF : 1))"
REST=$((WARM_AFTER - COLD))
wrk_load "$BENCH/chat-thinking.lua" "$GW_URL" $((REST / 2))
wrk_load "$BENCH/chat.lua" "$GW_URL" $((REST - REST / 2))
wrk_run gw-plain-warm "$BENCH/chat.lua" "$GW_URL" "$SECS"
wrk_run gw-thinking-warm "$BENCH/chat-thinking.lua" "$GW_URL" "$SECS"

# ---------------------------------------------------------------- 3d. the agent paths, warm
# POST /v1/responses bridged onto the same chat completion, plain and streamed (20 upstream events, no gap), next to
# the chat route's stream; each path gets untimed load first, so the JIT has compiled it too.
RESP_URL="$GW/v1/responses"
wrk_load "$BENCH/responses.lua" "$RESP_URL" "$PATH_WARM"
wrk_run gw-responses-warm "$BENCH/responses.lua" "$RESP_URL" "$SECS"
wrk_run direct-stream "$BENCH/chat-stream.lua" "$DIRECT" "$SECS"
wrk_load "$BENCH/chat-stream.lua" "$GW_URL" "$PATH_WARM"
wrk_run gw-stream-warm "$BENCH/chat-stream.lua" "$GW_URL" "$SECS"
wrk_load "$BENCH/responses-stream.lua" "$RESP_URL" "$PATH_WARM"
wrk_run gw-responses-stream-warm "$BENCH/responses-stream.lua" "$RESP_URL" "$SECS"
# One request at a time (wrk -t1 -c1), direct and through the gateway: the latency a turn adds, for the thinking
# rewrite and for a 40-message, 20-tool agent turn on the thinking model (reasoning restored, schemas repaired).
declare -A ONE
one_at_a_time() { # name, lua script
	local side url out
	wrk_load "$BENCH/$2" "$GW_URL" 3
	for side in direct gateway; do
		url=$GW_URL
		[ $side = direct ] && url=$DIRECT
		out="$TMP/wrk-one-$1-$side.txt"
		wrk -t1 -c1 -d"${SECS}s" --latency -s "$BENCH/$2" "$url" >"$out" 2>&1 || true
		ONE[$1,$side]="$(lat_ms 50% "$out") $(lat_ms 99% "$out")"
		ONE[$1,$side,errors]=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} END {print n + 0}' "$out")
		log "  one at a time, $1, $side: p50/p99 ${ONE[$1,$side]} ms, errors ${ONE[$1,$side,errors]}"
	done
}
one_at_a_time thinking chat-thinking.lua
one_at_a_time agent agent-turn.lua

# ---------------------------------------------------------------- 4a. SSE per-event latency
log "SSE per-event latency: $LAT_STREAMS streams x $LAT_EVENTS events, ${LAT_GAP_MS} ms apart"
java -Xmx256m "$BENCH/StreamLatency.java" "warmup=$GW_PORT$CHAT" "direct=$FAKE_PORT/coding$CHAT" "gateway=$GW_PORT$CHAT" \
	--streams "$LAT_STREAMS" --events "$LAT_EVENTS" --gap-ms "$LAT_GAP_MS" --rounds 3 >"$TMP/latency.txt" 2>"$TMP/latency.err" || true
cat "$TMP/latency.txt" >&2
lat_field() { awk -v t="$1" -v f="$2" '$1 == "RESULT" && $2 == t { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }' "$TMP/latency.txt"; }
LD_P50=$(lat_field direct p50_us) LD_P99=$(lat_field direct p99_us) LD_N=$(lat_field direct events) LD_OK=$(lat_field direct streams_ok)
LG_P50=$(lat_field gateway p50_us) LG_P99=$(lat_field gateway p99_us) LG_N=$(lat_field gateway events) LG_OK=$(lat_field gateway streams_ok)
ADD_P50=$(awk -v g="$LG_P50" -v d="$LD_P50" 'BEGIN { printf "%d", g - d }')
ADD_P99=$(awk -v g="$LG_P99" -v d="$LD_P99" 'BEGIN { printf "%d", g - d }')

# ---------------------------------------------------------------- 5. 3 MB thinking rewrite
BIG="$TMP/big.json"
{
	printf '{"messages":[{"role":"system","content":"You are a coding assistant."},{"role":"user","content":"'
	yes 'Please review this file line by line: \"for (int i = 0; i < n; i++) { total += prices[i] * qty[i]; }\"\n' | head -n 30000 | tr -d '\n' || true
	printf '"}],"model":"kimi-for-coding-thinking","temperature":0.6,"stream":false}'
} >"$BIG"
BIG_BYTES=$(stat -c %s "$BIG")
big_post() { # url -> "code seconds"
	curl -s -o /dev/null -H 'Content-Type: application/json' -H 'Expect:' -w '%{http_code} %{time_total}\n' \
		--data-binary @"$BIG" "$1"
}
log "3 MB thinking POSTs ($BIG_BYTES bytes): $BIG_POSTS warm-up + $BIG_POSTS timed per side, interleaved"
hdrs=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -H 'Expect:' --data-binary @"$BIG" "$GW_URL" | tr -d '\r')
grep -qi '^X-Fake-Thinking: true' <<<"$hdrs" || die "the 3 MB thinking request was not rewritten: $hdrs"
for ((i = 0; i < BIG_POSTS; i++)); do big_post "$DIRECT" >/dev/null; big_post "$GW_URL" >/dev/null; done
: >"$TMP/big-direct.txt"
: >"$TMP/big-gw.txt"
for ((i = 0; i < BIG_POSTS; i++)); do
	big_post "$DIRECT" >>"$TMP/big-direct.txt"
	big_post "$GW_URL" >>"$TMP/big-gw.txt"
done
median_ms() { awk '$1 == 200 { print $2 * 1000 }' "$1" | sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "?"; else if (NR % 2) printf "%.1f", a[(NR + 1) / 2]; else printf "%.1f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
big_ok() { awk '$1 == 200' "$1" | wc -l; }
BIG_D=$(median_ms "$TMP/big-direct.txt")
BIG_G=$(median_ms "$TMP/big-gw.txt")
BIG_ADD=$(awk -v g="$BIG_G" -v d="$BIG_D" 'BEGIN { printf "%.1f", g - d }')
log "  -> direct $BIG_D ms, gateway $BIG_G ms, added $BIG_ADD ms"

# ---------------------------------------------------------------- 4b/4c. concurrent streams, RSS
RSS_IDLE_LOADED=$(rss_mb "$GW_PID")
hold() { # name, streams
	local name=$1 n=$2 before
	before=$(wc -l <"$TMP/gateway.log")
	log "stream hold ($name): $n streams x $HOLD_EVENTS events ${HOLD_GAP_MS} ms apart, opened over ${HOLD_RAMP}s"
	java -Xmx1g "$BENCH/StreamHold.java" "$GW_PORT" "$CHAT" --streams "$n" --events "$HOLD_EVENTS" \
		--gap-ms "$HOLD_GAP_MS" --ramp-s "$HOLD_RAMP" --rss-pid "$GW_PID" --grace-s 60 >"$TMP/hold-$name.txt" 2>&1 || true
	cat "$TMP/hold-$name.txt" >&2
	tail -n +"$((before + 1))" "$TMP/gateway.log" | grep -E ' (WARN|ERROR) ' | sed -E 's/^[^ ]+ +//; s/[0-9]+/N/g' |
		cut -c1-220 | sort | uniq -c | sort -rn | head -5 >"$TMP/hold-$name-log.txt" || true
	tail -n +"$((before + 1))" "$TMP/gateway.log" | grep -c -E ' (WARN|ERROR) ' >"$TMP/hold-$name-logcount.txt" || true
}
hold_field() { awk -v f="$2" '$1 == "RESULT" { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }' "$TMP/hold-$1.txt" 2>/dev/null; }
# Each stream is 2 sockets in the gateway (client side and upstream side) plus its ~30 own descriptors (jars, epoll).
FIT_STREAMS=$(((NOFILE - 400) / 2))
hold full "$STREAMS"
if [ "$HOLD_FIT" = 1 ] && [ "$FIT_STREAMS" -lt "$STREAMS" ]; then
	sleep 5
	hold fit "$FIT_STREAMS"
else
	FIT_STREAMS=""
fi

# ---------------------------------------------------------------- 5b. start-up with AppCDS (the Dockerfile's layout)
stop_pid "$GW_PID" 10
GW_PID=""
start_variant() { # name, java options...: time from process start to the first 2xx of GET /, from $TMP/cds
	local name=$1 t0 t1 pid
	shift
	t0=$(now_ms)
	(cd "$TMP/cds" && exec env KIMI_API_BASE_URL="http://127.0.0.1:$FAKE_PORT/coding" SERVER_PORT="$GW_PORT" \
		java -Xmx512m $GATEWAY_OPTS "$@" -jar kimicode2api.jar >>"$TMP/gateway-$name.log" 2>&1) &
	pid=$!
	if wait_http "$GW_PORT" / 120 "$pid"; then
		t1=$(now_ms)
		echo $((t1 - t0))
	else
		echo "?"
	fi
	stop_pid "$pid" 10
}
# Each variant is started STARTS times; the median is reported, with the range (one start varies by ±1 s here).
median_of() { # name, java options...: "median (min–max)" of STARTS starts
	local name=$1 i v all=()
	shift
	for ((i = 0; i < STARTS; i++)); do
		sleep 2
		v=$(start_variant "$name" "$@")
		[ "$v" = "?" ] && { echo "?"; return; }
		all+=("$v")
	done
	printf '%s\n' "${all[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%d ms (%d–%d)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
train() { # archive, java options...: the Dockerfile's AppCDS training run, in $TMP/cds; prints its ms
	local archive=$1 t0
	shift
	t0=$(now_ms)
	(cd "$TMP/cds" && CDS_TRAINING_PORT="$GW_PORT" bash "$ROOT/src/main/docker/cds-training-run.sh" "$archive" "$@" \
		>"$TMP/cds-train-$archive.log" 2>&1) || true
	echo $(($(now_ms) - t0))
}
log "start-up variants ($STARTS starts each): extracted jar, + AppCDS, + AppCDS and Spring AOT (as the Dockerfile runs it)"
READY_EXTRACTED="?" READY_CDS="?" READY_AOT="?" CDS_TRAIN_MS="?" AOT_TRAIN_MS="?"
if [ -f "$TMP/cds/kimicode2api.jar" ]; then
	READY_EXTRACTED=$(median_of extracted)
	CDS_TRAIN_MS=$(train app.jsa)
	[ -s "$TMP/cds/app.jsa" ] && READY_CDS=$(median_of cds -XX:SharedArchiveFile=app.jsa)
	AOT_TRAIN_MS=$(train app-aot.jsa -Dspring.aot.enabled=true)
	[ -s "$TMP/cds/app-aot.jsa" ] && READY_AOT=$(median_of aot -XX:SharedArchiveFile=app-aot.jsa -Dspring.aot.enabled=true)
fi
log "  -> extracted $READY_EXTRACTED; AppCDS $READY_CDS; AppCDS + AOT $READY_AOT"

# ---------------------------------------------------------------- 6. the table
ms() { awk -v a="$1" 'BEGIN { if (a == "?" || a == "") print "?"; else if (a + 0 < 10) printf "%.2f ms", a; else printf "%.1f ms", a }'; }
us() { awk -v a="$1" 'BEGIN { if (a == "" || a < 0) print "?"; else if (a < 1000) printf "%d µs", a; else printf "%.2f ms", a / 1000 }'; }
row_rps() { # label, name, nginx name, direct name
	local n=$2
	printf '| %s | %s rps (%s errors) | %s | %s | %s | %s |\n' "$1" "$(fmt_int "${RPS[$n]}")" "${ERRS[$n]}" \
		"$(ms "${P50[$n]}")" "$(ms "${P99[$n]}")" "$(ratio "${RPS[$n]}" "${RPS[$3]:-}")" "$(ratio "${RPS[$n]}" "${RPS[$4]}")"
}
row_hold() { # label, name, streams
	local n=$2 total=$3
	if [ ! -s "$TMP/hold-$n.txt" ] || [ -z "$(hold_field "$n" ok)" ]; then
		printf '| %s | no result (see the log) | | | | |\n' "$1"
		return
	fi
	local fails
	fails=$(grep '^FAILURE' "$TMP/hold-$n.txt" | head -3 | sed 's/^FAILURE //; s/|/\//g' | paste -sd ';' - || true)
	printf '| %s | **%s / %s completed** with all events and [DONE]; peak %s held open at once; gateway peak RSS %s MB, %s fds, %s CPU-s; %s WARN/ERROR log lines%s | event delay %s ms | %s ms (max %s) | – | – |\n' \
		"$1" "$(fmt_int "$(hold_field "$n" ok)")" "$(fmt_int "$total")" "$(fmt_int "$(hold_field "$n" peak_live)")" \
		"$(hold_field "$n" rss_peak_mb)" "$(fmt_int "$(hold_field "$n" fd_peak)")" "$(hold_field "$n" cpu_s)" \
		"$(cat "$TMP/hold-$n-logcount.txt" 2>/dev/null || echo ?)" "${fails:+; failures: $fails}" \
		"$(hold_field "$n" delay_p50_ms)" "$(hold_field "$n" delay_p99_ms)" "$(hold_field "$n" delay_max_ms)"
}
RESULTS="$BENCH/results-latest.md"
{
	echo "# kimicode2api benchmark results"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores," \
		"$(java -version 2>&1 | head -1), open-files limit $NOFILE. \`bash bench/run.sh\` with BENCH_SECONDS=$SECS," \
		"BENCH_COLD_SECONDS=$COLD, BENCH_WARM_AFTER_SECONDS=$WARM_AFTER, BENCH_STREAMS=$STREAMS. Every process on the" \
		"same machine and loopback; wrk -t2 -c64 --latency; the gateway runs with -Xmx512m."
	echo
	echo '| measurement | result | p50 | p99 | × nginx | × direct |'
	echo '|---|---|---|---|---|---|'
	row_rps "fake upstream direct, plain model" direct-plain nginx-plain direct-plain
	row_rps "fake upstream direct, thinking-model body" direct-thinking nginx-thinking direct-thinking
	row_rps "nginx reverse proxy (keep-alive pool), plain model" nginx-plain nginx-plain direct-plain
	row_rps "nginx reverse proxy, thinking-model body (not rewritten)" nginx-thinking nginx-thinking direct-thinking
	if [ "$BARE" = 1 ]; then
		row_rps "bare Reactor Netty hop, no Spring (bench/BareHop.java, reference), plain model, warm (after ${WARM_AFTER} s of load)" bare-plain-warm nginx-plain direct-plain
		row_rps "bare Reactor Netty hop, thinking rewrite with Jackson, warm" bare-thinking-warm nginx-thinking direct-thinking
	fi
	row_rps "gateway, plain model, cold (load 0–${COLD_HALF} s)" gw-plain-cold nginx-plain direct-plain
	row_rps "gateway, thinking rewrite, cold (load ${COLD_HALF}–${COLD} s)" gw-thinking-cold nginx-thinking direct-thinking
	row_rps "gateway, plain model, warm (after ${WARM_AFTER} s of load)" gw-plain-warm nginx-plain direct-plain
	row_rps "gateway, thinking rewrite, warm (after ~$((WARM_AFTER + SECS)) s of load)" gw-thinking-warm nginx-thinking direct-thinking
	row_rps "gateway, POST /v1/responses (bridged to chat completions), warm" gw-responses-warm nginx-plain direct-plain
	row_rps "fake upstream direct, chat stream (20 events)" direct-stream - direct-stream
	row_rps "gateway, chat stream (20 events), warm" gw-stream-warm - direct-stream
	row_rps "gateway, POST /v1/responses streamed (the same 20 events translated), warm" gw-responses-stream-warm - direct-stream
	row_one() { # label, name
		local d50 d99 g50 g99
		read -r d50 d99 <<<"${ONE[$2,direct]:-? ?}"
		read -r g50 g99 <<<"${ONE[$2,gateway]:-? ?}"
		printf '| %s, one request at a time (wrk -t1 -c1), direct → via gateway | %s errors | %s → %s | %s → %s | – | added: **p50 %s** |\n' \
			"$1" "$((${ONE[$2,direct,errors]:-0} + ${ONE[$2,gateway,errors]:-0}))" "$(ms "$d50")" "$(ms "$g50")" "$(ms "$d99")" "$(ms "$g99")" \
			"$(us "$(awk -v g="$g50" -v d="$d50" 'BEGIN { if (g == "?" || d == "?") print -1; else printf "%d", (g - d) * 1000 }')")"
	}
	row_one "thinking rewrite (bench/chat-thinking.lua, 230 bytes)" thinking
	row_one "agent turn on the thinking model (bench/agent-turn.lua: 40 messages, 20 tools, 30 KB; reasoning restored, 2 schemas repaired)" agent
	printf '| SSE arrival − upstream write, direct (%s streams × %s events, %s ms apart) | %s events, %s streams ok | %s | %s | – | – |\n' \
		"$LAT_STREAMS" "$LAT_EVENTS" "$LAT_GAP_MS" "${LD_N:-?}" "${LD_OK:-?}" "$(us "${LD_P50:-}")" "$(us "${LD_P99:-}")"
	printf '| SSE arrival − upstream write, via gateway | %s events, %s streams ok | %s | %s | – | added: **p50 %s, p99 %s** |\n' \
		"${LG_N:-?}" "${LG_OK:-?}" "$(us "${LG_P50:-}")" "$(us "${LG_P99:-}")" "$(us "$ADD_P50")" "$(us "$ADD_P99")"
	printf '| %s-byte thinking POST, direct (median of %s) | %s ms (%s/%s ok) | | | – | – |\n' \
		"$(fmt_int "$BIG_BYTES")" "$BIG_POSTS" "$BIG_D" "$(big_ok "$TMP/big-direct.txt")" "$BIG_POSTS"
	printf '| same, via gateway (rewritten) | %s ms (%s/%s ok) | | | – | added: **%s ms** |\n' \
		"$BIG_G" "$(big_ok "$TMP/big-gw.txt")" "$BIG_POSTS" "$BIG_ADD"
	row_hold "concurrent SSE streams via gateway, ${HOLD_EVENTS} events ${HOLD_GAP_MS} ms apart, opened over ${HOLD_RAMP} s" full "$STREAMS"
	if [ -n "$FIT_STREAMS" ]; then
		row_hold "same with $(fmt_int "$FIT_STREAMS") streams, the most that the open-files limit ($NOFILE) can hold at 2 sockets a stream" fit "$FIT_STREAMS"
	fi
	printf '| gateway start to first answer of GET / | **%s ms**; log: %s | | | – | – |\n' "$READY1_MS" "${STARTED1:-?}"
	printf '| same, extracted jar (`java -Djarmode=tools -jar … extract`, as in the Dockerfile), median of %s (range) | **%s** | | | – | – |\n' "$STARTS" "$READY_EXTRACTED"
	printf '| same, extracted + AppCDS archive (`-XX:SharedArchiveFile`, trained by `src/main/docker/cds-training-run.sh` in %s ms), median of %s (range) | **%s** | | | – | – |\n' "$CDS_TRAIN_MS" "$STARTS" "$READY_CDS"
	printf '| same, extracted + AppCDS + Spring AOT (`-Dspring.aot.enabled=true`, archive trained in that mode in %s ms): the Docker image, median of %s (range) | **%s** | | | – | – |\n' "$AOT_TRAIN_MS" "$STARTS" "$READY_AOT"
	printf '| gateway RSS (VmRSS, -Xmx512m) | idle after start %s MB; idle after the wrk load %s MB; peak under the stream hold %s MB%s | | | – | – |\n' \
		"$RSS_IDLE_START" "$RSS_IDLE_LOADED" "$(hold_field full rss_peak_mb)" "$(hold_field full rss_after_mb | sed 's/^/, after it /; s/$/ MB/')"
	echo
	echo "Targets:"
	echo
	echo '| target | figure | met |'
	echo '|---|---|---|'
	tr=$(ratio "${RPS[gw-thinking-warm]}" "${RPS[nginx-thinking]}")
	printf '| thinking-rewrite throughput ≥ 0.5× nginx (warm) | %s× (cold: %s×) | %s |\n' "$tr" \
		"$(ratio "${RPS[gw-thinking-cold]}" "${RPS[nginx-thinking]}")" "$(awk -v r="$tr" 'BEGIN { print (r + 0 >= 0.5 ? "yes" : "no") }')"
	printf '| added per-event streaming latency p99 < 1 ms | %s | %s |\n' "$(us "$ADD_P99")" \
		"$(awk -v a="$ADD_P99" 'BEGIN { print (a < 1000 ? "yes" : "no") }')"
	printf '| 10,000 concurrent streams | %s of %s completed, at most %s held open at once%s | %s |\n' \
		"$(fmt_int "$(hold_field full ok)")" "$(fmt_int "$STREAMS")" "$(fmt_int "$(hold_field full peak_live)")" \
		"${FIT_STREAMS:+; $(fmt_int "$(hold_field fit ok)") of $(fmt_int "$FIT_STREAMS") within the open-files limit}" \
		"$(awk -v a="$(hold_field full ok)" -v n="$STREAMS" -v f="$NOFILE" 'BEGIN { print (n >= 10000 && a + 0 >= n ? "yes" : (2 * n + 100 > f ? "not measurable here: the open-files limit " f " is below 2 sockets × " n " streams + the JVM'"'"'s own" : "no")) }')"
	printf '| ready < 3 s | %s ms (fat jar); %s (extracted + AppCDS + AOT, as the Dockerfile runs it) | %s |\n' "$READY1_MS" "$READY_AOT" \
		"$(awk -v a="$READY1_MS" -v c="${READY_AOT%% *}" 'BEGIN { print (a < 3000 ? "yes" : (c != "?" && c + 0 < 3000 ? "with AppCDS + AOT" : "no")) }')"
	printf '| a 3 MB thinking rewrite adds < 15 ms | %s ms | %s |\n' "$BIG_ADD" "$(awk -v a="$BIG_ADD" 'BEGIN { print (a < 15 ? "yes" : "no") }')"
	for n in full fit; do
		if [ -s "$TMP/hold-$n-log.txt" ]; then
			echo
			echo "Gateway WARN/ERROR log lines during the stream hold '$n' (most frequent, digits as N):"
			echo
			sed 's/^/    /' "$TMP/hold-$n-log.txt"
		fi
	done
} >"$RESULTS"
echo
cat "$RESULTS"
log "written to bench/results-latest.md"
