#!/bin/bash
# bench/engine.sh: the load engine's goals, measured. Usage: bench/engine.sh [quick] [path/to/rampage]
# (default binary: $RAMPAGE, else ./rampage). `quick` runs each figure once, with shorter runs.
#
# Everything runs on loopback and is started and stopped here: nginx (one worker, pinned to CPU 1,
# its own config from bench/nginx.conf.in in a temporary folder, a free port) and `rampage
# demo-target` (pinned to CPU 1) are the targets; the generator, Rampage with --workers 1 or wrk -t1,
# is pinned to CPU 0. Generator CPU is user + sys of the child (the shell's `times`, read before and
# after), peak RSS is VmHWM from /proc/PID/status (polled), requests come from the summary export
# or from wrk's output. One line per figure, with its goal and PASS or FAIL; exit 0 when every goal
# is met, 1 when one is not, 2 when something needed is missing. Installs nothing. Full: ~4 minutes.
#
# Figures (docs/performance.md explains each one and what limits it):
#   cpu/req small, 16k   generator CPU per request, Rampage vs wrk, 50 keep-alive connections
#   cpu/req growth       Rampage at 50, 1000 and 10,000 VUs (wrk at the same counts for context);
#                        and in steady state (a 3 x DUR run minus a DUR run), Rampage and wrk
#   rss/VU               peak RSS at 10,000 VUs minus a 1-VU run, per VU
#   latency p50          against the demo target with a fixed 50 ms delay
#   arrival rate         constant-arrival-rate 1000/s: iterations delivered
set -u

MODE=full
if [ "${1:-}" = quick ]; then
	MODE=quick
	shift
fi
RAMPAGE=${1:-${RAMPAGE:-./rampage}}
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)

if [ "$MODE" = quick ]; then
	REPEAT=1 DUR=3 RATE_DUR=5 ACC_DUR=3
else
	REPEAT=3 DUR=5 RATE_DUR=20 ACC_DUR=5
fi
CONNS=50                   # the ratio figures
SCALE="50 1000 10000"      # the growth figures
BIG=10000                  # the memory figure
RATE=1000                  # the arrival-rate figure
LATENCY_MS=50              # the accuracy figures

GOAL_SMALL=2.7 GOAL_16K=1.8 GOAL_GROWTH=1.5 GOAL_RSS_KIB=20

die() {
	echo "bench/engine.sh: $*" >&2
	exit 2
}

# --- what we need ---------------------------------------------------------------------------

NGINX=$(command -v nginx || true)
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
[ -n "$NGINX" ] || die "nginx not found: install the Debian package nginx-light (apt-get install nginx-light)"
command -v wrk >/dev/null 2>&1 || die "wrk not found: install the Debian package wrk (apt-get install wrk)"
command -v taskset >/dev/null 2>&1 || die "taskset not found: install the Debian package util-linux"
[ -x "$RAMPAGE" ] || die "$RAMPAGE is not an executable rampage binary (pass its path, or set RAMPAGE)"
[ -r "$BENCH_DIR/nginx.conf.in" ] || die "$BENCH_DIR/nginx.conf.in is missing"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (generator on CPU 0, target on CPU 1); this machine has $(nproc)"

# One connection per VU: raise the soft open-file limit to the hard one.
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=65536
ulimit -n "$hard" 2>/dev/null || die "cannot raise the open-file limit to $hard"
[ "$hard" -ge $((BIG + 500)) ] ||
	die "the open-file hard limit is $hard; $BIG VUs need about $((BIG + 500)) (raise it: ulimit -Hn, limits.conf)"

