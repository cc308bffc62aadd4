package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
)

// alphabets are the character sets of the input "alphabet". Each has at least 16 characters,
// so the contract's minimum length of 32 gives at least 128 bits of entropy with any of them.
var alphabets = map[string]string{
	"alphanumeric": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	"hex":          "0123456789abcdef",
	"base64url":    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
	"printable":    printableASCII(),
}

// printableASCII is every visible ASCII character, '!' (33) to '~' (126): no space, which
// configuration files and shells tend to trim or split on.
func printableASCII() string {
	b := make([]byte, 0, 94)
	for c := byte('!'); c <= '~'; c++ {
		b = append(b, c)
	}
	return string(b)
}

func alphabetNames() []string { return slices.Sorted(maps.Keys(alphabets)) }

// generate returns n characters of chars (at most 256 of them), each drawn uniformly from
// random. A byte is used only when it is below the largest multiple of len(chars) that fits in
// a byte, and drawn again otherwise (rejection sampling): taking every byte modulo len(chars)
// would make the first 256 % len(chars) characters more likely than the others.
func generate(random io.Reader, chars string, n int) ([]byte, error) {
	limit := 256 - 256%len(chars)
	out := make([]byte, 0, n)
	buf := make([]byte, n)
	for len(out) < n {
		if _, err := io.ReadFull(random, buf); err != nil {
			return nil, fmt.Errorf("reading random bytes: %w", err)
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, chars[int(b)%len(chars)])
			if len(out) == n {
				break
			}
		}
	}
	return out, nil
}
