// Go tests inside the kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package kerneltest runs a package's Go tests inside the kernel, under
// QEMU, on every CPU of the machine: `go tool qemu test` builds the test
// binary with GOOS=tamago and the build flags of a target, and boots it with
// `go test -exec`, passing the test flags (-test.run=..., -test.v=true, ...)
// on the kernel command line.
//
// A test binary that imports this package (a blank import in a test file
// tagged tamago) gets the board of its GOARCH and, before TestMain, the test
// flags of the command line in os.Args. Its TestMain calls [Start] to
// initialize the per-CPU areas and bring every CPU up; on the host [Start]
// only initializes the areas, so one TestMain serves both.
package kerneltest

import (
	"fmt"
	"strings"
)

// TestFlags returns the test flags of a kernel command line: the words that
// start with "-test." (other words, such as boot.degraded, are the
// kernel's). Words are separated by blanks; "..." quotes a word with blanks
// (see [Cmdline]).
func TestFlags(cmdline string) ([]string, error) {
	words, err := split(cmdline)
	if err != nil {
		return nil, err
	}

	var flags []string
	for _, w := range words {
		if strings.HasPrefix(w, "-test.") {
			flags = append(flags, w)
		}
	}

	return flags, nil
}

// Cmdline returns the kernel command line that carries args (test flags)
// after the words of base: TestFlags(Cmdline(base, args)) is args for any
// args without a double quote. It fails for such an argument, or one with a
// newline.
func Cmdline(base string, args []string) (string, error) {
	words := []string{}
	if base != "" {
		words = append(words, base)
	}

	for _, a := range args {
		switch {
		case strings.ContainsAny(a, "\"\n"):
			return "", fmt.Errorf("test argument %q: a kernel command line word cannot hold a double quote or a newline", a)
		case a == "" || strings.ContainsAny(a, " \t"):
			a = `"` + a + `"`
		}
		words = append(words, a)
	}

	return strings.Join(words, " "), nil
}

// split splits a command line into words at blanks; "..." quotes.
func split(s string) (words []string, err error) {
	var (
		w      strings.Builder
		in     bool // inside a word
		quoted bool // inside "..."
	)

	for _, r := range s {
		switch {
		case r == '"':
			quoted, in = !quoted, true
		case !quoted && (r == ' ' || r == '\t' || r == '\n'):
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}

	if quoted {
		return nil, fmt.Errorf("kernel command line %q: unterminated \"", s)
	}
	if in {
		words = append(words, w.String())
	}

	return words, nil
}