work=$(mktemp -d "${TMPDIR:-/tmp}/rampage-bench.XXXXXX")
chmod 755 "$work"          # nginx's worker runs as nobody when started by root
NGINX_PID="" DEMO_PID="" GEN_PID=""
stop_all() {
	local p
	for p in $GEN_PID $NGINX_PID $DEMO_PID; do kill "$p" 2>/dev/null; done
	for p in $GEN_PID $NGINX_PID $DEMO_PID; do wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

mkfifo "$work/tick"
exec 9<>"$work/tick"       # `read -t` on it is a sleep without a fork

# --- measuring a child ----------------------------------------------------------------------

# Sets MS from a `times` field such as 1m2.345s (no subshell: a forked subshell's CPU would be
# counted as the measured child's).
to_ms() {
	local m=${1%%m*} s=${1#*m}
	s=${s%s}
	MS=$((10#$m * 60000 + 10#${s%.*} * 1000 + 10#${s#*.}))
}

# Sets CHILD_MS: user + sys of every child the shell has waited for so far.
children_ms() {
	local u s n=0
	times >"$work/times"
	while read -r u s; do
		n=$((n + 1))
		[ "$n" -eq 2 ] && break
	done <"$work/times"
	to_ms "$u"
	CHILD_MS=$MS
	to_ms "$s"
	CHILD_MS=$((CHILD_MS + MS))
}

# measure CMD...: runs CMD pinned to CPU 0 and waits for it. Sets CPU_MS (its user + sys), HWM_KB
# (its peak RSS) and RC (its exit status). Nothing else is forked while it runs.
measure() {
	local pid k v rest before
	children_ms
	before=$CHILD_MS
	HWM_KB=0
	taskset -c 0 "$@" &
	pid=$!
	GEN_PID=$pid
	while :; do
		k=""
		while read -r k v rest; do
			case $k in
			State:) [ "$v" = Z ] && break ;;
			VmHWM:) HWM_KB=$v ;;
			esac
			k=""
		done 2>/dev/null <"/proc/$pid/status"
		[ "$k" = State: ] && break          # a zombie: it has ended
		[ -e "/proc/$pid" ] || break
		read -r -t 0.05 -u 9 rest
	done
	wait "$pid"
	RC=$?
	GEN_PID=""
	children_ms
	CPU_MS=$((CHILD_MS - before))
}

# jmetric FILE METRIC FIELD: one value of a summary export (k6 handleSummary shape).
jmetric() {
	tr '{},' '\n' <"$1" | awk -F '[ \t]*:[ \t]*' -v m="\"$2\"" -v f="\"$3\"" '
		{ sub(/^[ \t]+/, "") }
		$1 == m && $2 == "" { inm = 1; next }
		inm && $1 == f { print $2; exit }'
}

# steady_us CSV: CPU per request over the run's whole seconds but the first and the last (from the
# per-second CSV: the process CPU % Rampage samples itself), i.e. without start-up and tear-down.
steady_us() {
	awk -F, '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$col["endpoint"] == "total" { n++; sec[n] = $col["second"]; req[n] = $col["requests"];
			cpu[n] = $col["cpu_pct"] }
		END { for (i = 2; i < n; i++) { c += cpu[i]; r += req[i] }
			if (r > 0) printf "%.1f", c * 1e4 / r; else printf "-" }' "$1"
}

calc() { awk "BEGIN { printf \"%s\", ($*) }"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
verdict() { # verdict VALUE OP LIMIT -> PASS or FAIL
	if awk "BEGIN { exit !($1 $2 $3) }"; then echo PASS; else echo FAIL; fi
}
failures=0 figures=0
report() { # report LINE... (the last word of the last line is PASS or FAIL)
	printf '%s\n' "$@"
	figures=$((figures + 1))
	case ${*: -1} in *FAIL) failures=$((failures + 1)) ;; esac
}

# rampage_run URL VUS DURATION_S [ARGS...]: one measured run. Sets US (CPU per request), REQS,
# STEADY, FAILED and the measure() values; prints a detail line.
rampage_run() {
	local url=$1 vus=$2 d=$3
	shift 3
	rm -f "$work/sum.json" "$work/sec.csv"
	measure "$RAMPAGE" run --url "$url" -c "$vus" -d "${d}s" --workers 1 -q \
		--summary-export "$work/sum.json" --out "csv=$work/sec.csv" "$@" >"$work/run.out" 2>&1
	if [ "$RC" -ne 0 ] || [ ! -s "$work/sum.json" ]; then
		echo "  rampage run failed (exit $RC):" >&2
		tail -5 "$work/run.out" >&2
		REQS=0 US=0 STEADY=- FAILED=-
		return 1
	fi
	REQS=$(jmetric "$work/sum.json" http_reqs count)
	FAILED=$(jmetric "$work/sum.json" http_req_failed passes)
	US=$(calc "$CPU_MS * 1000 / $REQS")
	STEADY=$(steady_us "$work/sec.csv")
	printf '  rampage %-28s %5s VUs: %6.2f s CPU, %8s requests (%s failed), %5.1f us/req (steady %s), peak RSS %.1f MiB\n' \
		"${url#http://127.0.0.1:*/}" "$vus" "$(calc "$CPU_MS / 1000")" "$REQS" "$FAILED" "$US" "$STEADY" \
		"$(calc "$HWM_KB / 1024")" >&2
}

# wrk_run URL CONNS DURATION_S: one measured run of wrk -t1. Sets US, REQS, P50_MS, ERRORS.
wrk_run() {
	measure wrk -t1 -c"$2" -d"$3s" --latency "$1" >"$work/wrk.out" 2>&1
	REQS=$(awk '/requests in/ { print $1 }' "$work/wrk.out")
	if [ "$RC" -ne 0 ] || [ -z "$REQS" ] || [ "$REQS" -eq 0 ]; then
		echo "  wrk failed (exit $RC):" >&2
		tail -5 "$work/wrk.out" >&2
		REQS=0 US=0 P50_MS=0 ERRORS=-
		return 1
	fi
	US=$(calc "$CPU_MS * 1000 / $REQS")
	P50_MS=$(awk '$1 == "50%" { v = $2; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0;
		else if (v ~ /s$/) v = v * 1000; print v }' "$work/wrk.out")
	ERRORS=$(grep -E 'Socket errors|Non-2xx' "$work/wrk.out" | tr -s ' ' | tr '\n' ' ')
	printf '  wrk     %-28s %5s conns: %5.2f s CPU, %8s requests, %5.1f us/req %s\n' \
		"${1#http://127.0.0.1:*/}" "$2" "$(calc "$CPU_MS / 1000")" "$REQS" "$US" "$ERRORS" >&2
}

# --- the targets ----------------------------------------------------------------------------

start_nginx() {
	local lo port temp="" t
	lo=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range)
	mkdir -p "$work/html" "$work/tmp"
	head -c 16384 /dev/zero | tr '\0' 'x' >"$work/html/16k"
	chmod -R a+rX "$work/html"
	# Only the temp paths this nginx has (a build without a module rejects its directive).
	for t in client-body:client_body fastcgi:fastcgi proxy:proxy scgi:scgi uwsgi:uwsgi; do
		if "$NGINX" -V 2>&1 | grep -q -- "--http-${t%%:*}-temp-path"; then
			temp="$temp	${t#*:}_temp_path $work/tmp;\\n"
		fi
	done
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		# A port below the ephemeral range, so that 10,000 client sockets cannot take it.
		port=$((10000 + RANDOM % (lo - 10000)))
		sed -e "s|@DIR@|$work|g" -e "s|@PORT@|$port|g" -e "s|@NOFILE@|$hard|g" \
			-e "s|@CONNECTIONS@|$((hard - 100))|g" -e "s|@TEMP_PATHS@|$temp|" \
			"$BENCH_DIR/nginx.conf.in" >"$work/nginx.conf"
		: >"$work/error.log"
		taskset -c 1 "$NGINX" -p "$work/" -c "$work/nginx.conf" -e "$work/error.log" \
			>"$work/nginx.out" 2>&1 &
		NGINX_PID=$!
		for _ in $(seq 100); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				NGINX_URL="http://127.0.0.1:$port"
				return 0
			fi
			kill -0 "$NGINX_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
		NGINX_PID=""
		grep -q 'Address already in use' "$work/error.log" "$work/nginx.out" || break
	done
	cat "$work/nginx.out" "$work/error.log" >&2
	die "nginx did not start"
}

