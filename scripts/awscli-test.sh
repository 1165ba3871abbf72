#!/usr/bin/env bash
# Drives `ecsd -runtime fake` with the real aws CLI: clusters, container
# instances, the valid task definitions of taskdef/testdata/taskdefs, tasks,
# attributes, tags, services (once the control plane has them), error
# cases and SigV4 checks. Fails on any unexpected answer.
#
# Needs: go, aws (v1 or v2), python3 (or jq). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

command -v aws >/dev/null 2>&1 || { echo "awscli-test: the aws CLI is not installed" >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || command -v jq >/dev/null 2>&1 || { echo "awscli-test: need jq or python3" >&2; exit 1; }

work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- last answer:" >&2; cat "$work/out.$tag" "$work/err.$tag" 2>/dev/null | tail -20 >&2 || true
  echo "--- ecsd log (tail):" >&2; tail -20 "$work/ecsd.log" >&2 || true
  exit 1
}
start=$(date +%s)
pass() { echo "ok   $* ($(( $(date +%s) - start ))s)"; }

# --- ecsd on a free loopback port, with SigV4 required, and the CLI
# signing with the same key (dummy credentials, no config files).
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"
start_ecsd AKIDECSDCLITEST ecsd-cli-test-secret-0123456789
use_cli AKIDECSDCLITEST ecsd-cli-test-secret-0123456789

# Every call writes its answer to $work/out.$tag (and .err); parallel
# checks get a tag of their own.
tag=main
# ok DESCRIPTION -- ARGS...: the call must succeed.
ok() {
  local what=$1; shift 2
  ecs "$@" >"$work/out.$tag" 2>"$work/err.$tag" || fail "$what: exit $?"
}
# refused CODE DESCRIPTION -- ARGS...: the call must fail with this exception.
refused() {
  local code=$1 what=$2; shift 3
  if ecs "$@" >"$work/out.$tag" 2>"$work/err.$tag"; then fail "$what: succeeded, want $code"; fi
  grep -q "($code)" "$work/err.$tag" || fail "$what: want $code"
  pass "$what -> $code"
}
# spawn CMD...: run a check in the background (at most 6 at a time);
# join waits for them all and fails if any failed.
pids=()
spawn() {
  [ "${#pids[@]}" -ge 6 ] && join
  ( trap - EXIT; tag="j$BASHPID"; "$@" ) &
  pids+=($!)
}
join() {
  local p bad=0
  for p in "${pids[@]}"; do wait "$p" || bad=1; done
  pids=()
  [ "$bad" -eq 0 ] || fail "a parallel check failed (see above)"
}
# get PATH: a value of the last answer. PATH is dotted; numbers index
# lists and # is a length, e.g. tasks.0.lastStatus, failures.#.
get() {
  if command -v jq >/dev/null 2>&1; then
    local f="" seg
    IFS=. read -ra segs <<<"$1"
    for seg in "${segs[@]}"; do
      case $seg in
        '#') f="$f | length" ;;
        *[!0-9]*) f="$f | .[\"$seg\"]" ;;
        *) f="$f | .[$seg]" ;;
      esac
    done
    jq -r ". $f | if . == null then \"null\" else . end" "$work/out.$tag"
  else
    python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
for seg in sys.argv[2].split("."):
    if v is None: break
    if seg == "#": v = len(v)
    elif seg.isdigit(): v = v[int(seg)] if int(seg) < len(v) else None
    else: v = v.get(seg)
print("null" if v is None else ("true" if v is True else "false" if v is False else v))' "$work/out.$tag" "$1"
  fi
}
# want PATH VALUE
want() {
  local got; got=$(get "$1")
  [ "$got" = "$2" ] || fail "$1 = '$got', want '$2'"
}
# wait_until DESCRIPTION PATH VALUE -- ARGS...: poll until the answer has PATH = VALUE.
wait_until() {
  local what=$1 path=$2 value=$3; shift 4
  for _ in $(seq 60); do
    ecs "$@" >"$work/out.$tag" 2>"$work/err.$tag" || fail "$what: exit $?"
    [ "$(get "$path")" = "$value" ] && { pass "$what"; return; }
    sleep 0.5
  done
  fail "$what: $path never became $value"
}

