package ecs

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
)

// ListServiceDeployments lists a service's deployments, newest first,
// optionally filtered by status and creation time (default page 20).
func (cp *ControlPlane) ListServiceDeployments(ctx context.Context, in *ListServiceDeploymentsInput) (*ListServiceDeploymentsOutput, error) {
	if in.Service == "" {
		return nil, invalidParam("Service cannot be empty.")
	}
	for _, s := range in.Status {
		switch s {
		case ServiceDeploymentPending, ServiceDeploymentSuccessful, ServiceDeploymentStopped, ServiceDeploymentStopRequested,
			ServiceDeploymentInProgress, ServiceDeploymentRollbackRequested, ServiceDeploymentRollbackInProgress,
			ServiceDeploymentRollbackSuccessful, ServiceDeploymentRollbackFailed:
		default:
			return nil, invalidParam("Invalid status %q.", s)
		}
	}
	type item struct {
		brief ServiceDeploymentBrief
		seq   int64
	}
	var all []item
	err := cp.store.View(ctx, func(tx store.Tx) error {
		cl, err := cp.activeCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		rec, err := cp.lookupService(tx, cl.Name, in.Service)
		if err != nil {
			return err
		}
		h, err := cp.history(tx, rec)
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
			all = append(all, item{seq: h.Deployments[i].Seq, brief: ServiceDeploymentBrief{
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
	items, next, err := page(all, key, in.MaxResults, in.NextToken, 20)
	if err != nil {
		return nil, err
	}
	out := &ListServiceDeploymentsOutput{ServiceDeployments: []ServiceDeploymentBrief{}, NextToken: next}
	for _, it := range items {
		out.ServiceDeployments = append(out.ServiceDeployments, it.brief)
	}
	return out, nil
}

// DescribeServiceDeployments describes up to 20 service deployments by
// ARN; unknown ones are failures with reason MISSING.
func (cp *ControlPlane) DescribeServiceDeployments(ctx context.Context, in *DescribeServiceDeploymentsInput) (*DescribeServiceDeploymentsOutput, error) {
	if err := checkARNCount("serviceDeploymentArns", len(in.ServiceDeploymentArns)); err != nil {
		return nil, err
	}
	out := &DescribeServiceDeploymentsOutput{ServiceDeployments: []ServiceDeployment{}, Failures: []Failure{}}
	err := cp.store.View(ctx, func(tx store.Tx) error {
		for _, arn := range in.ServiceDeploymentArns {
			rec, h, err := cp.historyOf(tx, "service-deployment", arn)
			if err != nil {
				return err
			}
			i := -1
			if h != nil {
				i = slices.IndexFunc(h.Deployments, func(e historyEntry) bool { return e.Deployment.ServiceDeploymentArn == arn })
			}
			if i < 0 {
				out.Failures = append(out.Failures, Failure{Arn: arn, Reason: "MISSING"})
				continue
			}
			sd, err := cp.describeServiceDeployment(tx, rec, &h.Deployments[i])
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
func (cp *ControlPlane) DescribeServiceRevisions(ctx context.Context, in *DescribeServiceRevisionsInput) (*DescribeServiceRevisionsOutput, error) {
	if err := checkARNCount("serviceRevisionArns", len(in.ServiceRevisionArns)); err != nil {
		return nil, err
	}
	out := &DescribeServiceRevisionsOutput{ServiceRevisions: []ServiceRevision{}, Failures: []Failure{}}
	err := cp.store.View(ctx, func(tx store.Tx) error {
		for _, arn := range in.ServiceRevisionArns {
			_, h, err := cp.historyOf(tx, "service-revision", arn)
			if err != nil {
				return err
			}
			i := -1
			if h != nil {
				i = slices.IndexFunc(h.Revisions, func(r ServiceRevision) bool { return r.ServiceRevisionArn == arn })
			}
			if i < 0 {
				out.Failures = append(out.Failures, Failure{Arn: arn, Reason: "MISSING"})
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
		return &Error{Code: InvalidParameterException, Field: field, Message: field + " cannot be empty."}
	}
	if n > 20 {
		return &Error{Code: InvalidParameterException, Field: field, Message: "You can specify a maximum of 20 " + field + "."}
	}
	return nil
}

// history reads a service's deployment history.
func (cp *ControlPlane) history(tx store.Tx, rec *serviceRecord) (*serviceHistory, error) {
	var h serviceHistory
	_, err := record.Get(tx, serviceHistoryKey(rec.Cluster, rec.Service.ServiceName), &h)
	return &h, err
}

// historyOf finds the service of a service-deployment or service-revision
// ARN (kind/<cluster>/<service>/<id>) and its history; nil when there is
// no such service.
func (cp *ControlPlane) historyOf(tx store.Tx, kind, arn string) (*serviceRecord, *serviceHistory, error) {
	p, ok := cp.resourceName(kind, arn)
	if !ok || len(p) != 3 || !strings.HasPrefix(arn, "arn:") {
		return nil, nil, nil
	}
	var rec serviceRecord
	found, err := record.Get(tx, serviceKey(p[0], p[1]), &rec)
	if err != nil || !found {
		return nil, nil, err
	}
	h, err := cp.history(tx, &rec)
	return &rec, h, err
}

// describeServiceDeployment fills in the task counts of a service
// deployment's revisions as they are now.
func (cp *ControlPlane) describeServiceDeployment(tx store.Tx, rec *serviceRecord, e *historyEntry) (ServiceDeployment, error) {
	sd := e.Deployment
	byDep, err := cp.deploymentCounts(tx, rec)
	if err != nil {
		return sd, err
	}
	counts := revisionCounts(rec, byDep)
	summary := func(arn string) ServiceRevisionSummary {
		s := counts[arn]
		s.Arn = arn
		return s
	}
	t := summary(e.Target)
	sd.TargetServiceRevision = &t
	sd.SourceServiceRevisions = []ServiceRevisionSummary{}
	for _, arn := range e.Sources {
		sd.SourceServiceRevisions = append(sd.SourceServiceRevisions, summary(arn))
	}
	return sd, nil
}

// revisionCounts counts the tasks of the service revisions the service
// runs now: requested (the PRIMARY deployment's desired count), running
// and pending.
func revisionCounts(rec *serviceRecord, byDep map[string]taskCounts) map[string]ServiceRevisionSummary {
	out := map[string]ServiceRevisionSummary{}
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
