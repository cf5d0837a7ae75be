package kubetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// SkipEnv, when "1", turns missing etcd from a failure into a skip.
const SkipEnv = "NIMBUS_SKIP_KUBE"

// Etcd is Debian's etcd-server binary.
const Etcd = "/usr/bin/etcd"

// Skip skips the test when NIMBUS_SKIP_KUBE=1: the Kubernetes tests build kube-apiserver and the
// provider (minutes, once per machine) and need etcd.
func Skip(t testing.TB) {
	t.Helper()
	if os.Getenv(SkipEnv) == "1" {
		t.Skipf("skipped because %s=1 (the Kubernetes tests need etcd and build kube-apiserver and the Kubernetes provider)", SkipEnv)
	}
}

// Require fails the test (or, with NIMBUS_SKIP_KUBE=1, skips it) when what the API server needs
// is missing from the machine.
func Require(t testing.TB) {
	t.Helper()
	Skip(t)
	if _, err := os.Stat(Etcd); err != nil {
		t.Fatalf("etcd not found at %s (Debian's etcd-server): run functions/scripts/install-test-deps.sh, or set %s=1 to skip the Kubernetes API server tests", Etcd, SkipEnv)
	}
}

// Server is a kube-apiserver over its own etcd, both on 127.0.0.1, both stopped when the test
// ends (or its process dies).
type Server struct {
	// URL is the API server's https address.
	URL string
	// Token is a bearer token of a user in system:masters.
	Token string
	// Kubeconfig is a kubeconfig file for URL and Token, trusting the server's own certificate.
	Kubeconfig string
	// CA is the PEM of the server's self-signed certificate.
	CA []byte

	client *http.Client
	stop   func()
}

// StartAPIServer starts etcd and kube-apiserver (built by APIServer when missing) for the test
// and waits until the API server is ready. They are stopped at the test's cleanup.
func StartAPIServer(t testing.TB) *Server {
	t.Helper()
	Require(t)
	bin, err := APIServer(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var procs []*process
	var once sync.Once
	stop := func() {
		once.Do(func() {
			for i := len(procs) - 1; i >= 0; i-- { // the API server before its etcd
				procs[i].stop(syscall.SIGTERM, 10*time.Second)
			}
		})
	}
	t.Cleanup(stop)

	// etcd, its data in the test's folder.
	var etcd *process
	var etcdURL string
	for attempt := 0; ; attempt++ {
		ports := freePorts(t, 2)
		etcdURL = "http://127.0.0.1:" + strconv.Itoa(ports[0])
		peer := "http://127.0.0.1:" + strconv.Itoa(ports[1])
		etcd, err = start("etcd", filepath.Join(dir, "etcd.log"), Etcd,
			"--name=kubetest", "--data-dir="+filepath.Join(dir, "etcd"),
			"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
			"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
			"--initial-cluster=kubetest="+peer)
		if err != nil {
			t.Fatal(err)
		}
		err = etcd.waitFor(30*time.Second, func() error { return httpOK(http.DefaultClient, etcdURL+"/health", "") })
		if err == nil {
			procs = append(procs, etcd)
			break
		}
		etcd.stop(syscall.SIGKILL, time.Second)
		if attempt == 2 {
			t.Fatalf("%v\n%s", err, etcd.logTail())
		}
		_ = os.RemoveAll(filepath.Join(dir, "etcd")) // a port was taken meanwhile: again, on others
	}

	// kube-apiserver: a service-account key pair, an admin token, certificates in certDir.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	saKey, saPub := filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	writeFile(t, saKey, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	writeFile(t, saPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	token := hex.EncodeToString(secret)
	tokens := filepath.Join(dir, "tokens.csv")
	writeFile(t, tokens, []byte(token+",admin,admin,system:masters\n"), 0o600)
	certDir := filepath.Join(dir, "certs")

	var api *process
	var url string
	for attempt := 0; ; attempt++ {
		port := freePorts(t, 1)[0]
		url = "https://127.0.0.1:" + strconv.Itoa(port)
		api, err = start("kube-apiserver", filepath.Join(dir, "kube-apiserver.log"), bin,
			"--etcd-servers="+etcdURL, "--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(port),
			"--cert-dir="+certDir, "--service-account-issuer=https://kubernetes.default.svc",
			"--service-account-key-file="+saPub, "--service-account-signing-key-file="+saKey,
			"--token-auth-file="+tokens, "--authorization-mode=RBAC", "--service-cluster-ip-range=10.96.0.0/16")
		if err != nil {
			t.Fatal(err)
		}
		// Until the server has written its certificate, it cannot be trusted: wait for the file,
		// then for /readyz over TLS verified against it.
		var client *http.Client
		err = api.waitFor(120*time.Second, func() error {
			if client == nil {
				ca, err := os.ReadFile(filepath.Join(certDir, "apiserver.crt"))
				if err != nil {
					return err
				}
				if client, err = trusting(ca); err != nil {
					return err
				}
			}
			return httpOK(client, url+"/readyz", token)
		})
		if err == nil {
			procs = append(procs, api)
			ca, _ := os.ReadFile(filepath.Join(certDir, "apiserver.crt"))
			s := &Server{URL: url, Token: token, CA: ca, client: client, stop: stop}
			s.Kubeconfig = filepath.Join(dir, "kubeconfig")
			writeFile(t, s.Kubeconfig, s.kubeconfig(), 0o600)
			return s
		}
		api.stop(syscall.SIGKILL, time.Second)
		if attempt == 2 {
			t.Fatalf("%v\n%s", err, api.logTail())
		}
	}
}

// Stop stops the API server and etcd now (the test's cleanup does it otherwise).
func (s *Server) Stop() { s.stop() }

// KubeconfigYAML is the kubeconfig's content, for a provider's kubeconfig argument.
func (s *Server) KubeconfigYAML() string { return string(s.kubeconfig()) }

func (s *Server) kubeconfig() []byte {
	return []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kubetest
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: kubetest
  context:
    cluster: kubetest
    user: admin
current-context: kubetest
`, s.URL, b64(s.CA), s.Token))
}

// Do sends a request to the API server as the admin and returns the status and body.
func (s *Server) Do(ctx context.Context, method, path, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("cannot %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// trusting is a client that trusts only the certificate ca.
func trusting(ca []byte) (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, errors.New("the API server's apiserver.crt holds no PEM certificate")
	}
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}, nil
}

func httpOK(client *http.Client, url, token string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4000))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return nil
}

// freePorts returns n distinct ports that were free on 127.0.0.1 a moment ago.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

func writeFile(t testing.TB, path string, content []byte, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, content, perm); err != nil {
		t.Fatal(err)
	}
}

// process is a server started by a test.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error
}

// start starts a server, its output appended to logPath. The server is killed if the test
// process dies (Pdeathsig).
func start(name, logPath, bin string, args ...string) (*process, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("cannot start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig, waits up to grace, then kills the process.
func (p *process) stop(sig syscall.Signal, grace time.Duration) {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// logTail returns the end of the server's log, for failure messages.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// waitFor polls ready every 100ms until it returns nil, the process exits, or timeout.
func (p *process) waitFor(timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		if p.exited() {
			return fmt.Errorf("%s exited (%v) before it was ready: %w", p.name, p.err, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %w", p.name, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
