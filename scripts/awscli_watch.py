#!/usr/bin/env python3
"""Watches an ECS service through the aws CLI during a deployment.

Used by awscli-deploy-test.sh. Every --interval seconds it asks, through
the aws CLI, for describe-services, list-tasks (desired RUNNING) and
describe-tasks of every task of the service seen so far, and checks:

  - runningCount >= --min-running, and as many tasks RUNNING that the
    scheduler still wants RUNNING (desiredStatus RUNNING);
  - runningCount + pendingCount <= --max-live (tasks stopping still count
    in runningCount until they stop);
  - with --failed-td: that revision's deployment is seen FAILED with the
    circuit breaker's reason before the end.

It ends, with status 0, once the service is steady on --want-td: one
deployment, COMPLETED, of that task definition, the service's own
taskDefinition too, and --want-count tasks RUNNING, all of that revision.
On a violation, or at --deadline seconds after the first sample, it prints
the last describe-services answer and the tasks, and exits 1.

The CLI is run in this process (awscli.clidriver, the code behind the
`aws` command) when this interpreter has it: a command then costs about
10 ms rather than the half second of a new `aws` process, which is what
makes a 200 ms poll possible on a small machine. Otherwise each command is
an `aws` process, and the samples are as far apart as that takes (the
summary says how far).
"""

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import time

BREAKER_REASON = "ECS deployment circuit breaker: tasks failed to start."


