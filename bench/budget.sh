#!/usr/bin/env bash
# CPU per request of what kimicode2api adds, measured, not guessed (docs/performance.md, "CPU budget"):
#   bash bench/budget.sh [ 'name|ENV=value ...|jvm options|program arguments|jar' ... ]
# Interleaved A/B in one run, BUDGET_ROUNDS rounds (each round starts with the next variant): each variant is started on its own against bench/FakeUpstream.java,
# warmed up, then each workload gets BUDGET_SECONDS of wrk -t2 -c64 with the gateway's CPU per request (every thread
# but the JIT compilers, from /proc). Default variants:
#   shipped  target/kimicode2api.jar as it ships (every feature on: metrics with tokens, access log, retries, error
#            normalisation, usage scanning, CORS, the agent repairs and the Responses bridge)
#   bare     the same jar with bench/bare-route.yml: one plain Spring Cloud Gateway route, for the framework's own cost
# Workloads: chat (plain model, bytes as sent), thinking (the virtual model's rewrite), responses (POST /v1/responses,
# bridged), chat-stream and responses-stream (20 upstream events each), agent (a 40-message, 20-tool turn on the
# thinking model: reasoning restored, schemas repaired), models (GET /v1/models with a key: the key's cached copy of
# the upstream's catalogue; the upstream's catalogue requests during it are counted). The bare route runs chat,
# thinking and chat-stream (it cannot bridge or repair). nginx (bench/nginx.conf) is measured once per round for the throughput ratio.
# Then, on a warm shipped gateway, the latency one request at a time (wrk -t1 -c1) adds over the direct upstream, for
# the thinking rewrite and the agent turn.
# Writes bench/results-budget.md. Settings: BUDGET_ROUNDS=3 BUDGET_WARM_SECONDS=120 BUDGET_SECONDS=8
# (the warm-up is shared by the workloads a variant runs; a stream's code needs about 75 s of its own load before the
# JIT settles: docs/performance.md, "Session 13". bench/paired-jars.sh warms each workload on its own.)
# BUDGET_WORKLOADS="chat thinking" (a subset, for a quick A/B), BUDGET_PIN=0 (1: the gateway alone on core 0)
# BUDGET_LATENCY_SECONDS=8 BUDGET_PORT_BASE=28080; a variant's own ENV and jvm options come after its name.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
B=$ROOT/bench
ROUNDS=${BUDGET_ROUNDS:-3}
WARM=${BUDGET_WARM_SECONDS:-120}
SECS=${BUDGET_SECONDS:-8}
LAT_SECS=${BUDGET_LATENCY_SECONDS:-8}
BASE=${BUDGET_PORT_BASE:-28080}
GW_PORT=$BASE FAKE_PORT=$((BASE + 1)) NGINX_PORT=$((BASE + 2))
JAR=${BUDGET_JAR:-$ROOT/target/kimicode2api.jar}
[ -f "$JAR" ] || { echo "no $JAR: run mvn -DskipTests package first" >&2; exit 1; }
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx (apt-get install wrk nginx)" >&2; exit 1; }
if [ $# -eq 0 ]; then
	set -- 'shipped|||' "bare|||--spring.config.additional-location=file:$B/bare-route.yml"
fi
# BUDGET_PIN=1 puts the gateway alone on core 0 and the load (wrk, the fake upstream, nginx) on the others. Off by
# default: on 2 cores the JVM then sees 1 CPU (Serial GC, other JIT threads), and it did not make the figures steadier
# (docs/performance.md, "CPU budget").
GW_CPU="" LOAD_CPU=""
if [ "${BUDGET_PIN:-0}" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	GW_CPU="taskset -c 0" LOAD_CPU="taskset -c 1-$(($(nproc) - 1))"
fi
WRK=$(command -v wrk)
wrk() { $LOAD_CPU "$WRK" "$@"; }
TMP=$(mktemp -d /tmp/kimicode2api-budget.XXXXXX)
ulimit -n 20000 2>/dev/null || true
log() { printf '[budget %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; [ "${BENCH_KEEP_TMP:-0}" = 1 ] || rm -rf "$TMP"; }
trap cleanup EXIT

$LOAD_CPU java -Xmx2g "$B/FakeUpstream.java" "$FAKE_PORT" >"$TMP/fake.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 100); do curl -sf "127.0.0.1:$FAKE_PORT/" >/dev/null 2>&1 && break; sleep 0.1; done
sed -e "s/127\.0\.0\.1:18081/127.0.0.1:$FAKE_PORT/" -e "s/127\.0\.0\.1:18082/127.0.0.1:$NGINX_PORT/" \
	-e "s/access_log access.log;/access_log off;/" "$B/nginx.conf" >"$TMP/nginx.conf"

. "$B/measure.sh"
declare -A RESULT
measure() { # variant, workload, lua, path, pid
	local out t0 t1 reqs
	t0=$(cpu_ticks "$5")
	out=$(wrk -t2 -c64 -d"${SECS}s" --latency -s "$B/$3" "http://127.0.0.1:$GW_PORT$4" 2>&1)
	t1=$(cpu_ticks "$5")
	reqs=$(awk '/requests in/ {print $1}' <<<"$out")
	local rps p99 non cpu
	rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
	p99=$(awk '$1=="99%" {print $2}' <<<"$out")
	non=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
	cpu=$(per_request $((t1 - t0)) "${reqs:-0}")
	RESULT[$1,$2]="${RESULT[$1,$2]:-} $cpu"
	RESULT[$1,$2,rps]="${RESULT[$1,$2,rps]:-} $rps"
	log "  $1 $2: $rps rps, p99 $p99, cpu ${cpu} µs/req, non-2xx ${non:-0}"
	[ -z "${non:-}" ] || [ "${non:-0}" = 0 ] || log "  WARNING: $1 $2 had $non non-2xx answers"
}
# The gateway logs a line per request (hundreds of MB in a run): written to a file on this VM's disk, the page
# cache's writeback made whichever gateway ran second in a round pay up to twice the CPU per request (measured).
# The lines are still formatted and written, to /dev/null; BUDGET_GATEWAY_LOG=1 keeps them in $TMP/gateway.log.
GW_LOG=/dev/null
[ "${BUDGET_GATEWAY_LOG:-0}" = 1 ] && GW_LOG=$TMP/gateway.log
start_gateway() { # envs, jvm options, program arguments, jar -> pid
	env $1 KIMI_API_BASE_URL="http://127.0.0.1:$FAKE_PORT/coding" SERVER_PORT="$GW_PORT" \
		$GW_CPU java -Xmx512m $2 -jar "${4:-$JAR}" $3 >>"$GW_LOG" 2>&1 &
	echo $!
}
wait_up() { for i in $(seq 1 900); do curl -sf "127.0.0.1:$GW_PORT/" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

for r in $(seq 1 "$ROUNDS"); do
	$LOAD_CPU nginx -c "$TMP/nginx.conf" -p "$TMP/" -e "$TMP/nginx-error.log" &
	NGX=$!
	sleep 1
	wrk -t2 -c64 -d3s -s "$B/chat-thinking.lua" "http://127.0.0.1:$NGINX_PORT/v1/chat/completions" >/dev/null 2>&1
	out=$(wrk -t2 -c64 -d"${SECS}s" -s "$B/chat-thinking.lua" "http://127.0.0.1:$NGINX_PORT/v1/chat/completions" 2>&1)
	RESULT[nginx]="${RESULT[nginx]:-} $(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")"
	kill "$NGX"; wait "$NGX" 2>/dev/null
	# Each round starts one variant later (round 2 runs B C A), so no variant always runs first or last in a round.
	VARIANTS=("$@")
	ORDER=("${VARIANTS[@]:$(( (r - 1) % $# ))}" "${VARIANTS[@]:0:$(( (r - 1) % $# ))}")
	for v in "${ORDER[@]}"; do
		IFS='|' read -r name envs opts args jar <<<"$v"
		log "round $r: $name"
		pid=$(start_gateway "$envs" "$opts" "$args" "$jar")
		PIDS+=("$pid")
		wait_up || { log "$name did not start (run with BUDGET_GATEWAY_LOG=1 BENCH_KEEP_TMP=1 to see why)"; exit 1; }
		shipped=1
		case "$args" in *bare-route*) shipped=0 ;; esac
		# a jar from before /v1/responses existed runs the chat workloads only
		if [ -n "$jar" ] && ! unzip -l "$jar" 2>/dev/null | grep -q 'dev/kimicode2api/responses/'; then shipped=2; fi
		# Warm-up: every workload this variant runs, twice round, so the JIT has compiled all their paths (on 2
		# shared cores it needs more than a minute of load to settle).
		if [ $shipped = 1 ]; then warm=(chat thinking chat-stream responses responses-stream agent-turn models); else warm=(chat thinking chat-stream); fi
		if [ -n "${BUDGET_WORKLOADS:-}" ]; then
			# the subset asked for, of what this variant can serve (the bare route answers the others 404)
			can=" ${warm[*]} "
			warm=()
			for w in $BUDGET_WORKLOADS; do [[ $can == *" $w "* ]] && warm+=("$w"); done
		fi
		for pass in 1 2; do
			for w in "${warm[@]}"; do
				wrk -t2 -c64 -d"$((WARM / 2 / ${#warm[@]} + 1))s" -s "$B/$(workload_lua "$w")" \
					"http://127.0.0.1:$GW_PORT$(workload_path "$w")" >/dev/null 2>&1
			done
		done
		for w in "${warm[@]}"; do
			label=$w
			[ $w = agent-turn ] && label=agent
			fetched=$(curl -s "127.0.0.1:$FAKE_PORT/stats" | tr -dc '0-9')
			measure "$name" "$label" "$(workload_lua "$w")" "$(workload_path "$w")" "$pid"
			if [ $w = models ]; then
				RESULT[$name,models,fetches]="${RESULT[$name,models,fetches]:-} $(( $(curl -s "127.0.0.1:$FAKE_PORT/stats" | tr -dc '0-9') - fetched ))"
			fi
		done
		if [ $shipped = 1 ] && [ "$r" = "$ROUNDS" ] && [ "$name" = "${1%%|*}" ]; then
			for w in chat-thinking agent-turn; do
				for side in direct gateway; do
					url="http://127.0.0.1:$GW_PORT/v1/chat/completions"
					[ $side = direct ] && url="http://127.0.0.1:$FAKE_PORT/coding/v1/chat/completions"
					out=$(wrk -t1 -c1 -d"${LAT_SECS}s" --latency -s "$B/$w.lua" "$url" 2>&1)
					RESULT[lat,$w,$side]="$(awk '$1=="50%" || $1=="99%" {print $2}' <<<"$out" | paste -sd' ' -)"
					log "  one at a time, $w, $side: p50/p99 ${RESULT[lat,$w,$side]}"
				done
			done
		fi
		# started in a subshell, so not this shell's child: wait until it is really gone, or the next variant would
		# share the cores with its shutdown
		kill "$pid"
		for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
		sleep 2
	done
done

median() { tr ' ' '\n' | grep -v '^$' | grep -v '?' | sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "?"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.0f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
to_us() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); printf "%.0f", v } else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.0f", v * 1000 } else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.0f", v * 1000000 } else print "?" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "–" }'; }
OUT=$B/results-budget.md
{
	echo "# kimicode2api CPU budget"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores." \
		"\`bash bench/budget.sh\` with BUDGET_ROUNDS=$ROUNDS, BUDGET_WARM_SECONDS=$WARM, BUDGET_SECONDS=$SECS: variants interleaved, each round starting with the next one," \
		"wrk -t2 -c64, the gateway with -Xmx512m${GW_CPU:+ pinned to core 0 (the load on the other cores)}, CPU per request from /proc" \
		"(all threads but the JIT compilers); medians of the rounds."
	echo
	printf '| workload |'; for v in "$@"; do printf ' %s µs/req (rps) |' "${v%%|*}"; done; echo
	printf '|---|'; for v in "$@"; do printf -- '---|'; done; echo
	for w in chat thinking chat-stream responses responses-stream agent models; do
		printf '| %s |' "$w"
		for v in "$@"; do
			n=${v%%|*}
			c=$(echo "${RESULT[$n,$w]:-}" | median)
			p=$(echo "${RESULT[$n,$w,rps]:-}" | median)
			[ "$c" = "?" ] && printf ' – |' || printf ' %s (%s) |' "$c" "$p"
		done
		echo
	done
	echo
	s1=${1%%|*} s2=""
	for v in "$@"; do [ "${v%%|*}" = bare ] && s2=bare; done
	nginx=$(echo "${RESULT[nginx]}" | median)
	cs() { echo "${RESULT[$1,$2]:-}" | median; }
	rs() { echo "${RESULT[$1,$2,rps]:-}" | median; }
	echo '| ratio | figure | target |'
	echo '|---|---|---|'
	if [ -n "$s2" ]; then
		printf '| %s ÷ %s CPU per request, thinking | **%s×** | ≤ 1.3× |\n' "$s1" "$s2" "$(ratio "$(cs "$s1" thinking)" "$(cs "$s2" thinking)")"
		printf '| %s ÷ %s CPU per request, plain | %s× | – |\n' "$s1" "$s2" "$(ratio "$(cs "$s1" chat)" "$(cs "$s2" chat)")"
		printf '| %s ÷ %s CPU per request, streamed (20 events) | %s× | – |\n' "$s1" "$s2" "$(ratio "$(cs "$s1" chat-stream)" "$(cs "$s2" chat-stream)")"
	fi
	printf '| /v1/responses ÷ /v1/chat/completions CPU per request, plain | **%s×** | ≤ 1.5× |\n' "$(ratio "$(cs "$s1" responses)" "$(cs "$s1" chat)")"
	printf '| /v1/responses ÷ /v1/chat/completions CPU per request, streamed | **%s×** | ≤ 1.5× |\n' "$(ratio "$(cs "$s1" responses-stream)" "$(cs "$s1" chat-stream)")"
	[ -n "${RESULT[$s1,models,fetches]:-}" ] && printf '| upstream catalogue requests during each %s s of GET /v1/models (one key) | %s | 0 per request |\n' "$SECS" "$(echo ${RESULT[$s1,models,fetches]} | tr ' ' '/')"
	printf '| %s thinking throughput ÷ nginx (%s rps) | %s× | 0.3× (compass) |\n' "$s1" "$nginx" "$(ratio "$(rs "$s1" thinking)" "$nginx")"
	[ -n "$s2" ] && printf '| %s thinking throughput ÷ nginx | %s× | – |\n' "$s2" "$(ratio "$(rs "$s2" thinking)" "$nginx")"
	if [ -n "${RESULT[lat,agent-turn,gateway]:-}" ]; then
		echo
		echo "One request at a time (wrk -t1 -c1, ${LAT_SECS} s each), warm $s1 gateway vs the fake upstream direct:"
		echo
		echo '| request | direct p50 / p99 | gateway p50 / p99 | added p50 |'
		echo '|---|---|---|---|'
		for w in chat-thinking agent-turn; do
			read -r d50 d99 <<<"${RESULT[lat,$w,direct]}"
			read -r g50 g99 <<<"${RESULT[lat,$w,gateway]}"
			label="thinking rewrite (chat-thinking.lua, 230 bytes)"
			[ $w = agent-turn ] && label="agent turn on the thinking model (agent-turn.lua: 40 messages, 20 tools, 30 KB)"
			printf '| %s | %s / %s | %s / %s | **%s µs** |\n' "$label" "$d50" "$d99" "$g50" "$g99" \
				"$(awk -v g="$(to_us "$g50")" -v d="$(to_us "$d50")" 'BEGIN { printf "%d", g - d }')"
		done
	fi
} >"$OUT"
cat "$OUT"
