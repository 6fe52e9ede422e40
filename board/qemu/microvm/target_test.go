// QEMU microvm board for the SMP kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package microvm

import (
	"strings"
	"testing"
)

func TestDebugExitStatus(t *testing.T) {
	if args := strings.Join(Targets[0].Args, " "); !strings.Contains(args, "isa-debug-exit,iobase=0xf4") || !strings.Contains(args, "-no-reboot") {
		t.Errorf("Args %q: want isa-debug-exit at 0xf4 and -no-reboot (a reset is no exit code)", args)
	}

	for _, tc := range []struct {
		status, code int
		err          string // substring; "" for success
	}{
		{1, 0, ""}, {7, 3, ""}, {255, 127, ""},
		{0, 0, "triple-faulted"}, {2, 0, "no exit code"}, {-1, 0, "signal"},
	} {
		code, err := debugExitStatus(tc.status)
		if tc.err == "" && (err != nil || code != tc.code) || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("status %d: code %d, error %v; want code %d, error containing %q", tc.status, code, err, tc.code, tc.err)
		}
	}
}
