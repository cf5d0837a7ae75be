package database

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/awsec2"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

var (
	_ Constructor = NewAWSDatabase
	_ granter     = awsGrants{}
)

const postgresPort = 5432

var awsInstanceClasses = map[string]string{
	"small":  "db.t4g.micro",
	"medium": "db.t4g.medium",
	"large":  "db.r6g.large",
}

const rdsAssumeRole = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"rds.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// NewAWSDatabase creates RDS PostgreSQL and, with PoolerProxy, an RDS Proxy in front of it.
func NewAWSDatabase(ctx *pulumi.Context, name string, args *DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	d, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	d.DatabaseName = pulumi.String(a.DatabaseName).ToStringOutput()
	d.Port = pulumi.Int(postgresPort).ToIntOutput()

	if a.Pooler == PoolerExternal {
		secret, err := secretsmanager.NewSecret(ctx, name+"-pooler-url", &secretsmanager.SecretArgs{
			Description: pulumi.Sprintf("postgres:// URL of the external pooler of database %s", name),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("cannot create the pooler URL secret of database %q: %w", name, err)
		}
		version, err := secretsmanager.NewSecretVersion(ctx, name+"-pooler-url", &secretsmanager.SecretVersionArgs{
			SecretId:     secret.ID(),
			SecretString: pulumi.ToSecret(a.ExternalURL).(pulumi.StringOutput),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("cannot store the pooler URL of database %q: %w", name, err)
		}
		d.Endpoint = pulumi.ToSecret(a.ExternalURL).(pulumi.StringOutput)
		d.Ready = []pulumi.Resource{version}
		// The URL is secret, so the identity names the secret's version instead: storing another
		// URL makes a new version.
		d.Identity = pulumi.Sprintf("%s %s", PoolerExternal, version.VersionId)
		d.grants = awsGrants{auth: "url", urlSecretARN: secret.Arn, dbName: a.DatabaseName, adminUser: a.Username, maxConns: a.ConnectionsPerInstance}
		return d, d.finish(ctx)
	}

	net, err := network.PlacementOf[*network.AWSPlacement](a.Network)
	if err != nil {
		return nil, fmt.Errorf("database %q: %w", name, err)
	}
	subnets, err := rds.NewSubnetGroup(ctx, name, &rds.SubnetGroupArgs{
		SubnetIds:   net.SubnetIDs,
		Description: pulumi.Sprintf("Private subnets of database %s", name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create subnet group of database %q: %w", name, err)
	}
	dbSG, err := awsec2.NewSecurityGroup(ctx, name, &awsec2.SecurityGroupArgs{
		VpcId:       net.VpcID,
		Description: pulumi.Sprintf("Database %s: Postgres from its pooler or linked functions only", name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create security group of database %q: %w", name, err)
	}
	var final pulumi.StringPtrInput // no final snapshot unless the data is protected
	if a.DeletionProtection {
		final = pulumi.String(name + "-final")
	}
	instance, err := rds.NewInstance(ctx, name, &rds.InstanceArgs{
		Engine:                   pulumi.String("postgres"),
		EngineVersion:            pulumi.String(a.EngineVersion),
		InstanceClass:            pulumi.String(awsInstanceClasses[a.Size]),
		AllocatedStorage:         pulumi.Int(a.StorageGB),
		StorageType:              pulumi.String("gp3"),
		StorageEncrypted:         pulumi.Bool(true),
		PubliclyAccessible:       pulumi.Bool(false),
		DbName:                   pulumi.String(a.DatabaseName),
		Username:                 pulumi.String(a.Username),
		ManageMasterUserPassword: pulumi.Bool(true),
		MultiAz:                  pulumi.Bool(a.HighAvailability),
		BackupRetentionPeriod:    pulumi.Int(a.BackupRetentionDays),
		DeletionProtection:       pulumi.Bool(a.DeletionProtection),
		SkipFinalSnapshot:        pulumi.Bool(!a.DeletionProtection),
		FinalSnapshotIdentifier:  final,
		CopyTagsToSnapshot:       pulumi.Bool(true),
		AutoMinorVersionUpgrade:  pulumi.Bool(true),
		DbSubnetGroupName:        subnets.Name,
		VpcSecurityGroupIds:      pulumi.StringArray{dbSG.ID()},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create database %q: %w", name, err)
	}
	secretARN := instance.MasterUserSecrets.Index(pulumi.Int(0)).SecretArn().Elem()

	app, err := appCredentials(ctx, name, a, parent)
	if err != nil {
		return nil, err
	}
	grants := awsGrants{
		dbName: a.DatabaseName, adminUser: a.Username, appUser: a.AppUsername, maxConns: a.ConnectionsPerInstance,
		adminSecretARN: secretARN, appSecretARN: app.secret.Arn,
	}
	identity := func(endpoint pulumi.StringOutput) pulumi.StringOutput {
		return pulumi.Sprintf("%s %s:%d/%s %s %s", instance.ResourceId, endpoint, postgresPort, a.DatabaseName, a.Pooler, app.version.VersionId)
	}

	if a.Pooler == PoolerNone {
		d.Endpoint = instance.Address
		d.Ready = []pulumi.Resource{instance, app.version}
		d.Identity = identity(instance.Address)
		grants.auth, grants.host, grants.reach = "secret", instance.Address, dbSG.ID().ToStringOutput()
		d.grants = grants
		return d, d.finish(ctx)
	}

	proxySG, err := awsec2.NewSecurityGroup(ctx, name+"-proxy", &awsec2.SecurityGroupArgs{
		VpcId:       net.VpcID,
		Description: pulumi.Sprintf("RDS Proxy of database %s: Postgres from linked functions, to the database", name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create security group of the proxy of database %q: %w", name, err)
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-proxy-to-db", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: proxySG.ID(), Description: pulumi.String("Postgres to the database"),
		IpProtocol: pulumi.String("tcp"), FromPort: pulumi.Int(postgresPort), ToPort: pulumi.Int(postgresPort),
		ReferencedSecurityGroupId: dbSG.ID(),
	}, parent); err != nil {
		return nil, fmt.Errorf("cannot let the proxy of database %q reach it: %w", name, err)
	}
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-from-proxy", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: dbSG.ID(), Description: pulumi.String("Postgres from the proxy"),
		IpProtocol: pulumi.String("tcp"), FromPort: pulumi.Int(postgresPort), ToPort: pulumi.Int(postgresPort),
		ReferencedSecurityGroupId: proxySG.ID(),
	}, parent); err != nil {
		return nil, fmt.Errorf("cannot admit the proxy to database %q: %w", name, err)
	}

	role, err := iam.NewRole(ctx, name+"-proxy", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(rdsAssumeRole),
		Description:      pulumi.Sprintf("Lets the RDS Proxy of database %s read the credentials it signs in with", name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create the proxy role of database %q: %w", name, err)
	}
	// Both secrets are encrypted with the AWS managed key aws/secretsmanager, whose key policy
	// already lets principals of the account decrypt through Secrets Manager: no kms grant needed.
	rolePolicy, err := iam.NewRolePolicy(ctx, name+"-proxy", &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: pulumi.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"ReadCredentials","Effect":"Allow","Action":["secretsmanager:GetSecretValue"],"Resource":["%s","%s"]}]}`,
			secretARN, app.secret.Arn),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create the proxy policy of database %q: %w", name, err)
	}
	proxy, err := rds.NewProxy(ctx, name, &rds.ProxyArgs{
		EngineFamily:        pulumi.String("POSTGRESQL"),
		RequireTls:          pulumi.Bool(true),
		RoleArn:             role.Arn,
		VpcSubnetIds:        net.SubnetIDs,
		VpcSecurityGroupIds: pulumi.StringArray{proxySG.ID()},
		IdleClientTimeout:   pulumi.Int(1800),
		// One entry per database user the proxy signs in as: the administrator (the migration)
		// and the application role (api, worker). Clients always sign in with IAM.
		Auths: rds.ProxyAuthArray{
			rds.ProxyAuthArgs{
				AuthScheme:             pulumi.String("SECRETS"),
				IamAuth:                pulumi.String("REQUIRED"),
				ClientPasswordAuthType: pulumi.String("POSTGRES_SCRAM_SHA_256"),
				SecretArn:              secretARN,
				Description:            pulumi.String("The administrator: clients sign in with IAM; the proxy uses the managed secret"),
			},
			rds.ProxyAuthArgs{
				AuthScheme:             pulumi.String("SECRETS"),
				IamAuth:                pulumi.String("REQUIRED"),
				ClientPasswordAuthType: pulumi.String("POSTGRES_SCRAM_SHA_256"),
				SecretArn:              app.secret.Arn,
				Description:            pulumi.String("The application role: clients sign in with IAM; the proxy uses its generated secret"),
			},
		},
	}, parent, pulumi.DependsOn([]pulumi.Resource{rolePolicy, app.version}))
	if err != nil {
		return nil, fmt.Errorf("cannot create the proxy of database %q: %w", name, err)
	}
	tg, err := rds.NewProxyDefaultTargetGroup(ctx, name, &rds.ProxyDefaultTargetGroupArgs{
		DbProxyName: proxy.Name,
		ConnectionPoolConfig: rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs{
			MaxConnectionsPercent:     pulumi.Int(a.Pool.MaxConnectionsPercent),
			MaxIdleConnectionsPercent: pulumi.Int(a.Pool.MaxIdlePercent),
			ConnectionBorrowTimeout:   pulumi.Int(a.Pool.BorrowTimeoutSeconds),
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot tune the pool of the proxy of database %q: %w", name, err)
	}
	target, err := rds.NewProxyTarget(ctx, name, &rds.ProxyTargetArgs{
		DbProxyName:          proxy.Name,
		TargetGroupName:      tg.Name,
		DbInstanceIdentifier: instance.Identifier,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot point the proxy of database %q at it: %w", name, err)
	}

	d.Endpoint = proxy.Endpoint
	d.Ready = []pulumi.Resource{instance, proxy, target, app.version}
	d.Identity = identity(proxy.Endpoint)
	grants.auth, grants.host, grants.proxyARN, grants.reach = "iam", proxy.Endpoint, proxy.Arn, proxySG.ID().ToStringOutput()
	d.grants = grants
	return d, d.finish(ctx)
}

// credentials are the application role's generated credentials in Secrets Manager.
type credentials struct {
	secret  *secretsmanager.Secret
	version *secretsmanager.SecretVersion
}

// appCredentials generates the application role's password and stores the role's credentials
// as JSON {"username","password"}, the shape of RDS's own secrets, which RDS Proxy reads. The
// password is a Pulumi secret from its generation on: it is never plain in state or the plan.
func appCredentials(ctx *pulumi.Context, name string, a DatabaseArgs, parent pulumi.ResourceOption) (credentials, error) {
	password, err := random.NewRandomPassword(ctx, name+"-app", &random.RandomPasswordArgs{
		Length:  pulumi.Int(40),
		Special: pulumi.Bool(false), // 40 letters and digits: about 238 bits, no quoting anywhere
	}, parent)
	if err != nil {
		return credentials{}, fmt.Errorf("cannot generate the password of role %s of database %q: %w", a.AppUsername, name, err)
	}
	secret, err := secretsmanager.NewSecret(ctx, name+"-app", &secretsmanager.SecretArgs{
		Description: pulumi.Sprintf("Credentials of role %s of database %s: the migration sets the role's password from them", a.AppUsername, name),
	}, parent)
	if err != nil {
		return credentials{}, fmt.Errorf("cannot create the credentials secret of role %s of database %q: %w", a.AppUsername, name, err)
	}
	value := password.Result.ApplyT(func(pw string) (string, error) {
		b, err := json.Marshal(map[string]string{"username": a.AppUsername, "password": pw})
		return string(b), err
	}).(pulumi.StringOutput)
	version, err := secretsmanager.NewSecretVersion(ctx, name+"-app", &secretsmanager.SecretVersionArgs{
		SecretId: secret.ID(),
		// Secret already (the password is, and the SDK marks secretString secret too); said
		// here so the intent does not hang on either.
		SecretString: pulumi.ToSecret(value).(pulumi.StringOutput),
	}, parent)
	if err != nil {
		return credentials{}, fmt.Errorf("cannot store the credentials of role %s of database %q: %w", a.AppUsername, name, err)
	}
	return credentials{secret: secret, version: version}, nil
}

type awsGrants struct {
	auth      string // iam, secret or url
	host      pulumi.StringOutput
	proxyARN  pulumi.StringOutput
	reach     pulumi.StringOutput
	dbName    string
	adminUser string
	appUser   string
	maxConns  int
	// adminSecretARN is RDS's managed secret of the administrator, appSecretARN the application
	// role's, urlSecretARN the external pooler's URL.
	adminSecretARN pulumi.StringOutput
	appSecretARN   pulumi.StringOutput
	urlSecretARN   pulumi.StringOutput
}

func (g awsGrants) connect() link.Grant {
	if g.auth == "url" {
		return g.as(g.adminUser, g.urlSecretARN)
	}
	return g.as(g.appUser, g.appSecretARN)
}

func (g awsGrants) migrate() link.Grant {
	if g.auth == "url" {
		return g.as(g.adminUser, g.urlSecretARN)
	}
	out := g.as(g.adminUser, g.adminSecretARN)
	out.Env["APP_USER"] = link.Plain(pulumi.String(g.appUser))
	out.Env["APP_SECRET_ARN"] = link.Plain(g.appSecretARN)
	b := out.Binding.(link.AWSBinding)
	b.Statements = append(b.Statements, link.Statement{
		Sid:       "ReadAppCredentials",
		Actions:   []string{"secretsmanager:GetSecretValue"},
		Resources: pulumi.StringArray{g.appSecretARN},
	})
	out.Binding = b
	return out
}

// as grants connecting as user; secretARN is that user's secret when the auth reads one.
func (g awsGrants) as(user string, secretARN pulumi.StringOutput) link.Grant {
	env := map[string]link.Value{
		"AUTH":      link.Plain(pulumi.String(g.auth)),
		"NAME":      link.Plain(pulumi.String(g.dbName)),
		"USER":      link.Plain(pulumi.String(user)),
		"MAX_CONNS": link.Plain(pulumi.Sprintf("%d", g.maxConns)),
	}
	var out link.AWSBinding
	switch g.auth {
	case "iam":
		out.Statements = []link.Statement{{
			Actions:   []string{"rds-db:connect"},
			Resources: pulumi.StringArray{g.proxyARN.ApplyT(dbUserARN(user)).(pulumi.StringOutput)},
		}}
	case "secret", "url":
		env["SECRET_ARN"] = link.Plain(secretARN) // the reference: the function reads the value at run time
		out.Statements = []link.Statement{{
			Actions:   []string{"secretsmanager:GetSecretValue"},
			Resources: pulumi.StringArray{secretARN},
		}}
	}
	if g.auth != "url" {
		env["HOST"] = link.Plain(g.host)
		env["PORT"] = link.Plain(pulumi.Sprintf("%d", postgresPort))
		// The certificate must chain to the roots the artifact ships and name the host.
		env["SSLMODE"] = link.Plain(pulumi.String("verify-full"))
		out.Reach = []link.Reach{{Description: "Postgres", SecurityGroupID: g.reach, Port: postgresPort}}
	}
	return link.Grant{Env: env, Binding: out}
}

// dbUserARN turns a proxy's ARN (arn:aws:rds:REGION:ACCOUNT:db-proxy:prx-ID) into the resource IAM
// database authentication names for one user of it
// (arn:aws:rds-db:REGION:ACCOUNT:dbuser:prx-ID/USER).
func dbUserARN(user string) func(string) (string, error) {
	return func(proxyARN string) (string, error) {
		parts := strings.Split(proxyARN, ":")
		if len(parts) != 7 || parts[2] != "rds" || parts[5] != "db-proxy" {
			return "", fmt.Errorf("unexpected RDS Proxy ARN %q", proxyARN)
		}
		return fmt.Sprintf("arn:%s:rds-db:%s:%s:dbuser:%s/%s", parts[1], parts[3], parts[4], parts[6], user), nil
	}
}
