#!/usr/bin/env bash
# Runs one execution of a Container Apps job and waits for its end: the body of the deployment
# script newAzureDeployRun creates (azuredeployrun.go), run by Azure in the azure-cli image,
# signed in as the runner identity. It exits non-zero, naming the execution and its status,
# when the execution fails, is stopped or degraded, or is still not done at the deadline; Azure
# then fails the deployment script, and `pulumi up` with it.
#
# It calls the ARM API with `az rest` (a core command since Azure CLI 2.0, no extension to
# install) by resource id, so it needs no cloud's host name:
#   POST JOB/start                  Microsoft.App/jobs/start/action
#   GET  JOB/executions/EXECUTION   Microsoft.App/jobs/execution/read
#   GET  JOB/executions             Microsoft.App/jobs/executions/read (only after a 202)
#
# Environment (plain values; nothing here is secret):
#   NIMBUS_JOB_ID            the job's ARM id
#   NIMBUS_DEADLINE_SECONDS  how long after the start to wait for the execution's end
#   NIMBUS_POLL_SECONDS      the wait between two reads of its status (default 10)
#   NIMBUS_START_ATTEMPTS    how many refused starts to try before giving up (default 30)
set -u

api=2024-03-01
job=${NIMBUS_JOB_ID:?NIMBUS_JOB_ID (the ARM id of the job) is required}
deadline_seconds=${NIMBUS_DEADLINE_SECONDS:?NIMBUS_DEADLINE_SECONDS is required}
poll=${NIMBUS_POLL_SECONDS:-10}
deadline=$(($(date +%s) + deadline_seconds))

fail() {
	echo "$*" >&2
	exit 1
}

# A new role assignment takes a while to reach every ARM instance: a start refused with
# AuthorizationFailed (which started nothing) is retried; any other error is final.
attempts=${NIMBUS_START_ATTEMPTS:-30}
refusal=$(mktemp)
attempt=1
until execution=$(az rest --method post --url "${job}/start?api-version=${api}" --query name --output tsv 2>"$refusal"); do
	case "$(cat "$refusal")" in
	*AuthorizationFailed*) ;;
	*) fail "cannot start an execution of job ${job}: $(cat "$refusal")" ;;
	esac
	[ "$attempt" -lt "$attempts" ] || fail "cannot start an execution of job ${job}, refused ${attempts} times: $(cat "$refusal")"
	echo "the runner may not start job ${job} yet (its role assignment is still replicating); retrying" >&2
	attempt=$((attempt + 1))
	sleep "$poll"
done
if [ -z "$execution" ]; then
	# An asynchronous start (202 Accepted) has no body: the newest execution is the one it made.
	execution=$(az rest --method get --url "${job}/executions?api-version=${api}" \
		--query "sort_by(value, &properties.startTime)[-1].name" --output tsv) || execution=
fi
[ -n "$execution" ] || fail "job ${job} was started, but none of its executions can be found"
echo "started execution ${execution} of job ${job}"

status=
while :; do
	# A failed read (a throttled or dropped request) is retried until the deadline.
	if s=$(az rest --method get --url "${job}/executions/${execution}?api-version=${api}" --query properties.status --output tsv); then
		status=$s
	else
		echo "cannot read the status of execution ${execution}; retrying" >&2
	fi
	case "$status" in
	Succeeded)
		echo "execution ${execution} of job ${job} succeeded"
		if [ -n "${AZ_SCRIPTS_OUTPUT_PATH:-}" ]; then
			printf '{"execution":"%s","status":"%s"}\n' "$execution" "$status" >"$AZ_SCRIPTS_OUTPUT_PATH"
		fi
		exit 0
		;;
	Failed | Stopped | Degraded)
		fail "execution ${execution} of job ${job} ended ${status}: see its logs"
		;;
	esac
	if [ "$(date +%s)" -ge "$deadline" ]; then
		fail "execution ${execution} of job ${job} is still ${status:-unknown} ${deadline_seconds} s after its start: the deploy stops waiting"
	fi
	sleep "$poll"
done
