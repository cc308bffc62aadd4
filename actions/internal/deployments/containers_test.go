package deployments

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

func TestPickContainer(t *testing.T) {
	deployment := func(annotations map[string]string) *appsv1.Deployment {
		d := &appsv1.Deployment{}
		d.Spec.Template.Annotations = annotations
		d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "proxy"}, {Name: "app"}}
		return d
	}
	ref := kube.Ref{Kind: "deployment", Namespace: "shop", Name: "web"}
	tests := []struct {
		name      string
		d         *appsv1.Deployment
		container string
		want      int
		wantErr   string
	}{
		{"a named container is found by its name", deployment(nil), "app", 1, ""},
		{"without a name the annotation picks the container", deployment(map[string]string{DefaultContainerAnnotation: "app"}), "", 1, ""},
		{"without a name or annotation the first container is picked", deployment(nil), "", 0, ""},
		{"an unknown name lists the containers", deployment(nil), "db", 0,
			`deployment shop/web has no container "db" (named by input "container"); its containers are proxy, app`},
		{"an annotation naming no container says so", deployment(map[string]string{DefaultContainerAnnotation: "db"}), "", 0,
			`deployment shop/web has no container "db" (named by the annotation kubectl.kubernetes.io/default-container); its containers are proxy, app`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PickContainer(tt.d, tt.container, ref)

			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff([]any{tt.want, tt.wantErr}, []any{got, gotErr}); diff != "" {
				t.Errorf("(index, error) (-want +got):\n%s", diff)
			}
		})
	}
}
