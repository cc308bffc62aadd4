package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	"github.com/kubernaut/kubernaut/sdk/contract"
)

// ContractFile is the contract's file name in an action's directory.
const ContractFile = "action-contract.yaml"

// segment is what a group or action directory name may be: it becomes half of the action type
// and a path component of the image repository.
var segment = regexp.MustCompile(`^[a-z0-9]+(?:[_-][a-z0-9]+)*$`)

// Action is a built-in action found in the source tree.
type Action struct {
	// Type is "<group>/<name>", from the directory names actions/<group>/<name>.
	Type string
	// Dir is the Go main package of the action.
	Dir string
	// ContractFile is Dir/action-contract.yaml.
	ContractFile string
	// Contract is the parsed, valid contract.
	Contract *contract.ActionContract
}

// Discover finds the actions under root/actions: every directory actions/<group>/<name> holding
// an action-contract.yaml. Directories named internal or testdata are skipped; an invalid
// contract or an unusable directory name is an error naming the file, because a catalogue
// that silently drops an action would publish a registry without it. Actions are sorted by type.
func Discover(root string) ([]Action, error) {
	base := filepath.Join(root, "actions")
	matches, err := filepath.Glob(filepath.Join(base, "*", "*", ContractFile))
	if err != nil {
		return nil, err
	}
	if len(matches) == 0 {
		if _, statErr := os.Stat(base); errors.Is(statErr, fs.ErrNotExist) {
			return nil, fmt.Errorf("no actions directory at %s", base)
		}
		return nil, fmt.Errorf("no actions under %s (want %s/<group>/<name>/%s)", base, base, ContractFile)
	}
	var actions []Action
	for _, file := range matches {
		dir := filepath.Dir(file)
		group, name := filepath.Base(filepath.Dir(dir)), filepath.Base(dir)
		if group == "internal" || group == "testdata" {
			continue
		}
		a, err := load(group, name, dir, file)
		if err != nil {
			return nil, err
		}
		actions = append(actions, a)
	}
	sort.Slice(actions, func(i, j int) bool { return actions[i].Type < actions[j].Type })
	return actions, nil
}

// load reads one action's contract and checks its directory names.
func load(group, name, dir, file string) (Action, error) {
	for _, s := range []string{group, name} {
		if !segment.MatchString(s) {
			return Action{}, fmt.Errorf("%s: directory name %q cannot be part of an action type (lowercase letters, digits, '-' and '_')", dir, s)
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return Action{}, err
	}
	c, err := contract.Parse(data)
	if err != nil {
		return Action{}, fmt.Errorf("%s: %w", file, err)
	}
	return Action{Type: group + "/" + name, Dir: dir, ContractFile: file, Contract: c}, nil
}
