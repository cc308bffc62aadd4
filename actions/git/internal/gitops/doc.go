// Package gitops implements the git actions (git/clone, git/modify-file, git/commit, git/push,
// git/create-pr): the steps of the GitOps pull-request workflow. Each action is a struct whose
// Run method is an action.Func; the main packages under actions/git/ only wire it to
// action.Main, so that the whole workflow can be tested in one process against a real git
// server.
//
// Git is go-git, pure Go: the images are scratch and carry no git binary. Repositories live in
// the workflow's shared workspace (/workspace), and every path from an input is checked to stay
// inside it. Credentials come only from a mounted Secret directory (see Credentials), never
// from inputs, and never appear in logs, outputs or errors.
package gitops
