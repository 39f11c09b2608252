#!/bin/sh
# Control flow end to end against the demo target: the task-queue example (etc/examples/task-queue.json:
# a random user among all the regex's matches, enqueue, poll /api/tasks/{id} until "done" with a
# maximum and a pause, then a step that runs only when the task is done); a repeat with a count; an
# until that never holds stops at its maximum and the `when` after it skips its step; a failed check
# with onFail "endIteration" skips the rest of the iteration (still counted as an iteration); `when`
# on the last response's status; and the errors of each construct, by JSON path with "did you mean".
. "$TOP_SRCDIR/tests/integration/lib.sh"
start_demo demo

# 0. The demo target's task queue: done at the "polls"th poll (3 by default); unknown tasks 404.
id=$(curl -s -X POST -H 'Content-Type: application/json' -d '{"polls": 2}' "$DEMO_URL/api/tasks" | jq .task_id)
is "$(curl -s "$DEMO_URL/api/tasks/$id" | jq -c '[.status, .polls]')" '["running",1]' "demo: a task runs at its first poll"
is "$(curl -s "$DEMO_URL/api/tasks/$id" | jq -c '[.status, .polls]')" '["done",2]' "and is done at its second (polls: 2)"
is "$(curl -s "$DEMO_URL/api/tasks/$id" | jq -r .status)" done "and stays done"
is "$(http_status GET "$DEMO_URL/api/tasks/999999")" 404 "demo: an unknown task is 404"
is "$(http_status POST "$DEMO_URL/api/tasks" -H 'Content-Type: application/json' -d '{"polls": 0}')" 400 "demo: polls 0 is refused"
is "$(http_status POST "$DEMO_URL/api/tasks/1")" 405 "demo: a task is only read (GET)"

# 1. The task-queue example: a task is done at its 3rd poll, so 3 polls per task, then the report.
jq --arg url "$DEMO_URL" '.baseUrl = $url
	| .scenarios.workers.tasks[0].steps[3].groupBy = {"json": "/id"}' \
	"$TOP_SRCDIR/etc/examples/task-queue.json" >"$SANDBOX/tq.json"
"$RAMPAGE" run "$SANDBOX/tq.json" -q --out summary="$SANDBOX/s.json" >"$SANDBOX/out" 2>&1
is $? 0 "the task-queue example runs and exits 0"
S="$SANDBOX/s.json"
ep() { jq -c --arg n "$1" "[.rampage.endpoints[] | select(.name == \$n) | $2] | add // 0" "$S"; }
is "$(ep enqueue .requests)" 50 "50 tasks enqueued (5 VUs x 10 iterations)"
is "$(ep poll .status)" '{"200":150}' "each polled until done: 3 polls a task, 150"
is "$(ep report .status)" '{"200":50}' "the step with when {state equals done} ran once per task"
is "$(jq '.metrics.iterations.values.count' "$S")" 50 "50 iterations"
ids=$(jq '.rampage.groupBy.report.values | keys | length' "$S")
diag "distinct users picked at random: $ids of 20"
ok $([ "$ids" -ge 4 ]; echo $?) "pick random: the 50 reports asked for several of the 20 users ($ids), not always the first"
is "$(jq '.rampage.groupBy.report.total' "$S")" 50 "every report answered a user"
is "$(jq -c '[.rampage.metrics.time_to_done.samples, .metrics.time_to_done.thresholds["p(95)<2000"].ok]' "$S")" '[50,true]' \
	"a custom Trend of the time to done: one value per task (from the poll that found it done), its threshold holds"
is "$(jq '.rampage.metrics.time_to_done.missing' "$S")" 100 "the two earlier polls of each task have no value (counted as missing)"

# 2. count; an until that never holds (a task that needs 50 polls, max 4); when; endIteration; status.
cat >"$SANDBOX/flow.json" <<JSON
{ "baseUrl": "$DEMO_URL",
  "scenarios": { "s": { "executor": "per-vu-iterations", "vus": 2, "iterations": 5,
    "tasks": [ { "name": "flow", "steps": [
      { "name": "thrice", "path": "/api/health", "repeat": { "count": 3 } },
      { "name": "enqueue slow", "method": "POST", "path": "/api/tasks", "json": { "polls": 50 },
        "extract": { "task": { "json": "/task_id" } } },
      { "name": "poll", "path": "/api/tasks/{{task}}", "extract": { "state": { "json": "/status" } },
        "repeat": { "until": { "var": "state", "equals": "done" }, "max": 4 } },
      { "name": "when done", "path": "/api/health", "when": { "var": "state", "equals": "done" } },
      { "name": "when not done", "path": "/api/health", "when": { "var": "state", "equals": "done", "not": true } },
      { "name": "missing", "path": "/api/users/99999" },
      { "name": "after a 404", "path": "/api/health", "when": { "status": 404 } },
      { "name": "after a 200", "path": "/api/health", "when": { "status": [200, 201] } },
      { "name": "after a 500", "path": "/api/health", "when": { "status": 500 } },
      { "name": "gate", "path": "/api/health", "checks": [ { "status": 201, "onFail": "endIteration" } ] },
      { "name": "never", "path": "/api/health" }
    ] } ] } } }
