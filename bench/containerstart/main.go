// Command containerstart measures how long a container server takes from its process start to the
// first 200 answer of GET /healthz, against a baseline server measured in the same run, and the
// size of OCI images. See bench/containerstart.sh.
//
// Each run starts every server once, in turn (the order rotates between runs), on a free
// 127.0.0.1 port with HOST=127.0.0.1, polls /healthz with a fresh connection every 100 µs from
// the moment the process is started, records the time of the first 200, and stops the server with
// SIGTERM. One unmeasured warm-up run comes first (page cache).
package main

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	n := flag.Int("n", 20, "measured runs per server")
	var servers, env, imgs multi
	flag.Var(&servers, "server", "name=path of a server binary; the first is the baseline (repeatable)")
	flag.Var(&env, "env", "KEY=VALUE for every server (repeatable)")
	flag.Var(&imgs, "image", "name=path of an oci-archive whose size to report (repeatable)")
	timeout := flag.Duration("timeout", 10*time.Second, "give up on a start after this long")
	flag.Parse()
	if err := run(*n, servers, env, imgs, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "containerstart:", err)
		os.Exit(1)
	}
}

type server struct{ name, bin string }

func run(n int, specs, env, imgs []string, timeout time.Duration) error {
	for _, spec := range imgs {
		name, p, ok := strings.Cut(spec, "=")
		if !ok {
			return fmt.Errorf("-image %q: want name=path", spec)
		}
		compressed, uncompressed, err := imageSize(p)
		if err != nil {
			return fmt.Errorf("image %s: %w", name, err)
		}
		fmt.Printf("image %-14s compressed (config + layers, what a registry stores and a node pulls) %9d bytes = %5.2f MB; layers uncompressed %9d bytes = %5.2f MB\n",
			name, compressed, float64(compressed)/1e6, uncompressed, float64(uncompressed)/1e6)
	}
	if len(specs) == 0 {
		return nil
	}
	var servers []server
	for _, spec := range specs {
		name, bin, ok := strings.Cut(spec, "=")
		if !ok {
			return fmt.Errorf("-server %q: want name=path", spec)
		}
		servers = append(servers, server{name, bin})
	}
	times := map[string][]time.Duration{}
	for r := -1; r < n; r++ {
		for i := range servers {
			s := servers[(i+max(r, 0))%len(servers)]
			d, err := startOnce(s, env, timeout)
			if err != nil {
				return fmt.Errorf("run %d: %w", r+1, err)
			}
			if r >= 0 {
				times[s.name] = append(times[s.name], d)
			}
		}
	}
	base := servers[0].name
	baseMed := median(times[base])
	fmt.Printf("%-14s %6s %10s %10s %10s %8s\n", "server", "runs", "median ms", "p10 ms", "p90 ms", "ratio")
	for _, s := range servers {
		ts := times[s.name]
		med := median(ts)
		fmt.Printf("%-14s %6d %10.2f %10.2f %10.2f %7.2fx\n", s.name, len(ts), ms(med), ms(pct(ts, 10)), ms(pct(ts, 90)), float64(med)/float64(baseMed))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(ts []time.Duration) time.Duration { return pct(ts, 50) }

func pct(ts []time.Duration, p int) time.Duration {
	s := slices.Clone(ts)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startOnce starts s and returns the time from the start to its first 200 on /healthz.
func startOnce(s server, env []string, timeout time.Duration) (time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/healthz"
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	cmd := exec.Command(s.bin)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOST=127.0.0.1", "PORT=" + strconv.Itoa(port)}, env...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("cannot start %s: %w", s.name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		select {
		case err := <-done:
			return 0, fmt.Errorf("%s exited before answering: %v", s.name, err)
		default:
		}
		if time.Since(start) > timeout {
			return 0, fmt.Errorf("%s did not answer /healthz within %s", s.name, timeout)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// imageSize reads an oci-archive with one image and returns the compressed size (config and
// layers as the manifest lists them) and the uncompressed size of its layers (their diff_ids'
// sizes are not in the manifest, so each layer blob is gunzipped and counted).
func imageSize(p string) (compressed, uncompressed int64, err error) {
	blobs, err := readTar(p)
	if err != nil {
		return 0, 0, err
	}
	var index struct {
		Manifests []struct{ Digest string } `json:"manifests"`
	}
	if err := json.Unmarshal(blobs["index.json"], &index); err != nil || len(index.Manifests) != 1 {
		return 0, 0, fmt.Errorf("index.json: want one manifest (%v)", err)
	}
	blob := func(d string) []byte { return blobs[path.Join("blobs", strings.Replace(d, ":", "/", 1))] }
	var m struct {
		Config struct{ Size int64 }
		Layers []struct {
			Digest string
			Size   int64
		}
	}
	if err := json.Unmarshal(blob(index.Manifests[0].Digest), &m); err != nil {
		return 0, 0, fmt.Errorf("manifest: %w", err)
	}
	compressed = m.Config.Size
	for _, l := range m.Layers {
		compressed += l.Size
		u, err := gunzipLen(blob(l.Digest))
		if err != nil {
			return 0, 0, fmt.Errorf("layer %s: %w", l.Digest, err)
		}
		uncompressed += u
	}
	return compressed, uncompressed, nil
}

func readTar(p string) (map[string][]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, err
			}
			out[path.Clean(h.Name)] = b
		}
	}
}
