package database_test

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/database"
	"github.com/nimbus-iac/nimbus/components/database/databasetest"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

func TestAWSDatabaseConformance(t *testing.T) {
	databasetest.Run(t, database.NewAWSDatabase, databasetest.Cloud{
		Network: network.NewAWSNetwork,
		Grant: func(t *testing.T, pooler string, g link.Grant) {
			grants := componenttest.Statements(t, g.AWS.Statements)
			env := componenttest.Await(t, pulumi.Map{"auth": g.Env["AUTH"]})
			switch pooler {
			case database.PoolerProxy:
				if len(grants) != 1 || !regexp.MustCompile(`^rds-db:connect on arn:aws:rds-db:eu-west-1:123456789012:dbuser:prx-[0-9a-z]+/nimbus$`).MatchString(grants[0]) {
					t.Errorf("proxy: want rds-db:connect for user nimbus on the proxy only, got %v", grants)
				}
				if env["auth"] != "iam" || len(g.AWS.Reach) != 1 || g.AWS.Reach[0].Port != 5432 {
					t.Errorf("proxy: want IAM auth and reach on 5432, got %v and %+v", env["auth"], g.AWS.Reach)
				}
			case database.PoolerNone:
				if len(grants) != 1 || !regexp.MustCompile(`^secretsmanager:GetSecretValue on arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!`).MatchString(grants[0]) {
					t.Errorf("none: want reading the RDS-managed secret only, got %v", grants)
				}
				if env["auth"] != "secret" || len(g.AWS.Reach) != 1 {
					t.Errorf("none: want secret auth and reach, got %v and %+v", env["auth"], g.AWS.Reach)
				}
			case database.PoolerExternal:
				if len(grants) != 1 || !regexp.MustCompile(`^secretsmanager:GetSecretValue on arn:aws:secretsmanager:eu-west-1:123456789012:secret:`).MatchString(grants[0]) {
					t.Errorf("external: want reading the URL secret only, got %v", grants)
				}
				if env["auth"] != "url" || len(g.AWS.Reach) != 0 {
					t.Errorf("external: want url auth and no reach, got %v and %+v", env["auth"], g.AWS.Reach)
				}
			}
		},
		Check: func(t *testing.T, pooler string, args database.DatabaseArgs, r componenttest.Result) {
			if pooler == database.PoolerExternal {
				v := r.One(t, "aws:secretsmanager/secretVersion:SecretVersion")
				if !v.Inputs["secretString"].IsSecret() {
					t.Error("the external pooler URL is stored without being marked secret")
				}
				if n := len(r.ByType("aws:rds/instance:Instance")); n != 0 {
					t.Errorf("external: want no database, got %d", n)
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
				"iam": componenttest.Prop(proxy.Inputs, "auths.0.iamAuth"), "scheme": componenttest.Prop(proxy.Inputs, "auths.0.authScheme"),
				"secret": componenttest.Prop(proxy.Inputs, "auths.0.secretArn"),
			}
			wantProxy := map[string]any{"tls": true, "engine": "POSTGRESQL", "iam": "REQUIRED", "scheme": "SECRETS", "secret": secret}
			if diff := cmp.Diff(wantProxy, gotProxy); diff != "" {
				t.Errorf("proxy: TLS, IAM, the managed secret (-want +got):\n%s", diff)
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
			if diff := cmp.Diff([]string{"Allow secretsmanager:GetSecretValue on " + secret}, policy.Grants()); diff != "" {
				t.Errorf("proxy role: read the managed secret only (-want +got):\n%s", diff)
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
