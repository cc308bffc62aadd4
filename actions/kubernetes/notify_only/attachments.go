package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/kubernaut/kubernaut/actions/internal/workspace"
)

// maxFirstLineBytes bounds the first line reported for a file attachment.
const maxFirstLineBytes = 200

// attachment describes one workspace file or directory named in the inputs, so that whoever
// reads the notification knows what is there without opening the workspace.
type attachment struct {
	// Path is relative to the workspace, cleaned.
	Path string `json:"path"`
	// Type is "file" or "directory".
	Type string `json:"type"`
	// Size is the file's size in bytes; for a directory, the sum over its regular files.
	Size int64 `json:"size"`
	// Files is the number of regular files in a directory, at any depth.
	Files int `json:"files,omitempty"`
	// FirstLine is the start of a file's first line, at most maxFirstLineBytes.
	FirstLine string `json:"firstLine,omitempty"`
}

// describeAll describes every path; the workspace is opened only when there is one.
func describeAll(dir string, paths []string) ([]attachment, error) {
	out := []attachment{}
	if len(paths) == 0 {
		return out, nil
	}
	root, err := workspace.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("attachments need the workspace: %w", err)
	}
	defer root.Close()
	for i, p := range paths {
		input := fmt.Sprintf("input \"attachments\"[%d]", i)
		rel, err := workspace.RelPath(input, p, false)
		if err != nil {
			return nil, err
		}
		a, err := describe(root, rel)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", input, p, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// describe reads what the notification reports about rel. Access goes through root, so a
// symbolic link that leads out of the workspace is an error, not a leak.
func describe(root *os.Root, rel string) (attachment, error) {
	info, err := root.Stat(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return attachment{}, fmt.Errorf("does not exist in %s", root.Name())
	}
	if err != nil {
		if link := workspace.SymlinkOnPath(root, rel); link != "" {
			return attachment{}, fmt.Errorf("%s is a symbolic link that cannot be followed inside the workspace: %w", link, err)
		}
		return attachment{}, err
	}
	if info.IsDir() {
		return describeDir(root, rel)
	}
	if !info.Mode().IsRegular() {
		return attachment{}, fmt.Errorf("is neither a regular file nor a directory (%s)", info.Mode().Type())
	}
	line, err := firstLine(root, rel)
	if err != nil {
		return attachment{}, err
	}
	return attachment{Path: rel, Type: "file", Size: info.Size(), FirstLine: line}, nil
}

// describeDir counts the regular files under rel and their total size. Symbolic links are not
// followed.
func describeDir(root *os.Root, rel string) (attachment, error) {
	a := attachment{Path: rel, Type: "directory"}
	err := fs.WalkDir(root.FS(), rel, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		a.Files++
		a.Size += info.Size()
		return nil
	})
	if err != nil {
		return attachment{}, fmt.Errorf("reading the directory: %w", err)
	}
	return a, nil
}

// firstLine returns the start of the file's first line, without its line ending, with invalid
// UTF-8 (a binary file) replaced so the JSON line stays readable.
func firstLine(root *os.Root, rel string) (string, error) {
	f, err := root.Open(rel)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, maxFirstLineBytes)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	return strings.ToValidUTF8(line, "\uFFFD"), nil
}
