package tekton

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/kubernaut/kubernaut/internal/devcluster/kubeapply"
)

// koPrefix starts every image reference ko resolves in Tekton's config/.
const koPrefix = "ko://" + ModulePath + "/cmd/"

// skippedFiles are files of config/ that Render leaves out. webhook-hpa.yaml is a
// HorizontalPodAutoscaler, which needs a metrics server the dev cluster does not run.
var skippedFiles = []string{"webhook-hpa.yaml"}

// ErrUnresolved: a ko:// reference names no built command, or one is left after rendering.
var ErrUnresolved = errors.New("unresolved ko:// image reference")

// RenderOptions adjust what Render produces beyond replacing the images.
type RenderOptions struct {
	// ShellImage replaces the controller's -shell-image (upstream: a busybox on cgr.dev), the
	// image of `script:` steps and of their place-scripts init container. "" keeps upstream's,
	// which the dev cluster cannot pull: steps must then name their command, which Kubernaut's
	// steps always do.
	ShellImage string
	// FeatureFlags are set in the feature-flags ConfigMap, over upstream's values. The dev
	// cluster sets RestrictedFeatureFlags: Kubernaut runs steps under the restricted Pod Security
	// profile, which Tekton's own init containers meet only with set-security-context.
	FeatureFlags map[string]string
}

// RestrictedFeatureFlags let TaskRun pods run in namespaces that enforce the restricted Pod
// Security profile (Tekton's documented setting: its init containers and the affinity
// assistant get a restricted security context). No API field changes: the defaults ("beta"
// API fields, termination-message results) stay.
var RestrictedFeatureFlags = map[string]string{"set-security-context": "true"}

// Render returns the objects of Tekton's release from the module's own config/ directory, as
// `ko resolve -R -f config/` prints them and tekton/publish.yaml rewrites them: every
// ko://github.com/tektoncd/pipeline/cmd/<command> is replaced by images[<command>] (in image
// fields and in arguments such as -entrypoint-image), "devel" version labels become Version,
// and the resolvers run /ko-app/resolvers directly, since our image has no /sbin/tini.
// webhook-hpa.yaml is skipped. Render reads files and nothing else.
func Render(moduleDir string, images Images, opts RenderOptions) ([]*unstructured.Unstructured, error) {
	if err := images.check(); err != nil {
		return nil, err
	}
	files, err := configFiles(filepath.Join(moduleDir, "config"))
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, file := range files {
		decoded, err := decodeFile(file)
		if err != nil {
			return nil, err
		}
		for _, o := range decoded {
			if err := resolve(o, images, opts); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", file, kubeapply.Describe(o), err)
			}
		}
		objs = append(objs, decoded...)
	}
	return objs, nil
}

// configFiles lists the YAML files below dir in ko's order (lexical, depth first), without
// skippedFiles.
func configFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := filepath.Ext(p)
		if d.IsDir() || (ext != ".yaml" && ext != ".yml") || slices.Contains(skippedFiles, d.Name()) {
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading Tekton's config: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("reading Tekton's config: no YAML files in %s", dir)
	}
	return files, nil
}

// decodeFile decodes every non-empty document of a YAML file. Numbers become int64 where
// whole, as the API machinery decodes them.
func decodeFile(file string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading Tekton's config: %w", err)
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []*unstructured.Unstructured
	for i := 0; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", file, i, err)
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", file, i, err)
		}
		if trimmed := bytes.TrimSpace(js); bytes.Equal(trimmed, []byte("null")) || bytes.Equal(trimmed, []byte("{}")) {
			continue // only comments, or empty
		}
		o := &unstructured.Unstructured{}
		if err := o.UnmarshalJSON(js); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", file, i, err)
		}
		objs = append(objs, o)
	}
}

// resolve applies Render's substitutions to one object.
func resolve(o *unstructured.Unstructured, images Images, opts RenderOptions) error {
	resolved, err := rewrite(o.Object, images)
	if err != nil {
		return err
	}
	o.Object = resolved.(map[string]any)
	if o.GetKind() == "ConfigMap" && o.GetName() == "feature-flags" {
		for k, v := range opts.FeatureFlags {
			if err := unstructured.SetNestedField(o.Object, v, "data", k); err != nil {
				return err
			}
		}
	}
	if o.GetKind() != "Deployment" {
		return nil
	}
	return editContainers(o, func(c map[string]any) {
		c["command"] = withoutTini(c["command"])
		if opts.ShellImage != "" {
			replaceFlagValue(c, "-shell-image", opts.ShellImage)
		}
	})
}

// rewrite walks a decoded object and returns it with ko:// references resolved and "devel"
// version labels replaced, as tekton/publish.yaml's sed does on the keys
// pipeline.tekton.dev/release and those ending in "version".
func rewrite(v any, images Images) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, val := range v {
			if val == "devel" && (k == "pipeline.tekton.dev/release" || strings.HasSuffix(k, "version")) {
				v[k] = Version
				continue
			}
			out, err := rewrite(val, images)
			if err != nil {
				return nil, err
			}
			v[k] = out
		}
		return v, nil
	case []any:
		for i, val := range v {
			out, err := rewrite(val, images)
			if err != nil {
				return nil, err
			}
			v[i] = out
		}
		return v, nil
	case string:
		if !strings.HasPrefix(v, "ko://") {
			return v, nil
		}
		command, ok := strings.CutPrefix(v, koPrefix)
		if !ok || images[command] == "" {
			return nil, fmt.Errorf("%w %q: no image built for it", ErrUnresolved, v)
		}
		return images[command], nil
	}
	return v, nil
}

// editContainers calls edit on every container and init container of a Deployment.
func editContainers(d *unstructured.Unstructured, edit func(map[string]any)) error {
	for _, field := range []string{"initContainers", "containers"} {
		path := []string{"spec", "template", "spec", field}
		containers, found, err := unstructured.NestedSlice(d.Object, path...)
		if err != nil || !found {
			continue
		}
		for _, c := range containers {
			if m, ok := c.(map[string]any); ok {
				edit(m)
			}
		}
		if err := unstructured.SetNestedSlice(d.Object, containers, path...); err != nil {
			return err
		}
	}
	return nil
}

// withoutTini drops a leading `/sbin/tini --` from a command: upstream builds the resolvers on
// an image with tini and git, ours is the binary alone, where the command would fail with
// `exec: "/sbin/tini": stat /sbin/tini: no such file or directory`.
func withoutTini(command any) any {
	args, ok := command.([]any)
	if !ok || len(args) < 3 || args[0] != "/sbin/tini" || args[1] != "--" {
		return command
	}
	return args[2:]
}

// replaceFlagValue sets the value following flag in the container's args, if the flag is there.
func replaceFlagValue(c map[string]any, flag, value string) {
	args, _ := c["args"].([]any)
	for i := 0; i+1 < len(args); i++ {
		if args[i] == flag {
			args[i+1] = value
		}
	}
}
