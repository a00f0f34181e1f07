#!/usr/bin/env bash
# CPU profile of the gateway per workload, every cycle counted (kernel, JVM and Java frames), with async-profiler
# (docs/performance.md, "Point 7 met"):   bash bench/profile.sh [jar] [workloads]
# Workloads are wrk scripts in bench/ (default: "chat responses"); each gets PROFILE_WARM_SECONDS of load (30), then
# PROFILE_SECONDS (15) recorded. Writes target/profile/<workload>.collapsed (one stack per line, samples at 1 ms of
# CPU) and <workload>.requests, so samples ÷ requests × 1000 is µs per request. async-profiler comes from Maven
# (tools.profiler:async-profiler) into target/profile; it is loaded into the running JVM with jcmd.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
B=$PWD/bench OUT=$PWD/target/profile
JAR=${1:-$PWD/target/kimicode2api.jar} WS=${2:-"chat responses"}
WARM=${PROFILE_WARM_SECONDS:-30} SECONDS_=${PROFILE_SECONDS:-15} GP=28380 FP=28381 AP=4.1
[ -f "$JAR" ] || { echo "no $JAR: run mvn -DskipTests package first" >&2; exit 1; }
mkdir -p "$OUT"
LIB=$OUT/linux-x64/libasyncProfiler.so
if [ ! -f "$LIB" ]; then
	mvn -q dependency:copy -Dartifact=tools.profiler:async-profiler:$AP -DoutputDirectory="$OUT" >&2 \
		&& (cd "$OUT" && unzip -q -o async-profiler-$AP.jar 'linux-x64/*') || { echo "could not get async-profiler" >&2; exit 1; }
fi
. "$B/gateway.sh"
start_gateway "$JAR" "$FP" "$GP"
path() { case $1 in responses*) echo /v1/responses ;; messages*) echo /v1/messages ;; *) echo /v1/chat/completions ;; esac; }
for w in $WS; do wrk -t2 -c64 -d"${WARM}s" -s "$B/$w.lua" "http://127.0.0.1:$GP$(path "$w")" >/dev/null; done
for w in $WS; do
	jcmd "$GW" JVMTI.agent_load "$LIB" '"start,event=cpu,interval=1000000"' >/dev/null
	out=$(wrk -t2 -c64 -d"${SECONDS_}s" -s "$B/$w.lua" "http://127.0.0.1:$GP$(path "$w")")
	jcmd "$GW" JVMTI.agent_load "$LIB" "\"stop,file=$OUT/$w.collapsed,collapsed\"" >/dev/null
	n=$(awk '/requests in/ {print $1}' <<<"$out")
	echo "$n" >"$OUT/$w.requests"
	awk -v n="$n" -v w="$w" '{ s += $NF } END { printf "%s: %d requests, %.0f µs of CPU per request (profiled)\n", w, n, s * 1000 / n }' "$OUT/$w.collapsed"
done
