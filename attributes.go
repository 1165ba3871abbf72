package ecs

import (
	"context"
	"regexp"
	"sort"
	"strings"

	"github.com/ecskit/ecs/internal/paginate"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
)

var (
	attrNameRE  = regexp.MustCompile(`^[A-Za-z0-9\-_/\\.]{1,128}$`)
	attrValueRE = regexp.MustCompile(`^[A-Za-z0-9\-_.@/\\: ]{1,128}$`)
)

// isBuiltinAttribute reports whether ECS or its agent owns the attribute.
func isBuiltinAttribute(name string) bool {
	return strings.HasPrefix(name, "ecs.") || strings.HasPrefix(name, "com.amazonaws.ecs.")
}

func customAttributes(attrs []Attribute) int {
	n := 0
	for _, a := range attrs {
		if !isBuiltinAttribute(a.Name) {
			n++
		}
	}
	return n
}

// validateAttribute checks ECS's rules for attribute names and values.
func validateAttribute(a Attribute) error {
	if !attrNameRE.MatchString(a.Name) {
		return &Error{Code: InvalidParameterException, Field: "attributes.name",
			Message: "Attribute name must be 1-128 characters: letters, numbers, hyphens, underscores, forward slashes, back slashes or periods."}
	}
	if a.Value != "" && (!attrValueRE.MatchString(a.Value) || strings.TrimSpace(a.Value) != a.Value) {
		return &Error{Code: InvalidParameterException, Field: "attributes.value",
			Message: "Attribute value must be 1-128 characters: letters, numbers, hyphens, underscores, periods, at signs, forward slashes, back slashes, colons or spaces, without leading or trailing whitespace."}
	}
	return nil
}

// PutAttributes creates or replaces up to 10 custom attributes.
func (cp *ControlPlane) PutAttributes(ctx context.Context, in *PutAttributesInput) (*PutAttributesOutput, error) {
	defer cp.notePlacementChange(ctx)
	if err := checkAttributeBatch(in.Attributes); err != nil {
		return nil, err
	}
	for _, a := range in.Attributes {
		if err := validateAttribute(a); err != nil {
			return nil, err
		}
	}
	err := cp.changeAttributes(ctx, in.Cluster, in.Attributes, func(r *record.Instance, a Attribute) error {
		r.SetAttr(a.Name, a.Value)
		if customAttributes(r.Attributes) > 10 {
			return errorf(AttributeLimitExceededException, "You have exceeded the limit of 10 custom attributes per resource.")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutAttributesOutput{Attributes: in.Attributes}, nil
}

// DeleteAttributes removes up to 10 custom attributes.
func (cp *ControlPlane) DeleteAttributes(ctx context.Context, in *DeleteAttributesInput) (*DeleteAttributesOutput, error) {
	defer cp.notePlacementChange(ctx)
	if err := checkAttributeBatch(in.Attributes); err != nil {
		return nil, err
	}
	err := cp.changeAttributes(ctx, in.Cluster, in.Attributes, func(r *record.Instance, a Attribute) error {
		for i, x := range r.Attributes {
			if x.Name == a.Name {
				r.Attributes = append(r.Attributes[:i], r.Attributes[i+1:]...)
				return nil
			}
		}
		return errorf(TargetNotFoundException, "Attribute %s not found on target %s.", a.Name, a.TargetId)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteAttributesOutput{Attributes: in.Attributes}, nil
}

func checkAttributeBatch(attrs []Attribute) error {
	if len(attrs) == 0 || len(attrs) > 10 {
		return &Error{Code: InvalidParameterException, Field: "attributes", Message: "attributes must have between 1 and 10 items."}
	}
	for _, a := range attrs {
		if a.TargetId == "" {
			return &Error{Code: InvalidParameterException, Field: "attributes.targetId", Message: "targetId is required."}
		}
		if a.TargetType != "" && a.TargetType != "container-instance" {
			return &Error{Code: InvalidParameterException, Field: "attributes.targetType", Message: "targetType must be container-instance."}
		}
		if a.TargetType == "" && !strings.HasPrefix(a.TargetId, "arn:") {
			return &Error{Code: InvalidParameterException, Field: "attributes.targetType", Message: "targetType is required when targetId is not an ARN."}
		}
	}
	return nil
}

// changeAttributes applies fn to each attribute's target in one
// transaction.
func (cp *ControlPlane) changeAttributes(ctx context.Context, cluster string, attrs []Attribute, fn func(*record.Instance, Attribute) error) error {
	return cp.store.Update(ctx, func(tx store.Tx) error {
		cl, err := cp.activeCluster(tx, cluster)
		if err != nil {
			return err
		}
		for _, a := range attrs {
			rec, err := cp.lookupInstance(tx, cl.Name, a.TargetId)
			if err != nil || rec.Status == StatusInactive {
				return errorf(TargetNotFoundException, "Could not find the target %s.", a.TargetId)
			}
			if err := fn(rec, a); err != nil {
				return err
			}
			rec.Version++
			if err := record.Put(tx, record.InstanceKey(cl.Name, rec.ID), rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListAttributes lists the attributes of a cluster's instances.
func (cp *ControlPlane) ListAttributes(ctx context.Context, in *ListAttributesInput) (*ListAttributesOutput, error) {
	if in.TargetType != "container-instance" {
		return nil, &Error{Code: InvalidParameterException, Field: "targetType", Message: "targetType must be container-instance."}
	}
	if in.AttributeValue != "" && in.AttributeName == "" {
		return nil, &Error{Code: InvalidParameterException, Field: "attributeValue", Message: "attributeName is required when attributeValue is given."}
	}
	var all []Attribute
	err := cp.store.View(ctx, func(tx store.Tx) error {
		cl, err := cp.activeCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		recs, err := record.List[record.Instance](tx, record.InstancePrefix(cl.Name))
		for _, r := range recs {
			if r.Status == StatusInactive {
				continue
			}
			for _, a := range r.Attributes {
				if in.AttributeName != "" && a.Name != in.AttributeName || in.AttributeValue != "" && a.Value != in.AttributeValue {
					continue
				}
				all = append(all, Attribute{Name: a.Name, Value: a.Value, TargetType: "container-instance", TargetId: cp.instanceARN(r.Cluster, r.ID)})
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	key := func(a Attribute) string { return a.TargetId + "\x00" + a.Name }
	sort.Slice(all, func(i, j int) bool { return key(all[i]) < key(all[j]) })
	pg, next, err := paginate.Page(all, key, in.MaxResults, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	if pg == nil {
		pg = []Attribute{}
	}
	return &ListAttributesOutput{Attributes: pg, NextToken: next}, nil
}
