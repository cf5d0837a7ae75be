package fakecloud

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// gcpServiceModels are the GCP services beside the network and storage (gcp.go): Pub/Sub, Cloud
// Monitoring, Cloud SQL, Secret Manager, Cloud Run and IAM members, in pulumi-gcp v9's formats.
var gcpServiceModels = map[string]model{
	"gcp:pubsub/topic:Topic":                                       gcpTopic,
	"gcp:pubsub/subscription:Subscription":                         gcpSubscription,
	"gcp:pubsub/topicIAMMember:TopicIAMMember":                     gcpIAMMember("topic"),
	"gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember":       gcpIAMMember("subscription"),
	"gcp:monitoring/alertPolicy:AlertPolicy":                       gcpNumbered("alertPolicies"),
	"gcp:monitoring/notificationChannel:NotificationChannel":       gcpNumbered("notificationChannels"),
	"gcp:projects/iAMMember:IAMMember":                             gcpIAMMember("project"),
	"gcp:cloudrunv2/serviceIamMember:ServiceIamMember":             gcpIAMMember("name"),
	"gcp:cloudrunv2/jobIamMember:JobIamMember":                     gcpIAMMember("name"),
	"gcp:secretmanager/secretIamMember:SecretIamMember":            gcpIAMMember("secretId"),
	"gcp:sql/databaseInstance:DatabaseInstance":                    gcpSQLInstance,
	"gcp:sql/database:Database":                                    gcpSQLDatabase,
	"gcp:sql/user:User":                                            gcpSQLUser,
	"gcp:secretmanager/secret:Secret":                              gcpSecret,
	"gcp:secretmanager/secretVersion:SecretVersion":                gcpSecretVersion,
	"gcp:projects/service:Service":                                 gcpProjectService,
	"gcp:artifactregistry/repository:Repository":                   gcpRepository,
	"gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": gcpIAMMember("repository"),
	"gcp:cloudrunv2/service:Service":                               gcpRunService,
	"gcp:cloudrunv2/job:Job":                                       gcpRunJob,
}

func init() {
	for typ, m := range gcpServiceModels {
		if _, taken := models[typ]; !taken {
			models[typ] = m
		}
	}
	calls["gcp:organizations/getProject:getProject"] = gcpGetProject
}

func gcpRegion(r *Request) string {
	if v := r.Str("region"); v != "" {
		return v
	}
	if v := r.Str("location"); v != "" {
		return v
	}
	return r.Region
}

func gcpTopic(r *Request) (string, resource.PropertyMap) {
	name, project := gcpName(r, 255), gcpProject(r)
	return fmt.Sprintf("projects/%s/topics/%s", project, name), props(map[string]any{"name": name, "project": project})
}

func gcpSubscription(r *Request) (string, resource.PropertyMap) {
	name, project := gcpName(r, 255), gcpProject(r)
	c := props(map[string]any{"name": name, "project": project})
	setDefault(r, c, "ackDeadlineSeconds", 10)
	setDefault(r, c, "messageRetentionDuration", "604800s")
	return fmt.Sprintf("projects/%s/subscriptions/%s", project, name), c
}

// gcpIAMMember models an IAM member resource: its id is RESOURCE/ROLE/MEMBER (with a condition,
// its title too), as the provider's IAM framework sets it, where RESOURCE is the input key.
func gcpIAMMember(key string) model {
	return func(r *Request) (string, resource.PropertyMap) {
		id := r.Str(key) + "/" + r.Str("role") + "/" + r.Str("member")
		if t := r.Str("condition.title"); t != "" {
			id += "/" + t
		}
		return id, props(map[string]any{"etag": "BwY" + r.Alnum(8, "etag")})
	}
}

// gcpNumbered models a Cloud Monitoring object: its name and id are
// projects/P/COLLECTION/NUMBER.
func gcpNumbered(collection string) model {
	return func(r *Request) (string, resource.PropertyMap) {
		id := fmt.Sprintf("projects/%s/%s/%s", gcpProject(r), collection, numericID(r))
		return id, props(map[string]any{"name": id, "project": gcpProject(r)})
	}
}

