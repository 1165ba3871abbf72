package ecsapi

import (
	"context"
	"errors"
	"testing"
)

type echoInput struct {
	Name string `json:"name"`
}

type echoOutput struct {
	Greeting string `json:"greeting"`
}

type echoer struct{}

func (echoer) Echo(_ context.Context, in *echoInput) (*echoOutput, error) {
	if in.Name == "" {
		return nil, errors.New("no name")
	}
	return &echoOutput{Greeting: "hello " + in.Name}, nil
}

func (echoer) Empty(context.Context, *echoInput) (*echoOutput, error) { return nil, nil }

func (echoer) WrongShape(in *echoInput) error { return nil }

// TestMethodOp checks the adapter that serves pending actions by name.
func TestMethodOp(t *testing.T) {
	o, ok := methodOp(echoer{}, "Echo")
	if !ok {
		t.Fatal("Echo not adapted")
	}
	out, err := o(context.Background(), []byte(`{"name":"ecs"}`))
	if err != nil || out.(*echoOutput).Greeting != "hello ecs" {
		t.Fatalf("Echo = %v, %v", out, err)
	}
	if _, err := o(context.Background(), []byte(`{}`)); err == nil || err.Error() != "no name" {
		t.Fatalf("Echo error = %v", err)
	}
	if _, err := o(context.Background(), []byte(`{"name":1}`)); err == nil {
		t.Fatal("a wrongly typed body was accepted")
	}
	empty, _ := methodOp(echoer{}, "Empty")
	if out, err := empty(context.Background(), nil); err != nil || out != (struct{}{}) {
		t.Fatalf("Empty = %#v, %v", out, err)
	}
	for _, name := range []string{"WrongShape", "Missing"} {
		if _, ok := methodOp(echoer{}, name); ok {
			t.Fatalf("%s adapted", name)
		}
	}
}
