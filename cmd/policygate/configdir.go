package main

import (
	"errors"
	"log/slog"

	"github.com/policygate/policygate/engine"
	"github.com/policygate/policygate/gateway/apiops"
	"github.com/policygate/policygate/namedvalues"
	"github.com/policygate/policygate/parser"
)

// artifactDir resolves --config: the APIOps artifact folder itself, or the
// repository root that holds it; it logs the folder it chose below a root.
func artifactDir(dir string, log *slog.Logger) (string, error) {
	found, why, err := apiops.FindArtifacts(dir)
	if errors.Is(err, apiops.ErrNoArtifacts) {
		// an empty folder that a sidecar fills later: serve it as it is
		log.Warn("config: "+err.Error()+"; serving it as the artifact folder (0 APIs until files arrive)", slog.String("dir", dir))
		return dir, nil
	}
	if err != nil {
		return "", err
	}
	if why != "" {
		log.Info("config: using the APIOps artifact folder "+found, slog.String("given", dir), slog.String("why", why))
	}
	return found, nil
}

// loadConfig reads an artifact folder, Key Vault named values included.
func loadConfig(dir string) (*engine.Config, parser.Errors) {
	return apiops.Load(dir, apiops.WithNamedValueOptions(namedvalues.WithResolver(namedvalues.NewKeyVaultResolver())))
}

// cachedLoader is loadConfig for a hot-reloaded folder: API folders
// whose files did not change since the previous load are reused.
func cachedLoader() func(dir string) (*engine.Config, parser.Errors) {
	cache := apiops.NewCache()
	return func(dir string) (*engine.Config, parser.Errors) {
		return apiops.Load(dir, apiops.WithCache(cache), apiops.WithNamedValueOptions(namedvalues.WithResolver(namedvalues.NewKeyVaultResolver())))
	}
}
