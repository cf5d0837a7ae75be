package function

import (
	_ "embed"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/azauthorization"
	"github.com/nimbus-iac/nimbus/components/internal/azresources"
	"github.com/nimbus-iac/nimbus/components/internal/check"
)

// azureDeployRunScript starts an execution of a Container Apps job and waits for its end,
// failing when the execution does (see the file's header for its environment and the ARM calls
// it makes).
//
//go:embed azuredeployrun.sh
var azureDeployRunScript string

const (
	// azureDeployRunCLIVersion is the azure-cli image the script runs in. The script uses only
	// `az rest`, so any version the deployment script service offers would do; pinning it keeps
	// the script resource unchanged (not rerun) until nimbus changes it.
	azureDeployRunCLIVersion = "2.67.0"
	// azureDeployRunQueueSeconds is how long, beyond the job's replicaTimeout, the script waits
	// for an execution: a replica may wait to be scheduled before its timeout starts.
	azureDeployRunQueueSeconds = 300
	// azureDeployRunStartSeconds is the deployment script's allowance, beyond the script's own
	// wait, for its container to start and sign in (the service retries a new identity's
	// sign-in for up to 10 minutes while its role assignment replicates).
	azureDeployRunStartSeconds = 900
	// azureDeployRunMaxSeconds is the longest a deployment script may run (P1D).
	azureDeployRunMaxSeconds = 86400
	// azureDeployRunPollSeconds is the wait between two reads of the execution's status.
	azureDeployRunPollSeconds = 10
)

// azureJobRunnerActions are what starting a job and following its execution needs, and all the
// runner's custom role allows. The built-in Container Apps Jobs Operator role
// (b9a307c4-5aa3-4b52-ba60-2b17c136cd7b) would also allow Microsoft.App/jobs/*/action (the
// job's listSecrets among them), exec into its containers and classic alert rules.
var azureJobRunnerActions = []string{
	"Microsoft.App/jobs/read",
	"Microsoft.App/jobs/start/action",
	"Microsoft.App/jobs/execution/read",
	"Microsoft.App/jobs/executions/read",
}

// azureDeployRunArgs describe the deploy-time run of a RunOnDeploy function on Azure, whose
// job (a Container Apps job of trigger type Manual) the Azure implementation has created.
type azureDeployRunArgs struct {
	// ResourceGroupName is the group of the job, where the run's script resource lives.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region the script's container runs in.
	Location string
	// SubscriptionID is the job's subscription, in which the runner's role is defined.
	SubscriptionID pulumi.StringInput
	// JobID is the app:Job's ARM id: the scope of the runner's role assignment.
	JobID pulumi.StringOutput
	// JobName is the job's name.
	JobName pulumi.StringOutput
	// Token is the run's identity: a change (of the code, the input or a trigger) runs the job
	// again during that deploy.
	Token pulumi.StringInput
	// TimeoutSeconds is the job's replicaTimeout, in seconds: 1 to 85200 (what leaves the
	// script's margins within a deployment script's day). With replica retries, pass the
	// longest an execution may take in all.
	TimeoutSeconds int
	// RunnerIdentityID is the ARM id of the user-assigned identity the script runs as.
	RunnerIdentityID pulumi.StringInput
	// RunnerPrincipalID is that identity's principal id, the role assignment's principal.
	RunnerPrincipalID pulumi.StringInput
}

// check reports every missing or out-of-range field, naming the function.
func (a azureDeployRunArgs) check(name string) error {
	p := check.For("function", name)
	for _, f := range []struct {
		field   string
		missing bool
	}{
		{"ResourceGroupName", a.ResourceGroupName == nil},
		{"SubscriptionID", a.SubscriptionID == nil},
		{"JobID", a.JobID.OutputState == nil},
		{"JobName", a.JobName.OutputState == nil},
		{"Token", a.Token == nil},
		{"RunnerIdentityID", a.RunnerIdentityID == nil},
		{"RunnerPrincipalID", a.RunnerPrincipalID == nil},
	} {
		if f.missing {
			p.Add("the deploy-time run's %s is required", f.field)
		}
	}
	if a.Location == "" {
		p.Add("the deploy-time run's Location is required (an Azure region)")
	}
	p.Between("the deploy-time run's TimeoutSeconds", a.TimeoutSeconds, 1, azureDeployRunMaxSeconds-azureDeployRunQueueSeconds-azureDeployRunStartSeconds)
	return p.Err()
}

