// Package imagestest provides in-memory implementations of the images ports for tests:
// they behave like the real stores (conditional state transitions, ErrNotFound), record
// every call, and can be told to fail.
package imagestest
