package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowser drives the UI in headless Chromium: open the projects list,
// the project, filter it, expand a trace, open it and switch spans, read a
// session, and switch theme. A screenshot of each screen is saved in
// $EMBER_SCREENSHOTS, or in the test's temp dir.
func TestBrowser(t *testing.T) {
	chromium := "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		if p, err := exec.LookPath("chromium"); err == nil {
			chromium = p
		} else {
			t.Skip("chromium is not installed (apt-get install chromium)")
		}
	}
	shots := os.Getenv("EMBER_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	p := startWebEmber(t, engines(t)[0].env(t))
	webAnnotationConfigs(t, p.httpURL)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1440, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	type step = chromedp.Action[chromedp.Void]
	do := func(what string, steps ...step) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	textOf := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel, chromedp.NodeVisible))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	shot := func(name string) {
		t.Helper()
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	do("projects list", chromedp.Navigate(p.httpURL+"/"), chromedp.WaitVisible(`table.projects`))
	shot("1-projects")
	if text := textOf(`table.projects tbody`); !strings.Contains(text, webProject) {
		t.Fatalf("projects list: %q", text)
	}
	do("open the project", chromedp.Click(`a.pname[href*="/projects/"]:not([href$="/1"])`, chromedp.NodeVisible), chromedp.WaitVisible(`#filter-form`))
	shot("2-project-spans")
	if text := textOf(`table.rows tbody`); !strings.Contains(text, "support-agent") {
		t.Fatalf("spans tab: %q", text)
	}
	do("a filter with a typo",
		chromedp.SetValue(`input[name="filter"]`, "span_kin == 'LLM'"),
		chromedp.Submit(`input[name="filter"]`),
		chromedp.WaitVisible(`.filter-error`))
	shot("3-filter-error")
	if text := textOf(`.filter-error`); !strings.Contains(text, "span_kind") {
		t.Errorf("filter error: %q", text)
	}
	do("a filter",
		chromedp.SetValue(`input[name="filter"]`, "span_kind == 'LLM'"),
		chromedp.Submit(`input[name="filter"]`),
		chromedp.WaitNotPresent(`.filter-error`))
	if text := textOf(`table.rows tbody`); !strings.Contains(text, "ChatCompletion") || strings.Contains(text, "support-agent") {
		t.Errorf("filtered spans: %q", text)
	}
	do("traces tab, expanded",
		chromedp.Click(`nav.tabs a[href*="tab=traces"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`button.caret`),
		chromedp.Evaluate[chromedp.Void](`Array.from(document.querySelectorAll("tr.trace-row")).find(r => r.textContent.includes("support-agent")).querySelector("button.caret").click()`),
		chromedp.WaitVisible(`tr.child`))
	shot("4-traces-expanded")
	if text := textOf(`table.rows tbody`); !strings.Contains(text, "search-docs") {
		t.Errorf("expanded trace: %q", text)
	}
	do("open a trace", chromedp.Navigate(p.httpURL+"/redirects/traces/"+webTraceID(1)), chromedp.WaitVisible(`nav.tree`))
	shot("5-trace-agent")
	if text := textOf(`#trace-main h2`); text != "support-agent" || !strings.Contains(textOf(`.stats`), "1,280 tokens") {
		t.Errorf("selected span %q", text)
	}
	do("switch to the LLM span", chromedp.Click(`nav.tree li:nth-child(3) a`, chromedp.NodeVisible), chromedp.WaitVisible(`.msg.role-system`))
	shot("6-trace-llm")
	url, err := chromedp.Run(ctx, chromedp.Location())
	if text := textOf(`#trace-main h2`); err != nil || text != "ChatCompletion" || !strings.Contains(url, "span="+webSpanID(3)) {
		t.Errorf("after switching: %q at %s (%v)", text, url, err)
	}
	do("switch to the retriever span", chromedp.Click(`nav.tree li:nth-child(2) a`, chromedp.NodeVisible), chromedp.WaitVisible(`.doc`))
	shot("7-trace-retriever")
	do("attributes", chromedp.Click(`[data-tab="attributes"]`, chromedp.NodeVisible), chromedp.WaitVisible(`.jtree`))
	shot("8-trace-attributes")
	do("the failed span, dark",
		chromedp.Navigate(p.httpURL+"/redirects/spans/"+webSpanID(10)),
		chromedp.WaitVisible(`nav.tree`),
		chromedp.Click(`#theme-toggle`),
		chromedp.Click(`[data-tab="events"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.event.exc`))
	shot("9-trace-error-dark")
	if text := textOf(`#trace-main`); !strings.Contains(text, "RateLimitError") {
		t.Errorf("events: %q", text)
	}
	do("info tab", chromedp.Click(`[data-tab="info"]`, chromedp.NodeVisible))
	scripts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#trace-main script, #trace-main img").length`))
	if text := textOf(`#trace-main .io`); err != nil || scripts != 0 || !strings.Contains(text, `<img src=x onerror=alert(1)>`) {
		t.Errorf("hostile content: %d elements (%v), text %q", scripts, err, text)
	}
	do("session", chromedp.Navigate(p.httpURL+"/redirects/sessions/sess-1"), chromedp.WaitVisible(`ol.turns`))
	shot("10-session-dark")
	do("annotate the LLM span",
		chromedp.Navigate(p.httpURL+"/redirects/spans/"+webSpanID(3)),
		chromedp.Click(`#theme-toggle`),
		chromedp.WaitVisible(`#feedback-span form[data-config="correctness"]`),
		chromedp.Click(`#feedback-span form[data-config="correctness"] input[value="correct"]`, chromedp.NodeVisible),
		chromedp.SendKeys(`#feedback-span form[data-config="correctness"] input[name="explanation"]`, "Cites the right settings page"),
		chromedp.Click(`#feedback-span form[data-config="correctness"] button[type="submit"]`, chromedp.NodeVisible))
	do("the annotation listed, and an answer missing",
		chromedp.WaitVisible(`#feedback-span .ann-list`),
		chromedp.SendKeys(`#feedback-span form[data-config="remarks"] input[name="explanation"]`, "   "),
		chromedp.Click(`#feedback-span form[data-config="remarks"] button[type="submit"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#feedback-span .field-error`),
		chromedp.ScrollIntoView(`#feedback-span`))
	shot("11-annotate")
	if text := textOf(`#feedback-span .ann-list`); !strings.Contains(text, "correctness") || !strings.Contains(text, "Cites the right settings page") || !strings.Contains(text, "HUMAN") {
		t.Errorf("annotations listed: %q", text)
	}
	if text := textOf(`#feedback-span .field-error`); !strings.Contains(text, "Enter some text for remarks") {
		t.Errorf("inline error: %q", text)
	}
	do("annotation columns", chromedp.Navigate(p.httpURL+"/redirects/projects/"+webProject), chromedp.WaitVisible(`#filter-form`),
		chromedp.Click(`a.toggle`, chromedp.NodeVisible), chromedp.WaitVisible(`th.ann`))
	shot("12-annotation-columns")
	if text := textOf(`table.rows`); !strings.Contains(text, "correctness") || !strings.Contains(text, "correct 1") {
		t.Errorf("annotation columns: %q", text)
	}
	do("create an annotation config",
		chromedp.Click(`nav.tabs a[href$="/annotation-configs"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#config-form`),
		chromedp.SendKeys(`#config-form input[name="name"]`, "helpfulness"),
		chromedp.SetValue(`#config-form select[name="type"]`, "CATEGORICAL"),
		chromedp.SendKeys(`#config-form textarea[name="values"]`, "helpful = 1\nunhelpful = 0"),
		chromedp.Click(`#config-form button[type="submit"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`tr[data-config="helpfulness"]`))
	shot("13-annotation-configs")
	if text := textOf(`tr[data-config="helpfulness"]`); !strings.Contains(text, "unhelpful") || !strings.Contains(text, "Used") {
		t.Errorf("new config row: %q", text)
	}
	do("its form in the trace view",
		chromedp.Navigate(p.httpURL+"/redirects/spans/"+webSpanID(3)),
		chromedp.WaitVisible(`#feedback-span form[data-config="helpfulness"]`))
	do("annotate the session",
		chromedp.Navigate(p.httpURL+"/redirects/sessions/sess-1"),
		chromedp.WaitVisible(`#feedback-session form[data-config="helpfulness"]`),
		chromedp.Click(`#feedback-session form[data-config="helpfulness"] input[value="helpful"]`, chromedp.NodeVisible),
		chromedp.Click(`#feedback-session form[data-config="helpfulness"] button[type="submit"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#feedback-session .ann-list`),
		chromedp.ScrollIntoView(`#feedback-session`))
	shot("14-session-annotated")
	if text := textOf(`#feedback-session .ann-list`); !strings.Contains(text, "helpfulness") || !strings.Contains(text, "helpful") {
		t.Errorf("session annotations: %q", text)
	}
	do("annotate a retrieved document",
		chromedp.Navigate(p.httpURL+"/redirects/spans/"+webSpanID(2)),
		chromedp.WaitVisible(`.doc`),
		chromedp.Click(`.doc-ann summary`, chromedp.NodeVisible),
		chromedp.Click(`#feedback-document-0 form[data-config="correctness"] input[value="correct"]`, chromedp.NodeVisible),
		chromedp.Click(`#feedback-document-0 form[data-config="correctness"] button[type="submit"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#feedback-document-0 .ann-list`))
	shot("15-document-annotated")
	t.Logf("screenshots in %s", shots)
}
