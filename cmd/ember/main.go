// Command ember is Ember's single binary: the server and its tools.
//
//	ember serve      run the server (UI, REST API, OTLP over HTTP and gRPC)
//	ember dataset    upload or download datasets on a running server
//	ember prompt     fetch and format prompts, push prompt versions
//	ember user       manage users (create, list, delete, reset-password)
//	ember apikey     manage API keys (create, list, revoke)
//	ember version    print the version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// errUsage marks a command-line mistake: exit status 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "ember: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return errUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return runServe(ctx, rest, environ, stdout, stderr)
	case "dataset":
		return runDataset(ctx, rest, environ, stdout, stderr)
	case "prompt":
		return runPrompt(ctx, rest, environ, stdout, stderr)
	case "user":
		return runUser(ctx, rest, environ, stdout, stderr)
	case "apikey":
		return runAPIKey(ctx, rest, environ, stdout, stderr)
	case "version", "--version", "-v":
		return runVersion(stdout)
	case "help", "--help", "-h":
		usage(stdout)
		return nil
	default:
		fmt.Fprintf(stderr, "ember: unknown command %q\n\n", cmd)
		usage(stderr)
		return errUsage
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Ember is an LLM observability server, wire-compatible with Arize Phoenix.

Usage:
  ember serve [flags]   run the server (ember serve --help lists every setting)
  ember dataset ...     upload a CSV or JSON Lines file as a dataset, or download one
  ember prompt get|push fetch and format a prompt, or push a version (ember prompt help)
  ember user ...        create, list, delete users or reset a password (ember user help)
  ember apikey ...      create, list or revoke API keys (ember apikey help)
  ember version         print Ember's version and the Phoenix version it serves
  ember help            print this help
`)
}
