// Package mock holds function-field fakes of Ember's interfaces for tests
// of the layers above them.
package mock

import (
	"context"

	"github.com/emberhq/ember"
)

// Ingester is a fake span ingester: a nil function admits and stores
// everything.
type Ingester struct {
	AdmitFn func() error
	WriteFn func(ctx context.Context, spans []*ember.Span) error
}

// Admit calls AdmitFn.
func (m *Ingester) Admit() error {
	if m.AdmitFn == nil {
		return nil
	}
	return m.AdmitFn()
}

// Write calls WriteFn.
func (m *Ingester) Write(ctx context.Context, spans []*ember.Span) error {
	if m.WriteFn == nil {
		return nil
	}
	return m.WriteFn(ctx, spans)
}
