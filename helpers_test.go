package ecs

// ptr returns a pointer to v, for the optional fields of requests.
func ptr[T any](v T) *T { return &v }
