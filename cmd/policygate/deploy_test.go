package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/policygate/policygate/gateway"
)

// knownSettings reads the setting names from the settings table (through
// its usage text), so settings added later are known here too.
func knownSettings(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, line := range strings.Split(gateway.SettingNames(), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			names[f[0]] = true
		}
	}
	if len(names) < 10 {
		t.Fatalf("only %d settings read from the table", len(names))
	}
	return names
}

// settingOf maps an environment name onto its dotted setting name: the
// dotted name itself or its POLICYGATE_ form. Subscription keys and named
// value overrides are not settings (ok false, other true).
func settingOf(known map[string]bool, name string) (setting string, ok, other bool) {
	if strings.HasPrefix(name, "POLICYGATE_NV_") || (strings.HasPrefix(name, "POLICYGATE_SUBSCRIPTION_") && (strings.HasSuffix(name, "_PRIMARY_KEY") || strings.HasSuffix(name, "_SECONDARY_KEY"))) {
		return "", false, true
	}
	if known[name] {
		return name, true, false
	}
	for s := range known {
		if gateway.EnvName(s) == name {
			return s, true, false
		}
	}
	return "", false, false
}

// checkSettings checks that every name is a setting and that the values
// load together.
func checkSettings(t *testing.T, where string, kv map[string]string) {
	t.Helper()
	known := knownSettings(t)
	flags := map[string]string{}
	for k, v := range kv {
		s, ok, other := settingOf(known, k)
		switch {
		case other:
		case !ok:
			t.Errorf("%s: %q is not a setting (policygate run -h lists them)", where, k)
		default:
			flags[s] = v
		}
	}
	if _, err := gateway.LoadSettings("", nil, flags); err != nil {
		t.Errorf("%s: the settings do not load: %v", where, err)
	}
}

