package actionjob

import "testing"

// BenchmarkBuildObjects builds everything one run needs: the pre-launch checks, the RBAC
// objects and the Job.
func BenchmarkBuildObjects(b *testing.B) {
	c := loadContract(b, "scale-deployment.yaml")
	ae := newAE("scale-payments")
	namespaced, cluster := Permissions(c)
	requested := append(namespaced, cluster...)
	inputs := []byte(`{"deployment":"payment-service","replicas":10}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := CheckSecurity(c); err != nil {
			b.Fatal(err)
		}
		if err := CheckCeiling(requested, requested); err != nil {
			b.Fatal(err)
		}
		rbac := BuildRBAC(ae, c)
		if _, err := BuildJob(ae, c, testDigestRef, inputs, rbac.ServiceAccount.Name); err != nil {
			b.Fatal(err)
		}
	}
}
