package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/emberhq/ember/internal/auth"
	"github.com/emberhq/ember/internal/config"
	"github.com/emberhq/ember/internal/store"
)

// newAuthService builds the authentication service from the settings and,
// with authentication on, seeds the system and admin users (and those of
// PHOENIX_ADMINS) the first time.
func newAuthService(ctx context.Context, cfg config.Config, db *store.DB, logger *slog.Logger) (*auth.Service, error) {
	a := cfg.Auth
	opts := auth.Options{
		Enabled:                  a.Enabled,
		Secret:                   a.Secret,
		AdminSecret:              a.AdminSecret,
		Users:                    db,
		AccessTokenExpiry:        a.AccessTokenExpiry,
		RefreshTokenExpiry:       a.RefreshTokenExpiry,
		PasswordResetTokenExpiry: a.PasswordResetTokenExpiry,
		SecureCookies:            a.UseSecureCookies,
		CookiesPath:              a.CookiesPath,
		RootPath:                 cfg.HostRootPath,
		RootURL:                  cfg.PublicURL(),
		CSRFTrustedOrigins:       a.TrustedOrigins(),
		DisableRateLimit:         a.DisableRateLimit,
		Logger:                   logger,
	}
	if !a.DisableBruteForce {
		opts.MaxLoginAttempts = a.BruteForceMaxAttempts
	}
	if a.SMTP.Hostname != "" {
		opts.Mailer = &auth.SMTPMailer{
			Host: a.SMTP.Hostname, Port: a.SMTP.Port, Username: a.SMTP.Username, Password: a.SMTP.Password,
			From: a.SMTP.MailFrom, ValidateCerts: a.SMTP.ValidateCerts,
		}
	}
	if a.Enabled {
		started := time.Now()
		if err := seedUsers(ctx, cfg, db); err != nil {
			return nil, err
		}
		logger.Debug("auth: users seeded", "duration", time.Since(started).Round(time.Millisecond).String())
	}
	return auth.New(opts), nil
}

// seedUsers creates the system and admin users and PHOENIX_ADMINS when
// they are missing.
func seedUsers(ctx context.Context, cfg config.Config, db *store.DB) error {
	var admins []auth.Admin
	for _, a := range cfg.Auth.AdminList() {
		admins = append(admins, auth.Admin{Username: a.Username, Email: a.Email})
	}
	if err := auth.Seed(ctx, db, auth.Hasher{}, cfg.Auth.DefaultAdminPassword, admins); err != nil {
		return fmt.Errorf("seed users: %w", err)
	}
	return nil
}
