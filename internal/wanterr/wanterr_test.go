// Checks of refused input
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package wanterr

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

var errKind = errors.New("kind")

// TestError: each way an error can miss the promise is reported, naming
// what is missing; a good error passes.
func TestError(t *testing.T) {
	good := fmt.Errorf("value 7 above the limit 5: %w", errKind)

	for _, c := range []struct {
		err  error
		want string // "" for no failure
	}{
		{good, ""},
		{nil, "no error"},
		{errors.New("value 7 above the limit 5"), "does not wrap"},
		{fmt.Errorf("value 7 too big: %w", errKind), `does not mention "limit 5"`},
	} {
		got := Error(c.err, errKind, "value 7", "limit 5")
		switch {
		case c.want == "" && got != nil:
			t.Errorf("Error(%v) = %v, want nil", c.err, got)
		case c.want != "" && (got == nil || !strings.Contains(got.Error(), c.want)):
			t.Errorf("Error(%v) = %v, want one saying %q", c.err, got, c.want)
		}
	}
}

// TestPanic: no panic, a panic with a non-error and a panic with the right
// error are told apart.
func TestPanic(t *testing.T) {
	if err := Panic(func() {}, errKind); err == nil || !strings.Contains(err.Error(), "no panic") {
		t.Errorf("Panic(no panic) = %v", err)
	}
	if err := Panic(func() { panic("text") }, errKind); err == nil || !strings.Contains(err.Error(), "want an error") {
		t.Errorf("Panic(string) = %v", err)
	}
	if err := Panic(func() { panic(fmt.Errorf("cpu 9: %w", errKind)) }, errKind, "cpu 9"); err != nil {
		t.Errorf("Panic(right error) = %v", err)
	}
	if v := PanicOf(func() { panic(3) }); v != 3 {
		t.Errorf("PanicOf = %v, want 3", v)
	}
}