# as KEY SECRET CMD...: run a check with other credentials.
as() { AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=$2; shift 2; "$@"; }
# atleast PATH MIN: the last answer's PATH is a number of at least MIN.
atleast() { local got; got=$(get "$1"); [ "$got" -ge "$2" ] || fail "$1 = $got, want at least $2"; }

# --- health
python3 -c 'import sys, urllib.request; sys.exit(0 if urllib.request.urlopen(sys.argv[1]).read().strip() == b"ok" else 1)' "$url/healthz" \
  || fail "/healthz"
pass "/healthz"

# --- authentication (the CLI signs with SigV4; ecsd checks it) and unknown clusters
spawn as "$AWS_ACCESS_KEY_ID" not-the-secret refused InvalidSignatureException "wrong secret" -- list-clusters
spawn as AKIDNOBODY "$AWS_SECRET_ACCESS_KEY" refused UnrecognizedClientException "unknown access key" -- list-clusters
spawn refused InvalidParameterException "create-cluster with a bad name" -- create-cluster --cluster-name 'no spaces'
spawn refused ClusterNotFoundException "delete-cluster unknown" -- delete-cluster --cluster nope
spawn refused ClusterNotFoundException "list-tasks in an unknown cluster" -- list-tasks --cluster nope
spawn refused ClusterNotFoundException "register-container-instance in an unknown cluster" -- register-container-instance --cluster nope \
  --total-resources name=CPU,type=INTEGER,integerValue=1024
join

# --- clusters
ok "create-cluster" -- create-cluster --cluster-name cli --tags key=team,value=ecskit
want cluster.status ACTIVE
want cluster.clusterArn arn:aws:ecs:us-east-1:000000000000:cluster/cli
pass "create-cluster"
check_describe_clusters() {
  ok "describe-clusters" -- describe-clusters --clusters cli nope
  want clusters.# 1
  want failures.0.reason MISSING
  pass "describe-clusters (with a MISSING failure)"
}
check_list_clusters() {
  ok "list-clusters" -- list-clusters
  want clusterArns.0 arn:aws:ecs:us-east-1:000000000000:cluster/cli
  pass "list-clusters"
}
spawn check_describe_clusters
spawn check_list_clusters
spawn refused ClusterNotFoundException "describe-tasks in an unknown cluster" -- describe-tasks --cluster nope --tasks 0123456789abcdef0123456789abcdef

# --- container instances: registered through the API, each run by an
# in-process agent on a fake engine.
register_instance() { # N AZ
  local doc="{\"instanceId\":\"i-0cli00000000000$1\",\"availabilityZone\":\"$2\",\"instanceType\":\"m5.large\",\"region\":\"us-east-1\"}"
  ok "register-container-instance $1" -- register-container-instance --cluster cli --instance-identity-document "$doc" \
    --total-resources name=CPU,type=INTEGER,integerValue=2048 name=MEMORY,type=INTEGER,integerValue=4096
  want containerInstance.ec2InstanceId "i-0cli00000000000$1"
  want containerInstance.status ACTIVE
  python3 -c 'import json,sys; a={x["name"]:x.get("value") for x in json.load(open(sys.argv[1]))["containerInstance"]["attributes"]}; sys.exit(0 if a.get("ecs.availability-zone")==sys.argv[2] and a.get("ecs.instance-type")=="m5.large" else 1)' \
    "$work/out.$tag" "$2" || fail "identity document attributes"
  get containerInstance.containerInstanceArn >"$work/instance.$1"
  pass "register-container-instance $1 (ec2InstanceId, AZ and instance type from the identity document)"
}
spawn register_instance 1 us-east-1a
spawn register_instance 2 us-east-1b
join
instances=("$(cat "$work/instance.1")" "$(cat "$work/instance.2")")

