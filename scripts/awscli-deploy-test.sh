#!/usr/bin/env bash
# Issue 10's reproductions with the real aws CLI against
# `ecsd -runtime fake -store memory`: updates made as soon as
# `aws ecs wait services-stable` returns, while the service's tasks are
# still young (RUNNING, not yet 40 s old, so not yet counted healthy).
#
#   breaker: REPLICA service, desired 3, default deployment configuration
#            (min 100 %, max 200 %), circuit breaker enable+rollback, 3
#            instances; updated to a revision whose container cannot start
#            (ECSKIT_FAKE_START_ERROR). runningCount never drops below 3,
#            revision 2's deployment ends FAILED with the breaker's reason,
#            and within 2 minutes the service is back on revision 1 with 3
#            RUNNING and a single COMPLETED deployment.
#   rolling: desired 4, min 50 %, max 100 %, 3 instances; updated to a good
#            revision. Never fewer than 2 tasks RUNNING, polled every
#            200 ms from the update until the deployment is COMPLETED.
#
# The two run at once, each in a cluster of its own. The polling is done
# by scripts/awscli_watch.py (see there); it prints describe-services and
# the tasks on any violation.
#
# Needs: go, aws (v1 or v2), python3. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

command -v aws >/dev/null 2>&1 || { echo "awscli-deploy-test: the aws CLI is not installed" >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "awscli-deploy-test: need python3" >&2; exit 1; }

