package main

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
)

func TestEveryAlphabetYieldsOnlyItsCharactersAtTheLengthAsked(t *testing.T) {
	for _, name := range alphabetNames() {
		t.Run(name, func(t *testing.T) {
			chars := alphabets[name]
			value, err := generate(rand.Reader, chars, 4096)
			if err != nil {
				t.Fatal(err)
			}
			if len(value) != 4096 {
				t.Errorf("length %d, want 4096", len(value))
			}
			for _, c := range value {
				if !strings.ContainsRune(chars, rune(c)) {
					t.Fatalf("character %q is not in the alphabet %s", c, name)
				}
			}
		})
	}
	if got := alphabets["printable"]; len(got) != 94 || strings.ContainsAny(got, " \t\n") {
		t.Errorf("printable has %d characters (%q), want the 94 visible ASCII ones", len(got), got)
	}
}

func TestBytesThatWouldBiasTheDrawAreRejected(t *testing.T) {
	// 62 characters: 256 % 62 = 8, so bytes 248..255 would make A..H more likely; they are
	// skipped, and 0, 61 and 62 give A, 9 and A.
	random := bytes.NewReader([]byte{255, 248, 0, 61, 62, 0, 0, 0, 0, 0})

	value, err := generate(random, alphabets["alphanumeric"], 3)

	if err != nil || string(value) != "A9A" {
		t.Errorf("generate = %q, %v; want \"A9A\"", value, err)
	}
}

func TestEveryCharacterIsAboutEquallyLikely(t *testing.T) {
	chars := alphabets["alphanumeric"]
	const perChar = 1000
	value, err := generate(rand.Reader, chars, len(chars)*perChar)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[byte]int{}
	for _, c := range value {
		counts[c]++
	}
	// The standard deviation of each count is about 31; 300 is ten of them, so a correct
	// generator fails this practically never, and a biased one (+12% for A..H) would be seen
	// only on average. The test guards against gross mistakes such as a missing character.
	for i := range len(chars) {
		if n := counts[chars[i]]; n < perChar-300 || n > perChar+300 {
			t.Errorf("character %q drawn %d times, want about %d", chars[i], n, perChar)
		}
	}
}

func TestAFailingRandomSourceIsAnError(t *testing.T) {
	_, err := generate(bytes.NewReader(nil), alphabets["hex"], 32)

	if err == nil || !strings.Contains(err.Error(), "reading random bytes") {
		t.Errorf("error = %v, want one about reading random bytes", err)
	}
}
