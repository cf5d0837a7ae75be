package database

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

var (
	_ Constructor = CloudNativePG{}.New
	_ granter     = cnpgGrants{}
)

// CloudNativePG runs PostgreSQL on Kubernetes with the CloudNativePG operator
// (postgresql.cnpg.io/v1). Its New is a [Constructor].
type CloudNativePG struct {
	// Instances are the PostgreSQL pods, a primary and its streaming replicas: 1 to 9, default 1
	// (2 with HighAvailability).
	Instances int
	// PoolerInstances are the PgBouncer pods of the Pooler: 1 to 9, default 1 (2 with
	// HighAvailability).
	PoolerInstances int
	// PoolSize is PgBouncer's default_pool_size, the server connections per user and database:
	// 1 to 1000, default 20.
	PoolSize int
	// ExternalSecret names the Secret of the external pooler (Pooler external), with keys
	// host, port, dbname, username and password; required with Pooler external, unused otherwise.
	// The args' ExternalURL is then not used: the URL's parts are read from this Secret, so the URL
	// is in no manifest.
	ExternalSecret string
}

var k8sName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

func (c CloudNativePG) withDefaults(name string, a DatabaseArgs) (CloudNativePG, error) {
	ha := 1
	if a.HighAvailability {
		ha = 2
	}
	check.Default(&c.Instances, ha)
	check.Default(&c.PoolerInstances, ha)
	check.Default(&c.PoolSize, 20)
	p := check.For("database", name)
	p.Between("Instances", c.Instances, 1, 9)
	p.Between("PoolerInstances", c.PoolerInstances, 1, 9)
	p.Between("PoolSize", c.PoolSize, 1, 1000)
	if a.HighAvailability && c.Instances < 2 {
		p.Add("Instances must be at least 2 with HighAvailability, got %d", c.Instances)
	}
	if !k8sName.MatchString(name) {
		p.Add("the name must be a DNS label on kubernetes, got %q", name)
	}
	if a.Pooler == PoolerExternal && !k8sName.MatchString(c.ExternalSecret) {
		p.Add("ExternalSecret must name the Secret of the external pooler (keys host, port, dbname, username, password) with Pooler %q, got %q", PoolerExternal, c.ExternalSecret)
	}
	return c, p.Err()
}

