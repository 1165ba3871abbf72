// Package logs is a bounded CloudWatch Logs store and the CloudWatch Logs
// API (JSON 1.1, X-Amz-Target "Logs_20140328.<Action>", SigV4 service
// "logs") that the aws CLI and the AWS SDKs read it with.
//
// A Store holds log groups, their streams and the streams' events
// ({timestamp, message, ingestionTime}, times in milliseconds since the
// epoch). It is bounded: each stream keeps at most MaxStreamBytes (an event
// counts len(message)+26 bytes, as CloudWatch counts it), and events older
// than the retention (the store's, or the group's retentionInDays, the
// shorter one) are dropped; the oldest events go first, and a writer is
// never made to wait for room. The store lives in memory by default; with
// OpenBolt every accepted batch is also written to a bbolt file, and the
// file is read back when the store is opened again.
//
// The Store's methods are the API's actions with the API's shapes
// (CreateLogGroup, PutLogEvents, GetLogEvents, FilterLogEvents, …), so a
// host program reads a task's logs with the same calls the CLI makes;
// errors are *Error values with CloudWatch's codes
// (ResourceNotFoundException, ResourceAlreadyExistsException,
// InvalidParameterException). NewHandler serves a Store over HTTP.
//
// GetLogEvents pages like CloudWatch: tokens are "f/<digits>" (forward)
// and "b/<digits>" (backward), and when no newer events exist the
// forward token returned is the one passed in, which is how SDK paginators
// know to stop. FilterLogEvents interleaves the group's streams by
// timestamp and takes filterPattern as plain terms ("ERROR", "\"exact
// phrase\"", "?either ?or", "-excluded"); JSON and space-delimited
// patterns are refused with InvalidParameterException. `aws logs tail`
// (CLI v2, with or without --follow) calls FilterLogEvents only;
// StartLiveTail is not served.
package logs