check_list_instances() {
  ok "list-container-instances" -- list-container-instances --cluster cli
  want containerInstanceArns.# 2
  pass "list-container-instances"
}
check_filter_instances() {
  ok "list-container-instances --filter" -- list-container-instances --cluster cli --filter "attribute:ecs.availability-zone == us-east-1b"
  want containerInstanceArns.# 1
  want containerInstanceArns.0 "${instances[1]}"
  pass "list-container-instances --filter"
}
check_describe_instances() {
  ok "describe-container-instances" -- describe-container-instances --cluster cli --container-instances "${instances[@]}"
  want containerInstances.# 2
  want containerInstances.0.agentConnected true
  pass "describe-container-instances"
}
check_attributes() {
  ok "put-attributes" -- put-attributes --cluster cli --attributes "name=stack,value=blue,targetId=${instances[0]}"
  ok "list-attributes" -- list-attributes --cluster cli --target-type container-instance --attribute-name stack
  want attributes.# 1
  want attributes.0.value blue
  ok "delete-attributes" -- delete-attributes --cluster cli --attributes "name=stack,targetId=${instances[0]}"
  pass "put/list/delete-attributes"
}
check_tags() {
  local carn=arn:aws:ecs:us-east-1:000000000000:cluster/cli
  ok "tag-resource" -- tag-resource --resource-arn "$carn" --tags key=env,value=test
  ok "untag-resource" -- untag-resource --resource-arn "$carn" --tag-keys team
  ok "list-tags-for-resource" -- list-tags-for-resource --resource-arn "$carn"
  want tags.# 1
  want tags.0.key env
  pass "tag/untag/list-tags-for-resource"
}
spawn check_list_instances
spawn check_filter_instances
spawn check_describe_instances
spawn check_attributes
spawn check_tags
spawn refused TargetNotFoundException "put-attributes on an unknown instance" -- put-attributes --cluster cli \
  --attributes "name=stack,value=blue,targetId=arn:aws:ecs:us-east-1:000000000000:container-instance/cli/0123456789abcdef0123456789abcdef"
join

# --- task definitions: every file SOURCES.md marks YES, as-is
register_file() { # FILE
  ok "register-task-definition $1" -- register-task-definition --cli-input-json "file://$1"
  want taskDefinition.status ACTIVE
  atleast taskDefinition.revision 1
}
n=0
for f in $(awk '/^### /{f=$2} /^- Verdict: \*\*YES\*\*/{print f}' taskdef/testdata/taskdefs/SOURCES.md); do
  spawn register_file "$root/taskdef/testdata/taskdefs/$f"
  n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "only $n YES task definitions found in SOURCES.md"
printf '%s\n' '{"family": "cli-sleeper", "containerDefinitions": [{"name": "app", "image": "busybox", "memory": 128,' \
  '"essential": true, "command": ["sleep", "3600"], "portMappings": [{"containerPort": 8080, "hostPort": 0}]}]}' >"$work/sleeper.json"
printf '%s\n' '{"family": "cli-huge", "containerDefinitions": [{"name": "app", "image": "busybox", "memory": 100000}]}' >"$work/huge.json"
spawn register_file "$work/sleeper.json"
spawn register_file "$work/huge.json"
spawn refused ClientException "register-task-definition with 4 MiB" -- register-task-definition --family tiny \
  --container-definitions '[{"name":"app","image":"busybox","memory":4}]'
spawn refused ClientException "describe-task-definition unknown" -- describe-task-definition --task-definition nope:1
join
pass "register-task-definition: $n corpus files and 2 of ours"

