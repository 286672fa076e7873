package gateway

import "github.com/prometheus/client_golang/prometheus"

// Register adds collectors of other packages (the configuration client's)
// to the server's metrics.
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
