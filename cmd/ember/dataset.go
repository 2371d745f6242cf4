package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emberhq/ember/api"
	"github.com/emberhq/ember/client"
)

// runDataset runs "ember dataset upload|download", which talk to a running
// server through the Go SDK.
func runDataset(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		datasetUsage(stderr)
		return errUsage
	}
	switch args[0] {
	case "upload":
		return runDatasetUpload(ctx, args[1:], environ, stdout, stderr)
	case "download":
		return runDatasetDownload(ctx, args[1:], environ, stdout, stderr)
	case "help", "-h", "--help":
		datasetUsage(stdout)
		return nil
	}
	fmt.Fprintf(stderr, "ember dataset: unknown command %q\n\n", args[0])
	datasetUsage(stderr)
	return errUsage
}

func datasetUsage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  ember dataset upload FILE --name NAME [--input-keys a,b] [--output-keys c] [--metadata-keys d] [--action create|append|update]
  ember dataset download ID --format csv|jsonl|openai-ft|openai-evals [--version VERSION_ID] [--output FILE]

FILE is CSV (.csv, .csv.gz) or JSON Lines (.jsonl, .jsonl.gz); with no input
keys, every column not named otherwise is input. The server is taken from
--url, else PHOENIX_HOST / PHOENIX_ENDPOINT / PHOENIX_COLLECTOR_ENDPOINT as
Phoenix's clients read them; PHOENIX_API_KEY is sent when set.
`)
}

// splitFlags lets a positional argument come before the flags.
func splitFlags(args []string) (positional string, rest []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

func commaList(s string) []string {
	var out []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

func newCLIClient(base string, environ []string) (*client.Client, error) {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	opts := []client.Option{client.WithEnviron(func(k string) string { return env[k] })}
	if base != "" {
		opts = append(opts, client.WithBaseURL(base))
	}
	return client.New(opts...)
}

func runDatasetUpload(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	file, rest := splitFlags(args)
	fs := flag.NewFlagSet("ember dataset upload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "dataset name (required)")
	action := fs.String("action", api.UploadCreate, "create, append or update")
	description := fs.String("description", "", "dataset description (default: the file name)")
	inputKeys := fs.String("input-keys", "", "comma-separated input columns")
	outputKeys := fs.String("output-keys", "", "comma-separated output columns")
	metadataKeys := fs.String("metadata-keys", "", "comma-separated metadata columns")
	flattenKeys := fs.String("flatten-keys", "", "comma-separated columns of JSON objects to spread into their part")
	metadata := fs.String("metadata", "", "the dataset's own metadata, a JSON object")
	splitKey := fs.String("split-key", "", "column naming each example's split")
	exampleIDKey := fs.String("example-id-key", "", "column of stable example ids")
	base := fs.String("url", "", "server base URL")
	quiet := fs.Bool("quiet", false, "no progress output")
	if err := fs.Parse(rest); err != nil {
		return errUsage
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" || *name == "" {
		datasetUsage(stderr)
		return errUsage
	}
	if *metadata != "" && !json.Valid([]byte(*metadata)) {
		return fmt.Errorf("--metadata: not valid JSON: %s", *metadata)
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	fileBase := strings.TrimSuffix(strings.ToLower(filepath.Base(file)), ".gz")
	format := client.TableCSV
	if strings.HasSuffix(fileBase, ".jsonl") || strings.HasSuffix(fileBase, ".ndjson") {
		format = client.TableJSONL
	}
	c, err := newCLIClient(*base, environ)
	if err != nil {
		return err
	}
	var r io.Reader = f
	var progress *progressReader
	if !*quiet {
		progress = &progressReader{r: f, total: info.Size(), w: stderr, label: "uploading"}
		r = progress
	}
	req := client.UploadFileRequest{
		Action: *action, Name: *name, Description: *description, FileName: filepath.Base(file),
		Format: format, File: r, InputKeys: commaList(*inputKeys), OutputKeys: commaList(*outputKeys),
		MetadataKeys: commaList(*metadataKeys), FlattenKeys: commaList(*flattenKeys), SplitKey: *splitKey, ExampleIDKey: *exampleIDKey,
	}
	if *metadata != "" {
		req.DatasetMetadata = json.RawMessage(*metadata)
	}
	if strings.HasSuffix(strings.ToLower(file), ".gz") {
		req.Compressed = true
	} else {
		req.Gzip = true
	}
	res, err := c.Datasets.UploadFile(ctx, req)
	if progress != nil {
		progress.done()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dataset %s version %s: %d created, %d updated, %d deleted\n",
		res.DatasetID, res.VersionID, res.NumCreatedExamples, res.NumUpdatedExamples, res.NumDeletedExamples)
	return nil
}

func runDatasetDownload(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	id, rest := splitFlags(args)
	fs := flag.NewFlagSet("ember dataset download", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "csv", "csv, jsonl, openai-ft or openai-evals")
	version := fs.String("version", "", "DatasetVersion id (default: the latest)")
	output := fs.String("output", "", "file to write (default: standard output)")
	base := fs.String("url", "", "server base URL")
	if err := fs.Parse(rest); err != nil {
		return errUsage
	}
	if id == "" && fs.NArg() > 0 {
		id = fs.Arg(0)
	}
	formats := map[string]string{"csv": client.ExportCSV, "jsonl": client.ExportJSONL, "openai-ft": client.ExportOpenAIFT, "openai-evals": client.ExportOpenAIEvals}
	exp, ok := formats[*format]
	if id == "" || !ok {
		datasetUsage(stderr)
		return errUsage
	}
	c, err := newCLIClient(*base, environ)
	if err != nil {
		return err
	}
	w := stdout
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	n, err := c.Datasets.Download(ctx, id, exp, *version, w)
	if err != nil {
		return err
	}
	if *output != "" {
		fmt.Fprintf(stderr, "wrote %d bytes to %s\n", n, *output)
	}
	return nil
}

// progressReader reports how much of a file has been read, at most every
// 200 ms, on one rewritten line.
type progressReader struct {
	r     io.Reader
	total int64
	w     io.Writer
	label string

	mu   sync.Mutex
	read int64
	last time.Time
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.read += int64(n)
	if now := time.Now(); now.Sub(p.last) >= 200*time.Millisecond {
		p.last = now
		p.print()
	}
	return n, err
}

func (p *progressReader) print() {
	pct := 100.0
	if p.total > 0 {
		pct = float64(p.read) * 100 / float64(p.total)
	}
	fmt.Fprintf(p.w, "\r%s: %5.1f%% (%.1f of %.1f MB)", p.label, pct, float64(p.read)/1e6, float64(p.total)/1e6)
}

func (p *progressReader) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.print()
	fmt.Fprintln(p.w)
}