JSON
"$RAMPAGE" run "$SANDBOX/flow.json" -q --out summary="$S" >"$SANDBOX/out" 2>&1
is $? 0 "the flow run exits 0"
is "$(ep thrice .requests)" 30 "repeat count 3: 3 requests a step, 30"
is "$(ep poll .requests)" 40 "until never holds: max 4 polls, 40"
is "$(ep "when done" .requests)" 0 "when: skipped when its condition is false (nothing sent, nothing counted)"
is "$(ep "when not done" .requests)" 10 "when with not: ran"
is "$(ep "after a 404" .requests)" 10 "when status 404: ran after the 404"
is "$(ep "after a 200" .requests)" 10 "when status [200, 201]: ran after the 200 of the step before"
is "$(ep "after a 500" .requests)" 0 "when status 500: skipped after a 200"
is "$(ep gate .requests)" 10 "the gate was asked"
is "$(ep never .requests)" 0 "onFail endIteration: the steps after the failed check are skipped"
is "$(jq '[.metrics.iterations.values.count, .rampage.iterations.interrupted // 0]' "$S" | tr -d ' \n')" '[10,0]' \
	"an iteration ended early counts as an iteration, not an interrupted one"

# 3. Errors by JSON path, with "did you mean".
cat >"$SANDBOX/bad.json" <<JSON
{ "baseUrl": "$DEMO_URL", "vus": 1, "iterations": 1,
  "tasks": [ { "steps": [
    { "path": "/a", "extract": { "state": { "json": "/status", "pick": "any" } },
      "checks": [ { "status": 200, "onFail": "endIteraton" } ] },
    { "path": "/b", "when": { "var": "stat", "equals": "done" } },
    { "path": "/c", "repeat": { "until": { "var": "state", "equals": "done" } } },
    { "path": "/d", "repeat": { "count": 3, "unitl": 1 } },
    { "path": "/e", "repeat": { "count": 0 } },
    { "path": "/f", "when": { "status": 200, "var": "state" } },
    { "path": "/g", "whne": { "status": 200 } },
    { "path": "/h", "repeat": { "until": { "status": 200 }, "max": 100000, "pause": "soon" } }
  ] } ] }
JSON
out=$("$RAMPAGE" validate "$SANDBOX/bad.json" 2>&1)
is $? 2 "validate refuses the bad definition"
like "$out" 'tasks\[0\]\.steps\[0\]\.extract\.state\.pick: expected "random" \(one of all matches\) or "first", got "any"' "pick: a bad value"
like "$out" 'tasks\[0\]\.steps\[0\]\.checks\[0\]\.onFail: expected "endIteration" or "continue", got "endIteraton" \(did you mean "endIteration"\?\)' \
	"onFail: did you mean"
like "$out" 'tasks\[0\]\.steps\[1\]\.when\.var: unknown variable "stat" \(did you mean "state"\?\)' "when: an unknown variable, did you mean"
like "$out" 'tasks\[0\]\.steps\[2\]\.repeat\.max: expected the most sends .*a repeat always ends' "until without max is refused"
like "$out" 'tasks\[0\]\.steps\[3\]\.repeat\.unitl: unknown key \(did you mean "until"\?\)' "repeat: a mistyped key"
like "$out" 'tasks\[0\]\.steps\[4\]\.repeat\.count: expected an integer from 1 to 10000, got 0' "count 0"
like "$out" 'tasks\[0\]\.steps\[5\]\.when\.status: conflicts with "var"' "a condition tests one thing"
like "$out" 'tasks\[0\]\.steps\[6\]\.whne: unknown key \(did you mean "when"\?\)' "a mistyped when"
like "$out" 'tasks\[0\]\.steps\[7\]\.repeat\.max: expected an integer from 1 to 10000, got 100000' "max is capped"
like "$out" 'tasks\[0\]\.steps\[7\]\.repeat\.pause: expected a duration' "pause is a duration"

done_testing
