package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/emberhq/ember"
)

// Admin is a user PHOENIX_ADMINS asks for.
type Admin struct {
	Username string
	Email    string
}

// Seed creates, when missing, the system user (who cannot log in), the
// admin user with adminPassword (to be changed at first login) and the
// admins listed (with random passwords, to be reset). Existing users are
// left alone, so restarting never changes a password.
func Seed(ctx context.Context, users ember.UserService, hasher Hasher, adminPassword string, admins []Admin) error {
	type want struct {
		username, email string
		role            ember.Role
		password        string
	}
	wants := []want{
		{ember.SystemUsername, ember.SystemEmail, ember.RoleSystem, ""},
		{ember.AdminUsername, ember.AdminEmail, ember.RoleAdmin, adminPassword},
	}
	for _, a := range admins {
		wants = append(wants, want{a.Username, a.Email, ember.RoleAdmin, RandomPassword()})
	}
	for _, w := range wants {
		if _, err := users.FindUserByUsername(ctx, w.username); err == nil {
			continue
		} else if ember.ErrorCode(err) != ember.ENOTFOUND {
			return err
		}
		if _, err := users.FindUserByEmail(ctx, w.email); err == nil {
			continue
		} else if ember.ErrorCode(err) != ember.ENOTFOUND {
			return err
		}
		u := &ember.User{Username: w.username, Email: w.email, Role: w.role, AuthMethod: ember.AuthMethodLocal}
		if w.password != "" {
			h, err := hasher.Hash(w.password)
			if err != nil {
				return err
			}
			u.PasswordHash, u.ResetPassword = h, true
		}
		if err := users.CreateUser(ctx, u); err != nil && ember.ErrorCode(err) != ember.ECONFLICT {
			return fmt.Errorf("seed user %s: %w", w.username, err)
		}
	}
	return nil
}

// IssueAPIKey stores an API key for a user and returns it with the key,
// which is shown this once.
func (s *Service) IssueAPIKey(ctx context.Context, userID int64, name string, description *string, expires *time.Time) (*ember.APIKey, string, error) {
	return IssueAPIKey(ctx, s.opts.Users, s.secret, userID, name, description, expires)
}

// IssueAPIKey is Service.IssueAPIKey for tools without a Service (the CLI):
// secret is PHOENIX_SECRET.
func IssueAPIKey(ctx context.Context, users ember.UserService, secret []byte, userID int64, name string, description *string, expires *time.Time) (*ember.APIKey, string, error) {
	if len(secret) == 0 {
		return nil, "", ember.Errorf(ember.EINVALID, "PHOENIX_SECRET must be set to sign API keys")
	}
	k := &ember.APIKey{UserID: userID, Name: name, Description: description, ExpiresAt: expires}
	if err := users.CreateAPIKey(ctx, k); err != nil {
		return nil, "", err
	}
	return k, signJWT(secret, jtiOf(ember.TokenAPIKey, k.ID)), nil
}
