package action

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/kubernaut/kubernaut/sdk/contract"
)

// loadContract returns the contract the run is checked against, or nil when there is none.
// A contract that is named but unreadable is an error, never silently skipped: an image that
// ships a broken contract must not run unchecked.
func loadContract(env Env) (*contract.ActionContract, error) {
	if env.Contract != nil {
		return env.Contract, nil
	}
	if path := env.Getenv(EnvContractPath); path != "" {
		return readContract(path, " named by "+EnvContractPath)
	}
	if env.DefaultContractPath == "" {
		return nil, nil
	}
	if _, err := os.Stat(env.DefaultContractPath); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return readContract(env.DefaultContractPath, "")
}

// readContract reads and parses one contract file; origin says where its path came from.
func readContract(path, origin string) (*contract.ActionContract, error) {
	data, err := readFileCapped(path, contract.MaxSize)
	if err != nil {
		return nil, fmt.Errorf("reading the contract%s: %w", origin, err)
	}
	c, err := contract.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("contract %s is invalid: %w", path, err)
	}
	return c, nil
}

// prepareInputs validates and defaults the raw inputs with the contract, when there is one,
// and returns them in canonical JSON form.
func prepareInputs(c *contract.ActionContract, raw map[string]any) (*Inputs, error) {
	values := raw
	if c != nil {
		applied, err := c.ApplyInputs(raw)
		if err != nil {
			return nil, fmt.Errorf("inputs do not match contract %s %s:\n%w",
				c.Metadata.Name, c.Metadata.Version, err)
		}
		values = applied
	}
	canonical, err := canonicalJSON(values)
	if err != nil {
		return nil, fmt.Errorf("inputs: %w", err)
	}
	return &Inputs{values: canonical}, nil
}

// checkOutputs validates decoded outputs against the contract's declared outputs.
func checkOutputs(c *contract.ActionContract, out map[string]any) error {
	if c == nil {
		return nil
	}
	if err := c.ValidateOutputs(out); err != nil {
		return fmt.Errorf("outputs do not match contract %s %s:\n%w",
			c.Metadata.Name, c.Metadata.Version, err)
	}
	return nil
}
