//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/internal/devcluster"
)

// jobTimeout bounds one Job; a trivial Job completes in about 3 s on an idle machine.
const jobTimeout = 2 * time.Minute

// startedJob is a Job and the local time it was created, for create -> finished timings
// (the server's creationTimestamp has only second precision).
type startedJob struct {
	*batchv1.Job
	created time.Time
}

// echoOutput is the JSON line the echo action prints.
type echoOutput struct {
	OK     bool            `json:"ok"`
	Inputs json.RawMessage `json:"inputs"`
	Read   string          `json:"read"`
	Error  string          `json:"error"`
	UID    int             `json:"uid"`
}

func TestAJobOfOurImageRunsWithActionInputsAndLogsThemAsJSON(t *testing.T) {
	ctx, ns := testNamespace(t)
	job := createEchoJob(ctx, t, ns, "echo", `{"x":1}`, nil)
	if got := waitJob(ctx, t, job); got != batchv1.JobComplete {
		t.Fatalf("job finished %s, want Complete; log:\n%s", got, jobLog(ctx, t, job))
	}
	out := parseLog(t, jobLog(ctx, t, job))
	if !out.OK || string(out.Inputs) != `{"x":1}` {
		t.Errorf("log = %+v, want ok with inputs {\"x\":1}", out)
	}
	if out.UID != 65532 {
		t.Errorf("action ran as uid %d, want the image's non-root user 65532", out.UID)
	}
}

func TestAVolumeOfTheDefaultStorageClassCarriesDataFromOneJobToTheNext(t *testing.T) {
	ctx, ns := testNamespace(t)
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shared"},
		Spec: corev1.PersistentVolumeClaimSpec{ // no class: the default StorageClass applies
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("16Mi")},
			},
		},
	}
	pvc, err := suite.client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create claim: %v", err)
	}
	if got := ptrValue(pvc.Spec.StorageClassName); got != devcluster.StorageClassName {
		t.Errorf("claim got StorageClass %q, want the default %q", got, devcluster.StorageClassName)
	}
	value := "written-by-" + ns
	writer := createEchoJob(ctx, t, ns, "writer", fmt.Sprintf(`{"write":"/data/note","value":%q}`, value), pvc)
	if got := waitJob(ctx, t, writer); got != batchv1.JobComplete {
		t.Fatalf("writer finished %s, want Complete; log:\n%s", got, jobLog(ctx, t, writer))
	}
	reader := createEchoJob(ctx, t, ns, "reader", `{"read":"/data/note"}`, pvc)
	if got := waitJob(ctx, t, reader); got != batchv1.JobComplete {
		t.Fatalf("reader finished %s, want Complete; log:\n%s", got, jobLog(ctx, t, reader))
	}
	if diff := cmp.Diff(value, parseLog(t, jobLog(ctx, t, reader)).Read); diff != "" {
		t.Errorf("what the second job read (-written +read):\n%s", diff)
	}
}

func TestAFailingContainerIsReportedFailed(t *testing.T) {
	ctx, ns := testNamespace(t)
	job := createEchoJob(ctx, t, ns, "fails", `{"fail":true}`, nil)
	if got := waitJob(ctx, t, job); got != batchv1.JobFailed {
		t.Fatalf("job finished %s, want Failed; log:\n%s", got, jobLog(ctx, t, job))
	}
	if out := parseLog(t, jobLog(ctx, t, job)); out.OK || out.Error != "asked to fail" {
		t.Errorf("log = %+v, want ok=false with error %q", out, "asked to fail")
	}
}

func TestTenJobsCreatedAtOnceAllComplete(t *testing.T) {
	ctx, ns := testNamespace(t)
	began := time.Now()
	jobs := make([]startedJob, 10)
	for i := range jobs {
		jobs[i] = createEchoJob(ctx, t, ns, fmt.Sprintf("par-%d", i), fmt.Sprintf(`{"x":%d}`, i), nil)
	}
	var wg sync.WaitGroup
	results := make([]batchv1.JobConditionType, len(jobs))
	for i, job := range jobs {
		wg.Go(func() { results[i] = waitJob(ctx, t, job) })
	}
	wg.Wait()
	t.Logf("10 jobs: create -> all finished in %.1fs", time.Since(began).Seconds())
	for i, got := range results {
		if got != batchv1.JobComplete {
			t.Errorf("job %s finished %s, want Complete", jobs[i].Name, got)
		}
	}
}

