// Package imagecheck holds one test: every built-in action, as found by internal/catalog,
// builds into an image with the project's builder, and that image carries the action's contract
// byte for byte and a static entrypoint. It has no code of its own; the test lives apart from
// the actions so that each action's package compiles only itself.
package imagecheck
