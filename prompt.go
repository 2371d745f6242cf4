package ember

import (
	"context"
	"encoding/json"
	"time"
)

// Prompt is a named, versioned prompt. Its name is unique and a lowercase
// identifier.
type Prompt struct {
	ID             int64
	Name           string
	Description    *string // nil when none was given
	SourcePromptID int64   // the prompt this one was cloned from; 0 for none
	Metadata       json.RawMessage
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// PromptVersion is one immutable version of a prompt. The JSON members
// hold what the REST API shows, already validated and in canonical form;
// Tools and ResponseFormat are nil when unset.
type PromptVersion struct {
	ID                   int64
	PromptID             int64
	Description          *string
	ModelProvider        string
	ModelName            string
	TemplateType         string
	TemplateFormat       string
	Template             json.RawMessage
	InvocationParameters json.RawMessage
	Tools                json.RawMessage
	ResponseFormat       json.RawMessage
	CreatedAt            time.Time
}

// PromptVersionTag names one version of a prompt. A tag name is unique
// within its prompt, so setting it on another version moves it.
type PromptVersionTag struct {
	ID              int64
	PromptID        int64
	PromptVersionID int64
	Name            string
	Description     *string
}

// PromptFilter pages through prompts, newest first.
type PromptFilter struct {
	// Cursor, when non-zero, keeps prompts whose row id is at most Cursor.
	Cursor int64
	// Limit caps the number of prompts returned; 0 means no cap.
	Limit int
}

// PromptVersionFilter pages through the versions of one prompt, newest
// first.
type PromptVersionFilter struct {
	PromptID int64
	Cursor   int64
	Limit    int
}

// PromptVersionTagFilter pages through the tags of one version, newest
// first.
type PromptVersionTagFilter struct {
	PromptVersionID int64
	Cursor          int64
	Limit           int
}

// PromptUpdate holds the changes to a prompt.
type PromptUpdate struct {
	// SetDescription replaces the description with Description; a nil
	// Description removes it.
	SetDescription bool
	Description    *string
	// Metadata, when non-nil, replaces the metadata (a JSON object).
	Metadata json.RawMessage
}

// PromptService manages prompts, their versions and their tags.
type PromptService interface {
	// FindPrompts returns prompts, newest first.
	FindPrompts(ctx context.Context, filter PromptFilter) ([]*Prompt, error)
	// FindPromptByID returns ENOTFOUND if no prompt has that row id.
	FindPromptByID(ctx context.Context, id int64) (*Prompt, error)
	// FindPromptByName returns ENOTFOUND if no prompt has that name.
	FindPromptByName(ctx context.Context, name string) (*Prompt, error)
	// CreatePromptVersion stores v as a new version of the prompt named
	// p.Name, creating the prompt from p when there is none (an existing
	// prompt keeps its description and metadata). It sets p to the stored
	// prompt and v's ID, PromptID and CreatedAt.
	CreatePromptVersion(ctx context.Context, p *Prompt, v *PromptVersion) error
	// UpdatePrompt applies upd and returns the prompt; ENOTFOUND if it
	// does not exist.
	UpdatePrompt(ctx context.Context, id int64, upd PromptUpdate) (*Prompt, error)
	// DeletePrompt deletes a prompt with its versions and tags; ENOTFOUND
	// if it does not exist.
	DeletePrompt(ctx context.Context, id int64) error

	// FindPromptVersions returns a prompt's versions, newest first; none
	// for an unknown prompt.
	FindPromptVersions(ctx context.Context, filter PromptVersionFilter) ([]*PromptVersion, error)
	// FindPromptVersionByID returns ENOTFOUND if no version has that row
	// id.
	FindPromptVersionByID(ctx context.Context, id int64) (*PromptVersion, error)
	// FindLatestPromptVersion returns a prompt's newest version; ENOTFOUND
	// if it has none.
	FindLatestPromptVersion(ctx context.Context, promptID int64) (*PromptVersion, error)
	// FindPromptVersionByTag returns the version of a prompt that the tag
	// names; ENOTFOUND if none does.
	FindPromptVersionByTag(ctx context.Context, promptID int64, tag string) (*PromptVersion, error)

	// FindPromptVersionTags returns a version's tags, newest first;
	// ENOTFOUND if the version does not exist.
	FindPromptVersionTags(ctx context.Context, filter PromptVersionTagFilter) ([]*PromptVersionTag, error)
	// SetPromptVersionTag puts the tag on tag.PromptVersionID, moving it
	// from another version of the same prompt and replacing its
	// description. It sets tag's ID and PromptID; ENOTFOUND if the version
	// does not exist.
	SetPromptVersionTag(ctx context.Context, tag *PromptVersionTag) error
	// DeletePromptVersionTag removes the tag of that name from the prompt
	// the version belongs to, whichever version it is on; ENOTFOUND if the
	// version or the tag does not exist.
	DeletePromptVersionTag(ctx context.Context, versionID int64, name string) error
}
