package deploy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	yaml "github.com/oasdiff/yaml3"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/channel"
	"gjj/internal/platform/config"
)

// doc is one parsed YAML document or JSON file.
type doc struct {
	file string
	v    map[string]any
}

// loadAll parses every .yml, .yaml and .json file under the deploy folder
// (every document of a multi-document YAML file) and fails the test on any
// that does not parse or is not a mapping.
func loadAll(t *testing.T) []doc {
	t.Helper()
	var docs []doc
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := filepath.Ext(path)
		if ext != ".yml" && ext != ".yaml" && ext != ".json" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if ext == ".json" {
			var v map[string]any
			if err := json.Unmarshal(data, &v); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			docs = append(docs, doc{path, v})
			return nil
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for i := 0; ; i++ {
			var v map[string]any
			err := dec.Decode(&v)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("%s document %d: %w", path, i+1, err)
			}
			if v != nil {
				docs = append(docs, doc{path, v})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no YAML or JSON files under deploy/")
	}
	return docs
}

// TestEveryFileParses: every YAML and JSON file under deploy/ parses (each
// document of a multi-document file), and the files the deployment needs are
// among them.
func TestEveryFileParses(t *testing.T) {
	files := map[string]bool{}
	for _, d := range loadAll(t) {
		files[filepath.ToSlash(d.file)] = true
	}
	for _, want := range []string{"docker-compose.yml", "prometheus/prometheus.yml", "prometheus/alerts.yml",
		"grafana/gjj-channels.json", "k8s/deployment.yaml", "k8s/cronjob-eod.yaml", "k8s/job-migrate.yaml",
		"k8s/secret.example.yaml", "k8s/kustomization.yaml"} {
		if !files[want] {
			t.Errorf("deploy/%s is missing or empty", want)
		}
	}
}

// get walks a path of map keys ("spec", "template", …) and list indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string { s, _ := get(v, path...).(string); return s }

// walk calls f on every map inside v, depth first.
func walk(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(x)
		for _, k := range slices.Sorted(maps.Keys(x)) {
			walk(x[k], f)
		}
	case []any:
		for _, e := range x {
			walk(e, f)
		}
	}
}

// k8s returns the Kubernetes objects (documents with apiVersion and kind,
// kustomization.yaml aside) by kind.
func k8s(docs []doc) map[string][]doc {
	out := map[string][]doc{}
	for _, d := range docs {
		if strings.HasPrefix(d.file, "k8s"+string(filepath.Separator)) && str(d.v, "kind") != "" && str(d.v, "kind") != "Kustomization" && str(d.v, "apiVersion") != "" {
			out[str(d.v, "kind")] = append(out[str(d.v, "kind")], d)
		}
	}
	return out
}

