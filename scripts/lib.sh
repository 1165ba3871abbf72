# Shared by the aws CLI scripts (source it): starting ecsd and pointing the
# real aws CLI at it. The sourcing script sets $work (a scratch directory),
# pid="" (killed by its cleanup) and fail MESSAGE before it calls these.

# start_ecsd KEY SECRET builds ecsd and starts `ecsd -runtime fake -store
# memory` on a free loopback port, requiring SigV4 with KEY and SECRET;
# it sets pid and url.
start_ecsd() {
  echo "building ecsd"
  go build -o "$work/ecsd" ./cmd/ecsd
  ECSD_ACCESS_KEY_ID=$1 ECSD_SECRET_ACCESS_KEY=$2 \
    "$work/ecsd" -runtime fake -store memory -region us-east-1 -listen 127.0.0.1:0 -addr-file "$work/addr" 2>"$work/ecsd.log" &
  pid=$!
  for _ in $(seq 100); do [ -s "$work/addr" ] && break; kill -0 "$pid" 2>/dev/null || fail "ecsd exited at start"; sleep 0.1; done
  [ -s "$work/addr" ] || fail "ecsd did not start listening"
  url="http://$(head -1 "$work/addr")"
  echo "ecsd at $url"
}

# use_cli KEY SECRET makes the aws CLI sign with KEY and SECRET from the
# environment, read no config file, never reach for an instance metadata
# service, and page nothing.
use_cli() {
  export AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=$2
  export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
  export AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECS 2>/dev/null || true
  pager=()
  if aws --version 2>&1 | grep -q '^aws-cli/2'; then pager=(--no-cli-pager); fi
}

# ecs ARGS... runs `aws ecs ARGS...` against the ecsd of start_ecsd.
ecs() { aws ecs "$@" --endpoint-url "$url" --region us-east-1 "${pager[@]}" --output json; }
