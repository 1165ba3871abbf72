package services

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ecskit/ecs/internal/arn"
	"github.com/ecskit/ecs/internal/paginate"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/types"
)

// ListServiceDeployments lists a service's deployments, newest first,
// optionally filtered by status and creation time (default page 20).
func (sc *Scheduler) ListServiceDeployments(ctx context.Context, in *types.ListServiceDeploymentsInput) (*types.ListServiceDeploymentsOutput, error) {
	if in.Service == "" {
		return nil, invalidParam("Service cannot be empty.")
	}
	for _, s := range in.Status {
		switch s {
		case types.ServiceDeploymentPending, types.ServiceDeploymentSuccessful, types.ServiceDeploymentStopped, types.ServiceDeploymentStopRequested,
			types.ServiceDeploymentInProgress, types.ServiceDeploymentRollbackRequested, types.ServiceDeploymentRollbackInProgress,
			types.ServiceDeploymentRollbackSuccessful, types.ServiceDeploymentRollbackFailed:
		default:
			return nil, invalidParam("Invalid status %q.", s)
		}
	}
	type item struct {
		brief types.ServiceDeploymentBrief
		seq   int64
	}
	var all []item
	err := sc.store.View(ctx, func(tx store.Tx) error {
		cl, err := sc.cp.ActiveCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		rec, err := sc.lookupService(tx, cl.Name, in.Service)
		if err != nil {
			return err
		}
		h, err := sc.history(tx, rec)
		if err != nil {
			return err
		}
		for i := len(h.Deployments) - 1; i >= 0; i-- {
			sd := &h.Deployments[i].Deployment
			if len(in.Status) > 0 && !slices.Contains(in.Status, sd.Status) {
				continue
			}
			if c := in.CreatedAt; c != nil && (!c.Before.IsZero() && !sd.CreatedAt.Before(c.Before.Time) ||
				!c.After.IsZero() && !sd.CreatedAt.After(c.After.Time)) {
				continue
			}
			all = append(all, item{seq: h.Deployments[i].Seq, brief: types.ServiceDeploymentBrief{
				ServiceDeploymentArn: sd.ServiceDeploymentArn, ServiceArn: sd.ServiceArn, ClusterArn: sd.ClusterArn,
				StartedAt: sd.StartedAt, CreatedAt: sd.CreatedAt, FinishedAt: sd.FinishedAt,
				TargetServiceRevisionArn: h.Deployments[i].Target, Status: sd.Status, StatusReason: sd.StatusReason,
			}})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Newest first, keyed so that a page token survives new deployments.
	key := func(it item) string { return fmt.Sprintf("%020d", math.MaxInt64-it.seq) }
	items, next, err := paginate.Page(all, key, in.MaxResults, in.NextToken, 20)
	if err != nil {
		return nil, err
	}
	out := &types.ListServiceDeploymentsOutput{ServiceDeployments: []types.ServiceDeploymentBrief{}, NextToken: next}
	for _, it := range items {
		out.ServiceDeployments = append(out.ServiceDeployments, it.brief)
	}
	return out, nil
}

// DescribeServiceDeployments describes up to 20 service deployments by
// ARN; unknown ones are failures with reason MISSING.
func (sc *Scheduler) DescribeServiceDeployments(ctx context.Context, in *types.DescribeServiceDeploymentsInput) (*types.DescribeServiceDeploymentsOutput, error) {
	if err := checkARNCount("serviceDeploymentArns", len(in.ServiceDeploymentArns)); err != nil {
		return nil, err
	}
	out := &types.DescribeServiceDeploymentsOutput{ServiceDeployments: []types.ServiceDeployment{}, Failures: []types.Failure{}}
	err := sc.store.View(ctx, func(tx store.Tx) error {
		for _, arn := range in.ServiceDeploymentArns {
			rec, h, err := sc.historyOf(tx, "service-deployment", arn)
			if err != nil {
				return err
			}
			i := -1
			if h != nil {
				i = slices.IndexFunc(h.Deployments, func(e historyEntry) bool { return e.Deployment.ServiceDeploymentArn == arn })
			}
			if i < 0 {
				out.Failures = append(out.Failures, types.Failure{Arn: arn, Reason: "MISSING"})
				continue
			}
			sd, err := sc.describeServiceDeployment(tx, rec, &h.Deployments[i])
			if err != nil {
				return err
			}
			out.ServiceDeployments = append(out.ServiceDeployments, sd)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeServiceRevisions describes up to 20 service revisions by ARN;
// unknown ones are failures with reason MISSING.
func (sc *Scheduler) DescribeServiceRevisions(ctx context.Context, in *types.DescribeServiceRevisionsInput) (*types.DescribeServiceRevisionsOutput, error) {
	if err := checkARNCount("serviceRevisionArns", len(in.ServiceRevisionArns)); err != nil {
		return nil, err
	}
	out := &types.DescribeServiceRevisionsOutput{ServiceRevisions: []types.ServiceRevision{}, Failures: []types.Failure{}}
	err := sc.store.View(ctx, func(tx store.Tx) error {
		for _, arn := range in.ServiceRevisionArns {
			_, h, err := sc.historyOf(tx, "service-revision", arn)
			if err != nil {
				return err
			}
			i := -1
			if h != nil {
				i = slices.IndexFunc(h.Revisions, func(r types.ServiceRevision) bool { return r.ServiceRevisionArn == arn })
			}
			if i < 0 {
				out.Failures = append(out.Failures, types.Failure{Arn: arn, Reason: "MISSING"})
				continue
			}
			out.ServiceRevisions = append(out.ServiceRevisions, h.Revisions[i])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func checkARNCount(field string, n int) error {
	if n == 0 {
		return &types.Error{Code: types.InvalidParameterException, Field: field, Message: field + " cannot be empty."}
	}
	if n > 20 {
		return &types.Error{Code: types.InvalidParameterException, Field: field, Message: "You can specify a maximum of 20 " + field + "."}
	}
	return nil
}

// history reads a service's deployment history.
func (sc *Scheduler) history(tx store.Tx, rec *Record) (*serviceHistory, error) {
	var h serviceHistory
	_, err := record.Get(tx, serviceHistoryKey(rec.Cluster, rec.Service.ServiceName), &h)
	return &h, err
}

// historyOf finds the service of a service-deployment or service-revision
// ARN (kind/<cluster>/<service>/<id>) and its history; nil when there is
// no such service.
func (sc *Scheduler) historyOf(tx store.Tx, kind, ref string) (*Record, *serviceHistory, error) {
	p, ok := arn.Resource(kind, ref)
	if !ok || len(p) != 3 || !strings.HasPrefix(ref, "arn:") {
		return nil, nil, nil
	}
	var rec Record
	found, err := record.Get(tx, Key(p[0], p[1]), &rec)
	if err != nil || !found {
		return nil, nil, err
	}
	h, err := sc.history(tx, &rec)
	return &rec, h, err
}

// describeServiceDeployment fills in the task counts of a service
// deployment's revisions as they are now.
func (sc *Scheduler) describeServiceDeployment(tx store.Tx, rec *Record, e *historyEntry) (types.ServiceDeployment, error) {
	sd := e.Deployment
	byDep, err := sc.deploymentCounts(tx, rec)
	if err != nil {
		return sd, err
	}
	counts := revisionCounts(rec, byDep)
	summary := func(arn string) types.ServiceRevisionSummary {
		s := counts[arn]
		s.Arn = arn
		return s
	}
	t := summary(e.Target)
	sd.TargetServiceRevision = &t
	sd.SourceServiceRevisions = []types.ServiceRevisionSummary{}
	for _, arn := range e.Sources {
		sd.SourceServiceRevisions = append(sd.SourceServiceRevisions, summary(arn))
	}
	return sd, nil
}

// revisionCounts counts the tasks of the service revisions the service
// runs now: requested (the PRIMARY deployment's desired count), running
// and pending.
func revisionCounts(rec *Record, byDep map[string]taskCounts) map[string]types.ServiceRevisionSummary {
	out := map[string]types.ServiceRevisionSummary{}
	for i, d := range rec.Deployments {
		s := out[d.ServiceRevisionArn]
		if i == 0 {
			s.RequestedTaskCount += d.Deployment.DesiredCount
		}
		c := byDep[d.Deployment.Id]
		s.RunningTaskCount += c.RunningCount
		s.PendingTaskCount += c.PendingCount
		out[d.ServiceRevisionArn] = s
	}
	return out
}
