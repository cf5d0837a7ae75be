// Benchmarks of the functions (see bench/*.sh); a module of its own so their dependencies stay
// out of both the root module and the deployed functions.
module github.com/nimbus-iac/nimbus/bench

go 1.26.6

replace github.com/nimbus-iac/nimbus/functions => ../functions

require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/jackc/pgx/v5 v5.12.0
	github.com/nimbus-iac/nimbus/functions v0.0.0-00010101000000-000000000000
)

require (
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	golang.org/x/image v0.48.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)
