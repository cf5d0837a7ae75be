package knative

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// Server timeouts.
const (
	ReadHeaderTimeout = 10 * time.Second
	IdleTimeout       = 90 * time.Second
)

// Serve serves h on host:port (host empty: every interface, as a container must) until ctx ends or the process gets SIGTERM or SIGINT, then
// shuts down gracefully: the listener closes at once (new connections are refused), idle
// connections are closed, and requests in flight get up to grace to finish. It returns nil after
// a clean drain, an error when the listener cannot open or requests were still running at the
// end of grace (they are then cut off).
func Serve(ctx context.Context, host string, port int, h http.Handler, grace time.Duration, log *slog.Logger) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("cannot listen on HOST %q PORT %d: %w", host, port, err)
	}
	return ServeListener(ctx, ln, h, grace, log)
}

// ServeListener is Serve on an open listener.
func ServeListener(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		IdleTimeout:       IdleTimeout,
		// Requests keep their own context until they finish, so a drain lets them complete.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.InfoContext(ctx, "listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}
	log.InfoContext(ctx, "shutting down: refusing new connections, draining requests in flight", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("requests still running after the shutdown grace of %s were cut off: %w", grace, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server stopped: %w", err)
	}
	log.Info("drained, exiting")
	return nil
}
