#!/usr/bin/env bash
# Two gateways (jars or settings) side by side, in alternating windows (docs/performance.md, "Session 11"):
#   bash bench/paired-jars.sh 'name|jar|program arguments' 'name|jar|program arguments' [workload ...]
# e.g. bash bench/paired-jars.sh "new|target/kimicode2api.jar|" "old|/tmp/old.jar|" thinking chat-stream
# budget.sh starts one variant after another, and on a shared VM the host's load drifts between them by more than a
# few per cent. Here both run at once against one bench/FakeUpstream.java and take turns under load: per workload,
# PAIRED_SECONDS of wrk on A, then on B, PAIRED_WINDOWS times (the idle one costs next to nothing meanwhile), and each
# figure is the sum of CPU ticks over the sum of requests (every thread but the JIT compilers, as in budget.sh), so a
# drift weighs on both alike. Per window the two figures are also written out, for the count of windows each won.
# Workloads (bench/*.lua): thinking chat chat-stream chat-stream-as-sent responses responses-stream (default: thinking
# chat-stream).
# Settings: PAIRED_WINDOWS=12 PAIRED_SECONDS=4 PAIRED_WARM_SECONDS=60 (per workload and gateway, twice round)
# PAIRED_PORT_BASE=28280
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
B=$PWD/bench
[ $# -ge 2 ] || { sed -n 2,4p "$0" >&2; exit 1; }
IFS='|' read -r NA JA ARGA <<<"$1"
IFS='|' read -r NB JB ARGB <<<"$2"
shift 2
WORKLOADS=("$@")
[ ${#WORKLOADS[@]} -gt 0 ] || WORKLOADS=(thinking chat-stream)
N=${PAIRED_WINDOWS:-12} S=${PAIRED_SECONDS:-4} WARM=${PAIRED_WARM_SECONDS:-60}
BASE=${PAIRED_PORT_BASE:-28280}
FP=$BASE PA=$((BASE + 1)) PB=$((BASE + 2))
for j in "$JA" "$JB"; do [ -f "$j" ] || { echo "no $j" >&2; exit 1; }; done
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
ulimit -n 20000 2>/dev/null || true
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null' EXIT
java -Xmx2g "$B/FakeUpstream.java" "$FP" >/dev/null 2>&1 &
PIDS+=($!)
for i in $(seq 1 100); do curl -sf "127.0.0.1:$FP/" >/dev/null 2>&1 && break; sleep 0.1; done
start() { # port, jar, program arguments -> pid; the lines each gateway logs go to /dev/null as in budget.sh
	KIMI_API_BASE_URL="http://127.0.0.1:$FP/coding" SERVER_PORT=$1 java -Xmx512m -jar "$2" $3 >/dev/null 2>&1 &
	echo $!
}
GA=$(start "$PA" "$JA" "$ARGA"); PIDS+=("$GA")
GB=$(start "$PB" "$JB" "$ARGB"); PIDS+=("$GB")
for p in "$PA" "$PB"; do
	for i in $(seq 1 900); do curl -sf "127.0.0.1:$p/" >/dev/null 2>&1 && break; sleep 0.1; done
done
. "$B/measure.sh"
load() { wrk -t2 -c64 -d"$3s" -s "$B/$(workload_lua "$2")" "http://127.0.0.1:$1$(workload_path "$2")" 2>&1; }
log() { printf '[paired-jars %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
for pass in 1 2; do
	for w in "${WORKLOADS[@]}"; do load "$PA" "$w" "$WARM" >/dev/null; load "$PB" "$w" "$WARM" >/dev/null; done
done
declare -A T R WON
for w in "${WORKLOADS[@]}"; do
	for i in $(seq 1 "$N"); do
		# each window starts with the other gateway than the last
		if [ $((i % 2)) = 1 ]; then order="A B"; else order="B A"; fi
		declare -A W
		for g in $order; do
			if [ $g = A ]; then port=$PA pid=$GA; else port=$PB pid=$GB; fi
			t0=$(cpu_ticks "$pid")
			out=$(load "$port" "$w" "$S")
			t1=$(cpu_ticks "$pid")
			n=$(awk '/requests in/ {print $1}' <<<"$out")
			grep -q Non-2xx <<<"$out" && log "WARNING: $g $w had non-2xx answers"
			T[$g,$w]=$((${T[$g,$w]:-0} + t1 - t0)) R[$g,$w]=$((${R[$g,$w]:-0} + n))
			W[$g]=$(per_request $((t1 - t0)) "$n")
		done
		log "$w window $i of $N: $NA ${W[A]}, $NB ${W[B]} µs/req"
		if [ "${W[A]}" -lt "${W[B]}" ]; then WON[A,$w]=$((${WON[A,$w]:-0} + 1)); fi
		if [ "${W[B]}" -lt "${W[A]}" ]; then WON[B,$w]=$((${WON[B,$w]:-0} + 1)); fi
		unset W
	done
done
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores." \
	"$NA: $(basename "$JA") $ARGA; $NB: $(basename "$JB") $ARGB. $N alternating windows of $S s per workload after" \
	"$WARM s of each twice; µs of CPU per request over all windows"
echo
echo "| workload | $NA | $NB | $NA ÷ $NB | windows $NA lower | windows $NB lower |"
echo '|---|---|---|---|---|---|'
for w in "${WORKLOADS[@]}"; do
	a=$(per_request "${T[A,$w]}" "${R[A,$w]}") b=$(per_request "${T[B,$w]}" "${R[B,$w]}")
	echo "| $w | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')× | ${WON[A,$w]:-0} of $N |" \
		"${WON[B,$w]:-0} of $N |"
done
