package database_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/database"
	"github.com/nimbus-iac/nimbus/components/database/databasetest"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

const (
	proxyUser  = `arn:aws:rds-db:eu-west-1:123456789012:dbuser:prx-[0-9a-f]+/`
	appSecret  = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-app-[0-9a-f]{7}-[A-Za-z]{6}`
	rdsSecret  = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-[-0-9a-f]+-[A-Za-z]{6}`
	urlSecret  = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-pooler-url-[0-9a-f]{7}-[A-Za-z]{6}`
	getSecret  = "secretsmanager:GetSecretValue on "
	rdsConnect = "rds-db:connect on "
)

// matches checks that got has one line per pattern, each matching it in order.
func matches(t *testing.T, what string, got []string, patterns ...string) {
	t.Helper()
	ok := len(got) == len(patterns)
	for i := 0; ok && i < len(got); i++ {
		ok = regexp.MustCompile("^" + patterns[i] + "$").MatchString(got[i])
	}
	if !ok {
		t.Errorf("%s: want exactly\n  %s\ngot\n  %s", what, strings.Join(patterns, "\n  "), strings.Join(got, "\n  "))
	}
}

// awsEnv lists the settings a Connect grant hands out per pooler kind on AWS: never a password,
// at most the ARN of a secret the function reads at run time.
var awsEnv = map[string][]string{
	database.PoolerProxy:    {"AUTH", "HOST", "MAX_CONNS", "NAME", "PORT", "SSLMODE", "USER"},
	database.PoolerNone:     {"AUTH", "HOST", "MAX_CONNS", "NAME", "PORT", "SECRET_ARN", "SSLMODE", "USER"},
	database.PoolerExternal: {"AUTH", "MAX_CONNS", "NAME", "SECRET_ARN", "USER"},
}

// awsMigrateEnv lists the settings a Migrate grant hands out per pooler kind on AWS: Connect's,
// plus the application role's name and credentials reference where the migration manages that role.
var awsMigrateEnv = map[string][]string{
	database.PoolerProxy:    {"APP_SECRET_ARN", "APP_USER", "AUTH", "HOST", "MAX_CONNS", "NAME", "PORT", "SSLMODE", "USER"},
	database.PoolerNone:     {"APP_SECRET_ARN", "APP_USER", "AUTH", "HOST", "MAX_CONNS", "NAME", "PORT", "SECRET_ARN", "SSLMODE", "USER"},
	database.PoolerExternal: {"AUTH", "MAX_CONNS", "NAME", "SECRET_ARN", "USER"},
}

func TestAWSDatabaseConformance(t *testing.T) {
	databasetest.Run(t, database.NewAWSDatabase, databasetest.Cloud{
		Network:    network.NewAWSNetwork,
		Env:        awsEnv,
		MigrateEnv: awsMigrateEnv,
		Grant: func(t *testing.T, pooler string, connect, migrate link.Grant) {
			cb, mb := componenttest.Binding[link.AWSBinding](t, connect), componenttest.Binding[link.AWSBinding](t, migrate)
			c, m := componenttest.Statements(t, cb.Statements), componenttest.Statements(t, mb.Statements)
			ce, me := componenttest.AwaitEnv(t, connect.Env), componenttest.AwaitEnv(t, migrate.Env)
			env := map[string]any{"auth": ce["AUTH"], "migrateAuth": me["AUTH"]}
			switch pooler {
			case database.PoolerProxy:
				matches(t, "proxy: the application connects as nimbus_app through the proxy, nothing else", c, rdsConnect+proxyUser+"nimbus_app")
				matches(t, "proxy: the migration connects as the administrator and reads the application's credentials", m, rdsConnect+proxyUser+"nimbus", getSecret+appSecret)
				if env["auth"] != "iam" || env["migrateAuth"] != "iam" || len(cb.Reach) != 1 || cb.Reach[0].Port != 5432 {
					t.Errorf("proxy: want IAM auth and reach on 5432, got %v and %+v", env, cb.Reach)
				}
			case database.PoolerNone:
				matches(t, "none: the application reads its own credentials only", c, getSecret+appSecret)
				matches(t, "none: the migration reads the RDS-managed secret and the application's credentials", m, getSecret+rdsSecret, getSecret+appSecret)
				if env["auth"] != "secret" || len(cb.Reach) != 1 {
					t.Errorf("none: want secret auth and reach, got %v and %+v", env["auth"], cb.Reach)
				}
			case database.PoolerExternal:
				matches(t, "external: reading the URL secret only", c, getSecret+urlSecret)
				matches(t, "external: the migration gets the same grant, no role management", m, getSecret+urlSecret)
				if env["auth"] != "url" || len(cb.Reach) != 0 {
					t.Errorf("external: want url auth and no reach, got %v and %+v", env["auth"], cb.Reach)
				}
			}
			if pooler == database.PoolerExternal {
				return
			}
			// The secret the grants name is the one the migration is told about.
			refs := map[string]any{"app": me["APP_SECRET_ARN"], "user": me["APP_USER"]}
			if s, _ := refs["app"].(string); !strings.HasSuffix(m[len(m)-1], " "+s) || refs["user"] != "nimbus_app" {
				t.Errorf("APP_SECRET_ARN %v and APP_USER %v must name the secret the migration may read (%s) and nimbus_app", refs["app"], refs["user"], m[len(m)-1])
			}
			if pooler == database.PoolerNone {
				s := ce["SECRET_ARN"]
				if s != refs["app"] {
					t.Errorf("the application's SECRET_ARN %v must be its own credentials %v, not the administrator's", s, refs["app"])
				}
			}
		},
		Check: func(t *testing.T, pooler string, args database.DatabaseArgs, r componenttest.Result) {
			if pooler == database.PoolerExternal {
				v := r.One(t, "aws:secretsmanager/secretVersion:SecretVersion")
				if !v.Inputs["secretString"].IsSecret() {
					t.Error("the external pooler URL is stored without being marked secret")
				}
				for _, typ := range []string{"aws:rds/instance:Instance", "random:index/randomPassword:RandomPassword"} {
					if n := len(r.ByType(typ)); n != 0 {
						t.Errorf("external: want no %s, got %d", typ, n)
					}
				}
				return
			}
			db := r.One(t, "aws:rds/instance:Instance")
			got := map[string]any{}
			for _, k := range []string{"publiclyAccessible", "storageEncrypted", "manageMasterUserPassword", "password", "deletionProtection", "skipFinalSnapshot", "multiAz", "backupRetentionPeriod", "engine"} {
				got[k] = componenttest.Prop(db.Inputs, k)
			}
			want := map[string]any{
				"publiclyAccessible": false, "storageEncrypted": true, "manageMasterUserPassword": true, "password": nil,
				"deletionProtection": args.DeletionProtection, "skipFinalSnapshot": !args.DeletionProtection,
				"multiAz": args.HighAvailability, "backupRetentionPeriod": 7.0, "engine": "postgres",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("instance (-want +got):\n%s", diff)
			}
			appSecretARN := checkAppCredentials(t, r)
			dbSG := r.Named(t, "aws:ec2/securityGroup:SecurityGroup", "db").ID
			if pooler == database.PoolerNone {
				if n := len(r.ByType("aws:rds/proxy:Proxy")); n != 0 {
					t.Errorf("none: want no proxy, got %d", n)
				}
				return
			}
			proxy := r.One(t, "aws:rds/proxy:Proxy")
			secret := componenttest.Str(db.Outputs, "masterUserSecrets.0.secretArn")
			gotProxy := map[string]any{
				"tls": componenttest.Prop(proxy.Inputs, "requireTls"), "engine": componenttest.Prop(proxy.Inputs, "engineFamily"),
			}
			for i, a := range componenttest.Prop(proxy.Inputs, "auths").([]any) {
				m := a.(map[string]any)
				gotProxy[m["secretArn"].(string)] = []any{m["authScheme"], m["iamAuth"], i}
			}
			wantProxy := map[string]any{
				"tls": true, "engine": "POSTGRESQL",
				secret:       []any{"SECRETS", "REQUIRED", 0}, // the administrator, for the migration
				appSecretARN: []any{"SECRETS", "REQUIRED", 1}, // the application role
			}
			if diff := cmp.Diff(wantProxy, gotProxy); diff != "" {
				t.Errorf("proxy: TLS, IAM for both users, the managed and the application's secret (-want +got):\n%s", diff)
			}
			tg := r.One(t, "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup")
			gotPool := []any{componenttest.Prop(tg.Inputs, "connectionPoolConfig.maxConnectionsPercent"), componenttest.Prop(tg.Inputs, "connectionPoolConfig.maxIdleConnectionsPercent"), componenttest.Prop(tg.Inputs, "connectionPoolConfig.connectionBorrowTimeout")}
			if diff := cmp.Diff([]any{80.0, 40.0, 30.0}, gotPool); diff != "" {
				t.Errorf("pool tuning (-want +got):\n%s", diff)
			}
			target := r.One(t, "aws:rds/proxyTarget:ProxyTarget")
			if got, want := componenttest.Str(target.Inputs, "dbInstanceIdentifier"), componenttest.Str(db.Outputs, "identifier"); got != want {
				t.Errorf("proxy target %q, want the instance %q", got, want)
			}
			policy := componenttest.ParsePolicy(t, r.Named(t, "aws:iam/rolePolicy:RolePolicy", "db-proxy").Inputs, "policy")
			if diff := cmp.Diff([]string{"Allow secretsmanager:GetSecretValue on " + secret, "Allow secretsmanager:GetSecretValue on " + appSecretARN}, policy.Grants()); diff != "" {
				t.Errorf("proxy role: read the two secrets it signs in with, only (-want +got):\n%s", diff)
			}
			proxySG := r.Named(t, "aws:ec2/securityGroup:SecurityGroup", "db-proxy").ID
			in := r.Named(t, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db-from-proxy")
			out := r.Named(t, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "db-proxy-to-db")
			gotChain := []any{
				componenttest.Prop(in.Inputs, "securityGroupId"), componenttest.Prop(in.Inputs, "referencedSecurityGroupId"), componenttest.Prop(in.Inputs, "fromPort"), componenttest.Prop(in.Inputs, "toPort"),
				componenttest.Prop(out.Inputs, "securityGroupId"), componenttest.Prop(out.Inputs, "referencedSecurityGroupId"), componenttest.Prop(out.Inputs, "fromPort"),
			}
			if diff := cmp.Diff([]any{dbSG, proxySG, 5432.0, 5432.0, proxySG, dbSG, 5432.0}, gotChain); diff != "" {
				t.Errorf("security groups chained proxy -> database on 5432 only (-want +got):\n%s", diff)
			}
		},
	})
}

// checkAppCredentials checks the application role's credentials: a generated password, kept a
// secret all the way into the secret's value, stored as {"username","password"}. It returns the
// secret's ARN.
func checkAppCredentials(t *testing.T, r componenttest.Result) string {
	t.Helper()
	pw := r.One(t, "random:index/randomPassword:RandomPassword")
	if !pw.Outputs["result"].IsSecret() {
		t.Fatalf("the generated password is not a secret in the password's outputs")
	}
	password := pw.Outputs["result"].SecretValue().Element.StringValue()
	secret := r.Named(t, "aws:secretsmanager/secret:Secret", "db-app")
	var version *resource.PropertyValue
	for _, v := range r.ByType("aws:secretsmanager/secretVersion:SecretVersion") {
		if componenttest.Str(v.Inputs, "secretId") == secret.ID {
			value := v.Inputs["secretString"]
			version = &value
		}
	}
	if version == nil {
		t.Fatalf("no version stores the application's credentials in %s", secret.ID)
	}
	if !version.IsSecret() {
		t.Fatalf("the application's credentials are stored without being marked secret: %v", version)
	}
	var creds map[string]string
	if err := json.Unmarshal([]byte(version.SecretValue().Element.StringValue()), &creds); err != nil {
		t.Fatalf("the application's credentials are not JSON: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"username": "nimbus_app", "password": password}, creds); diff != "" || len(password) < 32 {
		t.Errorf("credentials must be the role and the generated password of at least 32 characters (-want +got):\n%s", diff)
	}
	return componenttest.Str(secret.Outputs, "arn")
}

// TestAWSDatabaseIdentity checks that the identity a migration is triggered by changes with every
// change of what consumers reach, and stays the same otherwise.
func TestAWSDatabaseIdentity(t *testing.T) {
	identity := func(t *testing.T, args database.DatabaseArgs) (string, componenttest.Result) {
		t.Helper()
		var id string
		r := componenttest.Run(t, func(ctx *pulumi.Context) error {
			net, err := network.NewAWSNetwork(ctx, "net", nil)
			if err != nil {
				return err
			}
			args.Network = net
			db, err := database.NewAWSDatabase(ctx, "db", &args)
			if err != nil {
				return err
			}
			id, _ = componenttest.Await(t, pulumi.Map{"v": db.Identity})["v"].(string)
			return nil
		})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		return id, r
	}
	base, r := identity(t, database.DatabaseArgs{Pooler: database.PoolerNone})
	db := r.One(t, "aws:rds/instance:Instance")
	for _, part := range []string{componenttest.Str(db.Outputs, "resourceId"), componenttest.Str(db.Outputs, "address") + ":5432/app", "none"} {
		if !strings.Contains(base, part) {
			t.Errorf("identity %q does not name %q", base, part)
		}
	}
	cases := map[string]struct {
		reason string
		args   database.DatabaseArgs
		same   bool
	}{
		"unchanged":  {reason: "the same database gives the same identity: no needless migration", args: database.DatabaseArgs{Pooler: database.PoolerNone}, same: true},
		"resized":    {reason: "a resize keeps the instance and its endpoint", args: database.DatabaseArgs{Pooler: database.PoolerNone, Size: "medium"}, same: true},
		"pooler":     {reason: "switching to the proxy changes the endpoint and the pooler kind", args: database.DatabaseArgs{Pooler: database.PoolerProxy}},
		"replaced":   {reason: "another database name replaces the instance: a new resource id", args: database.DatabaseArgs{Pooler: database.PoolerNone, DatabaseName: "thumbs"}},
		"admin user": {reason: "another administrator replaces the instance", args: database.DatabaseArgs{Pooler: database.PoolerNone, Username: "owner"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, _ := identity(t, tc.args)
			if (got == base) != tc.same {
				t.Errorf("%s: identity %q, base %q", tc.reason, got, base)
			}
		})
	}
}
