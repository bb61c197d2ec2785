//go:build linux

package hub

import (
	"net"
	"syscall"
	"unsafe"
)

// socket is what flush needs of a connection's socket: its descriptor and
// send buffer size, read once. The descriptor stays valid while the
// connection is open, and flush looks at it only then (holding wmu, which
// writePump holds from the goodbye to the close).
type socket struct {
	fd     int
	sndbuf int
}

// socketOf returns c's socket, or false when c is not a socket of the
// kernel's (TLS, a pipe): then writePump writes every frame.
func socketOf(c net.Conn) (socket, bool) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return socket{}, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return socket{}, false
	}
	s := socket{fd: -1}
	raw.Control(func(fd uintptr) {
		if v, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF); err == nil {
			s = socket{fd: int(fd), sndbuf: v}
		}
	})
	return s, s.fd >= 0
}

// queued returns the bytes in the send queue, not yet acknowledged by the
// peer (SIOCOUTQ, the same request as TIOCOUTQ): one ioctl, without the
// runtime's descriptor bookkeeping.
func (s socket) queued() (int, bool) {
	var n int32
	_, _, errno := syscall.RawSyscall(syscall.SYS_IOCTL, uintptr(s.fd), syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&n)))
	return int(n), errno == 0
}