check_describe_td() {
  ok "describe-task-definition" -- describe-task-definition --task-definition cli-sleeper
  want taskDefinition.containerDefinitions.0.image busybox
  want taskDefinition.revision 1
  pass "describe-task-definition"
}
check_list_tds() {
  ok "list-task-definitions" -- list-task-definitions
  atleast taskDefinitionArns.# $((n + 2))
  pass "list-task-definitions"
}
check_families() {
  ok "list-task-definition-families" -- list-task-definition-families --family-prefix cli-
  want families.# 2
  pass "list-task-definition-families"
}
spawn check_describe_td
spawn check_list_tds
spawn check_families

# --- tasks
ok "run-task" -- run-task --cluster cli --task-definition cli-sleeper --count 2 --started-by awscli-test
want tasks.# 2
want failures.# 0
t1=$(get tasks.0.taskArn)
t2=$(get tasks.1.taskArn)
pass "run-task --count 2"
ecs wait tasks-running --cluster cli --tasks "$t1" "$t2" 2>"$work/err.$tag" || fail "wait tasks-running"
pass "wait tasks-running"
check_describe_tasks() {
  ok "describe-tasks" -- describe-tasks --cluster cli --tasks "$t1" "$t2" 0123456789abcdef0123456789abcdef
  want tasks.0.lastStatus RUNNING
  want tasks.1.lastStatus RUNNING
  want tasks.0.containers.0.lastStatus RUNNING
  want failures.0.reason MISSING
  pass "describe-tasks (with a MISSING failure)"
}
check_list_tasks() {
  ok "list-tasks" -- list-tasks --cluster cli --started-by awscli-test
  want taskArns.# 2
  pass "list-tasks"
}
check_huge() {
  ok "run-task too big" -- run-task --cluster cli --task-definition cli-huge
  want tasks.# 0
  want failures.0.reason RESOURCE:MEMORY
  pass "run-task that fits nowhere -> RESOURCE:MEMORY failure"
}
spawn check_describe_tasks
spawn check_list_tasks
spawn check_huge
spawn refused ClusterNotFoundException "run-task in an unknown cluster" -- run-task --cluster nope --task-definition cli-sleeper
spawn refused InvalidParameterException "stop-task unknown" -- stop-task --cluster cli --task 0123456789abcdef0123456789abcdef
join
ok "start-task" -- start-task --cluster cli --task-definition cli-sleeper --container-instances "${instances[0]}"
want tasks.# 1
want tasks.0.containerInstanceArn "${instances[0]}"
t3=$(get tasks.0.taskArn)
pass "start-task"
ok "stop-task" -- stop-task --cluster cli --task "$t1" --reason "awscli-test"
want task.desiredStatus STOPPED
ecs wait tasks-stopped --cluster cli --tasks "$t1" 2>"$work/err.$tag" || fail "wait tasks-stopped"
ok "describe-tasks" -- describe-tasks --cluster cli --tasks "$t1"
want tasks.0.lastStatus STOPPED
want tasks.0.stopCode UserInitiated
want tasks.0.stoppedReason awscli-test
pass "stop-task; wait tasks-stopped"

# --- instance state
check_draining() {
  ok "update-container-instances-state" -- update-container-instances-state --cluster cli --container-instances "${instances[1]}" --status DRAINING
  want containerInstances.0.status DRAINING
  ok "update-container-instances-state" -- update-container-instances-state --cluster cli --container-instances "${instances[1]}" --status ACTIVE
  want containerInstances.0.status ACTIVE
  pass "update-container-instances-state DRAINING and back"
}
check_stopped_list() {
  ok "list-tasks STOPPED" -- list-tasks --cluster cli --desired-status STOPPED
  want taskArns.# 1
  pass "list-tasks --desired-status STOPPED"
}
spawn check_draining
spawn check_stopped_list
join

