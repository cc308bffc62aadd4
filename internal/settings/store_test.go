package settings

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
)

// generation returns settings whose every field derives from i, so a reader can tell a torn
// read (fields from two different Set calls) from a whole one.
func generation(i int) Settings {
	s := Defaults()
	s.MaxParallelSteps = i%100 + 1
	s.StepTimeout = time.Duration(i+1) * time.Second
	s.Workspace.Size = *resource.NewQuantity(int64(i+1)<<20, resource.BinarySI)
	s.Tekton.WorkflowTypes = []string{fmt.Sprint(i)}
	return s
}

func TestStoreReadersSeeWholeSettingsWhileAWriterSwapsThem(t *testing.T) {
	const generations, readers = 2000, 4
	store := NewStore(generation(0))
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				s := store.Load()
				i := int(s.StepTimeout/time.Second) - 1
				if diff := cmp.Diff(generation(i), s); diff != "" {
					t.Errorf("torn read of generation %d (-want +got):\n%s", i, diff)
					return
				}
				// Readers own their copy: changing it must not race with or reach others.
				s.Tekton.WorkflowTypes[0] = "mine"
				s.Workspace.Size.Add(resource.MustParse("1Mi"))
			}
		})
	}
	for i := 1; i < generations; i++ {
		next := generation(i)
		store.Set(next)
		next.Tekton.WorkflowTypes[0] = "changed after Set" // the store keeps its own copy
	}
	close(done)
	wg.Wait()
	if diff := cmp.Diff(generation(generations-1), store.Load()); diff != "" {
		t.Errorf("final Load (-want +got):\n%s", diff)
	}
}

func TestZeroStoreLoadsDefaults(t *testing.T) {
	var s Store
	if diff := cmp.Diff(Defaults(), s.Load()); diff != "" {
		t.Errorf("zero Store Load (-want +got):\n%s", diff)
	}
}

func TestStoreNotifiesSubscribersOfChangesOnly(t *testing.T) {
	store := NewStore(Defaults())
	changes := store.Subscribe()
	pending := func() bool {
		select {
		case <-changes:
			return true
		default:
			return false
		}
	}
	store.Set(Defaults())
	if pending() {
		t.Error("setting equal settings notified the subscriber")
	}
	more := Defaults()
	more.MaxParallelSteps = 9
	store.Set(more)
	more.MaxParallelSteps = 10
	store.Set(more)
	if !pending() {
		t.Fatal("a change did not notify the subscriber")
	}
	if pending() {
		t.Error("two changes while one notification was pending gave two notifications, want them folded into one")
	}
	if got := store.Load().MaxParallelSteps; got != 10 {
		t.Errorf("Load after the notification = %d parallel steps, want the latest, 10", got)
	}
}
