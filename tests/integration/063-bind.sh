#!/bin/sh
# The bind policy and the token file: the daemon refuses to listen beyond loopback without API
# tokens (exit 2, naming the keys), listens with tokens or with allow_insecure_bind (and warns);
# a world-readable token file, an empty one, or protect_reads without tokens stop it at start-up.
# (Requests in this test only ever go to 127.0.0.1; every wide listener needs a token or lives a
# second.)
. "$TOP_SRCDIR/tests/integration/lib.sh"

T1=0123456789abcdef0123456789abcdef

# serve CONF LISTEN: run the daemon in the foreground for at most 10 s; output in $SANDBOX/out.
serve() {
	timeout 10 "$RAMPAGE" serve --config "$1" --listen "$2" --db "$SANDBOX/r.db" \
		--web-root "$TOP_SRCDIR/web" >"$SANDBOX/out" 2>&1
}
# serve_bg CONF LISTEN REGEX: start the daemon and wait for a log line; sets PORT, BG_PID.
serve_bg() {
	"$RAMPAGE" serve --config "$1" --listen "$2" --db "$SANDBOX/r.db" --web-root "$TOP_SRCDIR/web" \
		>"$SANDBOX/bg.log" 2>&1 &
	BG_PID=$!
	PIDS="$PIDS $BG_PID"
	PORT=$(wait_for_log "$SANDBOX/bg.log" "$3" | grep -Eo '[0-9]+$')
}
stop_bg() { kill "$BG_PID" 2>/dev/null; wait "$BG_PID" 2>/dev/null; BG_STATUS=$?; }

# --- no tokens: refused
serve /dev/null 0.0.0.0:0
is $? 2 "0.0.0.0 without tokens exits 2"
like "$(cat "$SANDBOX/out")" 'refusing to listen on 0\.0\.0\.0:0, beyond loopback, without API tokens' \
	"and says why"
like "$(cat "$SANDBOX/out")" 'security\.api_tokens or security\.token_file' "naming the token keys"
like "$(cat "$SANDBOX/out")" 'security\.allow_insecure_bind = true' "and the key that accepts the risk"
serve /dev/null '[::]:0'
is $? 2 "[::] without tokens exits 2"
like "$(cat "$SANDBOX/out")" 'refusing to listen on \[::\]:0' "naming the IPv6 address"

# --- loopback needs nothing
serve_bg /dev/null 127.0.0.1:0 'listening on http://127\.0\.0\.1:[0-9]+'
is "$(http_status GET "http://127.0.0.1:$PORT/api/health")" 200 "127.0.0.1 without tokens is fine"
stop_bg
is "$BG_STATUS" 0 "(stopped)"

# --- tokens: listens on 0.0.0.0, and requires them
printf '[security]\napi_tokens = %s\n' "$T1" >"$SANDBOX/tok.conf"
serve_bg "$SANDBOX/tok.conf" 0.0.0.0:0 'listening on http://0\.0\.0\.0:[0-9]+'
ok $([ -n "$PORT" ]; echo $?) "0.0.0.0 with a token starts (port $PORT)"
is "$(http_status GET "http://127.0.0.1:$PORT/api/health")" 200 "and answers health"
is "$(http_status POST "http://127.0.0.1:$PORT/api/tests" -H 'Content-Type: application/json' -d '{}')" 401 "and wants the token for a POST"
stop_bg

# --- allow_insecure_bind: listens, warns
printf '[security]\nallow_insecure_bind = true\n' >"$SANDBOX/insecure.conf"
serve_bg "$SANDBOX/insecure.conf" 0.0.0.0:0 'listening on http://0\.0\.0\.0:[0-9]+'
ok $([ -n "$PORT" ]; echo $?) "allow_insecure_bind = true starts without tokens"
like "$(cat "$SANDBOX/bg.log")" 'without API tokens \(security\.allow_insecure_bind\)' "with a warning"
stop_bg

# --- the token file
printf '# tokens\n%s\n' "$T1" >"$SANDBOX/tokens"
chmod 644 "$SANDBOX/tokens"
printf '[security]\ntoken_file = %s\n' "$SANDBOX/tokens" >"$SANDBOX/file.conf"
serve "$SANDBOX/file.conf" 127.0.0.1:0
is $? 2 "a world-readable token file exits 2"
like "$(cat "$SANDBOX/out")" "security\.token_file: .*tokens: readable by every user \(mode 0644\); run chmod 600" \
	"naming the key, the file, its mode and the fix"
chmod 604 "$SANDBOX/tokens"
serve "$SANDBOX/file.conf" 127.0.0.1:0
is $? 2 "0604 is world-readable too"
chmod 600 "$SANDBOX/tokens"
serve_bg "$SANDBOX/file.conf" 0.0.0.0:0 'listening on http://0\.0\.0\.0:[0-9]+'
ok $([ -n "$PORT" ]; echo $?) "a 0600 token file is accepted, and counts as tokens for 0.0.0.0"
is "$(http_status POST "http://127.0.0.1:$PORT/api/tests" -H 'Content-Type: application/json' -d '{}')" 401 "its token is required"
is "$(http_status POST "http://127.0.0.1:$PORT/api/tests/validate" -H 'Content-Type: application/json' -H "Authorization: Bearer $T1" \
	-d '{"baseUrl":"http://127.0.0.1:9","tasks":[{"path":"/"}]}')" 200 "and accepted"
stop_bg
printf '# nothing here\n\n' >"$SANDBOX/tokens"
serve "$SANDBOX/file.conf" 127.0.0.1:0
is $? 2 "a token file without tokens exits 2"
like "$(cat "$SANDBOX/out")" 'no token in it' "and says so"
printf 'short\n' >"$SANDBOX/tokens"
serve "$SANDBOX/file.conf" 127.0.0.1:0
is $? 2 "a token too short exits 2"
like "$(cat "$SANDBOX/out")" 'tokens:1: a token must be 16 to 256 characters' "naming file:line"
printf '[security]\ntoken_file = %s/nope\n' "$SANDBOX" >"$SANDBOX/missing.conf"
serve "$SANDBOX/missing.conf" 127.0.0.1:0
is $? 2 "a missing token file exits 2"

# --- other start-up errors
printf '[security]\nprotect_reads = true\n' >"$SANDBOX/ro.conf"
serve "$SANDBOX/ro.conf" 127.0.0.1:0
is $? 2 "protect_reads without tokens exits 2"
like "$(cat "$SANDBOX/out")" 'security\.protect_reads: needs a token' "and says so"
printf '[security]\napi_tokens = tiny\n' >"$SANDBOX/bad.conf"
serve "$SANDBOX/bad.conf" 127.0.0.1:0
is $? 2 "a bad api_tokens exits 2"
like "$(cat "$SANDBOX/out")" 'bad\.conf:2: security\.api_tokens: a token must be' "with file:line: key: why"
printf '[security]\nallow_targets = 10.0.0.0/99\n' >"$SANDBOX/bad2.conf"
serve "$SANDBOX/bad2.conf" 127.0.0.1:0
is $? 2 "a bad allow_targets exits 2"
like "$(cat "$SANDBOX/out")" 'bad2\.conf:2: security\.allow_targets: "10\.0\.0\.0/99": the prefix length' \
	"with file:line: key: why"
done_testing
