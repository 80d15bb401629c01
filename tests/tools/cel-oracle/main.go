// cel-oracle evaluates CEL conditions with cel-go, the reference implementation, for ocitrust's
// differential tests. Each input line is a JSON object {"expr", "predicate", "statement",
// "signer", "image"}; each output line is {"value": <the result as JSON>} or {"error": "..."}.
// The environment matches ocitrust's: four dynamic variables, cel-go's standard library and
// its string extension.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
)

type request struct {
	Expr      string `json:"expr"`
	Predicate any    `json:"predicate"`
	Statement any    `json:"statement"`
	Signer    any    `json:"signer"`
	Image     any    `json:"image"`
}

type response struct {
	Value any    `json:"value,omitempty"`
	Kind  string `json:"kind,omitempty"`
	Error string `json:"error,omitempty"`
}

func evaluate(env *cel.Env, req request) response {
	ast, issues := env.Compile(req.Expr)
	if issues != nil && issues.Err() != nil {
		return response{Error: "compile: " + issues.Err().Error()}
	}
	program, err := env.Program(ast)
	if err != nil {
		return response{Error: "program: " + err.Error()}
	}
	out, _, err := program.Eval(map[string]any{
		"predicate": req.Predicate,
		"statement": req.Statement,
		"signer":    req.Signer,
		"image":     req.Image,
	})
	if err != nil {
		return response{Error: err.Error()}
	}
	if b, ok := out.Value().(bool); ok {
		return response{Value: b, Kind: "bool"}
	}
	return response{Kind: fmt.Sprint(out.Type())}
}

func main() {
	env, err := cel.NewEnv(
		cel.Variable("predicate", cel.DynType),
		cel.Variable("statement", cel.DynType),
		cel.Variable("signer", cel.DynType),
		cel.Variable("image", cel.DynType),
		ext.Strings(),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	writer := bufio.NewWriter(os.Stdout)
	defer writer.Flush()
	for scanner.Scan() {
		var req request
		var resp response
		if err := json.Unmarshal(scanner.Bytes(), &req); err != nil {
			resp = response{Error: "request: " + err.Error()}
		} else {
			resp = evaluate(env, req)
		}
		line, _ := json.Marshal(resp)
		writer.Write(line)
		writer.WriteString("\n")
	}
}
