package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/emberhq/ember/api"
	"github.com/emberhq/ember/client"
	"github.com/emberhq/ember/prompt"
)

const promptUsage = `Usage:
  ember prompt get NAME [--tag T | --version ID] [--var k=v ...] [--vars FILE] [--format prompt|openai|anthropic]
  ember prompt push FILE [--name NAME] [--tag T]

get prints a prompt version: the latest, the one tag T names, or version ID
(a PromptVersion GlobalID, in place of NAME). --format openai or anthropic
prints the body of a request to that provider's chat API, with the template
rendered with the variables; --format prompt (the default) prints the version
itself, rendered when variables are given. --var user.name=Ann sets a nested
value; --vars reads variables from a JSON or YAML object. A variable the
template uses but that is not given is an error.

push creates a version from a JSON or YAML file: either the body of
POST /v1/prompts ({"prompt": {"name": ...}, "version": {...}}) or a version
alone, named by --name. The file is checked before it is sent; --tag tags
the new version.

Both talk to the server at PHOENIX_HOST (or PHOENIX_COLLECTOR_ENDPOINT,
default http://localhost:6006) with PHOENIX_API_KEY, or at --url with
--api-key.
`

// runPrompt is `ember prompt`: fetch, format and push prompts.
func runPrompt(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, promptUsage)
		return errUsage
	}
	switch args[0] {
	case "get":
		return runPromptGet(ctx, args[1:], environ, stdout, stderr)
	case "push":
		return runPromptPush(ctx, args[1:], environ, stdout, stderr)
	case "help", "--help", "-h":
		fmt.Fprint(stdout, promptUsage)
		return nil
	}
	fmt.Fprintf(stderr, "ember prompt: unknown command %q\n\n%s", args[0], promptUsage)
	return errUsage
}

// connection holds the flags that reach the server.
type connection struct {
	url, apiKey string
}

func (c *connection) register(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "url", "", "the server's URL (default: PHOENIX_HOST, else http://localhost:6006)")
	fs.StringVar(&c.apiKey, "api-key", "", "the API key (default: PHOENIX_API_KEY)")
}

func (c *connection) client(environ []string) (*client.Client, error) {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	opts := []client.Option{client.WithEnviron(func(k string) string { return env[k] })}
	if c.url != "" {
		opts = append(opts, client.WithBaseURL(c.url))
	}
	if c.apiKey != "" {
		opts = append(opts, client.WithAPIKey(c.apiKey))
	}
	return client.New(opts...)
}

// parseInterleaved parses flags that may come before, between or after
// the positional arguments, which the flag package alone stops at.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// varsFlag collects --var k=v; dotted keys build nested objects.
type varsFlag struct{ vars prompt.Variables }

func (v *varsFlag) String() string { return "" }