start_demo() {
	local port=""
	taskset -c 1 "$RAMPAGE" demo-target --listen 127.0.0.1:0 --latency-ms "$LATENCY_MS" \
		>"$work/demo.log" 2>&1 &
	DEMO_PID=$!
	for _ in $(seq 100); do
		port=$(grep -Eo 'listening on http://127\.0\.0\.1:[0-9]+' "$work/demo.log" | grep -Eo '[0-9]+$')
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "$port" ] || { cat "$work/demo.log" >&2; die "the demo target did not start"; }
	DEMO_URL="http://127.0.0.1:$port"
}

started=$SECONDS
start_nginx
start_demo
echo "bench/engine.sh ($MODE): $(nproc) CPUs, $(uname -sr), $("$NGINX" -v 2>&1 | sed 's/.*: //'),"\
	"$(wrk -v 2>&1 | head -1 | awk '{ print $1, $2 }'), $("$RAMPAGE" --version 2>/dev/null | head -1)"\
	"($(curl-config --version 2>/dev/null || echo libcurl))"
echo "nginx on $NGINX_URL (CPU 1), demo target on $DEMO_URL (CPU 1), generators on CPU 0;"\
	"runs of ${DUR}s, median of $REPEAT; load average $(cut -d' ' -f1-3 /proc/loadavg); details on stderr"

