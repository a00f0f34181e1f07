# Sourced by budget.sh and paired-jars.sh: what both measure with, so their figures compare.
# CPU ticks (1/100 s) of a process: every thread but the JIT compilers, whose work is warm-up, not per request.
cpu_ticks() { local t=0 f n; for f in /proc/$1/task/*/stat; do n=$(cut -d'(' -f2 "$f" | cut -d')' -f1); case "$n" in *Compiler*) continue;; esac; t=$((t + $(awk -F') ' '{split($2,a," "); print a[12]+a[13]}' "$f" 2>/dev/null || echo 0))); done; echo $t; }
# µs of CPU per request from ticks and a request count.
per_request() { awk -v t="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.0f", t * 10000 / n; else print "?" }'; }
# A workload's wrk script and path: bench/<workload>.lua, except thinking (chat-thinking.lua).
workload_lua() { case "$1" in thinking) echo chat-thinking.lua ;; *) echo "$1.lua" ;; esac; }
workload_path() { case "$1" in responses*) echo /v1/responses ;; models) echo /v1/models ;; *) echo /v1/chat/completions ;; esac; }
