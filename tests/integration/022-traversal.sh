#!/bin/sh
# No request reads outside the web root: raw "..", %2e%2e, ..%2f, double encoding, encoded NUL,
# absolute paths and absolute-form targets, backslashes, and symlinks that point outside (to a
# secret next to the root, and to /etc) all get 400/403/404 and never the file's content.
# Requests are sent byte for byte on raw sockets so no client normalises them first.
. "$TOP_SRCDIR/tests/integration/lib.sh"

W="$SANDBOX/www"
mkdir -p "$W/sub"
printf '<!doctype html><title>root</title>\n' >"$W/index.html"
printf 'inside\n' >"$W/sub/inner.txt"
printf 'TOPSECRET-6b1f\n' >"$SANDBOX/secret.txt"
ln -s /etc "$W/etc"                       # a folder symlink pointing outside
ln -s ../secret.txt "$W/leak.txt"         # a file symlink pointing outside
ln -s "$SANDBOX/secret.txt" "$W/abs-leak.txt"
ln -s sub/inner.txt "$W/ok.txt"           # a symlink that stays inside: allowed
ln -s .. "$W/sub/up"                      # a symlink to the root itself: allowed, stays inside
ln -s ../.. "$W/sub/upup"                 # one that climbs above it: refused
[ -r /etc/passwd ] || bail "this test needs a readable /etc/passwd"
grep -q '^root:' /etc/passwd || bail "this test expects /etc/passwd to start with root:"

start_daemon --web-root "$W"

# probe.py PORT < targets: for each request target, one line "STATUS LEAKED TARGET" where LEAKED
# says whether the answer contains the secret or /etc/passwd's first line.
cat >"$SANDBOX/probe.py" <<'EOF'
import socket, sys
port = int(sys.argv[1])
passwd = open("/etc/passwd", "rb").readline().strip()
for line in sys.stdin.buffer.read().split(b"\n"):
    if not line:
        continue
    target = line.replace(b"\\0", b"\0")
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % port)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except OSError:
        pass
    s.close()
    status = out.split(b" ", 2)[1].decode() if out.startswith(b"HTTP/") else "closed"
    leaked = b"TOPSECRET" in out or passwd in out
    print(status, "LEAK" if leaked else "clean", line.decode("latin-1"))
EOF
cat >"$SANDBOX/targets" <<'EOF'
/../secret.txt
/../../../../../../etc/passwd
/sub/../../secret.txt
/./../secret.txt
/sub/./../../secret.txt
/%2e%2e/secret.txt
/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd
/.%2e/secret.txt
/%2e./secret.txt
/..%2fsecret.txt
/..%2F..%2F..%2F..%2Fetc%2Fpasswd
/sub%2f..%2f..%2fsecret.txt
/%2e%2e%2fsecret.txt
/%252e%252e/secret.txt
/%252e%252e%252fsecret.txt
/..%252fsecret.txt
/%25%32%65%25%32%65/secret.txt
/..%00/secret.txt
/index.html%00/../../secret.txt
/..\0/secret.txt
//etc/passwd
///etc/passwd
/etc/passwd
/etc/hostname
/etc/../etc/passwd
/leak.txt
/abs-leak.txt
/sub/upup/secret.txt
/sub/upup/../secret.txt
/..\secret.txt
/..%5csecret.txt
/%c0%ae%c0%ae/secret.txt
/%u002e%u002e/secret.txt
http://127.0.0.1/../secret.txt
http://127.0.0.1/%2e%2e/secret.txt
/etc/passwd
../secret.txt
secret.txt
*
EOF
/usr/bin/python3 "$SANDBOX/probe.py" "$PORT" <"$SANDBOX/targets" >"$SANDBOX/results" 2>&1 ||
	{ cat "$SANDBOX/results" >&2; bail "probe failed"; }
is "$(wc -l <"$SANDBOX/results" | tr -d ' ')" "$(grep -c . "$SANDBOX/targets")" "every target was probed"
while read -r status leaked target; do
	case $status in 400|403|404) r=0 ;; *) r=1 ;; esac
	[ "$leaked" = clean ] || r=1
	ok $r "GET $target -> $status, $leaked"
done <"$SANDBOX/results"

# What must still work: symlinks that stay inside, and the same file by its plain name.
is "$(curl -s "$URL/ok.txt")" inside "a symlink that stays inside the root is served"
is "$(curl -s "$URL/sub/up/sub/inner.txt")" inside "a symlink to the root itself stays inside"
is "$(curl -s --path-as-is "$URL/sub/../sub/inner.txt")" inside "'..' inside the root is fine"
is "$(curl -s "$URL/%73ub/inner.txt")" inside "an escaped name (%73ub) is decoded once"
is "$(http_status GET "$URL/api/health")" 200 "the daemon is fine after all that"
ok $(grep -q 'TOPSECRET' "$DAEMON_LOG"; [ $? -ne 0 ]; echo $?) "and never logged the secret"
stop_daemon
is "$DAEMON_STATUS" 0 "SIGTERM: exit 0"
done_testing