// testNamespace creates a namespace for one test and deletes it afterwards.
func testNamespace(t testing.TB) (context.Context, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "e2e-"}}
	ns, err := suite.client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() {
		_ = suite.client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ctx, ns.Name
}

// createEchoJob runs the echo action once with inputs, mounting pvc at /data when given.
func createEchoJob(ctx context.Context, t testing.TB, ns, name, inputs string, pvc *corev1.PersistentVolumeClaim) startedJob {
	t.Helper()
	nonRoot := true
	noEscalation := false
	pod := corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever,
		// The dev cluster runs no DNS server; without this every pod warns MissingClusterDNS.
		DNSPolicy: corev1.DNSDefault,
		Containers: []corev1.Container{{
			Name:  "action",
			Image: suite.echoImage,
			Env:   []corev1.EnvVar{{Name: "ACTION_INPUTS", Value: inputs}},
			SecurityContext: &corev1.SecurityContext{
				RunAsNonRoot: &nonRoot, AllowPrivilegeEscalation: &noEscalation,
				Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			},
		}},
	}
	if pvc != nil {
		pod.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: pvc.Name},
		}}}
		pod.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
	}
	backoff := int32(0)
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       batchv1.JobSpec{BackoffLimit: &backoff, Template: corev1.PodTemplateSpec{Spec: pod}},
	}
	created := time.Now()
	job, err := suite.client.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create job %s: %v", name, err)
	}
	return startedJob{Job: job, created: created}
}

// waitJob returns Complete or Failed once the job has that condition, and logs the time taken.
func waitJob(ctx context.Context, t testing.TB, job startedJob) batchv1.JobConditionType {
	ctx, cancel := context.WithTimeout(ctx, jobTimeout)
	defer cancel()
	for {
		got, err := suite.client.BatchV1().Jobs(job.Namespace).Get(ctx, job.Name, metav1.GetOptions{})
		if err == nil {
			for _, c := range got.Status.Conditions {
				if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
					t.Logf("job %s: create -> %s in %.1fs", job.Name, c.Type, time.Since(job.created).Seconds())
					return c.Type
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Errorf("job %s did not finish within %s (last error %v)", job.Name, jobTimeout, err)
			return ""
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// jobLog returns the log of the job's (only) pod.
func jobLog(ctx context.Context, t testing.TB, job startedJob) string {
	t.Helper()
	pods, err := suite.client.CoreV1().Pods(job.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + job.Name})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("pods of job %s: %d, %v", job.Name, len(pods.Items), err)
	}
	data, err := suite.client.CoreV1().Pods(job.Namespace).GetLogs(pods.Items[0].Name, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		t.Fatalf("log of %s: %v", pods.Items[0].Name, err)
	}
	return string(data)
}

func parseLog(t testing.TB, log string) echoOutput {
	t.Helper()
	var out echoOutput
	if err := json.Unmarshal([]byte(strings.TrimSpace(log)), &out); err != nil {
		t.Fatalf("log is not the action's JSON line: %v\n%s", err, log)
	}
	return out
}

func ptrValue(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// BenchmarkJobCreateToComplete measures a trivial Job of our image from create to Complete:
//
//	go test -tags e2e -run '^$' -bench JobCreateToComplete -benchtime 5x ./test/e2e/
func BenchmarkJobCreateToComplete(b *testing.B) {
	ctx, ns := testNamespace(b)
	i := 0
	for b.Loop() {
		job := createEchoJob(ctx, b, ns, fmt.Sprintf("bench-%d", i), `{"bench":true}`, nil)
		if got := waitJob(ctx, b, job); got != batchv1.JobComplete {
			b.Fatalf("job %s finished %s, want Complete", job.Name, got)
		}
		i++
	}
}
