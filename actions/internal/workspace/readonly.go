package workspace

import (
	"errors"
	"syscall"
)

// isReadOnly reports a write refused because the file system is mounted read-only, which is
// what an action sees when /workspace is not a volume but part of its read-only root file system.
func isReadOnly(err error) bool { return errors.Is(err, syscall.EROFS) }
