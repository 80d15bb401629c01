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
	"strconv"
	"time"

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

// benchmark evaluates one request's expression n times (compiled once) and prints the mean time
// of one evaluation in nanoseconds: the peer's figure for benches/compare_cel.sh.
func benchmark(env *cel.Env, n int) {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ast, issues := env.Compile(req.Expr)
	if issues != nil && issues.Err() != nil {
		fmt.Fprintln(os.Stderr, issues.Err())
		os.Exit(1)
	}
	program, err := env.Program(ast)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	activation := map[string]any{"predicate": req.Predicate, "statement": req.Statement, "signer": req.Signer, "image": req.Image}
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, _, err := program.Eval(activation); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	fmt.Println(time.Since(start).Nanoseconds() / int64(n))
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
	if len(os.Args) == 3 && os.Args[1] == "bench" {
		n, err := strconv.Atoi(os.Args[2])
		if err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "usage: cel-oracle bench N < request.json")
			os.Exit(2)
		}
		benchmark(env, n)
		return
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