# --- CPU per request against wrk --------------------------------------------------------------

declare -A R_US W_US R_STEADY
for path in small 16k; do
	r=() w=() s=()
	for _ in $(seq "$REPEAT"); do
		rampage_run "$NGINX_URL/$path" "$CONNS" "$DUR" && r+=("$US") && s+=("$STEADY")
		wrk_run "$NGINX_URL/$path" "$CONNS" "$DUR" && w+=("$US")
	done
	R_US[$path]=$(median "${r[@]:-0}")
	W_US[$path]=$(median "${w[@]:-0}")
	R_STEADY[$path.$CONNS]=$(median "${s[@]:--}")
done
for path in small 16k; do
	goal=$GOAL_SMALL
	[ "$path" = 16k ] && goal=$GOAL_16K
	ratio=$(calc "${W_US[$path]} > 0 ? ${R_US[$path]} / ${W_US[$path]} : 99")
	report "$(printf 'cpu/req %s: rampage %.1fus wrk %.1fus ratio %.2fx (goal <= %sx) %s' "$path" \
		"${R_US[$path]}" "${W_US[$path]}" "$ratio" "$goal" "$(verdict "$ratio" '<=' "$goal")")"
done

# --- growth with VUs, and memory ----------------------------------------------------------------

declare -A G_US G_WRK G_HWM
G_US[$CONNS]=${R_US[small]}
G_WRK[$CONNS]=${W_US[small]}
for vus in $SCALE; do
	[ "$vus" = "$CONNS" ] && continue
	r=() s=() h=()
	for _ in $(seq "$REPEAT"); do
		rampage_run "$NGINX_URL/small" "$vus" "$DUR" && r+=("$US") && s+=("$STEADY") && h+=("$HWM_KB")
	done
	G_US[$vus]=$(median "${r[@]:-0}")
	R_STEADY[small.$vus]=$(median "${s[@]:--}")
	G_HWM[$vus]=$(median "${h[@]:-0}")
	wrk_run "$NGINX_URL/small" "$vus" "$DUR"
	G_WRK[$vus]=$US
done
line="cpu/req growth: rampage" ctx="  context: wrk" steady="  context: rampage steady state (whole seconds but the first and last)"
for vus in $SCALE; do
	line="$line $(printf '%.1fus' "${G_US[$vus]}") at $vus VUs,"
	ctx="$ctx $(printf '%.1fus' "${G_WRK[$vus]}") at $vus conns,"
	steady="$steady ${R_STEADY[small.$vus]}us at $vus VUs,"
