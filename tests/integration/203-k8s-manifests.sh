#!/bin/sh
# etc/k8s/ (docs/scale-out.md, "Kubernetes"): every object of every manifest validates against the
# Kubernetes OpenAPI schemas (kubernetes-models' validate(), which checks the object with Ajv against
# the JSON Schema generated from Kubernetes' OpenAPI document), and broken copies are rejected (a
# replicas of the wrong type, a Deployment without its selector, a capabilities list given as a
# string, a port given as a string, an unknown kind). Then what the schemas cannot say: the agents'
# Service is headless, the token Secret is mounted with mode 0400, the daemon's Deployment is one
# replica with strategy Recreate, every container has requests and limits and drops ALL
# capabilities without privilege escalation, the selectors, volumes and probes fit together, the
# kustomization and Makefile.am list every file. Last, the real binary loads the ConfigMap's
# rampage.conf (`rampage serve`, its [agents] section left out while the binary does not know it)
# and agent.conf (`rampage agent`, with a token file of the mode the pod gets, 0440).
#
# kubernetes-models and yaml come from the npm registry, pinned in tests/node/package-lock.json;
# ./bootstrap installs them with `npm ci --prefix tests/node`. Without them the test is skipped.
# No cluster is needed.
. "$TOP_SRCDIR/tests/integration/lib.sh"

NODE_MODULES=${RAMPAGE_NODE_MODULES:-$TOP_SRCDIR/tests/node/node_modules}
if ! command -v node >/dev/null 2>&1 || [ ! -d "$NODE_MODULES/kubernetes-models" ] ||
	[ ! -d "$NODE_MODULES/yaml" ]; then
	echo "1..0 # SKIP node, kubernetes-models or yaml is missing: run npm ci --prefix tests/node"
	exit 0
fi
K8S="$TOP_SRCDIR/etc/k8s"

# k8s.js validate FILE...: one line per object: valid|invalid, file, Kind/name, the schema's message.
# k8s.js json FILE...: every object of the files as one JSON array (for jq).
cat >"$SANDBOX/k8s.js" <<'EOF'
const fs = require("fs");
const path = require("path");
const YAML = require("yaml");
const [mode, ...files] = process.argv.slice(2);
const all = [];
for (const file of files) {
	// YAML 1.1, as kubectl reads manifests (sigs.k8s.io/yaml): defaultMode 0400 is octal, 256.
	for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"), { version: "1.1" })) {
		const name = path.basename(file);
		if (doc.errors.length) {
			console.log(`invalid\t${name}\t?\tYAML: ${doc.errors[0].message.split("\n")[0]}`);
			continue;
		}
		const obj = doc.toJS();
		if (obj === null || obj === undefined) continue;
		all.push(obj);
		if (mode !== "validate") continue;
		const id = `${obj.kind}/${obj.metadata && obj.metadata.name}`;
		let Model;
		try {
			const group = obj.apiVersion === "v1" ? "v1" : obj.apiVersion;
			Model = require(`kubernetes-models/${group}`)[obj.kind];
		} catch (e) { Model = undefined; }
		if (typeof Model !== "function") {
			console.log(`invalid\t${name}\t${id}\tno schema for ${obj.apiVersion} ${obj.kind}`);
			continue;
		}
		try {
			new Model(obj).validate();
			console.log(`valid\t${name}\t${id}`);
		} catch (e) {
			console.log(`invalid\t${name}\t${id}\t${String(e.message).split("\n")[0]}`);
		}
	}
}
if (mode === "json") console.log(JSON.stringify(all));
EOF
k8s() { NODE_PATH="$NODE_MODULES" node "$SANDBOX/k8s.js" "$@"; }

