package echo

// OnPending sets a function called when a customer is left waiting for
// an agent.
func (r *Relay) OnPending(f func()) {
	r.mu.Lock()
	r.onPending = f
	r.mu.Unlock()
}
