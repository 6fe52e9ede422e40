// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestSoakBoot(t *testing.T) {
	for _, c := range []struct {
		name   string
		script string
		want   soakResult
		msg    string
	}{
		{"hang", `echo 'cpu 0 online: gp=0x80'; exec sleep 30`, soakHang, `sh SMP=2: no result within 300ms; last line: "cpu 0 online: gp=0x80"`},
		{"fail", `echo 'FAIL stress cpu=1: lost'; echo 'selftest: 0 passed, 1 failed'; exit 1`, soakFail, `last line: "selftest: 0 passed, 1 failed"`},
		{"no output", `exit 3`, soakFail, "before the guest wrote anything"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := shTarget(t, exitStatus, c.script)

			r, _, msg := soakBoot(context.Background(), tg, 2, "/nonexistent.elf", 300*time.Millisecond)

			if r != c.want {
				t.Errorf("result %d, want %d (%s)", r, c.want, msg)
			}
			if !strings.Contains(msg, c.msg) {
				t.Errorf("message %q does not say %q", msg, c.msg)
			}
		})
	}
}

func TestPrintSoak(t *testing.T) {
	var b bytes.Buffer

	printSoak(&b, []*soakStats{
		{Target: "x86_64", SMP: 12, Pass: 3, Times: []time.Duration{3 * time.Second, time.Second, 2 * time.Second}},
		{Target: "aarch64", SMP: 8, Pass: 1, Hang: 1, Times: []time.Duration{time.Second, 75 * time.Second}, First: "boot 2: aarch64 SMP=8: no result"},
	})

	// the smp column is what each target ran, not what -smp asked for
	want := `target        smp boots  pass  fail  hang      min   median      max
x86_64         12     3     3     0     0       1s       2s       3s
aarch64         8     2     1     0     1       1s    1m15s    1m15s
aarch64, first problem: boot 2: aarch64 SMP=8: no result
`
	if b.String() != want {
		t.Errorf("table\n%s\nwant\n%s", b.String(), want)
	}
}
