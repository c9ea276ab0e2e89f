// The oracle for hull's Go template golden tests: runs each case through Go's own text/template
// with docker's template functions (docker/cli templates/templates.go, same behaviour) and prints
// the expected output or error. Regenerate: go run oracle.go < cases.json > go-text-template.json
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"text/template"
)

type testCase struct {
	Name       string `json:"name"`
	Template   string `json:"template"`
	MissingKey string `json:"missingKey,omitempty"`
}

type input struct {
	Data  json.RawMessage `json:"data"`
	Cases []testCase      `json:"cases"`
}

type result struct {
	testCase
	Output string `json:"output"`
	Error  string `json:"error,omitempty"`
}

var funcs = template.FuncMap{
	"json": func(v any) string {
		buf := &bytes.Buffer{}
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		return strings.TrimSpace(buf.String())
	},
	"split": strings.Split,
	"join":  strings.Join,
	"title": strings.Title,
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"pad": func(s string, prefix, suffix int) string {
		if s == "" {
			return s
		}
		return strings.Repeat(" ", prefix) + s + strings.Repeat(" ", suffix)
	},
	"truncate": func(s string, n int) string {
		if len(s) < n {
			return s
		}
		return s[:n]
	},
}

// ints decodes JSON numbers that are whole as int, as docker's typed values hold them.
func ints(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = ints(e)
		}
	case []any:
		// docker's string lists are []string: keep them so join works as on docker's types.
		strs := make([]string, 0, len(x))
		for i, e := range x {
			x[i] = ints(e)
			if s, ok := x[i].(string); ok {
				strs = append(strs, s)
			}
		}
		if len(strs) == len(x) && len(x) > 0 {
			return strs
		}
	}
	return v
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := make([]result, 0, len(in.Cases))
	for _, c := range in.Cases {
		r := result{testCase: c}
		// Decoded afresh for each case: ints() converts in place.
		var data any
		dec := json.NewDecoder(bytes.NewReader(in.Data))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			panic(err)
		}
		data = ints(data)
		t := template.New("").Funcs(funcs)
		if c.MissingKey != "" {
			t = t.Option("missingkey=" + c.MissingKey)
		}
		t, err := t.Parse(c.Template)
		if err != nil {
			r.Error = err.Error()
		} else {
			var buf bytes.Buffer
			err = t.Execute(&buf, data)
			r.Output = buf.String()
			if err != nil {
				r.Error = err.Error()
			}
		}
		out = append(out, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(out)
}
