package main

import (
	"context"
	"testing"
	"time"

	"github.com/emberhq/ember/api"
	"github.com/emberhq/ember/client"
	"github.com/emberhq/ember/otelreg"
)

// TestGoSDKAuth drives an auth-on server with the Go SDK: typed user and
// API-key calls with the admin secret, then otelreg exporting with a
// system key over HTTP and gRPC (and failing without one).
func TestGoSDKAuth(t *testing.T) {
	p := startEmber(t, authEnv(engines(t)[0].env(t)))
	ctx := context.Background()
	noEnv := client.WithEnviron(func(string) string { return "" })
	admin, err := client.New(client.WithBaseURL(p.httpURL), client.WithAPIKey(testAdminSecret), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	me, err := admin.Users.Me(ctx)
	if err != nil || me.Username != "system" || me.Role != "SYSTEM" {
		t.Fatalf("Me: %+v %v", me, err)
	}
	u, err := admin.Users.Create(ctx, api.CreateUserRequest{User: api.NewUser{Email: "sdk@example.com", Username: "sdk", Role: "VIEWER", Password: "pw-sdk"}})
	if err != nil || u.Role != "VIEWER" || u.PasswordNeedsReset == nil || !*u.PasswordNeedsReset {
		t.Fatalf("Create: %+v %v", u, err)
	}
	if _, err := admin.Users.Create(ctx, api.CreateUserRequest{User: api.NewUser{Email: "sdk@example.com", Username: "sdk2", Role: "VIEWER"}}); !client.IsConflict(err) {
		t.Errorf("duplicate email: %v", err)
	}
	n := 0
	for _, err := range admin.Users.All(ctx, client.UserFilter{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 { // system, admin, sdk
		t.Errorf("All: %d users", n)
	}
	expires := api.Time{Time: time.Now().Add(time.Hour)}
	key, err := admin.APIKeys.CreateSystem(ctx, api.NewAPIKey{Name: "sdk", ExpiresAt: &expires})
	if err != nil || key.Key == "" || key.ExpiresAt == nil {
		t.Fatalf("CreateSystem: %+v %v", key, err)
	}
	if keys, err := admin.APIKeys.ListSystem(ctx); err != nil || len(keys) != 1 || keys[0].Key != "" {
		t.Fatalf("ListSystem: %+v %v", keys, err)
	}
	withKey, _ := client.New(client.WithBaseURL(p.httpURL), client.WithAPIKey(key.Key), noEnv)
	if _, err := withKey.APIKeys.CreateMine(ctx, api.NewAPIKey{Name: "x"}); client.StatusCode(err) != 403 {
		t.Errorf("a key minting a key: %v", err)
	}

	// otelreg sends the key on both transports; without it the export
	// is refused.
	for _, tc := range []struct {
		name, endpoint string
		protocol       otelreg.Protocol
	}{
		{"http", p.httpURL, otelreg.HTTPProtobuf},
		{"grpc", "http://" + p.grpcAddr, otelreg.GRPC},
	} {
		project := "sdk-auth-" + tc.name
		env := map[string]string{"PHOENIX_API_KEY": key.Key}
		tp, err := otelreg.Register(ctx, otelreg.WithEndpoint(tc.endpoint), otelreg.WithProtocol(tc.protocol),
			otelreg.WithProjectName(project), otelreg.WithLookupEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }))
		if err != nil {
			t.Fatal(err)
		}
		_, span := tp.Tracer("sdk").Start(ctx, "call")
		span.End()
		if err := tp.ForceFlush(ctx); err != nil {
			t.Errorf("%s: export with the key: %v", tc.name, err)
		}
		tp.Shutdown(ctx)
		deadline := time.Now().Add(10 * time.Second)
		for {
			spans, _, err := withKey.Spans.List(ctx, project, client.SpanFilter{})
			if err == nil && len(spans) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: span not stored: %v %v", tc.name, spans, err)
			}
			time.Sleep(50 * time.Millisecond)
		}

		tp, err = otelreg.Register(ctx, otelreg.WithEndpoint(tc.endpoint), otelreg.WithProtocol(tc.protocol),
			otelreg.WithProjectName(project+"-anon"), otelreg.WithLookupEnv(func(string) (string, bool) { return "", false }))
		if err != nil {
			t.Fatal(err)
		}
		_, span = tp.Tracer("sdk").Start(ctx, "call")
		span.End()
		if err := tp.ForceFlush(ctx); err == nil {
			t.Errorf("%s: export without a key succeeded", tc.name)
		}
		tp.Shutdown(ctx)
	}
}