// New creates a CNPG Cluster, whose operator generates the superuser's and the application
// role's credentials, and, with PoolerProxy, a PgBouncer Pooler in transaction mode. Username is
// not used: the administrator is CNPG's superuser, postgres.
func (c CloudNativePG) New(ctx *pulumi.Context, name string, args *DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	if args == nil {
		args = &DatabaseArgs{}
	}
	a, err := args.withDefaults(name)
	if err != nil {
		return nil, err
	}
	if c, err = c.withDefaults(name, a); err != nil {
		return nil, err
	}
	var ns pulumi.StringInput
	if a.Pooler != PoolerExternal {
		pl, err := network.PlacementOf[*network.KubernetesPlacement](a.Network)
		if err != nil {
			return nil, fmt.Errorf("database %q: %w", name, err)
		}
		ns = pl.Namespace
	}
	d, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	d.DatabaseName = pulumi.String(a.DatabaseName).ToStringOutput()
	d.Port = pulumi.Int(5432).ToIntOutput()

	if a.Pooler == PoolerExternal {
		// Nothing is created: the Secret is the external pooler's, managed where it is hosted.
		secret := pulumi.String(c.ExternalSecret)
		d.Endpoint = pulumi.Sprintf("secret %s", c.ExternalSecret)
		d.Identity = pulumi.Sprintf("%s %s", PoolerExternal, c.ExternalSecret)
		g := link.Grant{Env: map[string]link.Value{
			"HOST":      link.SecretRef{Name: secret, Key: "host"},
			"PORT":      link.SecretRef{Name: secret, Key: "port"},
			"NAME":      link.SecretRef{Name: secret, Key: "dbname"},
			"USER":      link.Plain(pulumi.String(a.Username)),
			"PASSWORD":  link.SecretRef{Name: secret, Key: "password"},
			"MAX_CONNS": link.Plain(pulumi.Sprintf("%d", a.ConnectionsPerInstance)),
		}, Binding: link.KubernetesBinding{}}
		d.grants = cnpgGrants{connectGrant: g, migrateGrant: g}
		return d, d.finish(ctx)
	}

	// CNPG generates both credentials, so no password is in the program, the config or the state:
	// the superuser's into NAME-superuser (the migration connects as it, as it does as the master
	// user on AWS) and the database owner's into NAME-app. The owner is the application role; the
	// migration takes the database's ownership from it (functions/postgres, ensureAppRole), so it
	// ends with only what the service's tables need.
	poolerName := name + "-pooler-rw"
	spec := pulumi.Map{
		"instances":             pulumi.Int(c.Instances),
		"enableSuperuserAccess": pulumi.Bool(true),
		"storage":               pulumi.Map{"size": pulumi.Sprintf("%dGi", a.StorageGB)},
		"bootstrap":             pulumi.Map{"initdb": pulumi.Map{"database": pulumi.String(a.DatabaseName), "owner": pulumi.String(a.AppUsername)}},
	}
	if a.Pooler == PoolerProxy {
		// PgBouncer serves clients with the cluster's server certificate, which names only the
		// cluster's own Services unless told: the apps verify the Pooler's name (verify-full).
		var names pulumi.StringArray
		for _, suffix := range []string{"", ".%s", ".%s.svc", ".%s.svc.cluster.local"} {
			if suffix == "" {
				names = append(names, pulumi.String(poolerName))
				continue
			}
			names = append(names, pulumi.Sprintf(poolerName+suffix, ns))
		}
		spec["certificates"] = pulumi.Map{"serverAltDNSNames": names}
	}
	cluster, err := apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String("postgresql.cnpg.io/v1"),
		Kind:        pulumi.String("Cluster"),
		Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: ns},
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create CNPG cluster %q: %w", name, err)
	}
	clusterName := cluster.Metadata.Name().Elem()
	rw := pulumi.Sprintf("%s-rw", clusterName)
	host := rw
	d.Ready = []pulumi.Resource{cluster}
	if a.Pooler == PoolerProxy {
		pooler, err := apiextensions.NewCustomResource(ctx, poolerName, &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("postgresql.cnpg.io/v1"),
			Kind:       pulumi.String("Pooler"),
			Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(poolerName), Namespace: ns},
			OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
				"cluster":   pulumi.Map{"name": clusterName},
				"instances": pulumi.Int(c.PoolerInstances),
				"type":      pulumi.String("rw"),
				"pgbouncer": pulumi.Map{
					// CNPG's default is session, which holds a server connection per client.
					"poolMode": pulumi.String("transaction"),
					"parameters": pulumi.StringMap{
						"default_pool_size":  pulumi.Sprintf("%d", c.PoolSize),
						"query_wait_timeout": pulumi.Sprintf("%d", a.Pool.BorrowTimeoutSeconds),
					},
				},
			}},
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("cannot create CNPG pooler %q: %w", poolerName, err)
		}
		// The Pooler's Service has the Pooler's name; NAME-app's host is the cluster's -rw one.
		host = pooler.Metadata.Name().Elem()
		d.Ready = append(d.Ready, pooler)
	}
	d.Endpoint = host
	d.Identity = pulumi.Sprintf("%s %s:5432/%s %s", cluster.Metadata.Uid().Elem(), host, a.DatabaseName, a.Pooler)
	common := func(h pulumi.StringInput) map[string]link.Value {
		return map[string]link.Value{
			"HOST":      link.Plain(h),
			"PORT":      link.Plain(pulumi.String("5432")),
			"NAME":      link.Plain(pulumi.String(a.DatabaseName)),
			"MAX_CONNS": link.Plain(pulumi.Sprintf("%d", a.ConnectionsPerInstance)),
		}
	}
	// CNPG serves TLS with its own CA, in the NAME-ca Secret: the consumers mount its ca.crt and
	// verify the server's certificate and name.
	tls := link.KubernetesBinding{
		Env:   map[string]link.Value{"SSLMODE": link.Plain(pulumi.String("verify-full"))},
		Files: map[string]link.SecretFile{"SSLROOTCERT": {Secret: pulumi.Sprintf("%s-ca", clusterName), Key: "ca.crt"}},
	}
	connect := common(host)
	connect["USER"] = link.Plain(pulumi.String(a.AppUsername))
	connect["PASSWORD"] = link.SecretRef{Name: pulumi.Sprintf("%s-app", clusterName), Key: "password"}
	// Migrations connect to the primary directly, as CNPG's superuser: DDL and session settings
	// need no pooler, and taking the database's ownership from the application role needs it.
	migrate := common(rw)
	migrate["USER"] = link.Plain(pulumi.String(cnpgSuperuser))
	migrate["PASSWORD"] = link.SecretRef{Name: pulumi.Sprintf("%s-superuser", clusterName), Key: "password"}
	migrate["APP_USER"] = link.Plain(pulumi.String(a.AppUsername))
	migrate["APP_PASSWORD"] = link.SecretRef{Name: pulumi.Sprintf("%s-app", clusterName), Key: "password"}
	d.grants = cnpgGrants{
		connectGrant: link.Grant{Env: connect, Binding: tls},
		migrateGrant: link.Grant{Env: migrate, Binding: tls},
	}
	return d, d.finish(ctx)
}

// cnpgSuperuser is the superuser CNPG creates, whose password it keeps in NAME-superuser.
const cnpgSuperuser = "postgres"

type cnpgGrants struct{ connectGrant, migrateGrant link.Grant }

func (g cnpgGrants) connect() link.Grant { return g.connectGrant }
func (g cnpgGrants) migrate() link.Grant { return g.migrateGrant }
