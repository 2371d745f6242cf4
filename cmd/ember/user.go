package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/auth"
	"github.com/emberhq/ember/internal/config"
	"github.com/emberhq/ember/internal/store"
)

// `ember user` and `ember apikey` manage users and API keys in the
// database directly, for bootstrapping a server with authentication on.
// They read the same PHOENIX_* variables as `ember serve`.

const userUsage = `Usage:
  ember user create --username NAME --email EMAIL [--role ADMIN|MEMBER|VIEWER] [--password PASSWORD]
  ember user list
  ember user delete USERNAME|EMAIL
  ember user reset-password USERNAME|EMAIL [--password PASSWORD]

A password that is not given is generated and printed once. Users created or
reset here must choose a new password at their next login. The database is
the one ember serve uses (PHOENIX_SQL_DATABASE_URL, PHOENIX_WORKING_DIR, ...).
`

const apikeyUsage = `Usage:
  ember apikey create --name NAME (--user USERNAME|EMAIL | --system) [--description TEXT] [--expires-in DURATION | --expires-at TIME]
  ember apikey list
  ember apikey revoke ID

create prints the key alone on standard output; it is shown only this once.
Signing needs PHOENIX_SECRET, the same as the server's. --expires-in takes a
Go duration (720h); --expires-at an RFC 3339 time. ID is the key's GlobalID
from list, or its number.
`

// openForCLI loads the settings from the environment, opens the database
// and makes sure the system and admin users exist.
func openForCLI(ctx context.Context, environ []string) (config.Config, *store.DB, error) {
	home, _ := os.UserHomeDir()
	cfg, err := config.Load(environ, nil, home)
	if err != nil {
		return cfg, nil, err
	}
	db, err := openStore(ctx, cfg, newLogger(config.Config{LogLevel: cfg.LogLevel + 4, LogFormat: cfg.LogFormat}, io.Discard))
	if err != nil {
		return cfg, nil, err
	}
	if err := seedUsers(ctx, cfg, db); err != nil {
		db.Close()
		return cfg, nil, err
	}
	return cfg, db, nil
}

// findUser finds a user by username, else by email.
func findUser(ctx context.Context, db *store.DB, who string) (*ember.User, error) {
	u, err := db.FindUserByUsername(ctx, who)
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		u, err = db.FindUserByEmail(ctx, who)
	}
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		return nil, fmt.Errorf("no user has the username or email %q", who)
	}
	return u, err
}

func newFlagSet(name string, stderr io.Writer, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	return fs
}

// parseArgs parses flags that may come before or after the one positional
// argument; it returns the positionals.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runUser(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, userUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("ember user "+sub, stderr, userUsage)
	username := fs.String("username", "", "")
	email := fs.String("email", "", "")
	role := fs.String("role", string(ember.RoleMember), "")
	password := fs.String("password", "", "")
	pos, err := parseArgs(fs, args)
	if err != nil {
		fmt.Fprintf(stderr, "ember user %s: %v\n%s", sub, err, userUsage)
		return errUsage
	}
	need := map[string]int{"create": 0, "list": 0, "delete": 1, "reset-password": 1}
	if n, ok := need[sub]; !ok || len(pos) != n {
		fmt.Fprintf(stderr, "ember user: unknown command or wrong arguments: %s %s\n%s", sub, strings.Join(pos, " "), userUsage)
		return errUsage
	}
	_, db, err := openForCLI(ctx, environ)
	if err != nil {
		return err
	}
	defer db.Close()
	hasher := auth.Hasher{}
	switch sub {
	case "create":
		r := ember.Role(strings.ToUpper(*role))
		if *username == "" || *email == "" {
			fmt.Fprintf(stderr, "ember user create: --username and --email are required\n%s", userUsage)
			return errUsage
		}
		if !r.Valid() || r == ember.RoleSystem {
			fmt.Fprintf(stderr, "ember user create: --role must be ADMIN, MEMBER or VIEWER\n")
			return errUsage
		}
		pw, generated := *password, false
		if pw == "" {
			pw, generated = auth.RandomPassword(), true
		}
		if err := auth.ValidatePassword(pw); err != nil {
			return errors.New(ember.ErrorMessage(err))
		}
		hash, err := hasher.Hash(pw)
		if err != nil {
			return err
		}
		u := &ember.User{Username: *username, Email: *email, Role: r, AuthMethod: ember.AuthMethodLocal, PasswordHash: hash, ResetPassword: true}
		if err := db.CreateUser(ctx, u); err != nil {
			return cliError(err)
		}
		fmt.Fprintf(stdout, "created user %s <%s> (%s) with role %s\n", u.Username, u.Email, ember.GlobalID("User", u.ID), u.Role)
		if generated {
			fmt.Fprintf(stdout, "password: %s\n", pw)
		}
	case "list":
		users, err := db.FindUsers(ctx, ember.UserFilter{})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tEMAIL\tROLE\tCREATED")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ember.GlobalID("User", u.ID), u.Username, u.Email, u.Role, u.CreatedAt.Format(time.RFC3339))
		}
		tw.Flush()
	case "delete":
		u, err := findUser(ctx, db, pos[0])
		if err != nil {
			return err
		}
		if u.Username == ember.AdminUsername || u.Username == ember.SystemUsername {
			return errors.New("the default admin and the system user cannot be deleted")
		}
		if err := db.DeleteUser(ctx, u.ID); err != nil {
			return cliError(err)
		}
		fmt.Fprintf(stdout, "deleted user %s with its sessions and API keys\n", u.Username)
	case "reset-password":
		u, err := findUser(ctx, db, pos[0])
		if err != nil {
			return err
		}
		if u.Role == ember.RoleSystem {
			return errors.New("the system user has no password")
		}
		pw, generated := *password, false
		if pw == "" {
			pw, generated = auth.RandomPassword(), true
		}
		if err := auth.ValidatePassword(pw); err != nil {
			return errors.New(ember.ErrorMessage(err))
		}
		hash, err := hasher.Hash(pw)
		if err != nil {
			return err
		}
		if err := db.SetPassword(ctx, u.ID, hash, true); err != nil {
			return cliError(err)
		}
		if err := db.DeleteUserTokens(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "reset the password of %s and ended its sessions\n", u.Username)
		if generated {
			fmt.Fprintf(stdout, "password: %s\n", pw)
		}
	}
	return nil
}

