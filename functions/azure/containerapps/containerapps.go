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
//     SettleReserve to finish, then are cancelled and their messages abandoned.
//   - DB_AUTH=entra: Microsoft Entra ID tokens (azure.UseEntraAuth), one asked for per new
//     connection, scope azure.PostgresScope, no password.
//
// Every Azure client authenticates with one token credential: by default the managed identity
// (azure.ManagedIdentity: the user-assigned one whose client id is AZURE_CLIENT_ID), made on the
// first token request. The S3 API, the Broker, CloudEvents and DB_AUTH=password stay
// available, as in every image.
package containerapps

import (
	"fmt"
	"log/slog"
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
// Service Bus, the database); nil means the managed identity (azure.ManagedIdentity).
func Platform(cred azcore.TokenCredential) knative.Platform {
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
				c, err := azservicebus.NewClient(env.Namespace, cred, nil)
				if err != nil {
					return nil, fmt.Errorf("cannot create the Service Bus client of JOBS_NAMESPACE %q: %w", env.Namespace, err)
				}
				r, err := c.NewReceiverForQueue(env.Queue, &azservicebus.ReceiverOptions{ReceiveMode: azservicebus.ReceiveModePeekLock})
				if err != nil {
					return nil, fmt.Errorf("cannot create the Service Bus receiver of JOBS_QUEUE_NAME %q: %w", env.Queue, err)
				}
				return Loop(r, w, env, log)
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
