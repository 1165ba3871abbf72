package types

// DescribeContainerInstancesInput is the request of DescribeContainerInstances.
type DescribeContainerInstancesInput struct {
	Cluster            string   `json:"cluster,omitempty"`
	ContainerInstances []string `json:"containerInstances"`
	Include            []string `json:"include,omitempty"`
}

// DescribeContainerInstancesOutput is the response of DescribeContainerInstances.
type DescribeContainerInstancesOutput struct {
	ContainerInstances []ContainerInstance `json:"containerInstances"`
	Failures           []Failure           `json:"failures"`
}

// ListContainerInstancesInput is the request of ListContainerInstances.
type ListContainerInstancesInput struct {
	Cluster    string `json:"cluster,omitempty"`
	Filter     string `json:"filter,omitempty"`
	Status     string `json:"status,omitempty"`
	MaxResults *int64 `json:"maxResults,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
}

// ListContainerInstancesOutput is the response of ListContainerInstances.
type ListContainerInstancesOutput struct {
	ContainerInstanceArns []string `json:"containerInstanceArns"`
	NextToken             string   `json:"nextToken,omitempty"`
}

// DeregisterContainerInstanceInput is the request of DeregisterContainerInstance.
type DeregisterContainerInstanceInput struct {
	Cluster           string `json:"cluster,omitempty"`
	ContainerInstance string `json:"containerInstance"`
	Force             *bool  `json:"force,omitempty"`
}

// DeregisterContainerInstanceOutput is the response of DeregisterContainerInstance.
type DeregisterContainerInstanceOutput struct {
	ContainerInstance *ContainerInstance `json:"containerInstance"`
}

// UpdateContainerInstancesStateInput is the request of UpdateContainerInstancesState.
type UpdateContainerInstancesStateInput struct {
	Cluster            string   `json:"cluster,omitempty"`
	ContainerInstances []string `json:"containerInstances"`
	Status             string   `json:"status"`
}

// UpdateContainerInstancesStateOutput is the response of UpdateContainerInstancesState.
type UpdateContainerInstancesStateOutput struct {
	ContainerInstances []ContainerInstance `json:"containerInstances"`
	Failures           []Failure           `json:"failures"`
}

// PutAttributesInput is the request of PutAttributes.
type PutAttributesInput struct {
	Cluster    string      `json:"cluster,omitempty"`
	Attributes []Attribute `json:"attributes"`
}

// PutAttributesOutput is the response of PutAttributes.
type PutAttributesOutput struct {
	Attributes []Attribute `json:"attributes"`
}

// DeleteAttributesInput is the request of DeleteAttributes.
type DeleteAttributesInput struct {
	Cluster    string      `json:"cluster,omitempty"`
	Attributes []Attribute `json:"attributes"`
}

// DeleteAttributesOutput is the response of DeleteAttributes.
type DeleteAttributesOutput struct {
	Attributes []Attribute `json:"attributes"`
}

// ListAttributesInput is the request of ListAttributes.
type ListAttributesInput struct {
	Cluster        string `json:"cluster,omitempty"`
	TargetType     string `json:"targetType"`
	AttributeName  string `json:"attributeName,omitempty"`
	AttributeValue string `json:"attributeValue,omitempty"`
	MaxResults     *int64 `json:"maxResults,omitempty"`
	NextToken      string `json:"nextToken,omitempty"`
}

// ListAttributesOutput is the response of ListAttributes.
type ListAttributesOutput struct {
	Attributes []Attribute `json:"attributes"`
	NextToken  string      `json:"nextToken,omitempty"`
}