func gcpSQLInstance(r *Request) (string, resource.PropertyMap) {
	name, project, region := gcpName(r, 84), gcpProject(r), gcpRegion(r)
	b := r.Hex(4, "sql-ip")
	ip := fmt.Sprintf("10.%d.%d.%d", 64+int(b[0])%32, int(b[1])*7%256, 2+int(b[2])%250)
	return name, props(map[string]any{
		"name":                       name,
		"project":                    project,
		"region":                     region,
		"connectionName":             fmt.Sprintf("%s:%s:%s", project, region, name),
		"privateIpAddress":           ip,
		"firstIpAddress":             ip,
		"publicIpAddress":            "",
		"selfLink":                   fmt.Sprintf("https://sqladmin.googleapis.com/sql/v1beta4/projects/%s/instances/%s", project, name),
		"serviceAccountEmailAddress": fmt.Sprintf("p%s-%s@gcp-sa-cloud-sql.iam.gserviceaccount.com", GCPProjectNumber, r.Alnum(6, "sql-sa")),
		"dnsName":                    "",
	})
}

func gcpSQLDatabase(r *Request) (string, resource.PropertyMap) {
	name, project := gcpName(r, 63), gcpProject(r)
	return fmt.Sprintf("projects/%s/instances/%s/databases/%s", project, r.Str("instance"), name), props(map[string]any{"name": name, "project": project})
}

// gcpSQLUser's id is NAME//INSTANCE (no host on PostgreSQL).
func gcpSQLUser(r *Request) (string, resource.PropertyMap) {
	name := r.Str("name")
	return name + "//" + r.Str("instance"), props(map[string]any{"name": name, "project": gcpProject(r)})
}

func gcpSecret(r *Request) (string, resource.PropertyMap) {
	id, project := r.Str("secretId"), gcpProject(r)
	return fmt.Sprintf("projects/%s/secrets/%s", project, id), props(map[string]any{
		"name":    fmt.Sprintf("projects/%s/secrets/%s", GCPProjectNumber, id),
		"project": project,
	})
}

func gcpSecretVersion(r *Request) (string, resource.PropertyMap) {
	secret := r.Str("secret")
	name := strings.Replace(secret, "projects/"+GCPProject+"/", "projects/"+GCPProjectNumber+"/", 1) + "/versions/1"
	return name, props(map[string]any{"name": name, "version": "1"})
}

func gcpProjectService(r *Request) (string, resource.PropertyMap) {
	return gcpProject(r) + "/" + r.Str("service"), props(map[string]any{"project": gcpProject(r)})
}

func gcpRepository(r *Request) (string, resource.PropertyMap) {
	project, region := gcpProject(r), gcpRegion(r)
	id := r.Str("repositoryId")
	return fmt.Sprintf("projects/%s/locations/%s/repositories/%s", project, region, id), props(map[string]any{
		"name": id, "project": project, "location": region,
		"registryUri": fmt.Sprintf("%s-docker.pkg.dev/%s/%s", region, project, id),
	})
}

// gcpRunService: its uri is https://NAME-PROJECTNUMBER.REGION.run.app, Cloud Run's
// deterministic URL.
func gcpRunService(r *Request) (string, resource.PropertyMap) {
	name, project, region := gcpName(r, 49), gcpProject(r), gcpRegion(r)
	uri := fmt.Sprintf("https://%s-%s.%s.run.app", name, GCPProjectNumber, region)
	c := props(map[string]any{
		"name": name, "project": project, "location": region, "uri": uri, "urls": []any{uri},
		"uid": r.UUID("run-uid"), "latestReadyRevision": fmt.Sprintf("projects/%s/locations/%s/services/%s/revisions/%s-00001-%s", project, region, name, name, r.Alnum(3, "rev")),
	})
	setDefault(r, c, "deletionProtection", true)
	setDefault(r, c, "ingress", "INGRESS_TRAFFIC_ALL")
	return fmt.Sprintf("projects/%s/locations/%s/services/%s", project, region, name), c
}

func gcpRunJob(r *Request) (string, resource.PropertyMap) {
	name, project, region := gcpName(r, 63), gcpProject(r), gcpRegion(r)
	c := props(map[string]any{"name": name, "project": project, "location": region, "uid": r.UUID("run-uid")})
	setDefault(r, c, "deletionProtection", true)
	return fmt.Sprintf("projects/%s/locations/%s/jobs/%s", project, region, name), c
}

// gcpGetProject answers organizations.getProject for the placeholder project (or the one asked
// for) with its number, which the Pub/Sub service agent's email is made of.
func gcpGetProject(r *Request) (resource.PropertyMap, error) {
	project := r.Str("projectId")
	if project == "" {
		project = gcpProject(r)
	}
	return props(map[string]any{
		"id":        "projects/" + project,
		"projectId": project,
		"name":      project,
		"number":    GCPProjectNumber,
	}), nil
}
