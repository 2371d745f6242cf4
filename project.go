package ember

import (
	"context"
	"time"
)

// Project groups traces. Its name is unique.
type Project struct {
	ID                 int64
	Name               string
	Description        *string // nil when none was given
	GradientStartColor string
	GradientEndColor   string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// ProjectFilter selects projects. Zero fields select everything.
type ProjectFilter struct {
	// NameContains keeps projects whose name contains it, ignoring case.
	NameContains string
	// Cursor, when non-zero, keeps projects whose row id is at most Cursor.
	Cursor int64
	// Limit caps the number of projects returned; 0 means no cap.
	Limit int // ExcludeExperimentProjects drops the projects that receive an
	// experiment's task traces.
	ExcludeExperimentProjects bool
}

// ProjectUpdate holds the changes to a project; nil fields stay as they are.
type ProjectUpdate struct {
	Description *string
}

// ProjectService manages projects.
type ProjectService interface {
	// FindProjectByID returns ENOTFOUND if no project has that row id.
	FindProjectByID(ctx context.Context, id int64) (*Project, error)
	// FindProjectByName returns ENOTFOUND if no project has that name.
	FindProjectByName(ctx context.Context, name string) (*Project, error)
	// FindProjects returns the projects that match filter, newest first.
	FindProjects(ctx context.Context, filter ProjectFilter) ([]*Project, error)
	// CreateProject stores p and sets its ID and times. Returns ECONFLICT
	// if the name is taken and EINVALID if it is empty.
	CreateProject(ctx context.Context, p *Project) error
	// UpdateProject applies upd and returns the project; ENOTFOUND if it
	// does not exist.
	UpdateProject(ctx context.Context, id int64, upd ProjectUpdate) (*Project, error)
	// DeleteProject deletes a project with its traces, spans and sessions.
	// Returns ENOTFOUND if it does not exist and EFORBIDDEN for the default
	// project, which cannot be deleted.
	DeleteProject(ctx context.Context, id int64) error
}
