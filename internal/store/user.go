package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emberhq/ember"
)

// Ensure DB implements the user service.
var _ ember.UserService = (*DB)(nil)

const userColumns = `u.id, u.username, u.email, u.role, u.auth_method, u.password_hash, u.reset_password, u.created_at, u.updated_at`

func scanUser(row rowScanner, extra ...any) (*ember.User, error) {
	var u ember.User
	var hash sql.NullString
	var created, updated int64
	var role string
	dest := append([]any{&u.ID, &u.Username, &u.Email, &role, &u.AuthMethod, &hash, &u.ResetPassword, &created, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	u.Role = ember.Role(role)
	u.PasswordHash = hash.String
	u.CreatedAt, u.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &u, nil
}

func (db *DB) findUser(ctx context.Context, where string, arg any) (*ember.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "User not found")
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// FindUserByID returns ENOTFOUND if there is no such user.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*ember.User, error) {
	return db.findUser(ctx, `u.id = $1`, id)
}

// FindUserByEmail matches the email case-insensitively (emails are stored
// lower-cased).
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*ember.User, error) {
	return db.findUser(ctx, `u.email = $1`, strings.ToLower(strings.TrimSpace(email)))
}

// FindUserByUsername returns ENOTFOUND if there is no such user.
func (db *DB) FindUserByUsername(ctx context.Context, username string) (*ember.User, error) {
	return db.findUser(ctx, `u.username = $1`, username)
}

