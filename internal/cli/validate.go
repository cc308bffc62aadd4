package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation/field"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/workflow"
)

// managerNamespace is where the manager and its action registry ConfigMap are installed.
const managerNamespace = "kubernaut-system"

type validateFlags struct {
	file         string
	registryFile string
	kube         kubeFlags
	contracts    bool
}

func newValidateCommand(s streams) *cobra.Command {
	var f validateFlags
	cmd := &cobra.Command{
		Use:   "validate -f FILE",
		Short: "Check a WorkflowExecution before applying it: graph, output references, registry and contracts",
		Long: `Runs the checks the controller runs before anything is created, offline: strict parsing
(unknown fields, wrong types), the step graph (duplicate names, unknown runAfter entries, cycles
with their path), output references ($(steps.<name>.outputs.<key>) must name an upstream step)
and the limits of the CustomResourceDefinition. FILE "-" reads standard input.

With --registry FILE (a registry.yaml, or the kubernaut-action-registry ConfigMap manifest) or
--kubeconfig (the ConfigMap is read from the cluster, in --namespace), every step's actionType
must have a registry entry, and a step's image must be that entry's image. With --contracts,
each entry's contract is read from its image and every step's inputs are checked against it;
inputs holding output references are checked at run time, and are listed as such.

Every problem is printed with its field path; the exit code is 1 if there is any.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("validate takes no arguments; name the file with -f %s", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.file == "" {
				return usagef("-f FILE is required (- for standard input)")
			}
			if f.registryFile != "" && f.kube.kubeconfig != "" {
				return usagef("--registry and --kubeconfig both name an action registry; give one")
			}
			if f.contracts && f.registryFile == "" && f.kube.kubeconfig == "" {
				return usagef("--contracts needs the action registry: give --registry FILE or --kubeconfig PATH")
			}
			return validateWorkflow(cmd.Context(), s, f)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&f.file, "filename", "f", "", "the WorkflowExecution to check, YAML or JSON (- for standard input)")
	fs.StringVar(&f.registryFile, "registry", "", "action registry: a registry.yaml or the kubernaut-action-registry ConfigMap manifest")
	fs.StringVar(&f.kube.kubeconfig, "kubeconfig", "", "read the action registry ConfigMap from the cluster of this kubeconfig")
	fs.StringVar(&f.kube.context, "context", "", "kubeconfig context (default: the current context)")
	fs.StringVarP(&f.kube.namespace, "namespace", "n", managerNamespace, "namespace of the action registry ConfigMap in the cluster")
	fs.BoolVar(&f.contracts, "contracts", false, "also read each action's contract from its image and check the steps' inputs against it")
	return cmd
}

// validateWorkflow runs the checks in order, stopping at the first stage with problems: a
// workflow that does not parse has no steps to look up, and one with a broken graph never runs.
func validateWorkflow(ctx context.Context, s streams, f validateFlags) error {
	data, err := readInput(s, f.file)
	if err != nil {
		return err
	}
	if f.file == "-" {
		f.file = "stdin" // the name problems are reported under
	}
	wfe, err := workflow.Parse(data)
	if err != nil {
		var pe *workflow.ParseError
		if errors.As(err, &pe) {
			return reportProblems(s, f.file, errorLines(pe.Errors), "it cannot be applied")
		}
		return fmt.Errorf("%s: %w", f.file, err)
	}
	g, err := workflow.Validate(&wfe.Spec)
	if err != nil {
		var ve *workflow.ValidationError
		if errors.As(err, &ve) {
			return reportProblems(s, f.file, errorLines(ve.Errors), "the workflow would fail with reason "+ve.Reason)
		}
		return fmt.Errorf("%s: %w", f.file, err)
	}
	fmt.Fprintf(s.out, "OK: %s, order: %s\n", plural(len(wfe.Spec.Steps), "step", "steps"), strings.Join(g.Order(), ", "))
	if f.registryFile == "" && f.kube.kubeconfig == "" {
		return nil
	}
	return validateAgainstRegistry(ctx, s, f, wfe)
}

// validateAgainstRegistry checks the steps against the action registry and, with --contracts,
// against the contracts in the registry's images.
func validateAgainstRegistry(ctx context.Context, s streams, f validateFlags, wfe *workflowv1alpha1.WorkflowExecution) error {
	reg, source, err := loadRegistry(ctx, f)
	if err != nil {
		return err
	}
	if problems := checkRegistry(wfe.Spec.Steps, reg, source); len(problems) > 0 {
		return reportProblems(s, f.file, problems, "the controller would refuse these steps")
	}
	fmt.Fprintf(s.out, "OK: every action type is in the action registry (%s), and every pinned image is the registry's\n", source)
	if !f.contracts {
		return nil
	}
	res := checkContracts(ctx, wfe.Spec.Steps, reg)
	if len(res.problems) > 0 {
		return reportProblems(s, f.file, res.problems, "the controller would refuse these steps")
	}
	fmt.Fprintf(s.out, "OK: the inputs of every step match its contract (%s)\n", strings.Join(res.contracts, ", "))
	for _, line := range res.atRunTime {
		fmt.Fprintf(s.out, "checked at run time: %s\n", line)
	}
	return nil
}

// readInput reads FILE, or standard input for "-".
func readInput(s streams, file string) ([]byte, error) {
	if file == "-" {
		data, err := io.ReadAll(io.LimitReader(s.in, workflow.MaxDocumentSize+1))
		if err != nil {
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
		return data, nil
	}
	return os.ReadFile(file)
}

// reportProblems prints one problem per line, prefixed with the file, and returns the error
// that makes the exit code 1.
func reportProblems(s streams, file string, problems []string, consequence string) error {
	for _, p := range problems {
		fmt.Fprintf(s.out, "%s: %s\n", file, p)
	}
	return fmt.Errorf("%s: %s: %s", file, plural(len(problems), "problem", "problems"), consequence)
}

func errorLines(errs field.ErrorList) []string {
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = e.Error()
	}
	return lines
}

// plural counts n things: "1 step", "4 steps", "0 entries" (the plural form given).
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// registrySource names where the registry came from, for messages.
func registrySource(f validateFlags) string {
	if f.registryFile != "" {
		return f.registryFile
	}
	return "ConfigMap " + f.kube.namespace + "/" + actionregistry.ConfigMapName
}
