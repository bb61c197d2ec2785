//go:build !linux

package hub

import "net"

// socket is not read here: writePump writes every frame.
type socket struct{ sndbuf int }

func socketOf(net.Conn) (socket, bool) { return socket{}, false }

func (socket) queued() (int, bool) { return 0, false }
