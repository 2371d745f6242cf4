package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/emberhq/ember"
)

// RunUsers runs the conformance tests of users and credentials.
func RunUsers(t *testing.T, open Opener) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("Credentials", func(t *testing.T) { testCredentials(t, open) })
}

func testUsers(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	a := &ember.User{Username: "ada", Email: " Ada@Example.com ", Role: ember.RoleAdmin, PasswordHash: "h", ResetPassword: true}
	if err := db.CreateUser(ctx, a); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.Email != "ada@example.com" || a.AuthMethod != ember.AuthMethodLocal {
		t.Fatalf("created %+v", a)
	}
	got, err := db.FindUserByEmail(ctx, "ADA@example.COM")
	if err != nil || got.ID != a.ID || got.Role != ember.RoleAdmin || !got.ResetPassword || got.PasswordHash != "h" {
		t.Fatalf("by email: %+v %v", got, err)
	}
	if _, err := db.FindUserByUsername(ctx, "nobody"); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("missing user: %v", err)
	}
	for _, dup := range []*ember.User{
		{Username: "ada", Email: "other@example.com", Role: ember.RoleMember},
		{Username: "other", Email: "ADA@example.com", Role: ember.RoleMember},
	} {
		if err := db.CreateUser(ctx, dup); ember.ErrorCode(err) != ember.ECONFLICT {
			t.Errorf("duplicate %+v: %v", dup, err)
		}
	}
	sys := &ember.User{Username: "system", Email: "system@localhost", Role: ember.RoleSystem}
	if err := db.CreateUser(ctx, sys); err != nil {
		t.Fatal(err)
	}
	if u, _ := db.FindUserByID(ctx, sys.ID); u.PasswordHash != "" || u.ResetPassword {
		t.Errorf("system user %+v", u)
	}
	if err := db.SetPassword(ctx, a.ID, "h2", false); err != nil {
		t.Fatal(err)
	}
	if u, _ := db.FindUserByID(ctx, a.ID); u.PasswordHash != "h2" || u.ResetPassword {
		t.Errorf("after SetPassword %+v", u)
	}
	users, err := db.FindUsers(ctx, ember.UserFilter{Limit: 1})
	if err != nil || len(users) != 1 || users[0].ID != sys.ID {
		t.Fatalf("newest first: %v %v", users, err)
	}
	users, _ = db.FindUsers(ctx, ember.UserFilter{Cursor: a.ID})
	if len(users) != 1 || users[0].ID != a.ID {
		t.Fatalf("cursor: %v", users)
	}
}

func testCredentials(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	u := &ember.User{Username: "u", Email: "u@x.io", Role: ember.RoleMember}
	sys := &ember.User{Username: "system", Email: "system@localhost", Role: ember.RoleSystem}
	for _, x := range []*ember.User{u, sys} {
		if err := db.CreateUser(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	desc := "d"
	k1 := &ember.APIKey{UserID: u.ID, Name: "k1", Description: &desc, ExpiresAt: &exp}
	k2 := &ember.APIKey{UserID: sys.ID, Name: "k2"}
	for _, k := range []*ember.APIKey{k1, k2} {
		if err := db.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := db.FindAPIKeys(ctx, ember.APIKeyFilter{UserID: u.ID})
	if err != nil || len(keys) != 1 || keys[0].Name != "k1" || *keys[0].Description != "d" || !keys[0].ExpiresAt.Equal(exp) || keys[0].User.Username != "u" {
		t.Fatalf("keys of u: %+v %v", keys, err)
	}
	if keys, _ := db.FindAPIKeys(ctx, ember.APIKeyFilter{Role: ember.RoleSystem}); len(keys) != 1 || keys[0].ID != k2.ID || keys[0].ExpiresAt != nil {
		t.Fatalf("system keys: %+v", keys)
	}
	if keys, _ := db.FindAPIKeys(ctx, ember.APIKeyFilter{ExcludeRole: ember.RoleSystem}); len(keys) != 1 || keys[0].ID != k1.ID {
		t.Fatalf("non-system keys: %+v", keys)
	}
	c, err := db.FindCredential(ctx, ember.TokenAPIKey, k1.ID)
	if err != nil || c.User.ID != u.ID || !c.ExpiresAt.Equal(exp) || c.Expired(exp.Add(-time.Second)) || !c.Expired(exp) {
		t.Fatalf("credential %+v %v", c, err)
	}

	refresh, access, err := db.CreateTokenPair(ctx, u.ID, exp, exp.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := db.FindCredential(ctx, ember.TokenAccess, access); err != nil || c.User.ID != u.ID || !c.ExpiresAt.Equal(exp.Add(-time.Hour)) {
		t.Fatalf("access token %+v %v", c, err)
	}
	// Revoking the refresh token revokes its access token.
	if err := db.DeleteCredential(ctx, ember.TokenRefresh, refresh); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindCredential(ctx, ember.TokenAccess, access); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("access token outlived its refresh token: %v", err)
	}
	if err := db.DeleteCredential(ctx, ember.TokenRefresh, refresh); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("deleting twice: %v", err)
	}
	// DeleteUserTokens ends sessions, not API keys.
	r2, a2, _ := db.CreateTokenPair(ctx, u.ID, exp, exp)
	if err := db.DeleteUserTokens(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for kind, id := range map[ember.TokenKind]int64{ember.TokenRefresh: r2, ember.TokenAccess: a2} {
		if _, err := db.FindCredential(ctx, kind, id); ember.ErrorCode(err) != ember.ENOTFOUND {
			t.Errorf("%s survived DeleteUserTokens: %v", kind, err)
		}
	}
	// One reset token per user.
	p1, _ := db.CreatePasswordResetToken(ctx, u.ID, exp)
	p2, err := db.CreatePasswordResetToken(ctx, u.ID, exp)
	if err != nil || p1 == p2 {
		t.Fatalf("reset tokens %d %d %v", p1, p2, err)
	}
	if _, err := db.FindCredential(ctx, ember.TokenPasswordReset, p1); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("the first reset token survived: %v", err)
	}
	// Deleting the user deletes everything it owns.
	_, a3, _ := db.CreateTokenPair(ctx, u.ID, exp, exp)
	if err := db.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for kind, id := range map[ember.TokenKind]int64{ember.TokenAPIKey: k1.ID, ember.TokenAccess: a3, ember.TokenPasswordReset: p2} {
		if _, err := db.FindCredential(ctx, kind, id); ember.ErrorCode(err) != ember.ENOTFOUND {
			t.Errorf("%s survived its user: %v", kind, err)
		}
	}
	if _, err := db.FindCredential(ctx, ember.TokenAPIKey, k2.ID); err != nil {
		t.Errorf("another user's key is gone: %v", err)
	}
	if err := db.DeleteUser(ctx, u.ID); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("deleting twice: %v", err)
	}
}
