package types

// CreateClusterInput is the request of CreateCluster.
type CreateClusterInput struct {
	ClusterName string           `json:"clusterName,omitempty"`
	Tags        []Tag            `json:"tags,omitempty"`
	Settings    []ClusterSetting `json:"settings,omitempty"`
}

// CreateClusterOutput is the response of CreateCluster.
type CreateClusterOutput struct {
	Cluster *Cluster `json:"cluster"`
}

// DescribeClustersInput is the request of DescribeClusters.
type DescribeClustersInput struct {
	Clusters []string `json:"clusters,omitempty"`
	Include  []string `json:"include,omitempty"`
}

// DescribeClustersOutput is the response of DescribeClusters.
type DescribeClustersOutput struct {
	Clusters []Cluster `json:"clusters"`
	Failures []Failure `json:"failures"`
}

// ListClustersInput is the request of ListClusters.
type ListClustersInput struct {
	MaxResults *int64 `json:"maxResults,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
}

// ListClustersOutput is the response of ListClusters.
type ListClustersOutput struct {
	ClusterArns []string `json:"clusterArns"`
	NextToken   string   `json:"nextToken,omitempty"`
}

// DeleteClusterInput is the request of DeleteCluster.
type DeleteClusterInput struct {
	Cluster string `json:"cluster"`
}

// DeleteClusterOutput is the response of DeleteCluster.
type DeleteClusterOutput struct {
	Cluster *Cluster `json:"cluster"`
}

// UpdateClusterInput is the request of UpdateCluster.
type UpdateClusterInput struct {
	Cluster  string           `json:"cluster"`
	Settings []ClusterSetting `json:"settings,omitempty"`
}

// UpdateClusterOutput is the response of UpdateCluster.
type UpdateClusterOutput struct {
	Cluster *Cluster `json:"cluster"`
}
