#!/bin/sh
# Configuration: etc/rampage.conf documents every key; bad files and flags fail clearly with exit 2.
. "$TOP_SRCDIR/tests/integration/lib.sh"

# Every key the binary knows is documented in etc/rampage.conf, and nothing else is.
"$RAMPAGE" config-defaults | grep -E '^;[a-z_]+ =' | sed 's/ =.*//' | sort >"$SANDBOX/bin.keys"
grep -E '^;[a-z_]+ =' "$TOP_SRCDIR/etc/rampage.conf" | sed 's/ =.*//' | sort >"$SANDBOX/doc.keys"
is "$(cat "$SANDBOX/doc.keys")" "$(cat "$SANDBOX/bin.keys")" "etc/rampage.conf lists exactly the keys the binary knows"
ok $([ -s "$SANDBOX/bin.keys" ]; echo $?) "and there are some"
# The shipped file, with every line commented out, loads as the defaults.
"$RAMPAGE" serve --config "$TOP_SRCDIR/etc/rampage.conf" --listen 127.0.0.1:99999 >"$SANDBOX/out" 2>&1
is $? 2 "the shipped config parses (then the bad flag is rejected)"
like "$(cat "$SANDBOX/out")" 'command line: server.listen: expected ADDR:PORT' "a bad --listen names the key"

printf '[server]\nlisten = 127.0.0.1:0\nmax_connections = many\n' >"$SANDBOX/bad.conf"
"$RAMPAGE" serve --config "$SANDBOX/bad.conf" >"$SANDBOX/out" 2>&1
is $? 2 "a bad value exits 2"
like "$(cat "$SANDBOX/out")" "bad.conf:3: server.max_connections: expected an integer" "and says file:line: key: why"

printf '[server]\nlisten = 127.0.0.1:0\nlistne = 1\n' >"$SANDBOX/typo.conf"
"$RAMPAGE" serve --config "$SANDBOX/typo.conf" >"$SANDBOX/out" 2>&1
is $? 2 "an unknown key exits 2"
like "$(cat "$SANDBOX/out")" "typo.conf:3: server.listne: unknown key" "and names it"

# [agents]: the agents' URLs and DNS name are checked when the file is read
printf '[agents]\nurls = ws://10.0.0.5:7000, http://10.0.0.6:7000\n' >"$SANDBOX/agents.conf"
"$RAMPAGE" serve --config "$SANDBOX/agents.conf" >"$SANDBOX/out" 2>&1
is $? 2 "an agent URL that is not ws:// or wss:// exits 2"
like "$(cat "$SANDBOX/out")" 'agents.conf:2: agents.urls: "http://10.0.0.6:7000": expected ws://HOST:PORT' "naming it"
printf '[agents]\ndns = rampage-agents\n' >"$SANDBOX/agents.conf"
"$RAMPAGE" serve --config "$SANDBOX/agents.conf" >"$SANDBOX/out" 2>&1
like "$(cat "$SANDBOX/out")" 'agents.conf:2: agents.dns: "rampage-agents": expected NAME:PORT' "a DNS name without its port is refused"
printf '[agents]\ndns = rampage-agents:70000\n' >"$SANDBOX/agents.conf"
"$RAMPAGE" serve --config "$SANDBOX/agents.conf" >"$SANDBOX/out" 2>&1
like "$(cat "$SANDBOX/out")" 'agents.dns: "rampage-agents:70000": the port must be 1-65535' "and one with a port out of range"

"$RAMPAGE" serve --config "$SANDBOX/missing.conf" >"$SANDBOX/out" 2>&1
is $? 2 "a missing --config file exits 2"
like "$(cat "$SANDBOX/out")" "missing.conf: No such file" "and says so"

"$RAMPAGE" serve --config /dev/null --listen 127.0.0.1:0 --db "$SANDBOX/no/such/dir/r.db" >"$SANDBOX/out" 2>&1
is $? 2 "an unusable database path exits 2"
like "$(cat "$SANDBOX/out")" "no/such/dir/r.db" "and names the path"

# A busy port gives a clear error.
start_daemon
"$RAMPAGE" serve --config /dev/null --listen "127.0.0.1:$PORT" --db "$SANDBOX/other.db" >"$SANDBOX/out" 2>&1
is $? 2 "a busy port exits 2"
like "$(cat "$SANDBOX/out")" "127.0.0.1:$PORT.*(in use|Address already)" "and names the address"
stop_daemon TERM
is "$DAEMON_STATUS" 0 "SIGTERM stops the daemon with exit 0"
like "$(cat "$DAEMON_LOG")" 'stopped' "and it logs that it stopped"
done_testing