work=$(mktemp -d)
pid=""
cleanup() {
  local p
  for p in $(jobs -p); do [ "$p" = "$pid" ] || kill "$p" 2>/dev/null || true; done
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

tag=main
fail() {
  echo "FAIL [$tag]: $*" >&2
  echo "--- last answer:" >&2; cat "$work/out.$tag" "$work/err.$tag" 2>/dev/null | tail -40 >&2 || true
  echo "--- ecsd log (tail):" >&2; tail -20 "$work/ecsd.log" >&2 || true
  exit 1
}
start=$(date +%s)
pass() { echo "ok   [$tag] $* ($(( $(date +%s) - start ))s)"; }

# --- ecsd on a free loopback port, with SigV4 required, and the CLI
# signing with the same key (dummy credentials, no config files).
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
start_ecsd AKIDECSDDEPLOYTEST ecsd-deploy-test-secret-0123456789
use_cli AKIDECSDDEPLOYTEST ecsd-deploy-test-secret-0123456789
# ok DESCRIPTION -- ARGS...: the call must succeed; its answer is in $work/out.$tag.
ok() {
  local what=$1; shift 2
  ecs "$@" >"$work/out.$tag" 2>"$work/err.$tag" || fail "$what: exit $?"
}
# get PATH: a value of the last answer (dotted path; numbers index lists, # is a length).
get() {
  python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
for seg in sys.argv[2].split("."):
    if v is None: break
    if seg == "#": v = len(v)
    elif seg.isdigit(): v = v[int(seg)] if int(seg) < len(v) else None
    else: v = v.get(seg)
print("null" if v is None else ("true" if v is True else "false" if v is False else v))' "$work/out.$tag" "$1"
}
want() {
  local got; got=$(get "$1")
  [ "$got" = "$2" ] || fail "$1 = '$got', want '$2'"
}
# has_event TEXT: the last describe-services answer has an event containing TEXT.
has_event() {
  python3 -c 'import json,sys; sys.exit(0 if any(sys.argv[2] in e["message"] for e in json.load(open(sys.argv[1]))["services"][0]["events"]) else 1)' \
    "$work/out.$tag" "$1" || fail "no service event contains '$1'"
}

# setup_cluster NAME: a cluster of 3 instances in 3 AZs.
setup_cluster() {
  ok "create-cluster $1" -- create-cluster --cluster-name "$1"
  local n az doc
  for n in 1 2 3; do
    az=us-east-1$(printf '%s' abc | cut -c"$n")
    doc="{\"instanceId\":\"i-0$1000000000$n\",\"availabilityZone\":\"$az\",\"instanceType\":\"m5.large\",\"region\":\"us-east-1\"}"
    ok "register-container-instance" -- register-container-instance --cluster "$1" --instance-identity-document "$doc" \
      --total-resources name=CPU,type=INTEGER,integerValue=2048 name=MEMORY,type=INTEGER,integerValue=4096
    want containerInstance.status ACTIVE
  done
  pass "cluster $1: 3 container instances"
}

# register_td FAMILY [NAME=VALUE]: registers a revision of FAMILY whose one
# container has these environment variables; prints its ARN.
register_td() {
  local env='[]'
  [ $# -ge 2 ] && env="[{\"name\":\"${2%%=*}\",\"value\":\"${2#*=}\"}]"
  printf '{"family":"%s","containerDefinitions":[{"name":"app","image":"busybox","memory":64,"essential":true,"command":["sleep","3600"],"environment":%s}]}\n' \
    "$1" "$env" >"$work/td.$tag.json"
  ok "register-task-definition $1" -- register-task-definition --cli-input-json "file://$work/td.$tag.json"
  get taskDefinition.taskDefinitionArn
}

# deploy CLUSTER DESIRED CONFIG_JSON FROM_TD TO_TD MIN_RUNNING MAX_LIVE WANT_TD DEADLINE [FAILED_TD]:
# creates service web, waits until services-stable, checks its first
# deployment is still IN_PROGRESS (its tasks are young), starts the watcher,
# updates the service to TO_TD and waits for the watcher's verdict.
deploy() {
  local cluster=$1 desired=$2 config=$3 from=$4 to=$5 minrun=$6 maxlive=$7 wanttd=$8 deadline=$9 failed=${10:-}
  ok "create-service" -- create-service --cluster "$cluster" --service-name web --task-definition "$from" \
    --desired-count "$desired" --deployment-configuration "$config"
  pass "create-service web (desired $desired, deploymentConfiguration $config)"
  ecs wait services-stable --cluster "$cluster" --services web >"$work/out.$tag" 2>"$work/err.$tag" || fail "wait services-stable"
  ok "describe-services" -- describe-services --cluster "$cluster" --services web
  want services.0.runningCount "$desired"
  want services.0.deployments.# 1
  # The point of the test: the update lands while the tasks are young.
  want services.0.deployments.0.rolloutState IN_PROGRESS
  pass "wait services-stable: $desired RUNNING, the deployment still IN_PROGRESS (tasks not yet 40 s old)"
  local args=(--endpoint "$url" --cluster "$cluster" --service web --interval 0.2 --min-running "$minrun"
    --max-live "$maxlive" --want-td "$wanttd" --want-count "$desired" --deadline "$deadline" --ready "$work/ready.$cluster" --name "$cluster")
  [ -n "$failed" ] && args+=(--failed-td "$failed")
  python3 "$root/scripts/awscli_watch.py" "${args[@]}" >"$work/watch.$cluster" 2>&1 &
  local watcher=$!
  for _ in $(seq 100); do [ -s "$work/ready.$cluster" ] && break; kill -0 "$watcher" 2>/dev/null || break; sleep 0.1; done
  [ -s "$work/ready.$cluster" ] || { cat "$work/watch.$cluster" >&2; fail "the watcher did not start"; }
  ok "update-service" -- update-service --cluster "$cluster" --service web --task-definition "$to"
  local t0; t0=$(date +%s)
  pass "update-service to ${to##*/}"
  local status=0
  wait "$watcher" || status=$?
  sed 's/^/     /' "$work/watch.$cluster"
  [ "$status" -eq 0 ] || fail "the watcher found a violation (above)"
  pass "steady on ${wanttd##*/} $(( $(date +%s) - t0 ))s after the update"
}

breaker() {
  tag=breaker
  setup_cluster breaker
  local v1 v2
  v1=$(register_td cb-web)
  v2=$(register_td cb-web ECSKIT_FAKE_START_ERROR=boom)
  deploy breaker 3 '{"deploymentCircuitBreaker":{"enable":true,"rollback":true}}' "$v1" "$v2" 3 6 "$v1" 120 "$v2"
  ok "describe-services" -- describe-services --cluster breaker --services web
  want services.0.deploymentConfiguration.maximumPercent 200
  want services.0.deploymentConfiguration.minimumHealthyPercent 100
  want services.0.taskDefinition "$v1"
  want services.0.deployments.# 1
  want services.0.deployments.0.rolloutState COMPLETED
  want services.0.runningCount 3
  has_event "deployment failed: tasks failed to start."
  has_event "rolling back to"
  ok "list-tasks STOPPED" -- list-tasks --cluster breaker --service-name web --desired-status STOPPED
  local stopped; stopped=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["taskArns"]))' "$work/out.$tag")
  [ -n "$stopped" ] || fail "no stopped task: revision 2 launched nothing"
  # shellcheck disable=SC2086
  ok "describe-tasks" -- describe-tasks --cluster breaker --tasks $stopped
  python3 -c '
import json, sys
bad = [t for t in json.load(open(sys.argv[1]))["tasks"] if t["taskDefinitionArn"] == sys.argv[2]]
if len(bad) < 3 or any(t["stopCode"] != "TaskFailedToStart" for t in bad):
    sys.exit("want at least 3 tasks of revision 2 stopped with TaskFailedToStart, got %s" % [(t["stopCode"], t.get("stoppedReason")) for t in bad])
print("     revision 2: %d tasks stopped, %s" % (len(bad), bad[0].get("stoppedReason")))' "$work/out.$tag" "$v2" || fail "revision 2's tasks"
  # The deployment history (CLIs from late 2024 on have these actions).
  if aws ecs help 2>/dev/null | grep -q list-service-deployments; then
    ok "list-service-deployments" -- list-service-deployments --cluster breaker --service web
    want serviceDeployments.# 2
    want serviceDeployments.0.status ROLLBACK_SUCCESSFUL
    want serviceDeployments.1.status STOPPED
    local sd first
    sd=$(get serviceDeployments.0.serviceDeploymentArn)
    first=$(get serviceDeployments.1.targetServiceRevisionArn)
    ok "describe-service-deployments" -- describe-service-deployments --service-deployment-arns "$sd"
    want serviceDeployments.0.deploymentCircuitBreaker.status TRIGGERED
    want serviceDeployments.0.deploymentCircuitBreaker.failureCount 3
    want serviceDeployments.0.rollback.serviceRevisionArn "$first"
    ok "describe-service-revisions" -- describe-service-revisions --service-revision-arns "$first"
    want serviceRevisions.0.taskDefinition "$v1"
    pass "service deployments: revision 2's ROLLBACK_SUCCESSFUL back to revision 1's service revision, breaker TRIGGERED"
  fi
  pass "breaker: back on revision 1, 3 RUNNING, one COMPLETED deployment; revision 2 FAILED by the circuit breaker"
}

rolling() {
  tag=rolling
  setup_cluster rolling
  local v1 v2
  v1=$(register_td rl-web)
  v2=$(register_td rl-web VERSION=2)
  deploy rolling 4 '{"minimumHealthyPercent":50,"maximumPercent":100}' "$v1" "$v2" 2 4 "$v2" 300
  pass "rolling: never fewer than 2 RUNNING from the update to COMPLETED"
}

( trap - EXIT; breaker ) &
b=$!
( trap - EXIT; rolling ) &
r=$!
bad=0
wait "$b" || bad=1
wait "$r" || bad=1
[ "$bad" -eq 0 ] || fail "a scenario failed (see above)"

# --- clean shutdown
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" -eq 0 ] || fail "ecsd exited with $status after SIGTERM"
echo "awscli-deploy-test: all passed ($(( $(date +%s) - start ))s)"
