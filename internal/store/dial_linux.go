package store

import (
	"strings"
	"syscall"
)

// tcpUserTimeout is Linux's TCP_USER_TIMEOUT (linux/tcp.h; the syscall
// package has it on some architectures only).
const tcpUserTimeout = 0x12

// boundDeadPeer makes a TCP connection to PostgreSQL fail once what it
// sent (a statement, or a keep-alive probe) has gone unacknowledged for
// deadPeerAfter: statements run without a cancellable context (see
// detachedDriver), so a server gone without a reset would otherwise hold
// them until the kernel gives up retransmitting, minutes later.
func boundDeadPeer(network, _ string, c syscall.RawConn) error {
	if !strings.HasPrefix(network, "tcp") {
		return nil
	}
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeout, int(deadPeerAfter.Milliseconds()))
	}); err != nil {
		return err
	}
	return serr
}