class CLI:
    """Runs aws CLI commands and returns their JSON answers."""

    def __init__(self, endpoint, region):
        self.common = ["--endpoint-url", endpoint, "--region", region, "--output", "json"]
        self.driver = None
        try:
            import awscli.clidriver  # the aws command's own entry point

            self.driver = awscli.clidriver.create_clidriver()
            self.mode = "in-process aws CLI (awscli.clidriver)"
        except Exception as e:  # no awscli module here: one process per command
            self.mode = "one aws process per command (%s)" % e.__class__.__name__

    def __call__(self, *args):
        argv = ["ecs"] + list(args) + self.common
        if self.driver is not None:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                rc = self.driver.main(argv)
            out, err = out.getvalue(), err.getvalue()
        else:
            p = subprocess.run(["aws"] + argv, capture_output=True, text=True)
            rc, out, err = p.returncode, p.stdout, p.stderr
        if rc != 0:
            raise RuntimeError("aws %s: exit %s: %s" % (" ".join(args), rc, err.strip()))
        return json.loads(out) if out.strip() else {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--cluster", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--min-running", type=int, required=True)
    ap.add_argument("--max-live", type=int, required=True)
    ap.add_argument("--want-td", required=True)
    ap.add_argument("--want-count", type=int, required=True)
    ap.add_argument("--failed-td", default="")
    ap.add_argument("--deadline", type=float, required=True)
    ap.add_argument("--ready", default="", help="file written after the first sample")
    ap.add_argument("--name", default="watch")
    a = ap.parse_args()

    cli = CLI(a.endpoint, a.region)
    start = time.monotonic()
    seen = []  # every task ARN of the service, in order of first sight
    last = {"service": None, "tasks": []}
    stats = {"samples": 0, "min_running": None, "min_wanted": None, "max_gap": 0.0, "gaps": 0.0}
    failed_at = None
    phases = []  # (t, summary of the deployments) on each change

    def say(msg):
        print("[%s %6.1fs] %s" % (a.name, time.monotonic() - start, msg), flush=True)

    def dump_and_fail(why):
        say("FAIL: " + why)
        print("--- describe-services (last answer):", file=sys.stderr)
        print(json.dumps(last["service"], indent=1, default=str), file=sys.stderr)
        print("--- tasks of the service (last answer):", file=sys.stderr)
        for t in last["tasks"]:
            print("  %s %s rev=%s last=%s desired=%s stopCode=%s reason=%s" % (
                t["taskArn"].rsplit("/", 1)[-1], t.get("group", ""), t["taskDefinitionArn"].rsplit(":", 1)[-1],
                t.get("lastStatus"), t.get("desiredStatus"), t.get("stopCode", ""), t.get("stoppedReason", "")),
                file=sys.stderr)
        print("--- deployment phases seen:", file=sys.stderr)
        for t, p in phases:
            print("  %6.1fs %s" % (t, p), file=sys.stderr)
        sys.exit(1)

    prev = None
    while True:
        t0 = time.monotonic()
        if prev is not None:
            stats["max_gap"] = max(stats["max_gap"], t0 - prev)
            stats["gaps"] += t0 - prev
        prev = t0
        try:
            listed = cli("list-tasks", "--cluster", a.cluster, "--service-name", a.service, "--desired-status", "RUNNING")
            for arn in listed.get("taskArns", []):
                if arn not in seen:
                    seen.append(arn)
            tasks = []
            for i in range(0, len(seen), 100):
                tasks += cli("describe-tasks", "--cluster", a.cluster, "--tasks", *seen[i:i + 100]).get("tasks", [])
            out = cli("describe-services", "--cluster", a.cluster, "--services", a.service)
        except RuntimeError as e:
            dump_and_fail(str(e))
        svcs = out.get("services", [])
        if len(svcs) != 1:
            last["service"] = out
            dump_and_fail("describe-services returned %d services" % len(svcs))
        svc = svcs[0]
        last["service"], last["tasks"] = svc, tasks
        now = time.monotonic() - start
        stats["samples"] += 1
        if a.ready and stats["samples"] == 1:
            with open(a.ready, "w") as f:
                f.write("ready\n")

        running = svc["runningCount"]
        wanted = sum(1 for t in tasks if t.get("lastStatus") == "RUNNING" and t.get("desiredStatus") == "RUNNING")
        stats["min_running"] = running if stats["min_running"] is None else min(stats["min_running"], running)
        stats["min_wanted"] = wanted if stats["min_wanted"] is None else min(stats["min_wanted"], wanted)
        deps = svc.get("deployments", [])
        phase = ", ".join("%s %s rev %s run=%s pend=%s failed=%s" % (
            d.get("status"), d.get("rolloutState"), d["taskDefinition"].rsplit(":", 1)[-1],
            d.get("runningCount"), d.get("pendingCount"), d.get("failedTasks")) for d in deps)
        if not phases or phases[-1][1] != phase:
            phases.append((now, phase))
            say("runningCount=%d wanted-running=%d | %s" % (running, wanted, phase))

        if running < a.min_running:
            dump_and_fail("runningCount %d < %d" % (running, a.min_running))
        if wanted < a.min_running:
            dump_and_fail("only %d tasks RUNNING and desired RUNNING, want at least %d" % (wanted, a.min_running))
        if running + svc["pendingCount"] > a.max_live:
            dump_and_fail("runningCount %d + pendingCount %d > %d" % (running, svc["pendingCount"], a.max_live))

        if a.failed_td:
            for d in deps:
                if d["taskDefinition"] != a.failed_td or d.get("rolloutState") != "FAILED":
                    continue
                if d.get("rolloutStateReason") != BREAKER_REASON:
                    dump_and_fail("deployment %s FAILED with reason %r, want %r" % (d["id"], d.get("rolloutStateReason"), BREAKER_REASON))
                if failed_at is None:
                    failed_at = now
                    say("deployment %s of %s FAILED: %s" % (d["id"], a.failed_td, d["rolloutStateReason"]))

        mine = [t for t in tasks if t.get("lastStatus") == "RUNNING"]
        steady = (len(deps) == 1 and deps[0]["taskDefinition"] == a.want_td and deps[0].get("rolloutState") == "COMPLETED"
                  and svc["taskDefinition"] == a.want_td and running == a.want_count and len(mine) == a.want_count
                  and all(t["taskDefinitionArn"] == a.want_td for t in mine))
        if steady:
            if a.failed_td and failed_at is None:
                dump_and_fail("steady on %s without ever showing %s's deployment FAILED" % (a.want_td, a.failed_td))
            say("steady: one COMPLETED deployment of %s, %d RUNNING; %d samples by %s, %.2fs apart on average, "
                "at most %.2fs; fewest RUNNING: runningCount %d, RUNNING and desired RUNNING %d" % (
                    a.want_td.rsplit("/", 1)[-1], running, stats["samples"], cli.mode,
                    stats["gaps"] / max(1, stats["samples"] - 1), stats["max_gap"],
                    stats["min_running"], stats["min_wanted"]))
            return
        if now > a.deadline:
            dump_and_fail("not steady on %s after %.0fs" % (a.want_td, a.deadline))
        time.sleep(max(0.0, a.interval - (time.monotonic() - t0)))


if __name__ == "__main__":
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    main()
