package bench

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill cmd when the bench exits.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
