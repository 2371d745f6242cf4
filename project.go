package ember

import (
	"context"
	"time"
)

// Project groups traces. Its name is unique.
type Project struct {
	ID                 int64
	Name               string
	Description        string
	GradientStartColor string
	GradientEndColor   string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// ProjectService manages projects.
type ProjectService interface {
	// FindProjectByName returns ENOTFOUND if no project has that name.
	FindProjectByName(ctx context.Context, name string) (*Project, error)
	// FindProjects returns every project, newest first.
	FindProjects(ctx context.Context) ([]*Project, error)
}