done
last=${SCALE##* }
growth=$(calc "${G_US[$CONNS]} > 0 ? ${G_US[$last]} / ${G_US[$CONNS]} : 99")
wgrowth=$(calc "${G_WRK[$CONNS]} > 0 ? ${G_WRK[$last]} / ${G_WRK[$CONNS]} : 99")
report "$(printf '%s: %s -> %s VUs %.2fx (goal <= %sx) %s' "${line%,}" "$CONNS" "$last" "$growth" "$GOAL_GROWTH" \
	"$(verdict "$growth" '<=' "$GOAL_GROWTH")")"
printf '%s: %.2fx\n%s\n' "${ctx%,}" "$wgrowth" "${steady%,}"

# Steady state, the same way for both tools: the difference between a run of 3 x DUR and a run of
# DUR seconds (CPU and requests), so that opening and closing the connections, which both runs pay
# once, drops out. Rampage's own per-second figure above cannot be had from wrk.
LONG=$((3 * DUR))
# steady_diff TOOL VUS: sets DIFF_US, the CPU per request of the extra 2 x DUR seconds.
steady_diff() {
	local cpu1 req1
	DIFF_US=0
	"$1" "$NGINX_URL/small" "$2" "$DUR" || return 1
	cpu1=$CPU_MS req1=$REQS
	"$1" "$NGINX_URL/small" "$2" "$LONG" || return 1
	[ "$REQS" -gt "$req1" ] && DIFF_US=$(calc "($CPU_MS - $cpu1) * 1000 / ($REQS - $req1)")
}
declare -A D_R D_W
for vus in "$CONNS" "$BIG"; do
	steady_diff rampage_run "$vus"; D_R[$vus]=$DIFF_US
	steady_diff wrk_run "$vus"; D_W[$vus]=$DIFF_US
done
sgrowth=$(calc "${D_R[$CONNS]} > 0 ? ${D_R[$BIG]} / ${D_R[$CONNS]} : 99")
swgrowth=$(calc "${D_W[$CONNS]} > 0 ? ${D_W[$BIG]} / ${D_W[$CONNS]} : 99")
report "$(printf 'cpu/req growth, steady state (%ss run minus %ss run): rampage %.1fus -> %.1fus %.2fx, wrk %.1fus -> %.1fus %.2fx, %s -> %s VUs (goal <= %sx) %s' \
	"$LONG" "$DUR" "${D_R[$CONNS]}" "${D_R[$BIG]}" "$sgrowth" "${D_W[$CONNS]}" "${D_W[$BIG]}" "$swgrowth" \
	"$CONNS" "$BIG" "$GOAL_GROWTH" "$(verdict "$sgrowth" '<=' "$GOAL_GROWTH")")"

HWM_KB=0
rampage_run "$NGINX_URL/small" 1 1
base=$HWM_KB
per=$(calc "(${G_HWM[$BIG]} - $base) / ($BIG - 1)")
report "$(printf 'rss/VU at %s VUs: %.1f KiB (peak %.1f MiB, 1 VU %.1f MiB) (goal <= %s KiB) %s' "$BIG" "$per" \
	"$(calc "${G_HWM[$BIG]} / 1024")" "$(calc "$base / 1024")" "$GOAL_RSS_KIB" "$(verdict "$per" '<=' "$GOAL_RSS_KIB")")"

# --- accuracy -------------------------------------------------------------------------------------

lim=$(calc "$LATENCY_MS * 0.01 + 1")
p50=999 n=0
rampage_run "$DEMO_URL/api/users" 10 "$ACC_DUR" && p50=$(jmetric "$work/sum.json" http_req_duration med) && n=$REQS
wrk_run "$DEMO_URL/api/users" 10 "$ACC_DUR"
off=$(calc "($p50 - $LATENCY_MS) < 0 ? $LATENCY_MS - $p50 : $p50 - $LATENCY_MS")
report "$(printf 'latency p50 against a %s ms target: %.2f ms (wrk %.2f ms), %s requests (goal %s +- %s ms) %s' \
	"$LATENCY_MS" "$p50" "$P50_MS" "$n" "$LATENCY_MS" "$lim" "$(verdict "$off" '<=' "$lim")")"

want=$((RATE * RATE_DUR))
iters=0 dropped=-
rampage_run "$DEMO_URL/api/users" 200 "$RATE_DUR" --rate "$RATE" &&
	iters=$(jmetric "$work/sum.json" iterations count) &&
	dropped=$(jmetric "$work/sum.json" dropped_iterations count)
off=$(calc "(${iters:-0} - $want) < 0 ? $want - ${iters:-0} : ${iters:-0} - $want")
report "$(printf 'arrival rate %s/s for %ss: %s iterations, %s dropped (goal %s +- %s) %s' "$RATE" "$RATE_DUR" \
	"${iters:-0}" "${dropped:-0}" "$want" "$((want / 100))" "$(verdict "$off" '<=' "$((want / 100))")")"

echo "$((figures - failures)) of $figures goals met in $((SECONDS - started)) s"
[ "$failures" -eq 0 ]
