package logs

// Event is one log event as GetLogEvents returns it. Times are
// milliseconds since the epoch.
type Event struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

// InputLogEvent is one event given to PutLogEvents.
type InputLogEvent struct {
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

// FilteredLogEvent is one event FilterLogEvents returns.
type FilteredLogEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

// LogGroup describes a log group.
type LogGroup struct {
	LogGroupName      string `json:"logGroupName"`
	CreationTime      int64  `json:"creationTime"`
	RetentionInDays   int    `json:"retentionInDays,omitempty"`
	MetricFilterCount int    `json:"metricFilterCount"`
	Arn               string `json:"arn"`
	LogGroupArn       string `json:"logGroupArn"`
	StoredBytes       int64  `json:"storedBytes"`
	LogGroupClass     string `json:"logGroupClass"`
}

// LogStream describes a log stream. The event times are omitted while the
// stream holds no event.
type LogStream struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp int64  `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  int64  `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   int64  `json:"lastIngestionTime,omitempty"`
	UploadSequenceToken string `json:"uploadSequenceToken,omitempty"`
	Arn                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"`
}

// CreateLogGroupInput is CreateLogGroup's request.
type CreateLogGroupInput struct {
	LogGroupName  string            `json:"logGroupName"`
	KmsKeyID      string            `json:"kmsKeyId,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
	LogGroupClass string            `json:"logGroupClass,omitempty"`
}

// DeleteLogGroupInput is DeleteLogGroup's request.
type DeleteLogGroupInput struct {
	LogGroupName string `json:"logGroupName"`
}

// PutRetentionPolicyInput is PutRetentionPolicy's request.
type PutRetentionPolicyInput struct {
	LogGroupName    string `json:"logGroupName"`
	RetentionInDays int    `json:"retentionInDays"`
}

// DeleteRetentionPolicyInput is DeleteRetentionPolicy's request.
type DeleteRetentionPolicyInput struct {
	LogGroupName string `json:"logGroupName"`
}

// DescribeLogGroupsInput is DescribeLogGroups' request.
type DescribeLogGroupsInput struct {
	LogGroupNamePrefix  string `json:"logGroupNamePrefix,omitempty"`
	LogGroupNamePattern string `json:"logGroupNamePattern,omitempty"`
	NextToken           string `json:"nextToken,omitempty"`
	Limit               int    `json:"limit,omitempty"`
}

// DescribeLogGroupsOutput is DescribeLogGroups' response.
type DescribeLogGroupsOutput struct {
	LogGroups []LogGroup `json:"logGroups"`
	NextToken string     `json:"nextToken,omitempty"`
}

// CreateLogStreamInput is CreateLogStream's request.
type CreateLogStreamInput struct {
	LogGroupName  string `json:"logGroupName"`
	LogStreamName string `json:"logStreamName"`
}

// DeleteLogStreamInput is DeleteLogStream's request.
type DeleteLogStreamInput struct {
	LogGroupName  string `json:"logGroupName"`
	LogStreamName string `json:"logStreamName"`
}

// DescribeLogStreamsInput is DescribeLogStreams' request.
type DescribeLogStreamsInput struct {
	LogGroupName        string `json:"logGroupName,omitempty"`
	LogGroupIdentifier  string `json:"logGroupIdentifier,omitempty"`
	LogStreamNamePrefix string `json:"logStreamNamePrefix,omitempty"`
	// OrderBy is LogStreamName (default) or LastEventTime.
	OrderBy    string `json:"orderBy,omitempty"`
	Descending bool   `json:"descending,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
	Limit      int    `json:"limit,omitempty"`
}

// DescribeLogStreamsOutput is DescribeLogStreams' response.
type DescribeLogStreamsOutput struct {
	LogStreams []LogStream `json:"logStreams"`
	NextToken  string      `json:"nextToken,omitempty"`
}

// PutLogEventsInput is PutLogEvents' request. SequenceToken is accepted
// and ignored, as CloudWatch has done since 2023.
type PutLogEventsInput struct {
	LogGroupName  string          `json:"logGroupName"`
	LogStreamName string          `json:"logStreamName"`
	LogEvents     []InputLogEvent `json:"logEvents"`
	SequenceToken string          `json:"sequenceToken,omitempty"`
}

// RejectedLogEventsInfo says which events of a batch were not stored.
type RejectedLogEventsInfo struct {
	TooNewLogEventStartIndex *int `json:"tooNewLogEventStartIndex,omitempty"`
	TooOldLogEventEndIndex   *int `json:"tooOldLogEventEndIndex,omitempty"`
	ExpiredLogEventEndIndex  *int `json:"expiredLogEventEndIndex,omitempty"`
}

// PutLogEventsOutput is PutLogEvents' response.
type PutLogEventsOutput struct {
	NextSequenceToken     string                 `json:"nextSequenceToken,omitempty"`
	RejectedLogEventsInfo *RejectedLogEventsInfo `json:"rejectedLogEventsInfo,omitempty"`
}

// GetLogEventsInput is GetLogEvents' request. StartTime is inclusive,
// EndTime exclusive; zero means unbounded.
type GetLogEventsInput struct {
	LogGroupName       string `json:"logGroupName,omitempty"`
	LogGroupIdentifier string `json:"logGroupIdentifier,omitempty"`
	LogStreamName      string `json:"logStreamName"`
	StartTime          int64  `json:"startTime,omitempty"`
	EndTime            int64  `json:"endTime,omitempty"`
	NextToken          string `json:"nextToken,omitempty"`
	Limit              int    `json:"limit,omitempty"`
	StartFromHead      bool   `json:"startFromHead,omitempty"`
	Unmask             bool   `json:"unmask,omitempty"`
}

// GetLogEventsOutput is GetLogEvents' response.
type GetLogEventsOutput struct {
	Events            []Event `json:"events"`
	NextForwardToken  string  `json:"nextForwardToken"`
	NextBackwardToken string  `json:"nextBackwardToken"`
}

// FilterLogEventsInput is FilterLogEvents' request. StartTime and EndTime
// are both inclusive; zero means unbounded. Interleaved is accepted and
// ignored: results are always interleaved.
type FilterLogEventsInput struct {
	LogGroupName        string   `json:"logGroupName,omitempty"`
	LogGroupIdentifier  string   `json:"logGroupIdentifier,omitempty"`
	LogStreamNames      []string `json:"logStreamNames,omitempty"`
	LogStreamNamePrefix string   `json:"logStreamNamePrefix,omitempty"`
	StartTime           int64    `json:"startTime,omitempty"`
	EndTime             int64    `json:"endTime,omitempty"`
	FilterPattern       string   `json:"filterPattern,omitempty"`
	NextToken           string   `json:"nextToken,omitempty"`
	Limit               int      `json:"limit,omitempty"`
	Interleaved         bool     `json:"interleaved,omitempty"`
	Unmask              bool     `json:"unmask,omitempty"`
}

// FilterLogEventsOutput is FilterLogEvents' response.
type FilterLogEventsOutput struct {
	Events    []FilteredLogEvent `json:"events"`
	NextToken string             `json:"nextToken,omitempty"`
}
