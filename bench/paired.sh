#!/usr/bin/env bash
# /v1/responses against /v1/chat/completions on one warm gateway, in alternating windows (docs/performance.md,
# "CPU budget"):   bash bench/paired.sh [jar]
# budget.sh measures one workload after another for 8 s each; on a shared VM the host's load drifts between them by
# more than the difference looked for. Here chat, responses, chat-stream and responses-stream take turns in
# PAIRED_SECONDS windows, PAIRED_WINDOWS times, and each ratio is the sum of CPU ticks over the sum of requests, so a
# drift weighs on both sides alike. CPU is split by thread: the event loops (user and system), GC, the rest (store
# maintenance, the access log's writer, …); the JIT compilers are left out as in budget.sh.
# Settings: PAIRED_WINDOWS=8 PAIRED_SECONDS=3 PAIRED_WARM_SECONDS=30 (per workload, twice round) PAIRED_PORT_BASE=28180
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
B=$PWD/bench
JAR=${1:-$PWD/target/kimicode2api.jar}
N=${PAIRED_WINDOWS:-8} S=${PAIRED_SECONDS:-3} WARM=${PAIRED_WARM_SECONDS:-30}
GP=${PAIRED_PORT_BASE:-28180} FP=$((${PAIRED_PORT_BASE:-28180} + 1))
[ -f "$JAR" ] || { echo "no $JAR: run mvn -DskipTests package first" >&2; exit 1; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
. "$B/gateway.sh"
start_gateway "$JAR" "$FP" "$GP"

# user and system ticks (1/100 s) per thread group: loop (reactor-http-*), gc, jit, other
ticks() {
	for f in /proc/$GW/task/*/stat; do
		awk -F') ' -v n="$(cut -d'(' -f2 "$f" | cut -d')' -f1)" '{ split($2, a, " "); g = "other"
			if (n ~ /reactor-http/) g = "loop"; else if (n ~ /GC|G1/) g = "gc"; else if (n ~ /Compiler/) g = "jit"
			print g, a[12], a[13] }' "$f" 2>/dev/null
	done | awk '{ u[$1] += $2; s[$1] += $3 } END { printf "%d %d %d %d %d\n", u["loop"], s["loop"], u["gc"] + s["gc"], u["other"] + s["other"], 0 }'
}
W=(chat:chat.lua:/v1/chat/completions responses:responses.lua:/v1/responses
	chat-stream:chat-stream.lua:/v1/chat/completions responses-stream:responses-stream.lua:/v1/responses)
run() { IFS=: read -r _ lua path <<<"$1"; wrk -t2 -c64 -d"$2s" -s "$B/$lua" "http://127.0.0.1:$GP$path" 2>&1; }
for pass in 1 2; do for w in "${W[@]}"; do run "$w" "$WARM" >/dev/null; done; done
declare -A LU LS GC OT REQ
for i in $(seq 1 "$N"); do
	for w in "${W[@]}"; do
		name=${w%%:*}
		read -r u0 s0 g0 o0 _ <<<"$(ticks)"
		out=$(run "$w" "$S")
		read -r u1 s1 g1 o1 _ <<<"$(ticks)"
		n=$(awk '/requests in/ {print $1}' <<<"$out")
		grep -q Non-2xx <<<"$out" && echo "WARNING: $name had non-2xx answers" >&2
		LU[$name]=$((${LU[$name]:-0} + u1 - u0)) LS[$name]=$((${LS[$name]:-0} + s1 - s0))
		GC[$name]=$((${GC[$name]:-0} + g1 - g0)) OT[$name]=$((${OT[$name]:-0} + o1 - o0))
		REQ[$name]=$((${REQ[$name]:-0} + n))
	done
	printf '[paired] window %d of %d\n' "$i" "$N" >&2
done
us() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.0f", t * 10000 / n }'; }
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(basename "$JAR"):" \
	"$N alternating windows of ${S} s per workload after ${WARM} s of each twice; µs of CPU per request"
echo
echo '| workload | requests | event loops user | event loops system | GC | other | total |'
echo '|---|---|---|---|---|---|---|'
declare -A TOTAL
for w in "${W[@]}"; do
	name=${w%%:*}
	TOTAL[$name]=$((${LU[$name]} + ${LS[$name]} + ${GC[$name]} + ${OT[$name]}))
	echo "| $name | ${REQ[$name]} | $(us "${LU[$name]}" "${REQ[$name]}") | $(us "${LS[$name]}" "${REQ[$name]}") |" \
		"$(us "${GC[$name]}" "${REQ[$name]}") | $(us "${OT[$name]}" "${REQ[$name]}") | **$(us "${TOTAL[$name]}" "${REQ[$name]}")** |"
done
ratio() { awk -v a="${TOTAL[$1]}" -v b="${REQ[$1]}" -v c="${TOTAL[$2]}" -v d="${REQ[$2]}" 'BEGIN { printf "%.2f", (a / b) / (c / d) }'; }
echo
echo "/v1/responses ÷ /v1/chat/completions: plain **$(ratio responses chat)×**, streamed **$(ratio responses-stream chat-stream)×** (target ≤ 1.5×)"
