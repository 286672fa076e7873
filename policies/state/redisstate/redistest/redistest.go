// Package redistest starts real redis-server processes for tests, each on
// a free loopback port with its files in a temporary folder.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is one redis-server process.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	Port int
	conf string // a config file to start with (sentinels need one)
	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts redis-server, stopped when the test ends. Without the
// binary the test is skipped, naming the Debian package, except under
// CI=true, where it fails.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, lookPath(t, "redis-server"))
}

// lookPath finds a binary of the Debian package redis-server, skipping
// (failing under CI=true) without it.
func lookPath(t testing.TB, name string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		msg := name + " not found: install the Debian package redis-server (apt-get install -y redis-server)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

func start(t testing.TB, bin string, args ...string) *Server {
	t.Helper()
	s := newServer(t, bin, args...)
	t.Cleanup(s.Kill)
	s.Restart()
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// URL is the redis:// URL of database 0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Kill stops the process at once (SIGKILL), as a crash would.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Process.Signal(syscall.SIGCONT) // a paused process dies only once it runs
	<-s.done
	s.cmd = nil
}

// Pause stops the process (SIGSTOP) without closing its connections, as
// a Redis that no longer answers; Resume lets it go on.
func (s *Server) Pause() { s.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume continues a paused process.
func (s *Server) Resume() { s.cmd.Process.Signal(syscall.SIGCONT) }

// Restart starts the process again on the same port (with empty data: no
// persistence is configured) and waits until it answers.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	var first []string
	if s.conf != "" {
		first = []string{s.conf, "--sentinel"}
	}
	cmd := exec.Command(s.bin, append(first, "--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
		"--dir", s.dir, "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")...)
	cmd.Args = append(cmd.Args, s.args...)
	cmd.Dir = s.dir
	log, err := os.Create(s.dir + "/redis.log")
	if err != nil {
		s.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); log.Close(); close(s.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := s.Do("PING"); err == nil {
			return
		}
		select {
		case <-s.done:
			b, _ := os.ReadFile(s.dir + "/redis.log")
			s.t.Fatalf("redis-server exited: %s", b)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on %s did not answer", s.Addr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Do sends one inline command and fails unless the reply is a status or
// integer reply.
func (s *Server) Do(cmd string) error {
	_, err := s.reply(cmd)
	return err
}

// DBSize is the number of keys in database 0.
func (s *Server) DBSize() int {
	s.t.Helper()
	line, err := s.reply("DBSIZE")
	if err != nil {
		s.t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(line, ":"))
	if err != nil {
		s.t.Fatalf("DBSIZE: %q", line)
	}
	return n
}

func (s *Server) reply(cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintf(c, "%s\r\n", cmd); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "+") && !strings.HasPrefix(line, ":") {
		return "", fmt.Errorf("%s: %s", cmd, line)
	}
	return line, nil
}

func newServer(t testing.TB, bin string, args ...string) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return &Server{t: t, bin: bin, dir: t.TempDir(), Port: port, args: args}
}

// Sentinel is a primary watched by one sentinel as "mymaster".
type Sentinel struct{ Primary, Sentinel *Server }

// StartSentinel starts a primary and a sentinel monitoring it.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	bin := lookPath(t, "redis-server")
	p := start(t, bin)
	sn := newServer(t, bin)
	sn.conf = sn.dir + "/sentinel.conf"
	conf := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\nsentinel down-after-milliseconds mymaster 5000\n", p.Port)
	if err := os.WriteFile(sn.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sn.Kill)
	sn.Restart()
	return &Sentinel{Primary: p, Sentinel: sn}
}

// URL is the go-redis Sentinel URL of the sentinel.
func (s *Sentinel) URL() string { return "redis://" + s.Sentinel.Addr() + "?master_name=mymaster" }

// Cluster is a Redis Cluster of primaries without replicas.
type Cluster struct{ Nodes []*Server }

// StartCluster starts n (at least 3) cluster-enabled redis-server
// processes and joins them with redis-cli --cluster create.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	bin := lookPath(t, "redis-server")
	cli := lookPath(t, "redis-cli")
	c := &Cluster{}
	args := []string{"create"}
	for range n {
		s := start(t, bin, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		c.Nodes = append(c.Nodes, s)
		args = append(args, s.Addr())
	}
	out, err := exec.Command(cli, append([]string{"--cluster"}, append(args, "--cluster-replicas", "0", "--cluster-yes")...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, s := range c.Nodes {
		for {
			info, _ := exec.Command(cli, "-p", strconv.Itoa(s.Port), "cluster", "info").Output()
			if strings.Contains(string(info), "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cluster not ok on %s:\n%s", s.Addr(), info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c
}

// URL names every node (go-redis Cluster URL: the first node, then addr=).
func (c *Cluster) URL() string {
	u := "redis://" + c.Nodes[0].Addr()
	for i, s := range c.Nodes[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + s.Addr()
	}
	return u
}
