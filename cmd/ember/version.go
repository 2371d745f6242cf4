package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/emberhq/ember"
)

func runVersion(w io.Writer) error {
	_, err := fmt.Fprintf(w, "ember %s (Phoenix API %s, %s, %s/%s)\n", ember.Version, ember.PhoenixVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}

func emberVersion() string { return ember.Version }