func (v *varsFlag) Set(s string) error {
	key, value, ok := strings.Cut(s, "=")
	if !ok || key == "" {
		return fmt.Errorf("want name=value, got %q", s)
	}
	if v.vars == nil {
		v.vars = prompt.Variables{}
	}
	parts := strings.Split(key, ".")
	m := map[string]any(v.vars)
	for _, p := range parts[:len(parts)-1] {
		if p == "" {
			return fmt.Errorf("%q: empty name between dots", key)
		}
		next, ok := m[p].(map[string]any)
		if !ok {
			if _, taken := m[p]; taken {
				return fmt.Errorf("%q: %s is already a value, not an object", key, p)
			}
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	last := parts[len(parts)-1]
	if last == "" {
		return fmt.Errorf("%q: empty name", key)
	}
	if _, isObject := m[last].(map[string]any); isObject {
		return fmt.Errorf("%q: %s already holds nested values", key, last)
	}
	m[last] = value
	return nil
}

func runPromptGet(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ember prompt get", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, promptUsage) }
	var conn connection
	conn.register(fs)
	tag := fs.String("tag", "", "get the version this tag names")
	versionID := fs.String("version", "", "get this version (a PromptVersion GlobalID)")
	format := fs.String("format", "prompt", "prompt, openai or anthropic")
	varsFile := fs.String("vars", "", "a JSON or YAML file holding an object of variables")
	var vars varsFlag
	fs.Var(&vars, "var", "a variable, name=value (repeatable; user.name=Ann nests)")
	positional, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return errUsage
	}
	sel := client.PromptSelector{Tag: *tag, VersionID: *versionID}
	switch {
	case len(positional) == 1 && *versionID == "":
		sel.Prompt = positional[0]
	case len(positional) == 0 && *versionID != "" && *tag == "":
	default:
		fmt.Fprintf(stderr, "ember prompt get: name one prompt, or give --version alone\n\n%s", promptUsage)
		return errUsage
	}
	switch *format {
	case "prompt", "openai", "anthropic":
	default:
		fmt.Fprintf(stderr, "ember prompt get: --format must be prompt, openai or anthropic, not %q\n", *format)
		return errUsage
	}
	variables := vars.vars
	if *varsFile != "" {
		fromFile, err := readVariables(*varsFile)
		if err != nil {
			return err
		}
		for k, v := range vars.vars { // --var wins over the file
			fromFile[k] = v
		}
		variables = fromFile
	}

	c, err := conn.client(environ)
	if err != nil {
		return err
	}
	v, err := c.Prompts.Get(ctx, sel)
	if err != nil {
		return err
	}
	var out []byte
	switch *format {
	case "openai":
		out, err = prompt.OpenAIChatCompletion(v, variables)
	case "anthropic":
		out, err = prompt.AnthropicMessages(v, variables)
	default:
		if variables != nil {
			if v, err = prompt.Format(v, variables); err != nil {
				break
			}
		}
		out, err = json.Marshal(v)
	}
	if err != nil {
		return err
	}
	return writeIndented(stdout, out)
}

func writeIndented(w io.Writer, b []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

func readVariables(path string) (prompt.Variables, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := documentJSON(path, b)
	if err != nil {
		return nil, err
	}
	var vars prompt.Variables
	if err := json.Unmarshal(doc, &vars); err != nil || vars == nil {
		return nil, fmt.Errorf("%s: the variables must be an object of names and values", path)
	}
	return vars, nil
}

func runPromptPush(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ember prompt push", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, promptUsage) }
	var conn connection
	conn.register(fs)
	name := fs.String("name", "", "the prompt's name, for a file that holds a version alone")
	tag := fs.String("tag", "", "tag the new version")
	positional, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return errUsage
	}
	if len(positional) != 1 {
		fmt.Fprintf(stderr, "ember prompt push: name one file\n\n%s", promptUsage)
		return errUsage
	}
	if *tag != "" && !prompt.ValidIdentifier(*tag) {
		return fmt.Errorf("tag %q: a tag is lowercase letters, digits, '-' and '_', starting and ending with a letter or digit", *tag)
	}
	path := positional[0]
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := documentJSON(path, b)
	if err != nil {
		return err
	}
	body, err := createBody(doc, *name)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	req, err := prompt.ParseCreateRequest(body)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if req.Version.TemplateType != api.TemplateTypeChat {
		return fmt.Errorf("%s: only chat prompts (template_type CHAT) can be pushed", path)
	}

	c, err := conn.client(environ)
	if err != nil {
		return err
	}
	v, err := c.Prompts.CreateFromJSON(ctx, body)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pushed %s: version %s\n", req.Name, v.ID)
	if *tag != "" {
		if err := c.Prompts.Tag(ctx, v.ID, api.PromptVersionTagData{Name: *tag}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "tagged %s\n", *tag)
	}
	return nil
}

// createBody returns the body of POST /v1/prompts for a document that is
// either that body or a version alone, named by name.
func createBody(doc []byte, name string) ([]byte, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(doc, &probe); err != nil {
		return nil, errors.New("the file must hold an object")
	}
	_, hasPrompt := probe["prompt"]
	_, hasVersion := probe["version"]
	if hasPrompt || hasVersion {
		if name == "" {
			return doc, nil
		}
		var prompt map[string]json.RawMessage
		if err := json.Unmarshal(probe["prompt"], &prompt); err != nil || prompt == nil {
			prompt = map[string]json.RawMessage{}
		}
		prompt["name"], _ = json.Marshal(name)
		probe["prompt"], _ = json.Marshal(prompt)
		return json.Marshal(probe)
	}
	if name == "" {
		return nil, errors.New(`the file holds a version alone: name its prompt with --name, or write {"prompt": {"name": ...}, "version": {...}}`)
	}
	n, _ := json.Marshal(name)
	return []byte(`{"prompt":{"name":` + string(n) + `},"version":` + string(doc) + `}`), nil
}

// documentJSON reads a JSON or YAML document as JSON, keeping the order of
// object keys. Files named .json are JSON; others are read as YAML, of
// which JSON is a subset.
func documentJSON(path string, b []byte) ([]byte, error) {
	if strings.EqualFold(filepath.Ext(path), ".json") {
		if !json.Valid(b) {
			var v any
			err := json.Unmarshal(b, &v)
			return nil, fmt.Errorf("%s: not valid JSON: %v", path, err)
		}
		return b, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if root.Kind == 0 {
		return nil, fmt.Errorf("%s: the file is empty", path)
	}
	var buf bytes.Buffer
	if err := yamlToJSON(&buf, &root, 0); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return buf.Bytes(), nil
}

func yamlToJSON(buf *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > 100 {
		return errors.New("YAML nested too deeply (or aliases form a cycle)")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return errors.New("the document is empty")
		}
		return yamlToJSON(buf, n.Content[0], depth+1)
	case yaml.AliasNode:
		return yamlToJSON(buf, n.Alias, depth+1)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: only scalar keys can become JSON", k.Line)
			}
			if k.ShortTag() == "!!merge" {
				return fmt.Errorf("line %d: merge keys (<<) are not supported", k.Line)
			}
			if i > 0 {
				buf.WriteByte(',')
			}
			key, _ := json.Marshal(k.Value)
			buf.Write(key)
			buf.WriteByte(':')
			if err := yamlToJSON(buf, v, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := yamlToJSON(buf, item, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			buf.WriteString("null")
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return err
			}
			buf.WriteString(strconv.FormatBool(b))
		case "!!int":
			var i int64
			if err := n.Decode(&i); err != nil {
				return fmt.Errorf("line %d: %w", n.Line, err)
			}
			buf.WriteString(strconv.FormatInt(i, 10))
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return fmt.Errorf("line %d: %w", n.Line, err)
			}
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return fmt.Errorf("line %d: %s has no JSON form", n.Line, n.Value)
			}
			buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		default:
			s, _ := json.Marshal(n.Value)
			buf.Write(s)
		}
	default:
		return fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	return nil
}