// newAzureDeployRun runs a function's job once during each deploy that creates the run or
// changes its Token, and fails that deploy when the job's execution fails or outlasts its
// timeout, so whatever depends on the returned resource (the api and worker, by DeployAfter)
// goes live only after a successful run. On Azure nothing in ARM waits for a job execution, so
// the run is a deployment script (resources:AzureCliScript, kind AzureCLI): Azure runs it in a
// container, signed in as the runner identity; it starts an execution with `az rest` (trying
// again while the start is refused with AuthorizationFailed, as it is until the runner's new
// role assignment has replicated) and polls it until it ends (azuredeployrun.sh).
// forceUpdateTag is the Token, so a new Token reruns it.
//
// The runner identity may do nothing but that: a custom role (azure-native:authorization:
// RoleDefinition, created in and assignable within the job's resource group, since custom roles
// cannot be assignable at a single resource) allows azureJobRunnerActions, and it is assigned
// to the runner scoped to the job alone. The script depends on the assignment, so the first
// run may start the job.
//
// The deployment script service runs the script in a container instance and keeps its files in
// a storage account. It cannot use an account with shared key access disabled (it mounts the
// account's file share with a key), which every account nimbus creates has, so the run names
// none: the service creates its own temporary account in the resource group, outside the plan
// and its guardrails, and deletes it with the container when the run succeeds
// (cleanupPreference OnSuccess), or keeps both for an hour after a failure, for its logs
// (retentionInterval PT1H). The deployer needs Microsoft.Storage/storageAccounts/* and
// Microsoft.ContainerInstance/containerGroups/* in that group for it, the right to assign the
// runner identity (Microsoft.ManagedIdentity/userAssignedIdentities/assign/action) and to
// define roles (Microsoft.Authorization/roleDefinitions/write). Azure then deletes the
// script resource itself; a later `pulumi refresh` notices, and the next `pulumi up` runs the
// job again, which a migration takes as a no-op.
//
// opts (a parent, dependencies the run must wait for) apply to every resource it creates.
func newAzureDeployRun(ctx *pulumi.Context, name string, args azureDeployRunArgs, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	if err := args.check(name); err != nil {
		return nil, err
	}
	group := pulumi.Sprintf("/subscriptions/%s/resourceGroups/%s", args.SubscriptionID, args.ResourceGroupName)
	role, err := azauthorization.NewRoleDefinition(ctx, name+"-runner", &azauthorization.RoleDefinitionArgs{
		Scope: group,
		// Role names are unique in the tenant: the subscription, group and job make it so.
		RoleName:         pulumi.Sprintf("nimbus job runner %s %s %s", args.SubscriptionID, args.ResourceGroupName, args.JobName),
		Description:      pulumi.Sprintf("Starts the Container Apps job %s and reads its executions, nothing else (nimbus deploy-time run of function %s).", args.JobName, name),
		RoleType:         pulumi.StringPtr("CustomRole"),
		Permissions:      []azauthorization.PermissionArgs{{Actions: pulumi.ToStringArray(azureJobRunnerActions)}},
		AssignableScopes: pulumi.StringArray{group},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create the job runner's role of function %q: %w", name, err)
	}
	grant, err := azauthorization.NewRoleAssignment(ctx, name+"-runner", &azauthorization.RoleAssignmentArgs{
		PrincipalId:      args.RunnerPrincipalID,
		PrincipalType:    pulumi.StringPtr("ServicePrincipal"),
		RoleDefinitionId: pulumi.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", args.SubscriptionID, role.Name),
		Scope:            args.JobID,
		Description:      pulumi.StringPtr("nimbus: the deploy-time run of function " + name + " starts its job"),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot grant the job runner of function %q: %w", name, err)
	}
	deadline := args.TimeoutSeconds + azureDeployRunQueueSeconds
	run, err := azresources.NewAzureCliScript(ctx, name+"-run", &azresources.AzureCliScriptArgs{
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.StringPtr(args.Location),
		AzCliVersion:      pulumi.String(azureDeployRunCLIVersion),
		ScriptContent:     pulumi.StringPtr(azureDeployRunScript),
		EnvironmentVariables: []azresources.EnvironmentVariableArgs{
			{Name: pulumi.String("NIMBUS_JOB_ID"), Value: args.JobID},
			{Name: pulumi.String("NIMBUS_DEADLINE_SECONDS"), Value: pulumi.StringPtr(strconv.Itoa(deadline))},
			{Name: pulumi.String("NIMBUS_POLL_SECONDS"), Value: pulumi.StringPtr(strconv.Itoa(azureDeployRunPollSeconds))},
		},
		ForceUpdateTag: args.Token.ToStringOutput().ToStringPtrOutput(),
		Identity: &azresources.ManagedServiceIdentityArgs{
			Type:                   pulumi.StringPtr("UserAssigned"),
			UserAssignedIdentities: pulumi.StringArray{args.RunnerIdentityID},
		},
		RetentionInterval: pulumi.String("PT1H"),
		Timeout:           pulumi.StringPtr(isoDuration(deadline + azureDeployRunStartSeconds)),
		CleanupPreference: pulumi.StringPtr("OnSuccess"),
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{grant}))...)
	if err != nil {
		return nil, fmt.Errorf("cannot create the deploy-time run of function %q: %w", name, err)
	}
	return run, nil
}

// isoDuration is seconds as an ISO 8601 duration: PT1H5M, PT45S.
func isoDuration(seconds int) string {
	h, m, s := seconds/3600, seconds%3600/60, seconds%60
	out := "PT"
	if h > 0 {
		out += strconv.Itoa(h) + "H"
	}
	if m > 0 {
		out += strconv.Itoa(m) + "M"
	}
	if s > 0 || out == "PT" {
		out += strconv.Itoa(s) + "S"
	}
	return out
}
