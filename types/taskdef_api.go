package types

// DescribeTaskDefinitionInput is the request of DescribeTaskDefinition.
type DescribeTaskDefinitionInput struct {
	TaskDefinition string   `json:"taskDefinition"`
	Include        []string `json:"include,omitempty"`
}

// DescribeTaskDefinitionOutput is the response of DescribeTaskDefinition.
type DescribeTaskDefinitionOutput struct {
	TaskDefinition *TaskDefinition `json:"taskDefinition"`
	Tags           []Tag           `json:"tags,omitempty"`
}

// ListTaskDefinitionsInput is the request of ListTaskDefinitions.
type ListTaskDefinitionsInput struct {
	// FamilyPrefix is, as in ECS, an exact family name.
	FamilyPrefix string `json:"familyPrefix,omitempty"`
	Status       string `json:"status,omitempty"`
	Sort         string `json:"sort,omitempty"`
	MaxResults   *int64 `json:"maxResults,omitempty"`
	NextToken    string `json:"nextToken,omitempty"`
}

// ListTaskDefinitionsOutput is the response of ListTaskDefinitions.
type ListTaskDefinitionsOutput struct {
	TaskDefinitionArns []string `json:"taskDefinitionArns"`
	NextToken          string   `json:"nextToken,omitempty"`
}

// ListTaskDefinitionFamiliesInput is the request of ListTaskDefinitionFamilies.
type ListTaskDefinitionFamiliesInput struct {
	FamilyPrefix string `json:"familyPrefix,omitempty"`
	Status       string `json:"status,omitempty"`
	MaxResults   *int64 `json:"maxResults,omitempty"`
	NextToken    string `json:"nextToken,omitempty"`
}

// ListTaskDefinitionFamiliesOutput is the response of ListTaskDefinitionFamilies.
type ListTaskDefinitionFamiliesOutput struct {
	Families  []string `json:"families"`
	NextToken string   `json:"nextToken,omitempty"`
}

// DeregisterTaskDefinitionInput is the request of DeregisterTaskDefinition.
type DeregisterTaskDefinitionInput struct {
	TaskDefinition string `json:"taskDefinition"`
}

// DeregisterTaskDefinitionOutput is the response of DeregisterTaskDefinition.
type DeregisterTaskDefinitionOutput struct {
	TaskDefinition *TaskDefinition `json:"taskDefinition"`
}

// DeleteTaskDefinitionsInput is the request of DeleteTaskDefinitions.
type DeleteTaskDefinitionsInput struct {
	TaskDefinitions []string `json:"taskDefinitions"`
}

// DeleteTaskDefinitionsOutput is the response of DeleteTaskDefinitions.
type DeleteTaskDefinitionsOutput struct {
	TaskDefinitions []TaskDefinition `json:"taskDefinitions"`
	Failures        []Failure        `json:"failures"`
}
