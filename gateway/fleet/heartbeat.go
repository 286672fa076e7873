package fleet

import "time"

// Heartbeat is what a gateway instance reports every DefaultHeartbeat.
type Heartbeat struct {
	InstanceID    string `json:"instanceId"`
	Hostname      string `json:"hostname"`
	Version       string `json:"version"`
	ConfigVersion string `json:"configVersion"`
	// ConfigHash is the hash of the snapshot being served.
	ConfigHash string `json:"configHash"`
	// LastError is the last configuration or connection problem
	// (positions included; never a credential).
	LastError string `json:"lastError,omitempty"`
}

// Instance is a heartbeat as the server keeps it.
type Instance struct {
	Heartbeat
	LastSeen time.Time `json:"lastSeen"`
	InSync   bool      `json:"inSync"`
}

// GatewayStatus is one gateway in GET /gateways.
type GatewayStatus struct {
	Name          string     `json:"name"`
	Location      string     `json:"location,omitempty"`
	Description   string     `json:"description,omitempty"`
	Assigned      bool       `json:"assigned"`
	APIs          []string   `json:"apis"`
	ConfigVersion string     `json:"configVersion"`
	Instances     []Instance `json:"instances"`
}
