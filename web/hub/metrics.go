package hub

import (
	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the hub's Prometheus series (issue: agents connected,
// customers waiting and chatting, messages per second, relay latency and
// first response).
type metrics struct {
	agents, customers, waiting prometheus.Gauge
	relayed                    prometheus.Counter
	relayLatency               prometheus.Histogram
	firstResponse              prometheus.Histogram
	protocolErrors             *prometheus.CounterVec
	slowConsumers              prometheus.Counter
	stalled                    *prometheus.CounterVec
}

func newMetrics(r prometheus.Registerer, h *Hub) (*metrics, error) {
	m := &metrics{
		agents:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "deskdrill_agents_connected", Help: "Agent and supervisor connections open."}),
		customers: prometheus.NewGauge(prometheus.GaugeOpts{Name: "deskdrill_customers_connected", Help: "Customer connections open."}),
		waiting:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "deskdrill_customers_waiting", Help: "Customers in the queue, waiting for an agent."}),
		relayed:   prometheus.NewCounter(prometheus.CounterOpts{Name: "deskdrill_messages_relayed_total", Help: "Frames relayed from one client to another (one message in one direction)."}),
		relayLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "deskdrill_relay_latency_seconds", Help: "From reading a frame to writing the frame it caused to the other side.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 16),
		}),
		firstResponse: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "deskdrill_first_response_seconds", Help: "Customer's first message to the agent's first reply.",
			Buckets: []float64{5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600},
		}),
		protocolErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deskdrill_protocol_errors_total", Help: "Frames refused, by error code."}, []string{"code"}),
		slowConsumers:  prometheus.NewCounter(prometheus.CounterOpts{Name: "deskdrill_slow_consumers_total", Help: "Connections closed because their send queue was full."}),
		stalled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deskdrill_stalled_connections_total",
			Help: "Connections treated as disconnected because their send queue was not emptied, or a ping not answered, within the stall timeout, by role."}, []string{"role"}),
	}
	chatting := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "deskdrill_customers_chatting", Help: "Conversations assigned to an agent."},
		func() float64 { return float64(h.Snapshot().Chatting) })
	// The labelled series exist from the start, at 0, so that /metrics
	// lists every name docs/live.md does before anything is refused or
	// stalls (and rate() sees the first one).
	for _, code := range []string{protocol.CodeBadJSON, protocol.CodeVersion, protocol.CodeUnknownType, protocol.CodeMissingField,
		protocol.CodeBadField, protocol.CodeNotYours, protocol.CodeUnknownConv, protocol.CodeState, protocol.CodeForbidden,
		protocol.CodeUnavailable, "too_big"} {
		m.protocolErrors.WithLabelValues(code)
	}
	for _, role := range []string{"agent", "supervisor", "customer"} {
		m.stalled.WithLabelValues(role)
	}
	if r == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.agents, m.customers, m.waiting, m.relayed, m.relayLatency, m.firstResponse, m.protocolErrors, m.slowConsumers, m.stalled, chatting} {
		if err := r.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
