#!/bin/bash
# A/B of gateway variants, throughput and CPU per request (docs/performance.md, tuning log). Not part of run.sh.
#   bash bench/ab-throughput.sh ROUNDS 'name|ENV=value ...|jvm options' ...
# e.g. bash bench/ab-throughput.sh 2 'base||' 'parallel||-XX:+UseParallelGC'
# Per variant and round: start target/kimicode2api.jar against bench/FakeUpstream.java, 30 s thinking + 30 s plain
# load as warm-up, then 8 s plain and 8 s thinking (wrk -t2 -c64), each with the gateway's CPU per request (every
# thread but the JIT compilers). Variants run interleaved, so a drifting machine hits all of them alike.
set -u
ROUNDS=$1; shift
B=$(cd "$(dirname "$0")" && pwd)
JARDEF=$B/../target/kimicode2api.jar
ulimit -n 20000
java -Xmx2g $B/FakeUpstream.java 28081 >${TMPDIR:-/tmp}/fake.log 2>&1 &
FAKE=$!
sleep 4
URL=http://127.0.0.1:28080/v1/chat/completions
ticks() { local t=0 f n; for f in /proc/$1/task/*/stat; do n=$(cut -d'(' -f2 $f | cut -d')' -f1); case "$n" in *Compiler*) continue;; esac; t=$((t + $(awk -F') ' '{split($2,a," "); print a[12]+a[13]}' $f))); done; echo $t; }
for r in $(seq 1 $ROUNDS); do
 for v in "$@"; do
  IFS='|' read -r name envs opts jar <<<"$v"
  jar=${jar:-$JARDEF}
  env $envs KIMI_API_BASE_URL=http://127.0.0.1:28081/coding SERVER_PORT=28080 java -Xmx512m $opts -jar $jar >${TMPDIR:-/tmp}/gw-$name.log 2>&1 &
  GW=$!
  for i in $(seq 1 600); do curl -sf localhost:28080/ >/dev/null 2>&1 && break; sleep 0.1; done
  wrk -t2 -c64 -d30s -s $B/chat-thinking.lua $URL >/dev/null 2>&1
  wrk -t2 -c64 -d30s -s $B/chat.lua $URL >/dev/null 2>&1
  out=""
  for s in chat chat-thinking; do
    t0=$(ticks $GW)
    res=$(wrk -t2 -c64 -d8s --latency -s $B/$s.lua $URL 2>&1)
    t1=$(ticks $GW)
    rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$res")
    p99=$(awk '$1=="99%" {print $2}' <<<"$res")
    non=$(awk '/Non-2xx/ {print $NF}' <<<"$res")
    reqs=$(awk '/requests in/ {print $1}' <<<"$res")
    cpu=$(awk -v a=$t0 -v b=$t1 -v n=$reqs 'BEGIN{printf "%.0f", (b-a)*10000/n}')
    out="$out $s: $rps rps p99 $p99 cpu ${cpu}us/req non2xx=${non:-0};"
  done
  echo "round $r $name:$out"
  kill $GW; wait $GW 2>/dev/null
  sleep 1
 done
done
kill $FAKE
