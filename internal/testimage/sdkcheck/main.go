// Command sdkcheck is the program of ecskit's SDK test image: it does
// what an application on ECS does with what ECS puts around it, and
// reports what it found.
//
//  1. GET ${ECS_CONTAINER_METADATA_URI_V4}/task: its task's ARN, family,
//     revision and container names;
//  2. GET the same path with a made-up endpoint ID, which must not answer;
//  3. load aws-sdk-go-v2's default configuration (no keys passed in: the
//     default credential chain finds the container credentials) and
//     retrieve the credentials;
//  4. with -endpoint, sign an ECS ListClusters request to that URL with
//     them.
//
// It writes the report as JSON to -report (default stdout) and exits 0
// when every step succeeded, 1 otherwise. The instance metadata service is
// disabled in code, and AWS_EC2_METADATA_DISABLED=true is expected too:
// nothing but the task's own endpoint and -endpoint is ever contacted.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// Report is what sdkcheck found.
type Report struct {
	TaskARN    string   `json:"taskArn"`
	Family     string   `json:"family"`
	Revision   string   `json:"revision"`
	Containers []string `json:"containers"`
	// OtherIDStatus is the HTTP status of a made-up endpoint ID.
	OtherIDStatus int `json:"otherIdStatus"`
	// AccessKeyID and CredentialsSource are what the default chain found.
	AccessKeyID       string   `json:"accessKeyId"`
	CredentialsSource string   `json:"credentialsSource"`
	Clusters          []string `json:"clusters,omitempty"`
	Errors            []string `json:"errors,omitempty"`
}

func main() {
	endpoint := flag.String("endpoint", "", "ECS API URL to send a signed ListClusters to")
	report := flag.String("report", "", "file to write the report to (default stdout)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := check(ctx, *endpoint)
	b, _ := json.MarshalIndent(r, "", "  ")
	if *report != "" {
		if err := os.WriteFile(*report, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "sdkcheck:", err)
			os.Exit(2)
		}
	} else {
		os.Stdout.Write(append(b, '\n'))
	}
	if len(r.Errors) > 0 {
		fmt.Fprintln(os.Stderr, "sdkcheck:", strings.Join(r.Errors, "; "))
		os.Exit(1)
	}
}

func check(ctx context.Context, endpoint string) Report {
	var r Report
	fail := func(format string, args ...any) { r.Errors = append(r.Errors, fmt.Sprintf(format, args...)) }
	hc := &http.Client{Timeout: 10 * time.Second}

	v4 := os.Getenv("ECS_CONTAINER_METADATA_URI_V4")
	if v4 == "" {
		fail("ECS_CONTAINER_METADATA_URI_V4 is not set")
	} else {
		var task struct {
			TaskARN, Family, Revision string
			Containers                []struct{ Name string }
		}
		if code, err := getJSON(ctx, hc, v4+"/task", &task); err != nil || code != http.StatusOK {
			fail("GET task metadata: %d %v", code, err)
		}
		r.TaskARN, r.Family, r.Revision = task.TaskARN, task.Family, task.Revision
		for _, c := range task.Containers {
			r.Containers = append(r.Containers, c.Name)
		}
		base := v4[:strings.LastIndex(v4, "/")]
		r.OtherIDStatus, _ = getJSON(ctx, hc, base+"/00000000000000000000000000000000/task", nil)
	}

	cfg, err := config.LoadDefaultConfig(ctx, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	if err != nil {
		fail("load the default AWS configuration: %v", err)
		return r
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		fail("retrieve credentials: %v", err)
		return r
	}
	r.AccessKeyID, r.CredentialsSource = creds.AccessKeyID, creds.Source
	if endpoint != "" {
		client := ecs.NewFromConfig(cfg, func(o *ecs.Options) { o.BaseEndpoint = aws.String(endpoint) })
		out, err := client.ListClusters(ctx, &ecs.ListClustersInput{})
		if err != nil {
			fail("ListClusters: %v", err)
		} else {
			r.Clusters = out.ClusterArns
		}
	}
	return r
}

// getJSON GETs url and decodes a 200 answer into v.
func getJSON(ctx context.Context, hc *http.Client, url string, v any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || v == nil {
		return resp.StatusCode, err
	}
	return resp.StatusCode, json.Unmarshal(b, v)
}
