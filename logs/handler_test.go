package logs_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"
	"github.com/ecskit/ecs/ecsapi"
	"github.com/ecskit/ecs/logs"
	"github.com/stretchr/testify/require"
)

const (
	testKey    = "AKIDLOGSTEST"
	testSecret = "logs-test-secret"
)

func sdkClient(t *testing.T, url, key, secret string) *cloudwatchlogs.Client {
	t.Helper()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return cloudwatchlogs.New(cloudwatchlogs.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		Retryer:      aws.NopRetryer{},
	})
}

func serve(t *testing.T, s *logs.Store) string {
	t.Helper()
	h := logs.NewHandler(s, logs.WithAuthenticator(ecsapi.NewAuthenticator(map[string]string{testKey: testSecret}, "us-east-1", nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestHandlerWithTheSDK(t *testing.T) {
	ctx := context.Background()
	s := logs.NewMemory()
	cl := sdkClient(t, serve(t, s), testKey, testSecret)

	_, err := cl.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/ecs/web")})
	require.NoError(t, err)
	_, err = cl.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/ecs/web")})
	var exists *types.ResourceAlreadyExistsException
	require.ErrorAs(t, err, &exists)
	_, err = cl.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("/ecs/web"), LogStreamName: aws.String("web/app/1")})
	require.NoError(t, err)
	_, err = cl.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("/ecs/none"), LogStreamName: aws.String("x")})
	var notFound *types.ResourceNotFoundException
	require.ErrorAs(t, err, &notFound)
	require.Equal(t, "The specified log group does not exist.", aws.ToString(notFound.Message))

	now := time.Now().UnixMilli()
	var evs []types.InputLogEvent
	for i := range 25 {
		evs = append(evs, types.InputLogEvent{Timestamp: aws.Int64(now + int64(i)), Message: aws.String("line " + string(rune('a'+i)))})
	}
	put, err := cl.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("/ecs/web"), LogStreamName: aws.String("web/app/1"), LogEvents: evs})
	require.NoError(t, err)
	require.Nil(t, put.RejectedLogEventsInfo)
	_, err = cl.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("/ecs/web"), LogStreamName: aws.String("web/app/1"),
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: aws.String("b")}, {Timestamp: aws.Int64(now - 1), Message: aws.String("a")}}})
	var bad *types.InvalidParameterException
	require.ErrorAs(t, err, &bad)

	// The SDK's paginator stops when the forward token comes back unchanged.
	pg := cloudwatchlogs.NewGetLogEventsPaginator(cl, &cloudwatchlogs.GetLogEventsInput{
		LogGroupName: aws.String("/ecs/web"), LogStreamName: aws.String("web/app/1"), StartFromHead: aws.Bool(true), Limit: aws.Int32(10),
	}, func(o *cloudwatchlogs.GetLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
	var got []string
	pages := 0
	for pg.HasMorePages() && pages < 20 {
		out, err := pg.NextPage(ctx)
		require.NoError(t, err)
		pages++
		for _, e := range out.Events {
			got = append(got, aws.ToString(e.Message))
			require.Equal(t, now+int64(len(got)-1), aws.ToInt64(e.Timestamp))
			require.NotZero(t, aws.ToInt64(e.IngestionTime))
		}
	}
	require.Len(t, got, 25)
	require.Equal(t, "line a", got[0])
	require.Equal(t, 4, pages, "three pages of events and one that returns the same token")

	fp := cloudwatchlogs.NewFilterLogEventsPaginator(cl, &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String("/ecs/web"), FilterPattern: aws.String("line"), Limit: aws.Int32(7), StartTime: aws.Int64(now + 5),
	})
	var filtered []types.FilteredLogEvent
	for fp.HasMorePages() {
		out, err := fp.NextPage(ctx)
		require.NoError(t, err)
		filtered = append(filtered, out.Events...)
	}
	require.Len(t, filtered, 20)
	require.Equal(t, "web/app/1", aws.ToString(filtered[0].LogStreamName))
	require.NotEmpty(t, aws.ToString(filtered[0].EventId))

	groups, err := cl.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	require.NoError(t, err)
	require.Len(t, groups.LogGroups, 1)
	require.Equal(t, "arn:aws:logs:us-east-1:000000000000:log-group:/ecs/web:*", aws.ToString(groups.LogGroups[0].Arn))
	streams, err := cl.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/web"), OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true)})
	require.NoError(t, err)
	require.Equal(t, now+24, aws.ToInt64(streams.LogStreams[0].LastEventTimestamp))

	_, err = cl.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("/ecs/web"), RetentionInDays: aws.Int32(7)})
	require.NoError(t, err)
	_, err = cl.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("/ecs/web")})
	require.NoError(t, err)
	_, err = cl.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("/ecs/web")})
	require.ErrorAs(t, err, &notFound)
}

