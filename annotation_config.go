package ember

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AnnotationConfigType is the kind of answer an annotation config asks for.
type AnnotationConfigType string

// The annotation config types: one of a set of labels (each may carry a
// score), a score within bounds, or free text.
const (
	AnnotationConfigCategorical AnnotationConfigType = "CATEGORICAL"
	AnnotationConfigContinuous  AnnotationConfigType = "CONTINUOUS"
	AnnotationConfigFreeform    AnnotationConfigType = "FREEFORM"
)

// GlobalIDType returns the GlobalID type name of configs of type t.
func (t AnnotationConfigType) GlobalIDType() string {
	switch t {
	case AnnotationConfigCategorical:
		return "CategoricalAnnotationConfig"
	case AnnotationConfigContinuous:
		return "ContinuousAnnotationConfig"
	default:
		return "FreeformAnnotationConfig"
	}
}

// IsAnnotationConfigGlobalIDType reports whether typeName is the GlobalID
// type of an annotation config.
func IsAnnotationConfigGlobalIDType(typeName string) bool {
	switch typeName {
	case "CategoricalAnnotationConfig", "ContinuousAnnotationConfig", "FreeformAnnotationConfig":
		return true
	}
	return false
}

// OptimizationDirection tells which scores are better.
type OptimizationDirection string

// The optimization directions.
const (
	OptimizeMinimize OptimizationDirection = "MINIMIZE"
	OptimizeMaximize OptimizationDirection = "MAXIMIZE"
	OptimizeNone     OptimizationDirection = "NONE"
)

// CategoricalValue is one label a categorical config allows, with the
// score it stands for, if any.
type CategoricalValue struct {
	Label string   `json:"label"`
	Score *float64 `json:"score"`
}

