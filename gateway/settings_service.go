package gateway

import (
	"strconv"
	"time"
)

// ServiceSettings configure self-hosted gateway mode: the configuration
// comes from a configuration endpoint (policygate config-server) instead
// of a local folder. The names are the self-hosted gateway's; the
// .path, heartbeat and poll settings are PolicyGate's own.
type ServiceSettings struct {
	// GatewayName is the gateway resource this instance belongs to
	// (gateway.name).
	GatewayName string
	// Endpoint is the configuration endpoint URL (config.service.endpoint).
	Endpoint string
	// Auth is a gateway token ("GatewayKey …"), or key, azureAdApp or
	// workloadIdentity (config.service.auth).
	Auth string
	// Key is the gateway token with Auth=key (config.service.auth.key);
	// KeyPath names a file holding it, read again when it changes
	// (config.service.auth.key.path, e.g. a mounted Kubernetes secret).
	Key, KeyPath string
	// Entra ID application (config.service.auth.azureAd.*).
	TenantID, ClientID, ClientSecret, CertificatePath, Authority string
	// TokenAudience is the Entra ID audience (config.service.auth.tokenAudience).
	TokenAudience string
	// InsecureSkipVerify turns off certificate validation of the endpoint
	// (config.service.endpoint.disableCertificateValidation).
	InsecureSkipVerify bool
	// Timeout bounds each request to the endpoint
	// (config.service.integration.timeout).
	Timeout time.Duration
	// BackupPath is the folder of the configuration backup; empty: no
	// backup (config.backup.path).
	BackupPath string
	// Heartbeat is the status interval (config.service.heartbeat.interval)
	// and PollWait the long-poll wait (config.service.poll.wait).
	Heartbeat, PollWait time.Duration
}

func init() {
	str := func(name, def, doc string, f func(*ServiceSettings) *string) setting {
		return strSetting(name, def, doc, func(s *Settings) *string { return f(&s.Service) })
	}
	dur := func(name, def, doc string, f func(*ServiceSettings) *time.Duration) setting {
		return durSetting(name, def, doc, func(s *Settings) *time.Duration { return f(&s.Service) })
	}
	settingsTable = append(settingsTable,
		str("gateway.name", "", "gateway resource name (self-hosted gateway mode)", func(s *ServiceSettings) *string { return &s.GatewayName }),
		str("config.service.endpoint", "", "configuration endpoint URL; set, the configuration comes from it", func(s *ServiceSettings) *string { return &s.Endpoint }),
		str("config.service.auth", "", "gateway token, or key, azureAdApp or workloadIdentity", func(s *ServiceSettings) *string { return &s.Auth }),
		str("config.service.auth.key", "", "gateway token when config.service.auth=key", func(s *ServiceSettings) *string { return &s.Key }),
		str("config.service.auth.key.path", "", "file holding the gateway token (re-read when it changes)", func(s *ServiceSettings) *string { return &s.KeyPath }),
		str("config.service.auth.azureAd.tenantId", "", "Entra ID tenant", func(s *ServiceSettings) *string { return &s.TenantID }),
		str("config.service.auth.azureAd.clientId", "", "Entra ID application (client) id", func(s *ServiceSettings) *string { return &s.ClientID }),
		str("config.service.auth.azureAd.clientSecret", "", "Entra ID client secret", func(s *ServiceSettings) *string { return &s.ClientSecret }),
		str("config.service.auth.azureAd.certificatePath", "", "Entra ID client certificate (PEM or PFX with key)", func(s *ServiceSettings) *string { return &s.CertificatePath }),
		str("config.service.auth.azureAd.authority", "https://login.microsoftonline.com", "Entra ID authority host", func(s *ServiceSettings) *string { return &s.Authority }),
		str("config.service.auth.tokenAudience", "https://azure-api.net/configuration", "Entra ID token audience", func(s *ServiceSettings) *string { return &s.TokenAudience }),
		setting{"config.service.endpoint.disableCertificateValidation", "false", "do not validate the endpoint's certificate", func(s *Settings, v string) error {
			b, err := strconv.ParseBool(v)
			s.Service.InsecureSkipVerify = b
			return err
		}},
		dur("config.service.integration.timeout", "00:01:40", "timeout of a request to the endpoint", func(s *ServiceSettings) *time.Duration { return &s.Timeout }),
		str("config.backup.path", "", "configuration backup folder (container: /apim/config; empty: off)", func(s *ServiceSettings) *string { return &s.BackupPath }),
		dur("config.service.heartbeat.interval", "60s", "heartbeat interval", func(s *ServiceSettings) *time.Duration { return &s.Heartbeat }),
		dur("config.service.poll.wait", "30s", "long-poll wait", func(s *ServiceSettings) *time.Duration { return &s.PollWait }),
	)
}
