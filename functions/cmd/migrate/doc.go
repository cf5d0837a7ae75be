// Command migrate is the migrate Lambda function: invoked with any JSON payload (a
// deploy step), it applies the embedded schema migrations and answers
// {"applied":[...]}, through awsadapter.NewMigrateFunction. Running it again, or
// concurrently, is safe.
//
// Environment (docs/function-contract.md): DB_*. It does no network or database work
// before its first invocation.
package main