func runAPIKey(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, apikeyUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("ember apikey "+sub, stderr, apikeyUsage)
	name := fs.String("name", "", "")
	user := fs.String("user", "", "")
	system := fs.Bool("system", false, "")
	description := fs.String("description", "", "")
	expiresIn := fs.Duration("expires-in", 0, "")
	expiresAt := fs.String("expires-at", "", "")
	pos, err := parseArgs(fs, args)
	if err != nil {
		fmt.Fprintf(stderr, "ember apikey %s: %v\n%s", sub, err, apikeyUsage)
		return errUsage
	}
	need := map[string]int{"create": 0, "list": 0, "revoke": 1}
	if n, ok := need[sub]; !ok || len(pos) != n {
		fmt.Fprintf(stderr, "ember apikey: unknown command or wrong arguments: %s %s\n%s", sub, strings.Join(pos, " "), apikeyUsage)
		return errUsage
	}
	var expires *time.Time
	if sub == "create" {
		if *name == "" || (*user == "") == !*system {
			fmt.Fprintf(stderr, "ember apikey create: --name and one of --user or --system are required\n%s", apikeyUsage)
			return errUsage
		}
		switch {
		case *expiresIn != 0 && *expiresAt != "":
			fmt.Fprintf(stderr, "ember apikey create: give --expires-in or --expires-at, not both\n")
			return errUsage
		case *expiresIn != 0:
			t := time.Now().Add(*expiresIn)
			expires = &t
		case *expiresAt != "":
			t, err := time.Parse(time.RFC3339Nano, *expiresAt)
			if err != nil {
				fmt.Fprintf(stderr, "ember apikey create: --expires-at must be an RFC 3339 time such as 2030-01-02T15:04:05Z\n")
				return errUsage
			}
			expires = &t
		}
	}
	cfg, db, err := openForCLI(ctx, environ)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "create":
		who := *user
		if *system {
			who = ember.SystemUsername
		}
		u, err := findUser(ctx, db, who)
		if err != nil {
			return err
		}
		var desc *string
		if *description != "" {
			desc = description
		}
		_, key, err := auth.IssueAPIKey(ctx, db, []byte(cfg.Auth.Secret), u.ID, *name, desc, expires)
		if err != nil {
			return cliError(err)
		}
		fmt.Fprintln(stdout, key)
	case "list":
		keys, err := db.FindAPIKeys(ctx, ember.APIKeyFilter{})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tOWNER\tCREATED\tEXPIRES")
		for _, k := range keys {
			typ, exp := "UserApiKey", "never"
			if k.User.Role == ember.RoleSystem {
				typ = "SystemApiKey"
			}
			if k.ExpiresAt != nil {
				exp = k.ExpiresAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ember.GlobalID(typ, k.ID), k.Name, k.User.Username, k.CreatedAt.Format(time.RFC3339), exp)
		}
		tw.Flush()
	case "revoke":
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			typ, gid, perr := ember.ParseGlobalID(pos[0])
			if perr != nil || (typ != "UserApiKey" && typ != "SystemApiKey") {
				return fmt.Errorf("%q is not an API key id", pos[0])
			}
			id = gid
		}
		if err := db.DeleteCredential(ctx, ember.TokenAPIKey, id); err != nil {
			if ember.ErrorCode(err) == ember.ENOTFOUND {
				return fmt.Errorf("no API key %s", pos[0])
			}
			return err
		}
		fmt.Fprintf(stdout, "revoked API key %s\n", pos[0])
	}
	return nil
}

// cliError turns an application error into its message.
func cliError(err error) error {
	if c := ember.ErrorCode(err); c != ember.EINTERNAL && c != "" {
		return errors.New(ember.ErrorMessage(err))
	}
	return err
}
