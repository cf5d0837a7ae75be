// Package rie runs a Lambda bootstrap under the AWS Lambda Runtime Interface Emulator (RIE), the
// same Runtime API the Lambda service offers, so a function's real main can be invoked with real
// event payloads on a developer machine or in CI, without AWS and without Docker.
//
// The emulator is built from source at the version pinned in functions/tools/go.mod (see
// [BuildEmulator]); bootstraps must be built for the host (GOOS/GOARCH of the machine), not for
// Lambda's arm64. Every emulator listens on 127.0.0.1 only, on ports picked at start, so several
// can run at once. It initialises the function on the first invocation, as Lambda does on a cold
// start; [ParseReports] reads the timings it logs.
package rie
