//go:build !linux

package bench

import "os/exec"

// dieWithParent: only Linux has a parent-death signal; elsewhere the
// competing process is stopped when the bench returns.
func dieWithParent(*exec.Cmd) {}
