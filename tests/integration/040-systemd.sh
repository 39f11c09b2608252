#!/bin/sh
# Packaging: the generated systemd unit passes `systemd-analyze verify` without a word, keeps its
# hardening, and `rampage serve` tells systemd it is ready (READY=1 on $NOTIFY_SOCKET, sent by the
# main process once the port answers) and that it is stopping.
. "$TOP_SRCDIR/tests/integration/lib.sh"

: "${TOP_BUILDDIR:?TOP_BUILDDIR must be set (make check sets it)}"
UNIT=$TOP_BUILDDIR/systemd/rampage.service
PY=/usr/bin/python3

# --- the unit file
[ -f "$UNIT" ] || bail "$UNIT is missing: make (all) generates it"
is "$(grep -c '@[a-z]*@' "$UNIT")" 0 "every @dir@ is substituted"
like "$(grep '^ExecStart=' "$UNIT")" '^ExecStart=/[^ ]*/rampage serve --config /[^ ]*/rampage/rampage\.conf --db /var/lib/rampage/rampage\.db$' \
	"ExecStart runs serve with the installed config and the state directory's database"
for kv in Type=notify DynamicUser=yes StateDirectory=rampage ProtectSystem=strict ProtectHome=yes \
	PrivateTmp=yes PrivateDevices=yes NoNewPrivileges=yes 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
	SystemCallFilter=@system-service SystemCallArchitectures=native ProtectKernelTunables=yes \
	ProtectKernelModules=yes ProtectKernelLogs=yes ProtectControlGroups=yes RestrictNamespaces=yes \
	LockPersonality=yes MemoryDenyWriteExecute=yes RestrictRealtime=yes RestrictSUIDSGID=yes \
	CapabilityBoundingSet= LimitNOFILE=1048576 Restart=on-failure; do
	is "$(grep -cx "$kv" "$UNIT")" 1 "the unit sets $kv"
done
like "$(grep '^TimeoutStopSec=' "$UNIT")" '^TimeoutStopSec=[0-9]+s?$' "the unit bounds the stop time"

if command -v systemd-analyze >/dev/null 2>&1; then
	# verify insists that ExecStart's binary exists: point a copy at the one under test.
	mkdir -p "$SANDBOX/unit"
	sed "s|^ExecStart=[^ ]*/rampage |ExecStart=$RAMPAGE |" "$UNIT" >"$SANDBOX/unit/rampage.service"
	out=$(systemd-analyze verify "$SANDBOX/unit/rampage.service" 2>&1); rc=$?
	is "$rc" 0 "systemd-analyze verify accepts the unit"
	is "$out" "" "and prints no warning"
	# The same check fails on a broken copy, so the silence above means something.
	sed 's/^ProtectHome=yes$/ProtectHome=yes\nProtectEverything=yes/' "$SANDBOX/unit/rampage.service" \
		>"$SANDBOX/unit/broken.service"
	like "$(systemd-analyze verify "$SANDBOX/unit/broken.service" 2>&1)" "Unknown key 'ProtectEverything'" \
		"(verify does report a bad key)"
	if sec=$(systemd-analyze security --offline=true "$SANDBOX/unit/rampage.service" 2>&1); then
		level=$(printf '%s\n' "$sec" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
		ok $(awk -v l="${level:-10}" 'BEGIN { exit !(l <= 2.0) }'; echo $?) \
			"systemd-analyze security rates the unit's exposure at most 2.0 (${level:-?})"
	else
		tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP systemd-analyze security --offline not supported"
	fi
else
	tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP systemd-analyze not installed (Debian package systemd)"
fi

# --- readiness: READY=1 on $NOTIFY_SOCKET from the main process, once the port answers
cat >"$SANDBOX/notify.py" <<'EOF'
# Receive sd_notify datagrams on a unix socket; write "pid=<sender> <message>" per datagram.
import socket, struct, sys, time
path, out, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(path)
s.settimeout(0.1)
deadline = time.monotonic() + timeout
with open(out, "a") as f:
    while time.monotonic() < deadline:
        try:
            data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            continue
        pid = -1
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", cdata[:12])[0]
        f.write("pid=%d %s\n" % (pid, data.decode(errors="replace").replace("\n", " ")))
        f.flush()
        if b"STOPPING=1" in data:
            break
EOF
SOCK=$SANDBOX/notify.sock
"$PY" "$SANDBOX/notify.py" "$SOCK" "$SANDBOX/notify.out" 60 &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
ok $([ -S "$SOCK" ]; echo $?) "a notify socket listens in the sandbox"

NOTIFY_SOCKET=$SOCK "$RAMPAGE" serve --config /dev/null --listen 127.0.0.1:0 --db "$SANDBOX/rampage.db" \
	--web-root "$TOP_SRCDIR/web" >"$SANDBOX/serve.log" 2>&1 &
DAEMON_PID=$!
PIDS="$PIDS $DAEMON_PID"
ready=$(wait_for_log "$SANDBOX/notify.out" 'READY=1.*' 20)
ok $? "rampage serve sends READY=1"
[ -n "$ready" ] || { diag "serve log:"; diag "$(cat "$SANDBOX/serve.log")"; }
port=$(grep -Eo 'listening on http://127\.0\.0\.1:[0-9]+' "$SANDBOX/serve.log" | grep -Eo '[0-9]+$')
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${port:-1}/api/health")
ok $([ "$code" != 000 ]; echo $?) "once READY=1 has arrived, the port answers HTTP (got $code)"
like "$(grep 'READY=1' "$SANDBOX/notify.out")" "^pid=$DAEMON_PID " "READY=1 comes from the main process (NotifyAccess=main)"
like "$(grep 'READY=1' "$SANDBOX/notify.out")" "STATUS=[^ ]*.*${port:-none}" "and its STATUS names the port"

stop_daemon TERM
is "$DAEMON_STATUS" 0 "SIGTERM stops the daemon with 0"
like "$(cat "$SANDBOX/notify.out")" 'STOPPING=1' "and it said STOPPING=1 first"

done_testing
