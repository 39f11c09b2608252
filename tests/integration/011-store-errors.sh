#!/bin/sh
# Databases the daemon must refuse at start, exit code 2 and a message naming the path, without
# touching the file: a path in a missing folder, a file that is not SQLite, a schema newer than the
# binary. The store opens before any HTTP module, so these need no listening daemon.
. "$TOP_SRCDIR/tests/integration/lib.sh"

command -v sqlite3 >/dev/null 2>&1 || bail "the sqlite3 command is needed (apt-get install sqlite3)"
# serve DB: run the daemon on DB; sets ERR (its log) and STATUS. Bounded: a daemon that started
# anyway is stopped after 10 s.
serve() {
	ERR=$(timeout 10 "$RAMPAGE" serve --config /dev/null --listen 127.0.0.1:0 --db "$1" \
		--web-root "$TOP_SRCDIR/web" 2>&1)
	STATUS=$?
}

db="$SANDBOX/no/such/folder/rampage.db"
serve "$db"
is "$STATUS" 2 "a database in a missing folder: exit 2"
like "$ERR" "$db" "the message names the path"
like "$ERR" "folder $SANDBOX/no/such/folder" "and the missing folder"
[ ! -e "$SANDBOX/no" ]; ok $? "no folder was created"

db="$SANDBOX/notes.txt"
printf 'shopping list\n- milk\n- eggs\n' > "$db"
cp "$db" "$SANDBOX/notes.orig"
serve "$db"
is "$STATUS" 2 "a file that is not a database: exit 2"
like "$ERR" "$db: not a SQLite database" "the message names the path"
cmp -s "$db" "$SANDBOX/notes.orig"; ok $? "the file is left as it was"
[ ! -e "$db-wal" ]; ok $? "no WAL file was created beside it"
[ ! -e "$db.lock" ]; ok $? "nor a lock file (the refused open removes the one it made)"

db="$SANDBOX/future.db"
sqlite3 "$db" 'CREATE TABLE from_the_future (x); PRAGMA user_version = 7;'
serve "$db"
is "$STATUS" 2 "a database newer than the binary: exit 2"
like "$ERR" "$db: database schema version 7 is newer than this rampage \(knows up to 3\): upgrade rampage" \
	"the message names the path and both versions"
is "$(sqlite3 "$db" 'PRAGMA user_version')" 7 "the database keeps its version"
is "$(sqlite3 "$db" 'PRAGMA journal_mode')" delete "and its journal mode (nothing was written)"
done_testing
