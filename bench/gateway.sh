# Sourced by paired.sh and profile.sh: starts bench/FakeUpstream.java on port $2 and the gateway jar $1 against it on
# port $3, waits until both answer, sets GW to the gateway's pid, and stops both when the calling script exits.
# GATEWAY_ARGS: program arguments for the gateway (e.g. --spring.config.additional-location=file:bench/bare-route.yml).
start_gateway() {
	local jar=$1 fake_port=$2 port=$3 i
	PIDS=()
	trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null' EXIT
	java -Xmx2g "$B/FakeUpstream.java" "$fake_port" >/dev/null 2>&1 &
	PIDS+=($!)
	for i in $(seq 1 100); do curl -sf "127.0.0.1:$fake_port/" >/dev/null 2>&1 && break; sleep 0.1; done
	KIMI_API_BASE_URL="http://127.0.0.1:$fake_port/coding" SERVER_PORT=$port java -Xmx512m -jar "$jar" ${GATEWAY_ARGS:-} >/dev/null 2>&1 &
	GW=$!
	PIDS+=($GW)
	for i in $(seq 1 900); do curl -sf "127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
}
