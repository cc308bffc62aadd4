package action

import (
	"context"
	"io"
	"log"
	"os"
)

type loggerKey struct{}

// Logger returns the action's logger, which writes to standard error (standard output is
// reserved for the output line). Inside a run it writes to the run's Env.Stderr, so that
// actiontest captures it; elsewhere it writes to os.Stderr. Lines carry no timestamp because
// the container runtime records one for every line.
func Logger(ctx context.Context) *log.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*log.Logger); ok {
		return l
	}
	return log.New(os.Stderr, "", 0)
}

// Logf logs one line to standard error through Logger(ctx).
func Logf(ctx context.Context, format string, args ...any) {
	Logger(ctx).Printf(format, args...)
}

// withLogger returns ctx carrying a logger that writes to w. The logger travels in the
// context, unlike other dependencies, because the action function's signature is fixed and
// it is the one thing every action needs everywhere.
func withLogger(ctx context.Context, w io.Writer) context.Context {
	return context.WithValue(ctx, loggerKey{}, log.New(w, "", 0))
}
