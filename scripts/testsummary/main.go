// Command testsummary reads `go test -json` on stdin, prints what plain
// `go test` would (package results, and the output of failing tests), and
// ends with one line counting tests: "tests: N passed, M failed, K skipped"
// (a package that fails outside any test counts as one failure).
// It exits 1 when anything failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	passed, failed, skipped := 0, 0, 0
	pkgFailed := false
	failedIn := map[string]int{}     // package → failed tests
	outputs := map[string][]string{} // package/test → its output lines
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			fmt.Println(string(line)) // build errors are plain text
			continue
		}
		key := e.Package + "/" + e.Test
		switch e.Action {
		case "output":
			outputs[key] = append(outputs[key], e.Output)
			if e.Test == "" && (strings.HasPrefix(e.Output, "ok ") || strings.HasPrefix(e.Output, "FAIL") || strings.HasPrefix(e.Output, "?")) {
				fmt.Print(e.Output)
			}
		case "pass":
			if e.Test != "" {
				passed++
			}
			delete(outputs, key)
		case "skip":
			if e.Test != "" {
				skipped++
			}
			delete(outputs, key)
		case "fail":
			if e.Test != "" {
				failed++
				failedIn[e.Package]++
				fmt.Print(strings.Join(outputs[key], ""))
			} else {
				pkgFailed = true
				if failedIn[e.Package] == 0 {
					failed++ // the package itself failed: build error, panic, timeout
				}
				// A package that failed outside any test (build error,
				// panic in init, timeout) shows its own output.
				fmt.Print(strings.Join(outputs[key], ""))
			}
			delete(outputs, key)
		}
	}
	fmt.Printf("tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 || pkgFailed {
		os.Exit(1)
	}
}