// AnnotationConfig is the rubric for annotations of one name: which labels
// or scores they may take and which direction is better. Names are unique.
type AnnotationConfig struct {
	ID          int64
	Name        string
	Type        AnnotationConfigType
	Description *string
	// OptimizationDirection is required for categorical and continuous
	// configs; "" leaves it unset on a freeform one.
	OptimizationDirection OptimizationDirection
	// Values are the labels of a categorical config.
	Values []CategoricalValue
	// LowerBound and UpperBound bound the score of a continuous (or
	// freeform) config; nil is unbounded.
	LowerBound, UpperBound *float64
	// Threshold is a freeform config's pass mark.
	Threshold *float64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// GlobalID returns the config's public id, whose type names its kind.
func (c *AnnotationConfig) GlobalID() string { return GlobalID(c.Type.GlobalIDType(), c.ID) }

// Validate checks the config's own consistency: a known type and direction,
// labels that are present, non-empty and unique, and a lower bound under
// the upper. The EINVALID error is worded as Phoenix's validation errors
// are ("1 validation error for CategoricalAnnotationConfig\nvalues\n  Value
// error, Values must be non-empty").
func (c *AnnotationConfig) Validate() error {
	var model string
	var issues [][2]string // location, message
	switch c.Type {
	case AnnotationConfigCategorical:
		model = "CategoricalAnnotationConfig"
		labelsOK := true
		for i, v := range c.Values {
			if v.Label == "" {
				labelsOK = false
				issues = append(issues, [2]string{"values." + strconv.Itoa(i) + ".label", "Label must be non-empty"})
			}
		}
		if labelsOK {
			if len(c.Values) == 0 {
				issues = append(issues, [2]string{"values", "Values must be non-empty"})
			} else {
				seen := map[string]bool{}
				for _, v := range c.Values {
					if seen[v.Label] {
						issues = append(issues, [2]string{"values", fmt.Sprintf("Values for categorical annotation config has duplicate label: %q", v.Label)})
						break
					}
					seen[v.Label] = true
				}
			}
		}
	case AnnotationConfigContinuous:
		model = "ContinuousAnnotationConfig"
	case AnnotationConfigFreeform:
		model = "FreeformAnnotationConfig"
	default:
		return Errorf(EINVALID, "Unknown annotation config type %q", string(c.Type))
	}
	switch c.OptimizationDirection {
	case OptimizeMinimize, OptimizeMaximize, OptimizeNone:
	case "":
		if c.Type != AnnotationConfigFreeform {
			return Errorf(EINVALID, "An annotation config of type %s needs an optimization direction", c.Type)
		}
	default:
		return Errorf(EINVALID, "Unknown optimization direction %q", string(c.OptimizationDirection))
	}
	if c.Type != AnnotationConfigCategorical && c.LowerBound != nil && c.UpperBound != nil && *c.LowerBound >= *c.UpperBound {
		issues = append(issues, [2]string{"", "Lower bound must be strictly less than upper bound"})
	}
	if len(issues) == 0 {
		return nil
	}
	var b strings.Builder
	if len(issues) == 1 {
		fmt.Fprintf(&b, "1 validation error for %s", model)
	} else {
		fmt.Fprintf(&b, "%d validation errors for %s", len(issues), model)
	}
	for _, is := range issues {
		if is[0] != "" {
			b.WriteString("\n" + is[0])
		}
		b.WriteString("\n  Value error, " + is[1] + " [type=value_error]")
	}
	return Errorf(EINVALID, "%s", b.String())
}

// Check tells whether an annotation of the config's name fits it: a
// categorical config's annotation may only carry one of its labels, and a
// score must lie within the config's bounds. Missing values are not
// checked. The error is EUNPROCESSABLE.
func (c *AnnotationConfig) Check(a *Annotation) error {
	if c.Type == AnnotationConfigCategorical && a.Label != nil {
		labels := make([]string, len(c.Values))
		for i, v := range c.Values {
			labels[i] = v.Label
		}
		if !slices.Contains(labels, *a.Label) {
			quoted := make([]string, len(labels))
			for i, l := range labels {
				quoted[i] = strconv.Quote(l)
			}
			return Errorf(EUNPROCESSABLE, "Annotation %q has label %q, which its annotation config does not allow; the labels are %s",
				a.Name, *a.Label, strings.Join(quoted, ", "))
		}
	}
	if c.Type != AnnotationConfigCategorical && a.Score != nil {
		low, high := c.LowerBound, c.UpperBound
		if (low != nil && *a.Score < *low) || (high != nil && *a.Score > *high) {
			return Errorf(EUNPROCESSABLE, "Annotation %q has score %s, outside the bounds of its annotation config: %s to %s",
				a.Name, formatBound(a.Score, ""), formatBound(low, "-inf"), formatBound(high, "inf"))
		}
	}
	return nil
}

func formatBound(f *float64, none string) string {
	if f == nil {
		return none
	}
	return strconv.FormatFloat(*f, 'g', -1, 64)
}

// AnnotationConfigFilter selects annotation configs. Zero fields select
// everything.
type AnnotationConfigFilter struct {
	// ProjectID keeps the configs assigned to that project.
	ProjectID int64
	// Names keeps the configs of these names.
	Names []string
	// Cursor, when non-zero, keeps configs whose row id is at most Cursor.
	Cursor int64
	// Limit caps the number returned; 0 means no cap.
	Limit int
}

// AnnotationConfigService manages annotation configs and their assignment
// to projects.
type AnnotationConfigService interface {
	// FindAnnotationConfigs returns the configs that match filter, newest
	// first.
	FindAnnotationConfigs(ctx context.Context, filter AnnotationConfigFilter) ([]*AnnotationConfig, error)
	// FindAnnotationConfigByID and FindAnnotationConfigByName return
	// ENOTFOUND ("Annotation configuration not found") when there is none.
	FindAnnotationConfigByID(ctx context.Context, id int64) (*AnnotationConfig, error)
	FindAnnotationConfigByName(ctx context.Context, name string) (*AnnotationConfig, error)
	// CreateAnnotationConfig stores c and sets its ID and times. The name
	// "note" is ECONFLICT, as is a name already taken; an inconsistent
	// config is EINVALID (see Validate).
	CreateAnnotationConfig(ctx context.Context, c *AnnotationConfig) error
	// UpdateAnnotationConfig replaces the name and everything else of the
	// config c.ID with c's, with CreateAnnotationConfig's errors and
	// ENOTFOUND.
	UpdateAnnotationConfig(ctx context.Context, c *AnnotationConfig) error
	// DeleteAnnotationConfig deletes a config, and its assignments, and
	// returns it; ENOTFOUND if there is none.
	DeleteAnnotationConfig(ctx context.Context, id int64) (*AnnotationConfig, error)
	// AssignAnnotationConfig assigns a config to a project; assigning it
	// again changes nothing. UnassignAnnotationConfig undoes it, and does
	// nothing when it is not assigned.
	AssignAnnotationConfig(ctx context.Context, projectID, configID int64) error
	UnassignAnnotationConfig(ctx context.Context, projectID, configID int64) error
	// SetProjectAnnotationConfigs makes configIDs the project's whole set
	// of configs and returns them, newest first. An id that names no
	// config is EUNPROCESSABLE and changes nothing.
	SetProjectAnnotationConfigs(ctx context.Context, projectID int64, configIDs []int64) ([]*AnnotationConfig, error)
}