func TestHandlerAuthentication(t *testing.T) {
	ctx := context.Background()
	url := serve(t, logs.NewMemory())
	_, err := sdkClient(t, url, testKey, "wrong").DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "%v", err)
	require.Equal(t, "InvalidSignatureException", ae.ErrorCode())
	_, err = sdkClient(t, url, "AKIDUNKNOWN", testSecret).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	require.True(t, errors.As(err, &ae))
	require.Equal(t, "UnrecognizedClientException", ae.ErrorCode())

	// A request signed for another service is refused.
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "Logs_20140328.DescribeLogGroups")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "MissingAuthenticationTokenException", resp.Header.Get("X-Amzn-ErrorType"))
}

func TestHandlerProtocol(t *testing.T) {
	h := logs.NewHandler(logs.NewMemory())
	call := func(target, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", target)
		rec := httptest.NewRecorder()
		require.Equal(t, strings.HasPrefix(target, "Logs_20140328."), h.Matches(req))
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := call("Logs_20140328.CreateLogGroup", `{"logGroupName":"g"}`)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "{}", rec.Body.String())
	rec = call("Logs_20140328.GetLogEvents", `{"logGroupName":"g","logStreamName":"s"}`)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.JSONEq(t, `{"__type":"ResourceNotFoundException","message":"The specified log stream does not exist."}`, rec.Body.String())
	rec = call("Logs_20140328.StartQuery", `{}`)
	require.Equal(t, "UnknownOperationException", rec.Header().Get("X-Amzn-ErrorType"))
	rec = call("Logs_20140328.CreateLogGroup", `[1]`)
	require.Equal(t, "SerializationException", rec.Header().Get("X-Amzn-ErrorType"))
	rec = call("AmazonSSM.GetParameter", `{}`)
	require.Equal(t, "UnknownOperationException", rec.Header().Get("X-Amzn-ErrorType"))
}

// TestClientSink ships through the HTTP Client, as a remote agent does.
func TestClientSink(t *testing.T) {
	ctx := context.Background()
	s := logs.NewMemory()
	var sink logs.Sink = logs.NewClient(serve(t, s), "us-east-1", testKey, testSecret, nil)
	err := sink.EnsureStream(ctx, "/ecs/none", "x", false)
	require.True(t, errors.Is(err, logs.ErrResourceNotFound), "%v", err)
	require.False(t, s.GroupExists("/ecs/none"))
	require.NoError(t, sink.EnsureStream(ctx, "/ecs/web", "web/app/1", true))
	require.NoError(t, sink.EnsureStream(ctx, "/ecs/web", "web/app/1", true), "again: already there")
	now := time.Now().UnixMilli()
	require.NoError(t, sink.PutEvents(ctx, "/ecs/web", "web/app/1", []logs.InputLogEvent{{Timestamp: now, Message: "one"}, {Timestamp: now, Message: "two"}}))
	evs, err := s.Events("/ecs/web", "web/app/1")
	require.NoError(t, err)
	require.Equal(t, []string{"one", "two"}, messages(evs))
	err = logs.NewClient(serve(t, s), "us-east-1", testKey, "bad", nil).PutEvents(ctx, "/ecs/web", "web/app/1", []logs.InputLogEvent{{Timestamp: now, Message: "x"}})
	var e *logs.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "InvalidSignatureException", e.Code)
}