func wantCommand(t *testing.T, where, name string) {
	t.Helper()
	if lookupCommand(name) == nil {
		t.Errorf("%s runs `policygate %s`, which is not a command", where, name)
	}
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

func TestDeployKubernetesManifest(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "kubernetes", "policygate.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	type container struct {
		Args  []string `yaml:"args"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		EnvFrom []struct {
			ConfigMapRef *struct{ Name string } `yaml:"configMapRef"`
			SecretRef    *struct{ Name string } `yaml:"secretRef"`
		} `yaml:"envFrom"`
		Env []struct {
			Name, Value string
		} `yaml:"env"`
		ReadinessProbe *probe `yaml:"readinessProbe"`
		LivenessProbe  *probe `yaml:"livenessProbe"`
	}
	type doc struct {
		Kind     string `yaml:"kind"`
		Metadata struct{ Name string }
		Data     map[string]string `yaml:"data"`
		String   map[string]string `yaml:"stringData"`
		Spec     struct {
			Template struct {
				Spec struct {
					SecurityContext struct {
						RunAsUser    int  `yaml:"runAsUser"`
						RunAsNonRoot bool `yaml:"runAsNonRoot"`
					} `yaml:"securityContext"`
					Containers []container `yaml:"containers"`
				}
			}
			Ports []struct {
				TargetPort string `yaml:"targetPort"`
			} `yaml:"ports"`
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	kinds := map[string]doc{}
	for {
		var d doc
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		kinds[d.Kind+"/"+d.Metadata.Name] = d
	}
	cm, ok1 := kinds["ConfigMap/policygate-env"]
	sec, ok2 := kinds["Secret/policygate-secrets"]
	dep, ok3 := kinds["Deployment/policygate"]
	svc, ok4 := kinds["Service/policygate"]
	if !ok1 || !ok2 || !ok3 || !ok4 {
		t.Fatalf("want a ConfigMap, a Secret, a Deployment and a Service; got %v", kinds)
	}
	checkSettings(t, "ConfigMap policygate-env", cm.Data)
	checkSettings(t, "Secret policygate-secrets", sec.String)
	if dep.Spec.Template.Spec.SecurityContext.RunAsUser != 1001 || !dep.Spec.Template.Spec.SecurityContext.RunAsNonRoot {
		t.Errorf("pod security context %+v: want non-root UID 1001", dep.Spec.Template.Spec.SecurityContext)
	}
	cs := dep.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("%d containers", len(cs))
	}
	c := cs[0]
	if len(c.Args) == 0 {
		t.Fatal("no args")
	}
	wantCommand(t, "the Deployment", c.Args[0])
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if ports["http"] != 8080 || ports["https"] != 8081 {
		t.Errorf("container ports %v: want http 8080, https 8081", ports)
	}
	refs := 0
	for _, e := range c.EnvFrom {
		switch {
		case e.ConfigMapRef != nil:
			if _, ok := kinds["ConfigMap/"+e.ConfigMapRef.Name]; !ok {
				t.Errorf("envFrom names ConfigMap %q, not in the manifest", e.ConfigMapRef.Name)
			}
			refs++
		case e.SecretRef != nil:
			if _, ok := kinds["Secret/"+e.SecretRef.Name]; !ok {
				t.Errorf("envFrom names Secret %q, not in the manifest", e.SecretRef.Name)
			}
			refs++
		}
	}
	if refs != 2 {
		t.Errorf("envFrom has %d references, want the ConfigMap and the Secret", refs)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	checkSettings(t, "container env", env)
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != gateway.StatusPath {
		t.Errorf("readiness probe %+v: want %s", c.ReadinessProbe, gateway.StatusPath)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != gateway.InternalStatusPath {
		t.Errorf("liveness probe %+v: want %s", c.LivenessProbe, gateway.InternalStatusPath)
	}
	for _, p := range svc.Spec.Ports {
		if _, ok := ports[p.TargetPort]; !ok {
			t.Errorf("Service targets port %q, which the container does not name", p.TargetPort)
		}
	}
}

func TestDeployDockerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	// join continued lines
	text := regexp.MustCompile(`\\\n\s*`).ReplaceAllString(string(data), " ")
	var user, expose, health, entry string
	env := map[string]string{}
	stages := 0
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		rest := strings.TrimSpace(strings.TrimPrefix(line, f[0]))
		switch strings.ToUpper(f[0]) {
		case "FROM":
			stages++
		case "USER":
			user = rest
		case "EXPOSE":
			expose = rest
		case "HEALTHCHECK":
			health = rest
		case "ENTRYPOINT":
			entry = rest
		case "ENV":
			for _, kv := range strings.Fields(rest) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		}
	}
	if stages < 2 {
		t.Errorf("%d stages, want a multi-stage build", stages)
	}
	if user != "1001:1001" && user != "1001" {
		t.Errorf("USER %q, want 1001", user)
	}
	if expose != "8080 8081" {
		t.Errorf("EXPOSE %q", expose)
	}
	if !strings.Contains(text, "CGO_ENABLED=0") {
		t.Error("the binary is not built static (CGO_ENABLED=0)")
	}
	checkSettings(t, "Dockerfile ENV", env)
	if !strings.Contains(health, `"/policygate", "health"`) || !strings.Contains(health, gateway.StatusPath) {
		t.Errorf("HEALTHCHECK %q: want policygate health on %s", health, gateway.StatusPath)
	}
	wantCommand(t, "HEALTHCHECK", "health")
	if entry != `["/policygate", "run"]` {
		t.Errorf("ENTRYPOINT %q", entry)
	}
}

func TestDeploySystemd(t *testing.T) {
	unit, err := os.ReadFile(filepath.Join("..", "..", "deploy", "systemd", "policygate.service"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ExecStart=\S+policygate (\S+)`).FindSubmatch(unit)
	if m == nil {
		t.Fatal("no ExecStart running policygate")
	}
	wantCommand(t, "the systemd unit", string(m[1]))
	if !bytes.Contains(unit, []byte("EnvironmentFile=-/etc/policygate/policygate.env")) {
		t.Error("the unit does not read /etc/policygate/policygate.env")
	}
	f, err := os.Open(filepath.Join("..", "..", "deploy", "systemd", "policygate.env"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "#"))
		if k, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(k, "POLICYGATE_") {
			env[k] = v // commented-out lines too: they must name real settings
		}
	}
	if len(env) < 5 {
		t.Fatalf("%d settings in policygate.env", len(env))
	}
	checkSettings(t, "policygate.env", env)
}
