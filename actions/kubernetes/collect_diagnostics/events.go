package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

// eventPageSize bounds one list call; a busy namespace holds thousands of events.
const eventPageSize = 500

// relevantEvents lists the namespace's events page by page and keeps those about t's objects,
// oldest first. One namespace-wide list, filtered here, costs one request per page; a field
// selector per object would cost one request per pod.
func relevantEvents(ctx context.Context, c kubernetes.Interface, ns string, t *target) ([]corev1.Event, error) {
	var kept []corev1.Event
	opts := metav1.ListOptions{Limit: eventPageSize}
	for {
		page, err := c.CoreV1().Events(ns).List(ctx, opts)
		if err != nil {
			return nil, kube.APIError(err, "list", kube.Ref{Kind: "events in namespace", Name: ns})
		}
		for _, e := range page.Items {
			if t.involves(e.InvolvedObject.Kind, e.InvolvedObject.Name) {
				kept = append(kept, e)
			}
		}
		if opts.Continue = page.Continue; opts.Continue == "" {
			break
		}
	}
	sortEvents(kept)
	return kept, nil
}

// sortEvents orders events oldest first.
func sortEvents(events []corev1.Event) {
	slices.SortStableFunc(events, func(a, b corev1.Event) int { return eventTime(a).Compare(eventTime(b)) })
}

// eventTime is when the event last happened, from whichever field its reporter filled in.
func eventTime(e corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

// countWarnings counts the events of type Warning.
func countWarnings(events []corev1.Event) int {
	n := 0
	for _, e := range events {
		if e.Type == corev1.EventTypeWarning {
			n++
		}
	}
	return n
}

// formatEvents renders events as a table in the manner of `kubectl get events`, with absolute
// UTC times because the file is read later, when "5m ago" would be wrong.
func formatEvents(events []corev1.Event) []byte {
	var buf bytes.Buffer
	if len(events) == 0 {
		buf.WriteString("No events.\n")
		return buf.Bytes()
	}
	w := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LAST SEEN\tTYPE\tREASON\tOBJECT\tCOUNT\tMESSAGE")
	for _, e := range events {
		count := max(e.Count, 1)
		if e.Series != nil {
			count = max(count, e.Series.Count)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s/%s\t%d\t%s\n", eventTime(e).UTC().Format(time.RFC3339), e.Type, e.Reason,
			strings.ToLower(e.InvolvedObject.Kind), e.InvolvedObject.Name, count, oneLine(e.Message))
	}
	_ = w.Flush() // writes to a bytes.Buffer, which cannot fail
	return buf.Bytes()
}

// oneLine keeps a message on its table row.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
