package api

// Project groups traces. ID is a GlobalID ("Project:<n>" in base64).
// Description is null on the wire when the project has none.
type Project struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

// CreateProjectRequest is the body of POST /v1/projects; the reply is an
// Envelope[Project]. Name must not be empty.
type CreateProjectRequest struct {
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
}

// UpdateProjectRequest is the body of PUT /v1/projects/{project_identifier};
// the reply is an Envelope[Project]. A project's name cannot change. A nil
// Description is left out, which Ember reads as "keep the current one".
type UpdateProjectRequest struct {
	Description *string `json:"description,omitempty"`
}
