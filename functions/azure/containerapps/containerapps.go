// Package containerapps plugs the Azure adapters of package azure into the shared servers and
// migrate job of package knative, for the Container Apps images (cmd/api-server-azure,
// cmd/worker-server-azure, cmd/migrate-job-azure). It is the only place that links the Azure
// clients to the servers, so the Knative images (cmd/api-server, cmd/worker-server,
// cmd/migrate-job) stay free of them.
//
// Platform selects, by the variables the Azure components hand out:
//
//   - IMAGES_STORE=azblob (the default here): Azure Blob Storage (azure.Blobs) for the container
//     IMAGES_BUCKET in the account at IMAGES_ACCOUNT_URL, with conditional creates.
//   - JOBS_QUEUE_NAME with JOBS_NAMESPACE (the fully qualified namespace): Service Bus
//     publishing (azure.Publisher on an azservicebus Sender).
//   - JOBS_DELIVERY=servicebus: the worker's receive loop (azure.Loop on an azservicebus
//     Receiver in peek-lock mode) on JOBS_QUEUE_NAME, the last attempt at
//     JOBS_MAX_RECEIVE_COUNT (the queue's maxDeliveryCount); the server then serves only
//     GET /healthz over HTTP. On SIGTERM the jobs in flight get SHUTDOWN_GRACE less
//     SettleReserve to finish, then are cancelled and their messages abandoned. Beside the
//     loop, on a second receiver of the same client (the queue's dead-letter subqueue), the
//     dead-letter scanner (azure.DeadLetterScanner) marks failed the images of the jobs
//     Service Bus dead-lettered without a last attempt, every JOBS_DEADLETTER_SCAN (a Go
//     duration, default 30s, at least 1s; 0 turns it off). It only peeks, so the same role on
//     the queue (Azure Service Bus Data Receiver) covers it and the worker needs no other
//     variable. Both run as one Receivers and stop together.
//   - DB_AUTH=entra: Microsoft Entra ID tokens (azure.UseEntraAuth), one asked for per new
//     connection, scope azure.PostgresScope, no password.
//
// Every Azure client authenticates with one token credential: by default the managed identity
// (azure.ManagedIdentity: the user-assigned one whose client id is AZURE_CLIENT_ID), made on the
// first token request. The S3 API, the Broker, CloudEvents and DB_AUTH=password stay
// available, as in every image.
package containerapps

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/azure"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/knative"
)

// SettleReserve is the part of SHUTDOWN_GRACE kept, on SIGTERM, for cancelling the jobs still
// running and abandoning their messages (or marking a last attempt failed), so that the worker
// exits inside the grace Container Apps gives it.
const SettleReserve = 5 * time.Second

// Platform returns the Azure adapters. cred authenticates every Azure client (Blob Storage,
// Service Bus, the database); nil means the managed identity (azure.ManagedIdentity). The
// variables package knative does not read (JOBS_DEADLETTER_SCAN) are read with os.Getenv.
func Platform(cred azcore.TokenCredential) knative.Platform {
	return PlatformEnv(cred, os.Getenv)
}

// PlatformEnv is Platform reading JOBS_DEADLETTER_SCAN with getenv, when the worker server is
// built; a bad value fails the build naming the variable.
func PlatformEnv(cred azcore.TokenCredential, getenv func(string) string) knative.Platform {
	if cred == nil {
		cred = &azure.ManagedIdentity{}
	}
	return knative.Platform{
		Defaults: map[string]string{"IMAGES_STORE": knative.StoreAzblob},
		AccountStores: map[string]func(string, string) (images.BlobStore, error){
			knative.StoreAzblob: func(accountURL, container string) (images.BlobStore, error) {
				return azure.NewBlobs(accountURL, container, cred), nil
			},
		},
		Queue: func(namespace, queue string) (images.JobPublisher, error) {
			c, err := azservicebus.NewClient(namespace, cred, nil)
			if err != nil {
				return nil, fmt.Errorf("cannot create the Service Bus client of %q: %w", namespace, err)
			}
			s, err := c.NewSender(queue, nil)
			if err != nil {
				return nil, fmt.Errorf("cannot create the Service Bus sender of queue %q: %w", queue, err)
			}
			return azure.NewPublisher(queue, s), nil
		},
		Receivers: map[string]func(*images.Worker, knative.Env, *slog.Logger) (knative.Receiver, error){
			knative.DeliveryServiceBus: func(w *images.Worker, env knative.Env, log *slog.Logger) (knative.Receiver, error) {
				scan, err := DeadLetterScan(getenv)
				if err != nil {
					return nil, err
				}
				c, err := azservicebus.NewClient(env.Namespace, cred, nil)
				if err != nil {
					return nil, fmt.Errorf("cannot create the Service Bus client of JOBS_NAMESPACE %q: %w", env.Namespace, err)
				}
				r, err := c.NewReceiverForQueue(env.Queue, &azservicebus.ReceiverOptions{ReceiveMode: azservicebus.ReceiveModePeekLock})
				if err != nil {
					return nil, fmt.Errorf("cannot create the Service Bus receiver of JOBS_QUEUE_NAME %q: %w", env.Queue, err)
				}
				var dl azure.Peeker
				if scan > 0 {
					d, err := c.NewReceiverForQueue(env.Queue, &azservicebus.ReceiverOptions{SubQueue: azservicebus.SubQueueDeadLetter})
					if err != nil {
						return nil, fmt.Errorf("cannot create the Service Bus receiver of the dead-letter subqueue of JOBS_QUEUE_NAME %q: %w", env.Queue, err)
					}
					dl = d
				}
				return Worker(r, dl, w, env, scan, log)
			},
		},
		DBAuths: map[string]knative.DBAuth{
			knative.DBAuthEntra: func(cfg *pgxpool.Config) error {
				azure.UseEntraAuth(cfg, cred)
				return nil
			},
		},
	}
}

