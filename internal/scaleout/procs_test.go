package scaleout_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// proc is one child process of the test, its stderr kept for the failure
// report.
type proc struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	tail []string
	done chan struct{}
}

// startProc starts bin args with env and waits until a stderr line
// contains ready (within 60 s). Whatever is left running at the end of
// the test is killed.
func startProc(t *testing.T, name string, env []string, ready string, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Env = env
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = p.cmd.Stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	up := make(chan struct{})
	go func() {
		defer close(p.done)
		s := bufio.NewScanner(stderr)
		s.Buffer(make([]byte, 64<<10), 1<<20)
		signalled := false
		for s.Scan() {
			l := s.Text()
			p.mu.Lock()
			p.tail = append(p.tail, l)
			if len(p.tail) > 300 {
				p.tail = p.tail[len(p.tail)-300:]
			}
			p.mu.Unlock()
			if !signalled && strings.Contains(l, ready) {
				signalled = true
				close(up)
			}
		}
		_ = p.cmd.Wait()
	}()
	t.Cleanup(func() { p.stop(syscall.SIGKILL) })
	select {
	case <-up:
	case <-p.done:
		t.Fatalf("%s exited before it was ready:\n%s", name, p.log())
	case <-time.After(60 * time.Second):
		t.Fatalf("%s not ready within 60 s:\n%s", name, p.log())
	}
	return p
}

// stop sends sig and waits for the process to end (SIGKILL after 20 s).
func (p *proc) stop(sig syscall.Signal) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// log is the process's last lines of output.
func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

// redisServer runs a redis-server of its own on port without persistence,
// so a restart comes back empty (as the sync/engine outage test does).
func redisServer(t *testing.T, port int) *proc {
	t.Helper()
	return startProc(t, fmt.Sprintf("redis:%d", port), os.Environ(), "Ready to accept connections",
		"redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
