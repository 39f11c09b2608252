#!/bin/sh
# docs/openapi.yaml is a valid OpenAPI 3.1 description (Redocly CLI's recommended rules, no error),
# and it describes every route of the router's table (daemon/http/routes.c), method included, and
# nothing the router does not have.
#
# Redocly CLI comes from the npm registry, pinned in tests/node/package-lock.json; ./bootstrap
# installs it with `npm ci --prefix tests/node`. Without it the test is skipped, saying so.
. "$TOP_SRCDIR/tests/integration/lib.sh"

REDOCLY="$TOP_SRCDIR/tests/node/node_modules/.bin/redocly"
if [ ! -x "$REDOCLY" ]; then
	echo "1..0 # SKIP Redocly CLI is not installed: run npm ci --prefix tests/node"
	exit 0
fi
SPEC="$TOP_SRCDIR/docs/openapi.yaml"

out=$(cd "$SANDBOX" && "$REDOCLY" lint --format=summary "$SPEC" 2>&1)
rc=$?
is "$rc" 0 "redocly lint docs/openapi.yaml exits 0"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
ok "$(printf '%s\n' "$out" | grep -Eq '^error' && echo 1 || echo 0)" "no rule reports an error"
like "$out" 'Your API description is valid' "Redocly calls it valid"

(cd "$SANDBOX" && "$REDOCLY" bundle "$SPEC" --ext json -o "$SANDBOX/openapi.json" >/dev/null 2>&1)
ok $? "the description bundles into one JSON document"
jq -r '.paths | to_entries[] | .key as $p | .value | keys[] | select(. != "parameters") |
	"\(ascii_upcase) \($p)"' "$SANDBOX/openapi.json" | sort >"$SANDBOX/spec.routes"
sed -n 's/^[[:space:]]*{ *"\([A-Z]*\)", *"\(\/[^"]*\)".*/\1 \2/p' "$TOP_SRCDIR/daemon/http/routes.c" |
	sort >"$SANDBOX/router.routes"
ok "$([ -s "$SANDBOX/router.routes" ]; echo $?)" "read $(wc -l <"$SANDBOX/router.routes") routes from routes.c"
missing=$(comm -23 "$SANDBOX/router.routes" "$SANDBOX/spec.routes")
extra=$(comm -13 "$SANDBOX/router.routes" "$SANDBOX/spec.routes")
is "$missing" "" "every route of the router is in docs/openapi.yaml"
is "$extra" "" "docs/openapi.yaml describes no route the router lacks"

# every route is also in docs/api.md
undocumented=""
while read -r method path; do
	grep -Fq "$method $path" "$TOP_SRCDIR/docs/api.md" || undocumented="$undocumented $method $path;"
done <"$SANDBOX/router.routes"
is "$undocumented" "" "every route of the router is in docs/api.md"
done_testing
