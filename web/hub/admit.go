package hub

import "github.com/deskdrill/deskdrill/bench/protocol"

// admit asks Config.Admit whether frame f may be applied now. Pings are
// always answered: they change nothing. mu must be held.
func (h *Hub) admit(f protocol.Frame) error {
	if h.cfg.Admit == nil || f.Type == protocol.TypePing {
		return nil
	}
	if err := h.cfg.Admit(); err != nil {
		return protocol.Errorf(protocol.CodeUnavailable, "", "%v; nothing was applied: send it again later", err)
	}
	return nil
}
