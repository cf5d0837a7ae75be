package function

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/internal/fakecloud"
	"github.com/nimbus-iac/nimbus/internal/guardrails"
)

const (
	runScript     = "azure-native:resources:AzureCliScript"
	runRole       = "azure-native:authorization:RoleDefinition"
	runAssignment = "azure-native:authorization:RoleAssignment"
	testJobID     = "/subscriptions/" + fakecloud.AzureSubscription + "/resourceGroups/nimbus-dev/providers/Microsoft.App/jobs/migrate-job"
	testRunnerID  = "/subscriptions/" + fakecloud.AzureSubscription + "/resourceGroups/nimbus-dev/providers/Microsoft.ManagedIdentity/userAssignedIdentities/migrate-runner"
)

// TestAzureDeployRunScript runs the deployed script itself with bash, under a fake az (testdata/
// fakeaz) that answers the ARM calls the script must make, spelt as it must spell them, with the
// statuses of an execution's life. A deadline of 0 seconds and no wait between reads make the
// give-up case immediate: the script reads the status once, finds the deadline passed, and
// fails. A script that never ends (one that takes an end for a running status) is killed after
// 30 s, a watchdog only: no case depends on how long anything takes.
func TestAzureDeployRunScript(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatalf("the deployment script runs with bash, which this machine lacks: %v", err)
	}
	fakeaz, err := filepath.Abs(filepath.Join("testdata", "fakeaz"))
	if err != nil {
		t.Fatal(err)
	}
	const (
		start = "rest --method post --url " + testJobID + "/start?api-version=2024-03-01 --query name --output tsv"
		list  = "rest --method get --url " + testJobID + "/executions?api-version=2024-03-01 --query sort_by(value, &properties.startTime)[-1].name --output tsv"
		read1 = "rest --method get --url " + testJobID + "/executions/migrate-job-a1b2c3?api-version=2024-03-01 --query properties.status --output tsv"
		read2 = "rest --method get --url " + testJobID + "/executions/migrate-job-z9y8x7?api-version=2024-03-01 --query properties.status --output tsv"
	)
	cases := map[string]struct {
		reason string
		start  string
		// denied is how many starts are refused with AuthorizationFailed; startError, when set,
		// the error of every later start; attempts the script's NIMBUS_START_ATTEMPTS.
		denied, startError, attempts string
		list                         string
		statuses                     string
		deadline                     string
		// wantCode is the script's exit code; wantErr a line of what it prints on failure.
		wantCode  int
		wantOut   string
		wantErr   string
		wantCalls []string
		// wantOutput is the script's outputs file, written when it succeeds.
		wantOutput string
	}{
		"succeeds": {
			reason: "an execution that runs, then succeeds, ends the script with 0 and its name as the script's output",
			start:  "migrate-job-a1b2c3", statuses: "Running Running Succeeded", deadline: "3600",
			wantOut:    "execution migrate-job-a1b2c3 of job " + testJobID + " succeeded",
			wantCalls:  []string{start, read1, read1, read1},
			wantOutput: `{"execution":"migrate-job-a1b2c3","status":"Succeeded"}` + "\n",
		},
		"fails": {
			reason: "a failed execution fails the script, which names the execution and its status",
			start:  "migrate-job-a1b2c3", statuses: "Processing Running Failed", deadline: "3600",
			wantCode: 1, wantErr: "execution migrate-job-a1b2c3 of job " + testJobID + " ended Failed: see its logs",
			wantCalls: []string{start, read1, read1, read1},
		},
		"stopped": {
			reason: "a stopped execution (someone stopped it, or Azure did at its timeout) fails the script",
			start:  "migrate-job-a1b2c3", statuses: "Running Stopped", deadline: "3600",
			wantCode: 1, wantErr: "execution migrate-job-a1b2c3 of job " + testJobID + " ended Stopped: see its logs",
			wantCalls: []string{start, read1, read1},
		},
		"degraded": {
			reason: "a degraded execution fails the script",
			start:  "migrate-job-a1b2c3", statuses: "Degraded", deadline: "3600",
			wantCode: 1, wantErr: "execution migrate-job-a1b2c3 of job " + testJobID + " ended Degraded: see its logs",
			wantCalls: []string{start, read1},
		},
		"deadline": {
			reason: "an execution still running at the deadline fails the script, naming it and its last status",
			start:  "migrate-job-a1b2c3", statuses: "Running", deadline: "0",
			wantCode: 1, wantErr: "execution migrate-job-a1b2c3 of job " + testJobID + " is still Running 0 s after its start: the deploy stops waiting",
			wantCalls: []string{start, read1},
		},
		"unknown until the deadline": {
			reason: "an Unknown status is not an end: the script keeps waiting, and gives up at the deadline",
			start:  "migrate-job-a1b2c3", statuses: "Unknown", deadline: "0",
			wantCode: 1, wantErr: "execution migrate-job-a1b2c3 of job " + testJobID + " is still Unknown 0 s after its start",
			wantCalls: []string{start, read1},
		},
		"read retried": {
			reason: "a failed read of the status is retried, not taken for the execution's failure",
			start:  "migrate-job-a1b2c3", statuses: "ERR Running ERR Succeeded", deadline: "3600",
			wantOut:    "execution migrate-job-a1b2c3 of job " + testJobID + " succeeded",
			wantCalls:  []string{start, read1, read1, read1, read1},
			wantOutput: `{"execution":"migrate-job-a1b2c3","status":"Succeeded"}` + "\n",
		},
		"start fails": {
			reason: "a start that fails for another reason than authorization fails the script at once, with Azure's error",
			start:  "migrate-job-a1b2c3", startError: "(ResourceNotFound) The Resource 'Microsoft.App/jobs/migrate-job' was not found.", deadline: "3600",
			wantCode: 1, wantErr: "cannot start an execution of job " + testJobID + ": ERROR: (ResourceNotFound) The Resource 'Microsoft.App/jobs/migrate-job' was not found.",
			wantCalls: []string{start},
		},
		"start denied while the grant replicates": {
			reason: "a start refused with AuthorizationFailed (the runner's new assignment not yet everywhere) is tried again",
			start:  "migrate-job-a1b2c3", denied: "2", statuses: "Succeeded", deadline: "3600",
			wantOut:    "execution migrate-job-a1b2c3 of job " + testJobID + " succeeded",
			wantErr:    "the runner may not start job " + testJobID + " yet (its role assignment is still replicating); retrying",
			wantCalls:  []string{start, start, start, read1},
			wantOutput: `{"execution":"migrate-job-a1b2c3","status":"Succeeded"}` + "\n",
		},
		"start denied for good": {
			reason: "a start refused every time fails the script after NIMBUS_START_ATTEMPTS tries, with Azure's refusal",
			start:  "migrate-job-a1b2c3", denied: "100", attempts: "3", deadline: "3600",
			wantCode: 1, wantErr: "cannot start an execution of job " + testJobID + ", refused 3 times: ERROR: (AuthorizationFailed)",
			wantCalls: []string{start, start, start},
		},
		"asynchronous start": {
			reason: "a start answered 202, with no body, follows the job's newest execution",
			start:  "", list: "migrate-job-z9y8x7", statuses: "Running Succeeded", deadline: "3600",
			wantOut:    "execution migrate-job-z9y8x7 of job " + testJobID + " succeeded",
			wantCalls:  []string{start, list, read2, read2},
			wantOutput: `{"execution":"migrate-job-z9y8x7","status":"Succeeded"}` + "\n",
		},
		"no execution": {
			reason: "a start after which no execution can be found fails the script",
			start:  "", list: "", deadline: "3600",
			wantCode: 1, wantErr: "job " + testJobID + " was started, but none of its executions can be found",
			wantCalls: []string{start, list},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", "-c", azureDeployRunScript)
			cmd.WaitDelay = time.Second
			cmd.Env = append(os.Environ(),
				"PATH="+fakeaz+string(os.PathListSeparator)+os.Getenv("PATH"),
				"TMPDIR="+dir,
				"NIMBUS_JOB_ID="+testJobID,
				"NIMBUS_DEADLINE_SECONDS="+tc.deadline,
				"NIMBUS_POLL_SECONDS=0",
				"NIMBUS_START_ATTEMPTS="+tc.attempts,
				"AZ_SCRIPTS_OUTPUT_PATH="+filepath.Join(dir, "outputs.json"),
				"FAKE_AZ_LOG="+filepath.Join(dir, "calls"),
				"FAKE_AZ_STATE="+filepath.Join(dir, "reads"),
				"FAKE_AZ_JOB_ID="+testJobID,
				"FAKE_AZ_START="+tc.start,
				"FAKE_AZ_START_DENIED="+tc.denied,
				"FAKE_AZ_START_ERROR="+tc.startError,
				"FAKE_AZ_LIST="+tc.list,
				"FAKE_AZ_STATUSES="+tc.statuses,
			)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("%s: the script had not ended after 30 s (killed)\nstderr:\n%s", tc.reason, &stderr)
			}
			code := 0
			if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode {
				t.Errorf("%s: exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", tc.reason, code, tc.wantCode, &stdout, &stderr)
			}
			if tc.wantOut != "" && !strings.Contains(stdout.String(), tc.wantOut+"\n") {
				t.Errorf("%s: stdout lacks %q:\n%s", tc.reason, tc.wantOut, &stdout)
			}
			if tc.wantErr != "" && !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("%s: stderr lacks %q:\n%s", tc.reason, tc.wantErr, &stderr)
			}
			if strings.Contains(stderr.String(), "fake az: unexpected call") {
				t.Errorf("%s: the script made a call the ARM API would not take as spelt:\n%s", tc.reason, &stderr)
			}
			calls, _ := os.ReadFile(filepath.Join(dir, "calls"))
			if diff := cmp.Diff(tc.wantCalls, strings.Split(strings.TrimSuffix(string(calls), "\n"), "\n")); diff != "" {
				t.Errorf("%s: az calls (-want +got):\n%s", tc.reason, diff)
			}
			output, _ := os.ReadFile(filepath.Join(dir, "outputs.json"))
			if diff := cmp.Diff(tc.wantOutput, string(output)); diff != "" {
				t.Errorf("%s: script outputs (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

// testDeployRunArgs are a run's args as the Azure implementation passes them.
func testDeployRunArgs(token string) azureDeployRunArgs {
	return azureDeployRunArgs{
		ResourceGroupName: pulumi.String("nimbus-dev"),
		Location:          "westeurope",
		SubscriptionID:    pulumi.String(fakecloud.AzureSubscription),
		JobID:             pulumi.String(testJobID).ToStringOutput(),
		JobName:           pulumi.String("migrate-job").ToStringOutput(),
		Token:             pulumi.String(token),
		TimeoutSeconds:    600,
		RunnerIdentityID:  pulumi.String(testRunnerID),
		RunnerPrincipalID: pulumi.String("7c9e6679-7425-40de-944b-e07fc1f90ae7"),
	}
}

func runDeployRun(t *testing.T, args azureDeployRunArgs) componenttest.Result {
	t.Helper()
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		_, err := newAzureDeployRun(ctx, "migrate", args)
		return err
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	return r
}

// TestAzureDeployRunPlan checks what a run registers: a deployment script that reruns when the
// token changes, runs as the runner identity, is told the job and its deadline in plain
// variables and waits for the grant; and a grant of a role that may start the job and read its
// executions only, to the runner, on the job alone.
func TestAzureDeployRunPlan(t *testing.T) {
	r := runDeployRun(t, testDeployRunArgs("code-1:input-1"))
	group := "/subscriptions/" + fakecloud.AzureSubscription + "/resourceGroups/nimbus-dev"

	role := r.One(t, runRole)
	if diff := cmp.Diff(map[string]any{
		"scope":            group,
		"roleType":         "CustomRole",
		"assignableScopes": []any{group},
		"permissions":      []any{map[string]any{"actions": []any{"Microsoft.App/jobs/read", "Microsoft.App/jobs/start/action", "Microsoft.App/jobs/execution/read", "Microsoft.App/jobs/executions/read"}}},
		"roleName":         "nimbus job runner " + fakecloud.AzureSubscription + " nimbus-dev migrate-job",
	}, pick(role.Inputs.Mappable(), "scope", "roleType", "assignableScopes", "permissions", "roleName")); diff != "" {
		t.Errorf("the runner's role must allow starting the job and reading its executions, nothing else (-want +got):\n%s", diff)
	}

	grant := r.One(t, runAssignment)
	if diff := cmp.Diff(map[string]any{
		"scope":            testJobID,
		"principalId":      "7c9e6679-7425-40de-944b-e07fc1f90ae7",
		"principalType":    "ServicePrincipal",
		"roleDefinitionId": "/subscriptions/" + fakecloud.AzureSubscription + "/providers/Microsoft.Authorization/roleDefinitions/" + componenttest.Str(role.Outputs, "name"),
	}, pick(grant.Inputs.Mappable(), "scope", "principalId", "principalType", "roleDefinitionId")); diff != "" {
		t.Errorf("the runner's grant must be of its role, on the job alone (-want +got):\n%s", diff)
	}

	script := r.One(t, runScript)
	if diff := cmp.Diff(map[string]any{
		"resourceGroupName": "nimbus-dev",
		"location":          "westeurope",
		"kind":              "AzureCLI",
		"azCliVersion":      azureDeployRunCLIVersion,
		"forceUpdateTag":    "code-1:input-1",
		"identity":          map[string]any{"type": "UserAssigned", "userAssignedIdentities": []any{testRunnerID}},
		"retentionInterval": "PT1H",
		"timeout":           "PT30M",
		"cleanupPreference": "OnSuccess",
		"environmentVariables": []any{
			map[string]any{"name": "NIMBUS_JOB_ID", "value": testJobID},
			map[string]any{"name": "NIMBUS_DEADLINE_SECONDS", "value": "900"},
			map[string]any{"name": "NIMBUS_POLL_SECONDS", "value": "10"},
		},
	}, pick(script.Inputs.Mappable(), "resourceGroupName", "location", "kind", "azCliVersion", "forceUpdateTag", "identity",
		"retentionInterval", "timeout", "cleanupPreference", "environmentVariables")); diff != "" {
		t.Errorf("the deployment script (-want +got):\n%s", diff)
	}
	if componenttest.Str(script.Inputs, "scriptContent") != azureDeployRunScript {
		t.Error("the deployment script must run azuredeployrun.sh as embedded, the script TestAzureDeployRunScript runs")
	}
	if _, ok := script.Inputs["storageAccountSettings"]; ok {
		t.Error("the deployment script names a storage account: the service cannot use one without shared keys, the only kind nimbus makes")
	}
	for _, v := range script.Inputs["environmentVariables"].ArrayValue() {
		env := v.ObjectValue()
		if _, ok := env["secureValue"]; ok || env["value"].IsSecret() || v.IsSecret() {
			t.Errorf("environment variable %v carries a secret: a script's variables are plain, and nothing of a run is secret", env["name"])
		}
	}
	if !contains(script.Dependencies, grant.URN) {
		t.Errorf("the script must wait for the runner's grant, or its first start is refused; it depends on %v", script.Dependencies)
	}
	if vs := guardrails.Evaluate(&guardrails.Plan{Cloud: "azure", Production: true, Resources: r.Resources}); len(vs) > 0 {
		t.Errorf("the run breaks the guardrails: %v", vs)
	}
	for _, res := range []string{runRole, runAssignment, runScript} {
		if v := r.One(t, res).Version; v != "3.16.0" {
			t.Errorf("%s registered with azure-native %q, want 3.16.0", res, v)
		}
	}
}

// TestAzureDeployRunToken checks the token alone decides a rerun: the same token registers the
// same script, another token another forceUpdateTag and nothing else.
func TestAzureDeployRunToken(t *testing.T) {
	inputs := func(token string) map[string]any {
		return runDeployRun(t, testDeployRunArgs(token)).One(t, runScript).Inputs.Mappable()
	}
	first, again, changed := inputs("code-1"), inputs("code-1"), inputs("code-2")
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("the same token must register the same script, so no rerun (-first +again):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"forceUpdateTag": "code-1"}, pick(first, "forceUpdateTag")); diff != "" {
		t.Errorf("forceUpdateTag (-want +got):\n%s", diff)
	}
	delete(first, "forceUpdateTag")
	if diff := cmp.Diff(map[string]any{"forceUpdateTag": "code-2"}, pick(changed, "forceUpdateTag")); diff != "" {
		t.Errorf("another token must change forceUpdateTag, which reruns the script (-want +got):\n%s", diff)
	}
	delete(changed, "forceUpdateTag")
	if diff := cmp.Diff(first, changed); diff != "" {
		t.Errorf("another token must change nothing but forceUpdateTag (-code-1 +code-2):\n%s", diff)
	}
}

func TestAzureDeployRunInvalid(t *testing.T) {
	cases := map[string]struct {
		reason string
		args   func(a *azureDeployRunArgs)
		want   []string
	}{
		"no runner": {
			reason: "the runner identity is the Azure implementation's to make; without it nothing may start the job",
			args:   func(a *azureDeployRunArgs) { a.RunnerIdentityID, a.RunnerPrincipalID = nil, nil },
			want: []string{
				`function "migrate": the deploy-time run's RunnerIdentityID is required`,
				`function "migrate": the deploy-time run's RunnerPrincipalID is required`,
			},
		},
		"no job": {
			reason: "a run without its job's id or name has nothing to start or scope its grant to",
			args:   func(a *azureDeployRunArgs) { a.JobID, a.JobName = pulumi.StringOutput{}, pulumi.StringOutput{} },
			want: []string{
				`function "migrate": the deploy-time run's JobID is required`,
				`function "migrate": the deploy-time run's JobName is required`,
			},
		},
		"no place or token": {
			reason: "the group, subscription, region and token are required",
			args: func(a *azureDeployRunArgs) {
				a.ResourceGroupName, a.SubscriptionID, a.Token, a.Location = nil, nil, nil, ""
			},
			want: []string{
				`function "migrate": the deploy-time run's ResourceGroupName is required`,
				`function "migrate": the deploy-time run's SubscriptionID is required`,
				`function "migrate": the deploy-time run's Token is required`,
				`function "migrate": the deploy-time run's Location is required (an Azure region)`,
			},
		},
		"timeout": {
			reason: "a deployment script runs for a day at most, margins included",
			args:   func(a *azureDeployRunArgs) { a.TimeoutSeconds = 85201 },
			want:   []string{`function "migrate": the deploy-time run's TimeoutSeconds must be between 1 and 85200, got 85201`},
		},
		"no timeout": {
			reason: "the job's replicaTimeout is always set",
			args:   func(a *azureDeployRunArgs) { a.TimeoutSeconds = 0 },
			want:   []string{`function "migrate": the deploy-time run's TimeoutSeconds must be between 1 and 85200, got 0`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			args := testDeployRunArgs("t")
			tc.args(&args)
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := newAzureDeployRun(ctx, "migrate", args)
				return err
			}, tc.want...)
		})
	}
}

func TestISODuration(t *testing.T) {
	for seconds, want := range map[int]string{0: "PT0S", 45: "PT45S", 900: "PT15M", 1800: "PT30M", 3900: "PT1H5M", 3661: "PT1H1M1S", 86400: "PT24H"} {
		if got := isoDuration(seconds); got != want {
			t.Errorf("isoDuration(%d) = %q, want %q", seconds, got, want)
		}
	}
}

// pick is the entries of m at keys.
func pick(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