// Loop returns the worker's receive loop on r as the servers configure it from env: the last
// attempt at JOBS_MAX_RECEIVE_COUNT, as many jobs at once as DB_MAX_CONNS allows, and
// SHUTDOWN_GRACE less SettleReserve for the jobs in flight on SIGTERM.
func Loop(r azure.Receiver, w *images.Worker, env knative.Env, log *slog.Logger) (*azure.Loop, error) {
	return azure.NewLoop(azure.LoopConfig{
		Receiver:         r,
		Worker:           w,
		MaxDeliveryCount: env.Push.MaxReceiveCount,
		Concurrency:      int(env.DB.MaxConns),
		Grace:            max(env.ShutdownGrace-SettleReserve, 0),
		Logger:           log,
	})
}

// DefaultDeadLetterScan is JOBS_DEADLETTER_SCAN's default.
const DefaultDeadLetterScan = azure.DefaultScanEvery

// DeadLetterScan reads JOBS_DEADLETTER_SCAN with getenv: the wait between two passes of the
// dead-letter scanner, a Go duration of at least azure.MinScanEvery; unset means
// DefaultDeadLetterScan, 0 no scanner.
func DeadLetterScan(getenv func(string) string) (time.Duration, error) {
	v := strings.TrimSpace(getenv("JOBS_DEADLETTER_SCAN"))
	if v == "" {
		return DefaultDeadLetterScan, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || (d > 0 && d < azure.MinScanEvery) {
		return 0, fmt.Errorf("JOBS_DEADLETTER_SCAN must be a Go duration of at least %s such as %s, or 0 (no dead-letter scan), got %q", azure.MinScanEvery, DefaultDeadLetterScan, v)
	}
	return d, nil
}

// Worker returns the worker's receiver as the servers configure it from env: the receive loop
// on r (Loop) and, when dl is set and scan is not 0, the dead-letter scanner on dl every scan,
// side by side (Receivers). dl is a receiver of the dead-letter subqueue of r's queue.
func Worker(r azure.Receiver, dl azure.Peeker, w *images.Worker, env knative.Env, scan time.Duration, log *slog.Logger) (knative.Receiver, error) {
	loop, err := Loop(r, w, env, log)
	if err != nil {
		return nil, err
	}
	if dl == nil || scan == 0 {
		return loop, nil
	}
	s, err := azure.NewDeadLetterScanner(azure.DeadLetterConfig{Peeker: dl, Worker: w, Every: scan, Logger: log})
	if err != nil {
		return nil, err
	}
	return Receivers{"receive loop": loop, "dead-letter scanner": s}, nil
}

// Receivers runs receivers side by side as one, by name. Run returns once every one has
// returned: when ctx ends each stops as it does (the receive loop within its grace, the scanner
// at once); when one returns first, by itself, the others are stopped too and Run returns an
// error naming it, so that the server stops and the platform restarts the container.
type Receivers map[string]knative.Receiver

var _ knative.Receiver = Receivers(nil)

// Run implements knative.Receiver.
func (rs Receivers) Run(ctx context.Context) error {
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for name, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := r.Run(inner)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			case ctx.Err() == nil && inner.Err() == nil:
				errs = append(errs, fmt.Errorf("the %s stopped by itself", name))
			}
			cancel()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