# --- services: strict once the control plane has CreateService
if grep -q 'func (cp \*ControlPlane) CreateService(' ./*.go; then
  ok "create-service" -- create-service --cluster cli --service-name web --task-definition cli-sleeper --desired-count 2
  want service.status ACTIVE
  want service.desiredCount 2
  wait_until "service web running 2 tasks" services.0.runningCount 2 -- describe-services --cluster cli --services web
  check_list_services() {
    ok "list-services" -- list-services --cluster cli
    want serviceArns.0 arn:aws:ecs:us-east-1:000000000000:service/cli/web
    pass "list-services"
  }
  check_describe_unknown_service() {
    ok "describe-services unknown" -- describe-services --cluster cli --services nope
    want failures.0.reason MISSING
    pass "describe-services unknown -> MISSING"
  }
  spawn check_list_services
  spawn check_describe_unknown_service
  spawn refused InvalidParameterException "delete-service scaled above 0" -- delete-service --cluster cli --service web
  spawn refused ServiceNotFoundException "update-service unknown" -- update-service --cluster cli --service nope --desired-count 1
  join
  ok "update-service" -- update-service --cluster cli --service web --desired-count 1
  want service.desiredCount 1
  wait_until "service web running 1 task" services.0.runningCount 1 -- describe-services --cluster cli --services web
  ecs wait services-stable --cluster cli --services web 2>"$work/err.$tag" || fail "wait services-stable"
  pass "wait services-stable"
  ok "delete-service --force" -- delete-service --cluster cli --service web --force
  wait_until "service web INACTIVE" services.0.status INACTIVE -- describe-services --cluster cli --services web
  pass "create/update/delete-service"
else
  echo "skip services: CreateService is not in the control plane yet"
fi

# --- metrics
python3 -c '
import sys, urllib.request
body = urllib.request.urlopen(sys.argv[1]).read().decode()
for want in ("ecsapi_requests_total{action=\"RunTask\",code=\"OK\"}", "ecsapi_placements_total",
             "ecs_tasks{cluster=\"cli\",status=\"RUNNING\"}", "ecsapi_placement_failures_total{reason=\"RESOURCE:MEMORY\"} 1",
             "ecsapi_request_duration_seconds_bucket{action=\"RunTask\",le=\"+Inf\"}"):
    if want not in body:
        sys.exit("metrics lack " + want)' "$url/metrics" || fail "/metrics"
pass "/metrics"

# --- tear down through the API
refused ClusterContainsContainerInstancesException "delete-cluster with instances" -- delete-cluster --cluster cli
spawn ok "stop-task" -- stop-task --cluster cli --task "$t2"
spawn ok "stop-task" -- stop-task --cluster cli --task "$t3"
join
ecs wait tasks-stopped --cluster cli --tasks "$t2" "$t3" 2>"$work/err.$tag" || fail "wait tasks-stopped"
# --- logs and secrets (issue 14): an SSM parameter and a Secrets Manager
# secret injected into a task whose awslogs output the CLI reads back while
# the task is still RUNNING; a missing secret stops a task before it starts.
# ecsd serves logs, ssm and secretsmanager on its ECS listener, same keys.
svc() { local s=$1; shift; aws "$s" "$@" --endpoint-url "$url" --region us-east-1 "${pager[@]}" --output json; }
svc_ok() { # DESCRIPTION -- SERVICE ARGS...
  local what=$1; shift 2
  svc "$@" >"$work/out.$tag" 2>"$work/err.$tag" || fail "$what: exit $?"
}
svc_refused() { # CODE DESCRIPTION -- SERVICE ARGS...
  local code=$1 what=$2; shift 3
  if svc "$@" >"$work/out.$tag" 2>"$work/err.$tag"; then fail "$what: succeeded, want $code"; fi
  grep -q "($code)" "$work/err.$tag" || fail "$what: want $code"
  pass "$what -> $code"
}
logs_and_secrets() {
  svc_ok "ssm put-parameter" -- ssm put-parameter --name /cli/db/password --value ssm-pw-0001 --type SecureString
  want Version 1
  svc_refused ParameterAlreadyExists "ssm put-parameter again" -- ssm put-parameter --name /cli/db/password --value x --type SecureString
  svc_ok "ssm get-parameter" -- ssm get-parameter --name /cli/db/password --with-decryption
  want Parameter.Value ssm-pw-0001
  want Parameter.ARN arn:aws:ssm:us-east-1:000000000000:parameter/cli/db/password
  svc_refused ParameterNotFound "ssm get-parameter unknown" -- ssm get-parameter --name /cli/none
  svc_ok "secretsmanager create-secret" -- secretsmanager create-secret --name cli/api --secret-string '{"key":"sm-key-0002","other":"x"}'
  local sm_arn; sm_arn=$(get ARN)
  [[ $sm_arn == arn:aws:secretsmanager:us-east-1:000000000000:secret:cli/api-?????? ]] || fail "secret ARN $sm_arn"
  svc_refused ResourceExistsException "secretsmanager create-secret again" -- secretsmanager create-secret --name cli/api --secret-string x
  svc_ok "secretsmanager get-secret-value" -- secretsmanager get-secret-value --secret-id cli/api
  want SecretString '{"key":"sm-key-0002","other":"x"}'
  svc_refused ResourceNotFoundException "secretsmanager get-secret-value unknown" -- secretsmanager get-secret-value --secret-id nope
  pass "ssm put-parameter/get-parameter; secretsmanager create-secret/get-secret-value"

  cat >"$work/td-logs.json" <<JSON
{"family": "cli-logs", "containerDefinitions": [{
  "name": "app", "image": "busybox", "memory": 64,
  "environment": [{"name": "ECSKIT_FAKE_OUTPUT", "value": "starting\nssm=\${PW}\nsm=\${KEY}"}],
  "secrets": [{"name": "PW", "valueFrom": "arn:aws:ssm:us-east-1:000000000000:parameter/cli/db/password"},
              {"name": "KEY", "valueFrom": "$sm_arn:key::"}],
  "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/cli-logs", "awslogs-region": "us-east-1",
    "awslogs-stream-prefix": "cli", "awslogs-create-group": "true"}}}]}
JSON
  ok "register cli-logs" -- register-task-definition --cli-input-json "file://$work/td-logs.json"
  ok "run-task cli-logs" -- run-task --cluster cli --task-definition cli-logs
  local arn; arn=$(get tasks.0.taskArn)
  ecs wait tasks-running --cluster cli --tasks "$arn" 2>"$work/err.$tag" || fail "wait cli-logs running"
  local stream="cli/app/${arn##*/}" seen=""
  for _ in $(seq 40); do
    svc_ok "logs get-log-events" -- logs get-log-events --log-group-name /ecs/cli-logs --log-stream-name "$stream" --start-from-head
    if [ "$(get events.#)" = 3 ]; then seen=1; break; fi
    sleep 0.25
  done
  [ -n "$seen" ] || fail "logs get-log-events: the container's 3 lines never arrived"
  want events.0.message starting
  want events.1.message ssm=ssm-pw-0001
  want events.2.message sm=sm-key-0002
  local fwd; fwd=$(get nextForwardToken)
  svc_ok "logs get-log-events (forward, nothing new)" -- logs get-log-events --log-group-name /ecs/cli-logs --log-stream-name "$stream" --next-token "$fwd" --start-from-head
  want events.# 0
  want nextForwardToken "$fwd"
  ok "describe-tasks cli-logs" -- describe-tasks --cluster cli --tasks "$arn"
  want tasks.0.lastStatus RUNNING
  if grep -q -e ssm-pw-0001 -e sm-key-0002 "$work/out.$tag"; then fail "a secret value appears in describe-tasks"; fi
  pass "aws logs get-log-events: the lines the task printed, secrets resolved, while it is RUNNING"
  svc_ok "logs filter-log-events" -- logs filter-log-events --log-group-name /ecs/cli-logs --filter-pattern 'sm-key -starting'
  want events.# 1
  want events.0.logStreamName "$stream"
  svc_ok "logs describe-log-streams" -- logs describe-log-streams --log-group-name /ecs/cli-logs
  want logStreams.0.logStreamName "$stream"
  svc_ok "logs describe-log-groups" -- logs describe-log-groups --log-group-name-prefix /ecs/cli
  want logGroups.0.logGroupName /ecs/cli-logs
  svc_refused ResourceNotFoundException "logs get-log-events unknown stream" -- logs get-log-events --log-group-name /ecs/cli-logs --log-stream-name nope
  pass "aws logs filter-log-events, describe-log-streams, describe-log-groups"
  if [ "${#pager[@]}" -gt 0 ]; then # CLI v2 only: v1 has no logs tail
    svc logs tail /ecs/cli-logs --format short >"$work/out.$tag" 2>"$work/err.$tag" || fail "logs tail: exit $?"
    grep -q "sm=sm-key-0002" "$work/out.$tag" || fail "logs tail: the task's line is missing"
    pass "aws logs tail"
  fi
  ok "stop-task cli-logs" -- stop-task --cluster cli --task "$arn"

  sed 's#arn:aws:ssm:us-east-1:000000000000:parameter/cli/db/password#/cli/missing#; s#"cli-logs"#"cli-nosecret"#' "$work/td-logs.json" >"$work/td-nosecret.json"
  ok "register cli-nosecret" -- register-task-definition --cli-input-json "file://$work/td-nosecret.json"
  ok "run-task cli-nosecret" -- run-task --cluster cli --task-definition cli-nosecret
  arn=$(get tasks.0.taskArn)
  wait_until "a task with a missing secret stops" tasks.0.lastStatus STOPPED -- describe-tasks --cluster cli --tasks "$arn"
  want tasks.0.stopCode TaskFailedToStart
  want tasks.0.stoppedReason "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: /cli/missing"
  want tasks.0.containers.0.runtimeId null
  pass "missing secret -> STOPPED, TaskFailedToStart, ResourceInitializationError naming it; no container"
}
logs_and_secrets