# ---- 1. every manifest against the schemas
MANIFESTS=""
for f in "$K8S"/*.yaml; do
	[ "$(basename "$f")" = kustomization.yaml ] || MANIFESTS="$MANIFESTS $f"
done
# shellcheck disable=SC2086
k8s validate $MANIFESTS >"$SANDBOX/validate.out" 2>&1
ok $? "the validator runs"
nobj=$(grep -c '^valid' "$SANDBOX/validate.out")
is "$(grep -v '^valid' "$SANDBOX/validate.out")" "" "every object of etc/k8s validates against the Kubernetes schemas ($nobj objects)"
is "$(cut -f3 "$SANDBOX/validate.out" | sort | tr '\n' ' ')" \
	"ConfigMap/rampage-config Deployment/rampage Deployment/rampage-agent Namespace/rampage PersistentVolumeClaim/rampage-data Secret/rampage-agent-token Secret/rampage-api-token Service/rampage Service/rampage-agents " \
	"the manifests hold the expected objects"
# shellcheck disable=SC2086
k8s json $MANIFESTS >"$SANDBOX/all.json" || bail "cannot read the manifests as JSON"
obj() { jq -c --arg k "$1" --arg n "$2" '.[] | select(.kind == $k and .metadata.name == $n)' "$SANDBOX/all.json"; }
obj Deployment rampage-agent >"$SANDBOX/agent.json"
obj Deployment rampage >"$SANDBOX/daemon.json"
obj Service rampage-agents >"$SANDBOX/agent-svc.json"
obj Service rampage >"$SANDBOX/daemon-svc.json"

# ---- 2. broken manifests are rejected by the same validator
neg() { # neg NAME JQ-FILTER SOURCE-JSON WANTED-MESSAGE-REGEX
	jq "$2" "$3" >"$SANDBOX/$1.json"
	out=$(k8s validate "$SANDBOX/$1.json")
	like "$out" "^invalid	$1.json	.*$4" "rejected: $1 ($4)"
}
neg replicas-string '.spec.replicas = "three"' "$SANDBOX/agent.json" 'replicas must be integer'
neg no-selector 'del(.spec.selector)' "$SANDBOX/daemon.json" 'required property .?selector'
neg drop-string '.spec.template.spec.containers[0].securityContext.capabilities.drop = "ALL"' \
	"$SANDBOX/agent.json" 'drop must be array'
neg port-string '.spec.ports[0].port = "7000"' "$SANDBOX/agent-svc.json" 'port must be integer'
neg no-containers 'del(.spec.template.spec.containers)' "$SANDBOX/agent.json" 'required property .?containers'
neg unknown-kind '.kind = "Deploymnet"' "$SANDBOX/agent.json" 'no schema for apps/v1 Deploymnet'
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: x\nspec: [\n' >"$SANDBOX/bad-yaml.yaml"
like "$(k8s validate "$SANDBOX/bad-yaml.yaml")" '^invalid	bad-yaml.yaml	\?	YAML' "rejected: a file that is not YAML"

# ---- 3. what the schemas cannot say; each check also rejects a broken copy
check() { # check NAME FILE JQ-EXPR: the expression is true for FILE
	is "$(jq -r "$3" "$2" 2>&1)" true "$1"
}
check_neg() { # check_neg NAME FILE JQ-EXPR BREAK-FILTER: ... and false once BREAK-FILTER is applied
	check "$1" "$2" "$3"
	is "$(jq "$4" "$2" | jq -r "$3" 2>&1)" false "... and a copy with $4 fails it"
}
HEADLESS='.spec.clusterIP == "None" and ([.spec.ports[] | select(.port == 7000)] | length == 1)'
check_neg "the agents' Service rampage-agents is headless, port 7000" "$SANDBOX/agent-svc.json" \
	"$HEADLESS" 'del(.spec.clusterIP)'
RECREATE='.spec.strategy.type == "Recreate" and .spec.replicas == 1'
check_neg "the daemon's Deployment: 1 replica, strategy Recreate (one SQLite writer)" "$SANDBOX/daemon.json" \
	"$RECREATE" '.spec.strategy.type = "RollingUpdate"'
check "the agents' Deployment: 3 replicas" "$SANDBOX/agent.json" '.spec.replicas == 3'
# every volume of the agent-token Secret has mode 0400 (256), in both Deployments
TOKEN_MODE='[.spec.template.spec.volumes[] | select(.secret.secretName == "rampage-agent-token") |
	.secret.defaultMode == 256 and (.secret.items // [] | all(.mode == null or .mode == 256))] |
	length > 0 and all'
check_neg "the agents mount the token Secret with mode 0400" "$SANDBOX/agent.json" "$TOKEN_MODE" \
	'.spec.template.spec.volumes |= map(if .secret then .secret.defaultMode = 292 else . end)'
check "the daemon mounts the token Secret with mode 0400" "$SANDBOX/daemon.json" "$TOKEN_MODE"
check "every Secret volume of the daemon has mode 0400" "$SANDBOX/daemon.json" \
	'[.spec.template.spec.volumes[] | select(.secret) | .secret.defaultMode == 256] | all'
check "pods run as non-root with an fsGroup (so a 0400 Secret file is readable by the process: 0440)" \
	"$SANDBOX/all.json" '[.[] | select(.kind == "Deployment") | .spec.template.spec.securityContext |
	.runAsNonRoot == true and (.runAsUser // 0) > 0 and .fsGroup == .runAsGroup] | all'
HARDENED='[.. | objects | select(has("containers") and has("volumes")) | (.containers + (.initContainers // []))[] |
	.resources.requests.cpu != null and .resources.requests.memory != null and
	.resources.limits.cpu != null and .resources.limits.memory != null and
	(.securityContext.capabilities.drop // [] | index("ALL") != null) and
	((.securityContext.capabilities.add // []) | length == 0) and
	.securityContext.allowPrivilegeEscalation == false and .securityContext.readOnlyRootFilesystem == true and
	.securityContext.privileged != true] | length == 2 and all'
check_neg "both containers have requests and limits, drop ALL capabilities, no privilege escalation, a read-only root" \
	"$SANDBOX/all.json" "$HARDENED" 'map(if .kind == "Deployment" then del(.spec.template.spec.containers[0].resources.limits) else . end)'
is "$(jq "map(if .metadata.name == \"rampage-agent\" then .spec.template.spec.containers[0].securityContext.capabilities.drop = [\"NET_RAW\"] else . end)" \
	"$SANDBOX/all.json" | jq -r "$HARDENED")" false "... and a copy dropping only NET_RAW fails it"
check "the agent's CPU request is its limit and its --workers (2)" "$SANDBOX/agent.json" \
	'.spec.template.spec.containers[0] | .resources.requests.cpu == "2" and .resources.limits.cpu == "2" and
	(.command | index("--workers") as $i | .[$i + 1] == "2")'
check "the agent runs rampage agent --listen 0.0.0.0:7000 --token-file /etc/rampage-agent/token" "$SANDBOX/agent.json" \
	'.spec.template.spec.containers[0].command | join(" ") |
	startswith("rampage agent --listen 0.0.0.0:7000 --token-file /etc/rampage-agent/token")'
check "the daemon runs rampage serve --config /etc/rampage/rampage.conf" "$SANDBOX/daemon.json" \
	'.spec.template.spec.containers[0].command == ["rampage", "serve", "--config", "/etc/rampage/rampage.conf"]'
# probes: a named port resolves to its containerPort
PROBE='.spec.template.spec.containers[0] as $c | ($c.ports | map({(.name): .containerPort}) | add) as $p |
	[$c.readinessProbe, $c.livenessProbe] | map(. as $pr | ($pr.tcpSocket // $pr.httpGet) |
	{kind: (if $pr.tcpSocket then "tcp" else "http " + .path end), port: (if (.port | type) == "string" then $p[.port] else .port end)})'
is "$(jq -c "$PROBE" "$SANDBOX/agent.json")" '[{"kind":"tcp","port":7000},{"kind":"tcp","port":7000}]' \
	"the agents' probes: tcpSocket on 7000"
is "$(jq -c "$PROBE" "$SANDBOX/daemon.json")" '[{"kind":"http /api/health","port":8089},{"kind":"http /api/health","port":8089}]' \
	"the daemon's probes: httpGet /api/health on 8089"
# selectors, Services and volumes fit together
SELECTS='.spec.selector.matchLabels as $m | .spec.template.metadata.labels as $l | $m | to_entries | all($l[.key] == .value)'
check "the agents' Deployment selects its own pods" "$SANDBOX/agent.json" "$SELECTS"
check "the daemon's Deployment selects its own pods" "$SANDBOX/daemon.json" "$SELECTS"
svc_hits() { jq -s -r '.[0].spec.selector as $s | .[1].spec.template.metadata.labels as $l |
	($s | to_entries | all($l[.key] == .value)) and ([.[0].spec.ports[].targetPort] - [.[1].spec.template.spec.containers[0].ports[].name] == [])' "$1" "$2"; }
is "$(svc_hits "$SANDBOX/agent-svc.json" "$SANDBOX/agent.json")" true "rampage-agents selects the agent pods and their named port"
is "$(svc_hits "$SANDBOX/daemon-svc.json" "$SANDBOX/daemon.json")" true "the Service rampage selects the daemon pod and its named port"
is "$(jq -r '.spec.ports[0].port' "$SANDBOX/daemon-svc.json")" 8089 "the daemon's Service listens on 8089"
MOUNTS='[.spec.template.spec | (.volumes | map(.name)) as $v | .containers[].volumeMounts[] | .name as $n | $v | index($n) != null] | all'
check "every volumeMount of the agents names a volume" "$SANDBOX/agent.json" "$MOUNTS"
check "every volumeMount of the daemon names a volume" "$SANDBOX/daemon.json" "$MOUNTS"
REFS='(map(select(.kind == "Secret") | .metadata.name)) as $s | (map(select(.kind == "ConfigMap")) | map({(.metadata.name): (.data | keys)}) | add) as $cm |
	(map(select(.kind == "PersistentVolumeClaim") | .metadata.name)) as $pvc |
	[.[] | select(.kind == "Deployment") | .spec.template.spec.volumes[] |
	if .secret then (.secret.secretName as $n | $s | any(. == $n))
	elif .configMap then (.configMap.name as $n | $cm[$n] != null and ((.configMap.items // []) | all(.key as $k | $cm[$n] | any(. == $k))))
	elif .persistentVolumeClaim then (.persistentVolumeClaim.claimName as $n | $pvc | any(. == $n))
	else true end] | all'
check "every Secret, ConfigMap (and key) and claim a volume names is in the manifests" "$SANDBOX/all.json" "$REFS"
check "the daemon's database folder /var/lib/rampage is the PersistentVolumeClaim" "$SANDBOX/daemon.json" \
	'.spec.template.spec as $s | ($s.containers[0].volumeMounts[] | select(.mountPath == "/var/lib/rampage") | .name) as $n |
	($s.volumes[] | select(.name == $n) | .persistentVolumeClaim.claimName) == "rampage-data"'
check "every object but the Namespace is in the namespace rampage" "$SANDBOX/all.json" \
	'[.[] | select(.kind != "Namespace") | .metadata.namespace == "rampage"] | all'
# the kustomization lists every manifest, and Makefile.am's EXTRA_DIST every file of etc/k8s
listed=$(NODE_PATH="$NODE_MODULES" node -e 'const Y = require("yaml"); const k = Y.parse(require("fs").readFileSync(process.argv[1], "utf8"), { version: "1.1" });
	console.log(k.resources.slice().sort().join(" "))' "$K8S/kustomization.yaml")
files=$(for f in $MANIFESTS; do basename "$f"; done | sort | tr '\n' ' ')
is "$listed " "$files" "kustomization.yaml lists every manifest of etc/k8s"
undist=""
for f in "$K8S"/*; do
	grep -Eq "etc/k8s/$(basename "$f")( |\\\\|\$)" "$TOP_SRCDIR/Makefile.am" || undist="$undist $(basename "$f")"
done
is "$undist" "" "Makefile.am distributes every file of etc/k8s"

# ---- 4. the real binary loads the ConfigMap's configs
jq -r '.[] | select(.kind == "ConfigMap") | .data["rampage.conf"]' "$SANDBOX/all.json" >"$SANDBOX/cm-rampage.conf"
jq -r '.[] | select(.kind == "ConfigMap") | .data["agent.conf"]' "$SANDBOX/all.json" >"$SANDBOX/cm-agent.conf"
printf '%s\n' api-token-0123456789abcdef >"$SANDBOX/api-token"
printf '%s\n' agent-token-0123456789abcdef >"$SANDBOX/agent-token"
chmod 440 "$SANDBOX/api-token" "$SANDBOX/agent-token"   # what fsGroup makes of defaultMode 0400
conf="$SANDBOX/cm-rampage.conf"
if "$RAMPAGE" config-defaults | grep -q '^\[agents\]'; then
	diag "the binary knows [agents]: rampage.conf is loaded whole"
else
	diag "the binary does not know [agents] yet (issue 17): rampage.conf is loaded without that section"
	awk '/^\[/ { skip = ($0 ~ /^\[agents\]/) } !skip' "$conf" >"$SANDBOX/noagents.conf"
	conf="$SANDBOX/noagents.conf"
fi
sed -e "s|/etc/rampage/api-token/tokens|$SANDBOX/api-token|" -e "s|/etc/rampage-agent/token|$SANDBOX/agent-token|" \
	"$conf" >"$SANDBOX/serve.conf"
like "$(grep -c . "$SANDBOX/serve.conf")" '^[1-9]' "the ConfigMap holds rampage.conf"
# --listen, --db and --web-root override the file's (flags win); everything else is the file's.
start_daemon --config "$SANDBOX/serve.conf"
is "$(http_status GET "$URL/api/health")" 200 "rampage serve starts with the ConfigMap's rampage.conf"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$URL/api/tests")" 401 \
	"... and its token_file is in force (a write without a token is refused)"
stop_daemon
is "$DAEMON_STATUS" 0 "... and stops cleanly"
printf '[server]\nlisten_on = 0.0.0.0:8089\n' >>"$SANDBOX/serve.conf"
out=$("$RAMPAGE" serve --config "$SANDBOX/serve.conf" --listen 127.0.0.1:0 --db "$SANDBOX/x.db" 2>&1)
rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "the same file with an unknown key is refused (exit $rc)"
like "$out" 'listen_on: unknown key' "... naming the key"
grep -q '^listen = 0\.0\.0\.0:8089$' "$SANDBOX/cm-rampage.conf"
ok $? "rampage.conf listens on 0.0.0.0:8089, the Service's port"

"$RAMPAGE" agent --listen 127.0.0.1:0 --token-file "$SANDBOX/agent-token" --config "$SANDBOX/cm-agent.conf" \
	--workers 1 >"$SANDBOX/agent.log" 2>&1 &
AGENT_PID=$!
PIDS="$PIDS $AGENT_PID"
wait_for_log "$SANDBOX/agent.log" 'listening on ws://127\.0\.0\.1:[0-9]+' >/dev/null
ok $? "rampage agent starts with the ConfigMap's agent.conf and a 0440 token file"
kill "$AGENT_PID" 2>/dev/null
wait "$AGENT_PID" 2>/dev/null
chmod 444 "$SANDBOX/agent-token"
out=$("$RAMPAGE" agent --listen 127.0.0.1:0 --token-file "$SANDBOX/agent-token" 2>&1)
like "$out" 'readable by every user' "... and refuses a token file readable by every user (why the Secret's mode is 0400)"
done_testing
