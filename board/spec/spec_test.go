// Target facts of the boards
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package spec

import "testing"

func TestExitStatus(t *testing.T) {
	for status, want := range map[int]int{0: 0, 7: 7, 255: 255} {
		if code, err := ExitStatus(status); err != nil || code != want {
			t.Errorf("ExitStatus(%d) = %d, %v; want %d", status, code, err, want)
		}
	}
	if _, err := ExitStatus(-1); err != ErrSignal {
		t.Errorf("ExitStatus(-1): error %v, want ErrSignal", err)
	}
}