// FindUsers returns users newest first.
func (db *DB) FindUsers(ctx context.Context, filter ember.UserFilter) ([]*ember.User, error) {
	q := `SELECT ` + userColumns + ` FROM users u WHERE 1 = 1`
	var args []any
	if filter.Cursor > 0 {
		args = append(args, filter.Cursor)
		q += fmt.Sprintf(` AND u.id <= $%d`, len(args))
	}
	q += ` ORDER BY u.id DESC`
	if filter.Limit > 0 {
		args = append(args, filter.Limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	return queryAll(ctx, db.read, "find users", q, args, func(r rowScanner) (*ember.User, error) { return scanUser(r) })
}

// CreateUser stores u. See ember.UserService.
func (db *DB) CreateUser(ctx context.Context, u *ember.User) error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.AuthMethod == "" {
		u.AuthMethod = ember.AuthMethodLocal
	}
	if !u.Role.Valid() {
		return ember.Errorf(ember.EINVALID, "Role '%s' not found", u.Role)
	}
	now := db.Now()
	var hash any
	if u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE username = $1`, u.Username).Scan(&n); err != nil {
			return err
		} else if n > 0 {
			return ember.Errorf(ember.ECONFLICT, "Username already exists")
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE email = $1`, u.Email).Scan(&n); err != nil {
			return err
		} else if n > 0 {
			return ember.Errorf(ember.ECONFLICT, "Email already exists")
		}
		return tx.QueryRowContext(ctx, `INSERT INTO users (username, email, role, auth_method, password_hash, reset_password, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			u.Username, u.Email, string(u.Role), u.AuthMethod, hash, u.ResetPassword, nanos(now)).Scan(&u.ID)
	})
	if ember.ErrorCode(err) == ember.ECONFLICT {
		return err
	} else if err != nil {
		if isUniqueViolation(err) {
			return ember.Errorf(ember.ECONFLICT, "Failed to create user due to a conflict with existing data")
		}
		return fmt.Errorf("create user: %w", err)
	}
	u.CreatedAt, u.UpdatedAt = now.UTC(), now.UTC()
	return nil
}

// isUniqueViolation recognises a unique-constraint error of either engine
// without importing their drivers.
func isUniqueViolation(err error) bool {
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// DeleteUser deletes a user; foreign keys cascade to its tokens and keys.
func (db *DB) DeleteUser(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "users", id, "User not found")
}

func (db *DB) deleteRow(ctx context.Context, table string, id int64, notFound string) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete from %s: %w", table, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ember.Errorf(ember.ENOTFOUND, "%s", notFound)
	}
	return nil
}

// SetPassword replaces a user's password hash and reset flag.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string, reset bool) error {
	res, err := db.write.ExecContext(ctx, `UPDATE users SET password_hash = $1, reset_password = $2, updated_at = $3 WHERE id = $4`,
		hash, reset, nanos(db.Now()), userID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ember.Errorf(ember.ENOTFOUND, "User not found")
	}
	return nil
}

func nullableNanos(t *time.Time) any {
	if t == nil {
		return nil
	}
	return nanos(*t)
}

func timeOf(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromNanos(n.Int64)
	return &t
}

// CreateAPIKey stores k. See ember.UserService.
func (db *DB) CreateAPIKey(ctx context.Context, k *ember.APIKey) error {
	now := db.Now()
	err := db.write.QueryRowContext(ctx, `INSERT INTO api_keys (user_id, name, description, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		k.UserID, k.Name, k.Description, nanos(now), nullableNanos(k.ExpiresAt)).Scan(&k.ID)
	if err != nil {
		return fmt.Errorf("create API key: %w", err)
	}
	k.CreatedAt = fromNanos(nanos(now))
	return nil
}

// FindAPIKeys returns keys newest first, with their owners.
func (db *DB) FindAPIKeys(ctx context.Context, filter ember.APIKeyFilter) ([]*ember.APIKey, error) {
	q := `SELECT k.id, k.user_id, k.name, k.description, k.created_at, k.expires_at, ` + userColumns + `
		FROM api_keys k JOIN users u ON u.id = k.user_id WHERE 1 = 1`
	var args []any
	if filter.UserID > 0 {
		args = append(args, filter.UserID)
		q += fmt.Sprintf(` AND k.user_id = $%d`, len(args))
	}
	if filter.Role != "" {
		args = append(args, string(filter.Role))
		q += fmt.Sprintf(` AND u.role = $%d`, len(args))
	}
	if filter.ExcludeRole != "" {
		args = append(args, string(filter.ExcludeRole))
		q += fmt.Sprintf(` AND u.role <> $%d`, len(args))
	}
	if filter.Cursor > 0 {
		args = append(args, filter.Cursor)
		q += fmt.Sprintf(` AND k.id <= $%d`, len(args))
	}
	q += ` ORDER BY k.id DESC`
	if filter.Limit > 0 {
		args = append(args, filter.Limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	return queryAll(ctx, db.read, "find API keys", q, args, func(r rowScanner) (*ember.APIKey, error) {
		var k ember.APIKey
		var desc sql.NullString
		var created int64
		var expires sql.NullInt64
		var u ember.User
		var hash sql.NullString
		var uc, uu int64
		var role string
		if err := r.Scan(&k.ID, &k.UserID, &k.Name, &desc, &created, &expires,
			&u.ID, &u.Username, &u.Email, &role, &u.AuthMethod, &hash, &u.ResetPassword, &uc, &uu); err != nil {
			return nil, err
		}
		if desc.Valid {
			k.Description = &desc.String
		}
		k.CreatedAt, k.ExpiresAt = fromNanos(created), timeOf(expires)
		u.Role, u.PasswordHash = ember.Role(role), hash.String
		u.CreatedAt, u.UpdatedAt = fromNanos(uc), fromNanos(uu)
		k.User = &u
		return &k, nil
	})
}

// CreateTokenPair stores a refresh token and its access token.
func (db *DB) CreateTokenPair(ctx context.Context, userID int64, refreshExpires, accessExpires time.Time) (refreshID, accessID int64, err error) {
	now := nanos(db.Now())
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO refresh_tokens (user_id, created_at, expires_at) VALUES ($1, $2, $3) RETURNING id`,
			userID, now, nanos(refreshExpires)).Scan(&refreshID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO access_tokens (user_id, refresh_token_id, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			userID, refreshID, now, nanos(accessExpires)).Scan(&accessID)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("create token pair: %w", err)
	}
	return refreshID, accessID, nil
}

// CreatePasswordResetToken replaces the user's reset token.
func (db *DB) CreatePasswordResetToken(ctx context.Context, userID int64, expires time.Time) (int64, error) {
	var id int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM password_reset_tokens WHERE user_id = $1`, userID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO password_reset_tokens (user_id, created_at, expires_at) VALUES ($1, $2, $3) RETURNING id`,
			userID, nanos(db.Now()), nanos(expires)).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("create password reset token: %w", err)
	}
	return id, nil
}

// tokenTables maps each token kind to its table.
var tokenTables = map[ember.TokenKind]string{
	ember.TokenAPIKey:        "api_keys",
	ember.TokenAccess:        "access_tokens",
	ember.TokenRefresh:       "refresh_tokens",
	ember.TokenPasswordReset: "password_reset_tokens",
}

// FindCredential returns a token row with its owner.
func (db *DB) FindCredential(ctx context.Context, kind ember.TokenKind, id int64) (*ember.Credential, error) {
	table, ok := tokenTables[kind]
	if !ok {
		return nil, ember.Errorf(ember.ENOTFOUND, "Unknown token kind")
	}
	var expires sql.NullInt64
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+`, t.expires_at FROM `+table+` t JOIN users u ON u.id = t.user_id WHERE t.id = $1`, id), &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Token not found")
	} else if err != nil {
		return nil, fmt.Errorf("find %s: %w", table, err)
	}
	return &ember.Credential{Kind: kind, ID: id, ExpiresAt: timeOf(expires), User: u}, nil
}

// DeleteCredential revokes a token row.
func (db *DB) DeleteCredential(ctx context.Context, kind ember.TokenKind, id int64) error {
	table, ok := tokenTables[kind]
	if !ok {
		return ember.Errorf(ember.ENOTFOUND, "Unknown token kind")
	}
	return db.deleteRow(ctx, table, id, "Token not found")
}

// DeleteUserTokens revokes every access and refresh token of a user.
func (db *DB) DeleteUserTokens(ctx context.Context, userID int64) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM access_tokens WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE user_id = $1`, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete user tokens: %w", err)
	}
	return nil
}
