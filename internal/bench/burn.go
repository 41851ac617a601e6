package bench

import (
	"fmt"
	"os/exec"
)

// burnCore starts a CPU-bound process beside the bench — a shell looping
// on a builtin, one core busy — and returns what stops it. It dies with
// the bench too (parent-death signal).
func burnCore() (func(), error) {
	cmd := exec.Command("/bin/sh", "-c", "while :; do :; done")
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start the competing process: %w", err)
	}
	return func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}, nil
}
