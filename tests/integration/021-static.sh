#!/bin/sh
# Static files from the web root: content types, caching headers (ETag, Last-Modified, 304 on
# If-None-Match and If-Modified-Since), HEAD, folders and their index.html, 404 and 405 as JSON.
. "$TOP_SRCDIR/tests/integration/lib.sh"

cat >"$SANDBOX/raw.py" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read())
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.buffer.write(out)
EOF
raw() { /usr/bin/python3 "$SANDBOX/raw.py" "$@"; }
# hdr FILE NAME: a header's value from a curl -D dump.
hdr() { grep -i "^$2:" "$1" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'; }

# The shipped landing page first.
start_daemon
curl -s -D "$SANDBOX/h" -o "$SANDBOX/b" "$URL/"
like "$(head -1 "$SANDBOX/h")" '^HTTP/1.1 200' "GET / is 200"
like "$(cat "$SANDBOX/b")" '<title>Rampage</title>' "and is the Rampage landing page"
cmp -s "$SANDBOX/b" "$TOP_SRCDIR/web/index.html"; ok $? "byte for byte web/index.html"
for f in app.css app.js; do
	curl -s -o "$SANDBOX/b" "$URL/$f"
	cmp -s "$SANDBOX/b" "$TOP_SRCDIR/web/$f"; ok $? "/$f is web/$f"
done
stop_daemon

# A web root with one file of every type we know.
W="$SANDBOX/www"
mkdir -p "$W/sub" "$W/empty" "$W/deep/er"
printf '<!doctype html><title>root</title>\n' >"$W/index.html"
printf '<!doctype html><title>sub</title>\n' >"$W/sub/index.html"
printf '<!doctype html><title>deep</title>\n' >"$W/deep/er/page.html"
printf 'body{}\n' >"$W/a.css"
printf 'export {}\n' >"$W/m.mjs"
printf 'console.log(1)\n' >"$W/a.js"
printf '{"version":3}\n' >"$W/a.js.map"
printf '{"a":1}\n' >"$W/d.json"
printf '<svg xmlns="http://www.w3.org/2000/svg"/>\n' >"$W/i.svg"
printf '\211PNG\r\n\032\n' >"$W/i.png"
printf '\0\0\1\0' >"$W/favicon.ico"
printf 'wOF2' >"$W/f.woff2"
printf 'User-agent: *\n' >"$W/robots.txt"
printf 'x' >"$W/blob.bin"
printf 'secret' >"$W/.env"
mkfifo "$W/pipe.js"
start_daemon --web-root "$W"

for pair in "a.css text/css; charset=utf-8" "a.js text/javascript; charset=utf-8" \
	"m.mjs text/javascript; charset=utf-8" "d.json application/json" "a.js.map application/json" \
	"i.svg image/svg+xml" "i.png image/png" "favicon.ico image/x-icon" "f.woff2 font/woff2" \
	"robots.txt text/plain; charset=utf-8" "index.html text/html; charset=utf-8" \
	"blob.bin application/octet-stream"; do
	f=${pair%% *}; want=${pair#* }
	curl -s -D "$SANDBOX/h" -o "$SANDBOX/b" "$URL/$f"
	is "$(head -1 "$SANDBOX/h" | cut -d' ' -f2)|$(hdr "$SANDBOX/h" content-type)" "200|$want" "/$f is 200 $want"
done
cmp -s "$SANDBOX/b" "$W/blob.bin"; ok $? "and the bytes are the file's"

# Folders serve their index.html; a folder without one, a missing file, a dot file, a FIFO: 404.
is "$(curl -s "$URL/sub/")" "$(cat "$W/sub/index.html")" "/sub/ serves sub/index.html"
is "$(curl -s "$URL/sub")" "$(cat "$W/sub/index.html")" "/sub serves it too"
is "$(curl -s "$URL/deep/er/page.html")" "$(cat "$W/deep/er/page.html")" "nested files are served"
for p in /empty/ /missing.js /deep/ /.env /sub/missing/ /index.html/x; do
	curl -s -D "$SANDBOX/h" -o "$SANDBOX/b" "$URL$p"
	is "$(head -1 "$SANDBOX/h" | cut -d' ' -f2)|$(jq -r .error.code "$SANDBOX/b")" "404|not_found" "$p is 404 not_found (JSON)"
done
t0=$(date +%s)
is "$(http_status GET "$URL/pipe.js" --max-time 5)" 404 "a FIFO in the web root is 404"
ok $([ $(( $(date +%s) - t0 )) -le 2 ]; echo $?) "and does not block the server"
is "$(http_status GET "$URL/api/health" --max-time 5)" 200 "the API still answers"

# Caching: index.html must be revalidated every time, other files carry validators and a max-age.
curl -s -D "$SANDBOX/h" -o /dev/null "$URL/"
is "$(hdr "$SANDBOX/h" cache-control)" "no-cache" "index.html: Cache-Control: no-cache"
like "$(hdr "$SANDBOX/h" etag)" '^"[0-9a-f-]+"$' "index.html has an ETag"
curl -s -D "$SANDBOX/h" -o /dev/null "$URL/a.js"
like "$(hdr "$SANDBOX/h" cache-control)" 'max-age=[0-9]+.*must-revalidate' "a.js: max-age then revalidation"
etag=$(hdr "$SANDBOX/h" etag)
lm=$(hdr "$SANDBOX/h" last-modified)
like "$etag" '^"[0-9a-f-]+"$' "a.js has an ETag ($etag)"
like "$lm" '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$' "and a Last-Modified date ($lm)"
is "$(hdr "$SANDBOX/h" x-content-type-options)" nosniff "and X-Content-Type-Options: nosniff"

rm -f "$SANDBOX/b"
curl -s -D "$SANDBOX/h" -o "$SANDBOX/b" -H "If-None-Match: $etag" "$URL/a.js"
is "$(head -1 "$SANDBOX/h" | cut -d' ' -f2)" 304 "If-None-Match with the ETag: 304"
is "$(cat "$SANDBOX/b" 2>/dev/null | wc -c)" 0 "with no body"
is "$(hdr "$SANDBOX/h" etag)" "$etag" "and the same ETag"
is "$(http_status GET "$URL/a.js" -H "If-None-Match: \"other\", W/$etag")" 304 "a weak match in a list: 304"
is "$(http_status GET "$URL/a.js" -H 'If-None-Match: *')" 304 "If-None-Match: *: 304"
is "$(http_status GET "$URL/a.js" -H 'If-None-Match: "nope"')" 200 "another ETag: 200"
is "$(http_status GET "$URL/a.js" -H "If-Modified-Since: $lm")" 304 "If-Modified-Since the Last-Modified: 304"
is "$(http_status GET "$URL/a.js" -H 'If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT')" 200 "an older date: 200"
is "$(http_status GET "$URL/a.js" -H 'If-None-Match: "nope"' -H "If-Modified-Since: $lm")" 200 \
	"If-None-Match wins over If-Modified-Since"
is "$(http_status GET "$URL/a.js" -H 'If-Modified-Since: yesterday')" 200 "an unparsable date: 200"
is "$(http_status GET "$URL/" -H "If-None-Match: $(curl -s -o /dev/null -D - "$URL/" | grep -i '^etag:' | sed 's/^[^:]*: *//' | tr -d '\r')")" \
	304 "index.html revalidates to 304"
sleep 1.1
printf 'console.log(2)\n' >"$W/a.js"
curl -s -D "$SANDBOX/h" -o "$SANDBOX/b" -H "If-None-Match: $etag" "$URL/a.js"
is "$(head -1 "$SANDBOX/h" | cut -d' ' -f2)" 200 "after the file changes, the old ETag gets 200"
is "$(cat "$SANDBOX/b")" "console.log(2)" "with the new content"
ok $([ "$(hdr "$SANDBOX/h" etag)" != "$etag" ]; echo $?) "and a new ETag"

# HEAD: headers with the file's length, no body.
size=$(wc -c <"$W/d.json")
r=$(printf 'HEAD /d.json HTTP/1.1\r\nHost: 127.0.0.1:'"$PORT"'\r\nConnection: close\r\n\r\n' | raw "$PORT" | od -An -c | tr -d ' \n')
like "$r" '^HTTP/1.1200OK' "HEAD /d.json is 200"
like "$r" "Content-Length:$size" "with the file's Content-Length ($size)"
like "$r" 'Content-Type:application/json' "and its Content-Type"
like "$r" '\\r\\n\\r\\n$' "and no body"
is "$(http_status HEAD "$URL/missing" -I)" 404 "HEAD of a missing file: 404"

# Methods other than GET/HEAD on static paths.
curl -H 'Content-Type: application/json' -s -D "$SANDBOX/h" -o "$SANDBOX/b" -X PUT --data x "$URL/a.js"
is "$(head -1 "$SANDBOX/h" | cut -d' ' -f2)|$(hdr "$SANDBOX/h" allow)" "405|GET, HEAD" "PUT /a.js: 405, Allow: GET, HEAD"
is "$(cat "$W/a.js")" "console.log(2)" "and the file is untouched"

stop_daemon
is "$DAEMON_STATUS" 0 "SIGTERM: exit 0"

# A missing web root is not fatal: the API works, files are 404.
start_daemon --web-root "$SANDBOX/nowhere"
like "$(cat "$DAEMON_LOG")" 'nowhere.*dashboard will not be served' "a missing web root is a warning"
is "$(http_status GET "$URL/")" 404 "/ is then 404"
is "$(http_status GET "$URL/api/health")" 200 "and the API works"
stop_daemon
done_testing
