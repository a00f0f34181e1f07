#!/bin/bash
# A/B of gateway variants, per-event SSE latency (docs/performance.md, per-event latency). Not part of run.sh.
#   bash bench/ab-latency.sh ROUNDS 'name|ENV=value ...|jvm options' ...
# Per variant and round: start target/kimicode2api.jar against bench/FakeUpstream.java, 20 s of plain wrk load,
# then bench/StreamLatency.java (16 streams x 200 events 10 ms apart, 3 rounds, the first not counted), direct and
# through the gateway.
set -u
ROUNDS=$1; shift
B=$(cd "$(dirname "$0")" && pwd)
JAR=$B/../target/kimicode2api.jar
java -Xmx2g $B/FakeUpstream.java 28081 >${TMPDIR:-/tmp}/fake.log 2>&1 &
FAKE=$!
sleep 4
for r in $(seq 1 $ROUNDS); do
 for v in "$@"; do
  IFS='|' read -r name envs opts <<<"$v"
  env $envs KIMI_API_BASE_URL=http://127.0.0.1:28081/coding SERVER_PORT=28080 java -Xmx512m $opts -jar $JAR >${TMPDIR:-/tmp}/lgw-$name.log 2>&1 &
  GW=$!
  for i in $(seq 1 600); do curl -sf localhost:28080/ >/dev/null 2>&1 && break; sleep 0.1; done
  wrk -t2 -c64 -d20s -s $B/chat.lua http://127.0.0.1:28080/v1/chat/completions >/dev/null 2>&1
  res=$(java -Xmx256m $B/StreamLatency.java "warmup=28080/v1/chat/completions" "direct=28081/coding/v1/chat/completions" "gateway=28080/v1/chat/completions" --streams 16 --events 200 --gap-ms 10 --rounds 3 2>/dev/null | grep RESULT | tr '\n' ' ')
  echo "round $r $name: $res"
  kill $GW; wait $GW 2>/dev/null
 done
done
kill $FAKE