// TestKubernetesManifests: the manifests hold every object the deployment
// needs, each named and in the gjj namespace; the Service, PDB and HPA
// point at the Deployment's pods; envFrom names a ConfigMap or Secret that
// exists; kustomization.yaml lists files that exist and leaves the Secret
// template out.
func TestKubernetesManifests(t *testing.T) {
	objs := k8s(loadAll(t))
	for _, kind := range []string{"Namespace", "ConfigMap", "Secret", "Deployment", "Service", "HorizontalPodAutoscaler",
		"PodDisruptionBudget", "CronJob", "Job"} {
		if len(objs[kind]) == 0 {
			t.Errorf("no %s in deploy/k8s", kind)
		}
	}
	apiVersions := map[string]string{"Namespace": "v1", "ConfigMap": "v1", "Secret": "v1", "Service": "v1",
		"Deployment": "apps/v1", "HorizontalPodAutoscaler": "autoscaling/v2", "PodDisruptionBudget": "policy/v1",
		"CronJob": "batch/v1", "Job": "batch/v1"}
	for kind, ds := range objs {
		for _, d := range ds {
			if want, ok := apiVersions[kind]; !ok || str(d.v, "apiVersion") != want {
				t.Errorf("%s: %s has apiVersion %q, want %q", d.file, kind, str(d.v, "apiVersion"), want)
			}
			if str(d.v, "metadata", "name") == "" {
				t.Errorf("%s: %s without metadata.name", d.file, kind)
			}
			if kind != "Namespace" && str(d.v, "metadata", "namespace") != "gjj" {
				t.Errorf("%s: %s %s not in namespace gjj", d.file, kind, str(d.v, "metadata", "name"))
			}
		}
	}
	if len(objs["Deployment"]) != 1 {
		t.Fatalf("want one Deployment, have %d", len(objs["Deployment"]))
	}
	dep := objs["Deployment"][0].v
	podLabels, _ := get(dep, "spec", "template", "metadata", "labels").(map[string]any)
	matches := func(sel any) bool {
		m, ok := sel.(map[string]any)
		if !ok || len(m) == 0 {
			return false
		}
		for k, v := range m {
			if podLabels[k] != v {
				return false
			}
		}
		return true
	}
	if !matches(get(dep, "spec", "selector", "matchLabels")) {
		t.Error("the Deployment's selector does not match its pod labels")
	}
	for _, d := range objs["Service"] {
		if !matches(get(d.v, "spec", "selector")) {
			t.Errorf("Service %s does not select the Deployment's pods", str(d.v, "metadata", "name"))
		}
	}
	for _, d := range objs["PodDisruptionBudget"] {
		if !matches(get(d.v, "spec", "selector", "matchLabels")) {
			t.Errorf("PDB %s does not select the Deployment's pods", str(d.v, "metadata", "name"))
		}
	}
	for _, d := range objs["HorizontalPodAutoscaler"] {
		if str(d.v, "spec", "scaleTargetRef", "kind") != "Deployment" || str(d.v, "spec", "scaleTargetRef", "name") != str(dep, "metadata", "name") {
			t.Errorf("HPA %s does not scale the Deployment", str(d.v, "metadata", "name"))
		}
	}

	// Day-end: one run at a time, for a named date (a retried Job must not close a second day).
	for _, d := range objs["CronJob"] {
		cmd := fmt.Sprint(get(d.v, "spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "command"),
			get(d.v, "spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "args"))
		if !strings.Contains(cmd, "gjj eod --date") || str(d.v, "spec", "concurrencyPolicy") != "Forbid" {
			t.Errorf("CronJob %s: command %s, concurrencyPolicy %q", str(d.v, "metadata", "name"), cmd, str(d.v, "spec", "concurrencyPolicy"))
		}
	}
	for _, d := range objs["Job"] {
		if args := fmt.Sprint(get(d.v, "spec", "template", "spec", "containers", 0, "args")); args != "[migrate]" {
			t.Errorf("Job %s runs %s, want gjj migrate", str(d.v, "metadata", "name"), args)
		}
	}

	names := map[string]bool{}
	for _, kind := range []string{"ConfigMap", "Secret"} {
		for _, d := range objs[kind] {
			names[kind+"/"+str(d.v, "metadata", "name")] = true
		}
	}
	for kind, ds := range objs {
		for _, d := range ds {
			walk(d.v, func(m map[string]any) {
				if n := str(m, "configMapRef", "name"); n != "" && !names["ConfigMap/"+n] {
					t.Errorf("%s: %s refers to the missing ConfigMap %s", d.file, kind, n)
				}
				if n := str(m, "secretRef", "name"); n != "" && !names["Secret/"+n] {
					t.Errorf("%s: %s refers to the missing Secret %s", d.file, kind, n)
				}
			})
		}
	}

	kust, err := os.ReadFile(filepath.Join("k8s", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct{ Resources []string }
	if err := yaml.Unmarshal(kust, &k); err != nil {
		t.Fatal(err)
	}
	for _, r := range k.Resources {
		if _, err := os.Stat(filepath.Join("k8s", r)); err != nil {
			t.Errorf("kustomization.yaml lists %s: %v", r, err)
		}
		if strings.Contains(r, "secret") {
			t.Errorf("kustomization.yaml applies the Secret template %s", r)
		}
	}
}

// configVars are the environment variables gjj reads (the env tags of
// config.Config).
func configVars() map[string]bool {
	known := map[string]bool{}
	typ := reflect.TypeFor[config.Config]()
	for i := range typ.NumField() {
		if name, _, _ := strings.Cut(typ.Field(i).Tag.Get("env"), ","); name != "" {
			known[name] = true
		}
	}
	return known
}

var dockerEnv = regexp.MustCompile(`(?m)^ENV\s+([A-Z0-9_]+)=`)

// envNames are the environment variables the deployment files set for gjj:
// ConfigMap and Secret keys, env entries of containers, the environment of
// docker-compose services and ENV lines of the Dockerfile, each with where
// it was found.
func envNames(t *testing.T, docs []doc) map[string]string {
	t.Helper()
	out := map[string]string{}
	for kind, ds := range k8s(docs) {
		for _, d := range ds {
			switch kind {
			case "ConfigMap":
				m, _ := get(d.v, "data").(map[string]any)
				for k := range m {
					out[k] = d.file
				}
			case "Secret":
				for _, field := range []string{"data", "stringData"} {
					m, _ := get(d.v, field).(map[string]any)
					for k := range m {
						out[k] = d.file
					}
				}
			}
			walk(d.v, func(m map[string]any) {
				env, _ := m["env"].([]any)
				for _, e := range env {
					if n := str(e, "name"); n != "" {
						out[n] = d.file
					}
				}
			})
		}
	}
	for _, d := range docs {
		if filepath.Base(d.file) != "docker-compose.yml" {
			continue
		}
		svcs, _ := get(d.v, "services").(map[string]any)
		if len(svcs) == 0 {
			t.Fatalf("%s: no services", d.file)
		}
		for name, s := range svcs {
			switch env := get(s, "environment").(type) {
			case map[string]any:
				for k := range env {
					out[k] = d.file + " " + name
				}
			case []any:
				for _, e := range env {
					k, _, _ := strings.Cut(fmt.Sprint(e), "=")
					out[k] = d.file + " " + name
				}
			}
		}
	}
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range dockerEnv.FindAllStringSubmatch(string(df), -1) {
		out[m[1]] = "Dockerfile"
	}
	return out
}

// unknownVars lists the names (with where they are set) that gjj does not read.
func unknownVars(set map[string]string, known map[string]bool, ignore func(where string) bool) []string {
	var bad []string
	for name, where := range set {
		if !known[name] && !ignore(where) {
			bad = append(bad, name+" ("+where+")")
		}
	}
	slices.Sort(bad)
	return bad
}

// TestEnvironmentNames: every variable the ConfigMap, Secret, container env,
// docker-compose (gjj services) and Dockerfile set is one gjj reads; and the
// check itself notices a misspelt name.
func TestEnvironmentNames(t *testing.T) {
	docs := loadAll(t)
	set := envNames(t, docs)
	known := configVars()
	// The database and Redis images of docker-compose read their own variables.
	images := func(where string) bool {
		return strings.HasSuffix(where, " mysql") || strings.HasSuffix(where, " redis") || strings.HasSuffix(where, " nginx")
	}
	for _, want := range []string{"GJJ_DATABASE", "GJJ_REDIS", "GJJ_ADDR"} {
		if set[want] == "" {
			t.Errorf("the deployment files never set %s", want)
		}
	}
	cases := []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"deploy files", set, nil},
		{"a misspelt name is caught", map[string]string{"GJJ_DATABASE": "x", "GJJ_REDIS_ADDR": "k8s/configmap.yaml"},
			[]string{"GJJ_REDIS_ADDR (k8s/configmap.yaml)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := unknownVars(c.set, known, images); !slices.Equal(got, c.want) {
				t.Errorf("variables gjj does not read: %q, want %q", got, c.want)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Metric names in PromQL.

var (
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promBraces   = regexp.MustCompile(`\{[^}]*\}`)
	promRange    = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promSelector = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}`)
	promMatcher  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
	labelValues  = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)`)
	promKeywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true,
		"without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true}
)

// metricNames returns the metric names a PromQL expression selects (what is
// left after dropping strings, label matchers, ranges, grouping clauses,
// functions and keywords). Grafana's label_values(metric, label) counts as
// its metric.
func metricNames(expr string) []string {
	if m := labelValues.FindStringSubmatch(strings.TrimSpace(expr)); m != nil {
		return []string{m[1]}
	}
	s := promString.ReplaceAllString(expr, `""`)
	s = promBraces.ReplaceAllString(s, " ")
	s = promRange.ReplaceAllString(s, " ")
	s = promGrouping.ReplaceAllString(s, " ")
	var names []string
	for _, loc := range promIdent.FindAllStringIndex(s, -1) {
		word := s[loc[0]:loc[1]]
		if promKeywords[strings.ToLower(word)] {
			continue
		}
		if loc[0] > 0 && (s[loc[0]-1] >= '0' && s[loc[0]-1] <= '9' || s[loc[0]-1] == '.') {
			continue // exponent of a number (1e3)
		}
		if rest := strings.TrimLeft(s[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") {
			continue // a function or aggregation
		}
		if !slices.Contains(names, word) {
			names = append(names, word)
		}
	}
	return names
}

// family is what /metrics serves under one sample name: its label names.
type family map[string]bool

// served reads a /metrics answer into the sample names it serves (a
// histogram's _bucket, _sum and _count) with their label names.
func served(t *testing.T, text string) map[string]family {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	out := map[string]family{}
	add := func(name string, labels family) {
		if out[name] == nil {
			out[name] = family{}
		}
		maps.Copy(out[name], labels)
	}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			labels := family{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = true
			}
			if f.GetType().String() == "HISTOGRAM" {
				add(name+"_sum", labels)
				add(name+"_count", labels)
				add(name+"_bucket", maps.Collect(func(yield func(string, bool) bool) {
					for k := range labels {
						if !yield(k, true) {
							return
						}
					}
					yield("le", true)
				}))
				continue
			}
			add(name, labels)
		}
	}
	return out
}

// problems checks expressions against what /metrics serves: every metric
// exists ("up" is Prometheus' own), every label a selector matches exists on
// it or is added by the scrape (target), and every outcome value is one the
// gate records.
func problems(exprs map[string]string, serve map[string]family, target family) []string {
	outcomes := []string{channel.OutcomeAdmitted, channel.OutcomeError, channel.OutcomeDiverted, channel.OutcomeClosed}
	var bad []string
	for _, where := range slices.Sorted(maps.Keys(exprs)) {
		expr := exprs[where]
		for _, name := range metricNames(expr) {
			if name != "up" && serve[name] == nil {
				bad = append(bad, fmt.Sprintf("%s: metric %s is not served at /metrics", where, name))
			}
		}
		for _, sel := range promSelector.FindAllStringSubmatch(promString.ReplaceAllStringFunc(expr, func(s string) string {
			return strings.ReplaceAll(strings.ReplaceAll(s, "{", "("), "}", ")") // {{ $labels }} in strings
		}), -1) {
			labels := serve[sel[1]]
			for _, m := range promMatcher.FindAllStringSubmatch(sel[2], -1) {
				label, op, value := m[1], m[2], m[3]
				if !labels[label] && !target[label] {
					bad = append(bad, fmt.Sprintf("%s: %s has no label %s", where, sel[1], label))
				}
				if label == "outcome" && (op == "=" || op == "=~") {
					for _, v := range strings.Split(value, "|") {
						if !slices.Contains(outcomes, v) {
							bad = append(bad, fmt.Sprintf("%s: outcome %q is never recorded", where, v))
						}
					}
				}
			}
		}
	}
	return bad
}

// monitoringExprs collects the PromQL of the alert rules and of the Grafana
// dashboards (panel targets and template queries), keyed by where they are.
func monitoringExprs(t *testing.T, docs []doc) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range docs {
		switch {
		case strings.HasPrefix(d.file, "prometheus") && get(d.v, "groups") != nil:
			groups, _ := get(d.v, "groups").([]any)
			for _, g := range groups {
				rules, _ := get(g, "rules").([]any)
				for _, r := range rules {
					out[d.file+" "+str(r, "alert")+str(r, "record")] = str(r, "expr")
				}
			}
		case strings.HasPrefix(d.file, "grafana"):
			walk(d.v, func(m map[string]any) {
				if e := str(m, "expr"); e != "" {
					out[fmt.Sprintf("%s panel %v %s", d.file, m["refId"], e)] = e
				}
			})
			vars, _ := get(d.v, "templating", "list").([]any)
			for _, v := range vars {
				q := str(v, "query")
				if q == "" {
					q = str(v, "query", "query")
				}
				if str(v, "type") == "query" && q != "" {
					out[d.file+" variable "+str(v, "name")] = q
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no alert rules or dashboard queries found")
	}
	return out
}

// scrapeLabels are the labels a Prometheus scrape adds to every series: job
// and instance, and the target labels of prometheus.yml's relabelling.
func scrapeLabels(docs []doc) family {
	labels := family{"job": true, "instance": true}
	for _, d := range docs {
		if filepath.Base(d.file) != "prometheus.yml" {
			continue
		}
		walk(d.v, func(m map[string]any) {
			if l := str(m, "target_label"); l != "" {
				labels[l] = true
			}
		})
	}
	return labels
}

// serve is the platform's HTTP server on a demo platform.
func serve(t *testing.T, a *app.App) *httptest.Server {
	t.Helper()
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestMonitoringMetrics: on a running platform (SQLite, and MariaDB with
// Redis) that has served requests through the channel gate, every metric,
// label and outcome the alert rules and Grafana dashboards name is in its
// /metrics answer; a made-up metric, label or outcome is reported.
func TestMonitoringMetrics(t *testing.T) {
	docs := loadAll(t)
	exprs := monitoringExprs(t, docs)
	target := scrapeLabels(docs)
	if !target["pod_ready"] {
		t.Error("prometheus.yml does not label series with the pod's readiness (pod_ready)")
	}
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		srv := serve(t, a)
		for range 3 { // through the gate: channel app, item GG-01
			if code, body := getBody(t, srv.URL+"/api/app/v1/notices"); code != http.StatusOK {
				t.Fatalf("notices: %d %s", code, body)
			}
		}
		code, text := getBody(t, srv.URL+"/metrics")
		if code != http.StatusOK {
			t.Fatalf("/metrics: %d", code)
		}
		serve := served(t, text)
		cases := []struct {
			name  string
			exprs map[string]string
			want  int
		}{
			{"alerts and dashboards", exprs, 0},
			{"a made-up metric", map[string]string{"x": `sum(rate(gjj_channel_admitted_total[5m]))`}, 1},
			{"a made-up label", map[string]string{"x": `gjj_channel_requests_total{service="app"}`}, 1},
			{"a made-up outcome", map[string]string{"x": `gjj_channel_requests_total{outcome=~"admitted|rejected"}`}, 1},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if got := problems(c.exprs, serve, target); len(got) != c.want {
					t.Errorf("%d problems, want %d: %q", len(got), c.want, got)
				}
			})
		}
	})
}

// TestMetricNames pins the PromQL reading itself on expressions like the
// ones in deploy/.
func TestMetricNames(t *testing.T) {
	cases := []struct{ expr, want string }{
		{`up{job="gjj"} == 0`, "up"},
		{`histogram_quantile(0.99, sum by (le, channel) (rate(gjj_channel_request_duration_seconds_bucket{job="gjj"}[$__rate_interval])))`,
			"gjj_channel_request_duration_seconds_bucket"},
		{`sum(rate(a_total{x="{{ y }}"}[5m])) / sum(rate(b_total[5m])) > 1e3`, "a_total b_total"},
		{`label_values(gjj_channel_requests_total{channel=~"$channel"}, item)`, "gjj_channel_requests_total"},
		{`count(up{pod_ready="false"}) and on (pod) c`, "up c"},
	}
	for _, c := range cases {
		if got := strings.Join(metricNames(c.expr), " "); got != c.want {
			t.Errorf("metricNames(%s) = %q, want %q", c.expr, got, c.want)
		}
	}
}

var (
	dockerHealth = regexp.MustCompile(`GET (/\S+) HTTP`)
	nginxExact   = regexp.MustCompile(`location = (/\S+)`)
)

// probePaths collects the HTTP paths the deployment asks gjj for: the
// Kubernetes probes (with the container port they name), Prometheus'
// metrics_path, the Dockerfile's health check and nginx's exact locations.
func probePaths(t *testing.T, docs []doc) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range docs {
		walk(d.v, func(m map[string]any) {
			for _, probe := range []string{"startupProbe", "readinessProbe", "livenessProbe"} {
				if p := str(m, probe, "httpGet", "path"); p != "" {
					out[d.file+" "+probe] = p
				}
			}
			if p := str(m, "metrics_path"); p != "" {
				out[d.file+" metrics_path"] = p
			}
		})
	}
	for file, re := range map[string]*regexp.Regexp{"Dockerfile": dockerHealth, "nginx.conf": nginxExact} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			out[file+" "+m[1]] = m[1]
		}
	}
	return out
}

// TestProbePaths: every path the probes, the scrape, the Dockerfile health
// check and nginx name answers 200 on a running platform (SQLite, and
// MariaDB with Redis, where /readyz also checks Redis); the readiness probe
// is /readyz and the liveness probe /healthz; probes name a declared
// container port.
func TestProbePaths(t *testing.T) {
	docs := loadAll(t)
	paths := probePaths(t, docs)
	want := map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"}
	for probe, path := range want {
		if got := paths[filepath.Join("k8s", "deployment.yaml")+" "+probe]; got != path {
			t.Errorf("%s path = %q, want %q", probe, got, path)
		}
	}
	dep := k8s(docs)["Deployment"][0].v
	ports := map[any]bool{}
	walk(get(dep, "spec", "template", "spec", "containers"), func(m map[string]any) {
		if n, ok := m["containerPort"]; ok {
			ports[n] = true
			ports[m["name"]] = true
		}
	})
	walk(dep, func(m map[string]any) {
		for _, probe := range []string{"startupProbe", "readinessProbe", "livenessProbe"} {
			if p := get(m, probe, "httpGet", "port"); p != nil && !ports[p] {
				t.Errorf("%s uses port %v, which the container does not declare", probe, p)
			}
		}
	})
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		srv := serve(t, a)
		for _, where := range slices.Sorted(maps.Keys(paths)) {
			if code, body := getBody(t, srv.URL+paths[where]); code != http.StatusOK {
				t.Errorf("%s: GET %s = %d %.200s", where, paths[where], code, body)
			}
		}
		if code, _ := getBody(t, srv.URL+"/no-such-probe"); code == http.StatusOK {
			t.Error("an unknown path answers 200: the probe check proves nothing")
		}
	})
}
