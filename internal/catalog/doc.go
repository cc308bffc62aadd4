// Package catalog is the signing pipeline of the built-in actions (the seed's "build, sign,
// update registry with digest"): it finds every action under actions/<group>/<name>/, builds
// each with the project's image builder, pushes it, signs the pushed digest, and renders the
// action registry ConfigMap that lists every action by that digest. `kubernaut action publish`
// and `make actions` drive it; the demo and the end-to-end tests use it too, so the images users
// run are built exactly as those the tests ran.
package catalog