deregister_instance() {
  ok "deregister-container-instance" -- deregister-container-instance --cluster cli --container-instance "$1" --force
  want containerInstance.status INACTIVE
}
check_delete_td() {
  ok "deregister-task-definition" -- deregister-task-definition --task-definition cli-sleeper:1
  want taskDefinition.status INACTIVE
  # delete-task-definitions (2023) is missing from older CLIs, such as
  # Debian 12's awscli 2.9.
  if ! aws ecs help 2>/dev/null | grep -q delete-task-definitions; then
    pass "deregister-task-definition (this CLI has no delete-task-definitions)"
    return
  fi
  ok "delete-task-definitions" -- delete-task-definitions --task-definitions cli-sleeper:1
  want taskDefinitions.0.status DELETE_IN_PROGRESS
  pass "deregister-task-definition; delete-task-definitions"
}
spawn deregister_instance "${instances[0]}"
spawn deregister_instance "${instances[1]}"
spawn check_delete_td
spawn refused ClientException "deregister-task-definition unknown" -- deregister-task-definition --task-definition nope:1
join
ok "delete-cluster" -- delete-cluster --cluster cli
want cluster.status INACTIVE
pass "deregister-container-instance; delete-cluster"

# --- clean shutdown, and no secret in the log
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" -eq 0 ] || fail "ecsd exited with $status after SIGTERM"
grep -q "ecsd stopped" "$work/ecsd.log" || fail "ecsd did not log a clean stop"
if grep -q "ecsd-cli-test-secret" "$work/ecsd.log"; then fail "the secret key appears in ecsd's log"; fi
if grep -q -e ssm-pw-0001 -e sm-key-0002 "$work/ecsd.log"; then fail "a task's secret value appears in ecsd's log"; fi
pass "SIGTERM: clean shutdown; no secret in the log"
echo "awscli-test: all passed"
