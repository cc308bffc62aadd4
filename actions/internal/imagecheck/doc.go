// Package imagecheck holds one test: every built-in action, as found by internal/catalog,
// builds into an image with the project's builder, and that image carries the action's contract
// byte for byte and a static entrypoint; and the catalogue covers every Go action directory and
// is listed in docs/actions.md. It has no code of its own; the test lives apart from
// the actions so that each action's package compiles only itself.
package imagecheck
