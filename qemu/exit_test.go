// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"strings"
	"testing"
)

func TestExitDecoding(t *testing.T) {
	for _, tc := range []struct {
		name   string
		decode exitDecoder
		status int
		code   int
		err    string // substring; "" for success
	}{
		{"isa-debug-exit code 0", isaDebugExit, 1, 0, ""},
		{"isa-debug-exit code 1", isaDebugExit, 3, 1, ""},
		{"isa-debug-exit code 3", isaDebugExit, 7, 3, ""},
		{"isa-debug-exit code 127", isaDebugExit, 255, 127, ""},
		{"isa-debug-exit triple fault", isaDebugExit, 0, 0, "triple-faulted"},
		{"isa-debug-exit even status", isaDebugExit, 2, 0, "no exit code"},
		{"isa-debug-exit killed", isaDebugExit, -1, 0, "signal"},
		{"status code 0", exitStatus, 0, 0, ""},
		{"status code 7", exitStatus, 7, 7, ""},
		{"status killed", exitStatus, -1, 0, "signal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := tc.decode(tc.status)

			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("status %d: unexpected error %v", tc.status, err)
			case tc.err != "" && err == nil:
				t.Fatalf("status %d: decoded to %d, want an error containing %q", tc.status, code, tc.err)
			case tc.err != "" && !strings.Contains(err.Error(), tc.err):
				t.Fatalf("status %d: error %q, want it to contain %q", tc.status, err, tc.err)
			case tc.err == "" && code != tc.code:
				t.Fatalf("status %d: code %d, want %d", tc.status, code, tc.code)
			}
		})
	}
}
