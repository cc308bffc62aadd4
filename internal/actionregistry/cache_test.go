package actionregistry

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCacheParsesOnlyAfterAChange(t *testing.T) {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, UID: "u1", ResourceVersion: "1"},
		Data:       map[string]string{RegistryKey: seedRegistry, TrustKey: trustKeys},
	}
	var cache Cache
	first, err := cache.Parse(cm)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := cache.Parse(cm); again != first {
		t.Error("the same resourceVersion was parsed again")
	}
	changed := cm.DeepCopy()
	changed.ResourceVersion = "2"
	changed.Data[RegistryKey] = "{}"
	reg, err := cache.Parse(changed)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := reg.Lookup("kubernetes/scale_deployment"); ok {
		t.Error("a changed ConfigMap still serves the old registry")
	}
	broken := changed.DeepCopy()
	broken.ResourceVersion = "3"
	broken.Data[RegistryKey] = "a/b: {imgae: x}"
	if _, err := cache.Parse(broken); err == nil {
		t.Error("a broken ConfigMap parsed from the cache")
	}
}
