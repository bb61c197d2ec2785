package protocol

import "strings"

// HubURL writes a hub's address as a WebSocket URL: trimmed of spaces and
// trailing slashes, http(s):// taken as ws(s)://, and ws:// put before an
// address without a scheme (HOST:PORT). It does not check the result:
// callers decide which parts an address may have.
func HubURL(s string) string {
	u := strings.TrimRight(strings.TrimSpace(s), "/")
	switch {
	case strings.HasPrefix(u, "http://"):
		return "ws://" + strings.TrimPrefix(u, "http://")
	case strings.HasPrefix(u, "https://"):
		return "wss://" + strings.TrimPrefix(u, "https://")
	case !strings.Contains(u, "://"):
		return "ws://" + u
	}
	return u
}
