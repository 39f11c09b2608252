#!/bin/sh
# Groups of steps (issue 15), k6's group(): etc/examples/groups.json wraps an iteration's steps in
# two groups, one with a group nested in it. The summary's root_group holds them as k6 does (name,
# path, id = MD5 of the path, nested groups, each group's checks; k6's flattened --summary-export
# keys them by name); group_duration is reported, whole and per group, and thresholds on
# group_duration{group:::PATH} pass or fail the run; the same check name inside and outside a group
# is two checks. Without groups nothing changes (no group_duration). Validation names the path.
. "$TOP_SRCDIR/tests/integration/lib.sh"

start_demo demo
EX="$TOP_SRCDIR/etc/examples/groups.json"
n=$(jq '.iterations' "$EX")
jq --arg url "$DEMO_URL" '.baseUrl = $url' "$EX" >"$SANDBOX/g.json"
"$RAMPAGE" run "$SANDBOX/g.json" --out summary="$SANDBOX/s.json" --summary-export "$SANDBOX/k6.json" >"$SANDBOX/out" 2>&1
is $? 0 "the example runs, its group thresholds hold: exit 0"
S="$SANDBOX/s.json"
md5() { printf '%s' "$1" | md5sum | cut -d' ' -f1; }
is "$(jq -c '[.root_group.groups[] | [.name, .path, .id]]' "$S")" \
	"[[\"browse\",\"::browse\",\"$(md5 ::browse)\"],[\"checkout\",\"::checkout\",\"$(md5 ::checkout)\"]]" \
	"root_group.groups: the two groups, with k6's paths and ids"
is "$(jq -c '.root_group.groups[1].groups | map([.name, .path, .id])' "$S")" \
	"[[\"submit\",\"::checkout::submit\",\"$(md5 ::checkout::submit)\"]]" "the nested group inside its parent"
is "$(jq -c '.root_group.groups[0].checks | map([.name, .path, .passes, .fails])' "$S")" \
	"[[\"status is 200\",\"::browse::status is 200\",$((2 * n)),0]]" "a group's checks are in the group (two steps, one name)"
is "$(jq -c '.root_group.groups[1].groups[0].checks | map([.name, .passes])' "$S")" "[[\"task queued\",$n]]" \
	"the nested group's check in the nested group"
is "$(jq -c '[.root_group.checks, .root_group.groups[1].checks]' "$S")" '[[],[]]' "no checks elsewhere"
is "$(jq -c '.root_group.groups.checkout.groups.submit.checks["task queued"] | [.passes, .path]' "$SANDBOX/k6.json")" \
	"[$n,\"::checkout::submit::task queued\"]" "k6's --summary-export keys groups and checks by name"

is "$(jq -c '.metrics.group_duration | [.type, .contains, .thresholds["p(95)<2000"].ok]' "$S")" '["trend","time",true]' \
	"group_duration: a trend of times, with its threshold"
ok "$(jq -e '.metrics["group_duration{group:::checkout}"].values.min >= .metrics["group_duration{group:::checkout::submit}"].values.min' \
	"$S" >/dev/null; echo $?)" "a group lasts at least as long as the group nested in it"
ok "$(jq -e '.metrics["group_duration{group:::checkout::submit}"].values.max <= .metrics.group_duration.values.max' \
	"$S" >/dev/null; echo $?)" "and the whole metric covers every group"
is "$(jq -c '[.rampage.thresholds[] | select(.metric | startswith("group_duration")) | .ok] | [length, all]' "$S")" '[3,true]' \
	"three group_duration thresholds, all passed"
like "$(cat "$SANDBOX/out")" 'group_duration\.+: avg=' "the text summary lists group_duration"
is "$(sed -n '/^  CHECKS/,/checks\.\./p' "$SANDBOX/out" | grep -E '█|✓|✗' | grep -v 'checks\.' | sed 's/ *$//')" \
"    █ browse
      ✓ status is 200
    █ checkout
      █ submit
        ✓ task queued" "the text summary's CHECKS nest under their groups, as k6 prints them"

"$RAMPAGE" run "$SANDBOX/g.json" -q --out junit="$SANDBOX/j.xml" >/dev/null 2>&1
is "$(grep -o 'classname="checks" name="[^"]*"' "$SANDBOX/j.xml" | tr '\n' ' ')" \
	'classname="checks" name="browse::status is 200" classname="checks" name="checkout::submit::task queued" ' \
	"JUnit XML: a group's checks are test cases too, named by their path"

# browse ends after its read user step's 20 ms think time: a group below 20 ms fails the run
jq '.thresholds["group_duration{group:::browse}"] = ["min<20"]' "$SANDBOX/g.json" >"$SANDBOX/fail.json"
"$RAMPAGE" run "$SANDBOX/fail.json" -q --out summary="$SANDBOX/f.json" >/dev/null 2>&1
is $? 99 "a group_duration threshold that fails: exit 99 (the group includes its last step's think time)"
is "$(jq -c '.metrics["group_duration{group:::browse}"].thresholds["min<20"].ok' "$SANDBOX/f.json")" false \
	"marked failed in its sub-metric's entry"

# the same check name outside the group is another check
jq '.tasks[0].steps += [{"name": "health", "path": "/api/health", "checks": [{"name": "status is 200", "status": 200}]}]' \
	"$SANDBOX/g.json" >"$SANDBOX/root.json"
"$RAMPAGE" run "$SANDBOX/root.json" -q --out summary="$SANDBOX/r.json" >/dev/null 2>&1
is "$(jq -c '[(.root_group.checks | map([.path, .passes])), .root_group.groups[0].checks[0].passes]' "$SANDBOX/r.json")" \
	"[[[\"::status is 200\",$n]],$((2 * n))]" "the same name at the root: counted apart from the group's"

# without groups: no group_duration, root_group.groups empty (as before)
jq '.tasks[0].steps = [.tasks[0].steps[0].steps[0]] | .thresholds = {}' "$SANDBOX/g.json" >"$SANDBOX/plain.json"
"$RAMPAGE" run "$SANDBOX/plain.json" -q --out summary="$SANDBOX/p.json" >"$SANDBOX/pout" 2>&1
is "$(jq -c '[.metrics.group_duration, .root_group.groups, (.root_group.checks | map(.path))]' "$SANDBOX/p.json")" \
	'[null,[],["::status is 200"]]' "no groups: no group_duration, checks at the root"

# validation
jq '.thresholds = {"group_duration{group:::chekout}": ["avg<1"]}' "$SANDBOX/g.json" >"$SANDBOX/bad1.json"
out=$("$RAMPAGE" validate "$SANDBOX/bad1.json" 2>&1)
is "$?" 2 "a threshold on an unknown group is refused (exit 2)"
like "$out" 'expected the path of a group of the definition, got "::chekout" \(did you mean "::checkout"\?\)' "with a suggestion"
jq '.tasks[0].steps[0] = {"group": "browse", "step": []}' "$SANDBOX/g.json" >"$SANDBOX/bad2.json"
out=$("$RAMPAGE" validate "$SANDBOX/bad2.json" 2>&1)
like "$out" 'tasks\[0\]\.steps\[0\]\.step: unknown key \(did you mean "steps"\?\)' "a group's keys are checked by path"
like "$out" 'tasks\[0\]\.steps\[0\]\.steps: expected a non-empty array of the group.s steps' "a group needs steps"
done_testing
