// Go tests inside the kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package kerneltest

import (
	"reflect"
	"strings"
	"testing"
)

// TestCmdlineRoundTrip checks that test flags survive the kernel command
// line: Cmdline on the host, TestFlags inside the kernel.
func TestCmdlineRoundTrip(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"-test.v=true", "-test.run=TestAdd|TestRemote", "-test.count=2"},
		{"-test.run=^Test A$", "-test.bench=.", "-test.benchtime=100x", "-test.skip="},
	} {
		line, err := Cmdline("boot.degraded boot.skip=2", args)
		if err != nil {
			t.Fatalf("Cmdline(%q): %v", args, err)
		}

		got, err := TestFlags(line)
		if err != nil || !reflect.DeepEqual(got, args) {
			t.Errorf("TestFlags(%q) = %q, %v; want %q", line, got, err, args)
		}
	}
}

func TestCmdlineErrors(t *testing.T) {
	for _, a := range []string{`-test.run="x"`, "-test.run=a\nb"} {
		if _, err := Cmdline("", []string{a}); err == nil || !strings.Contains(err.Error(), "cannot hold") {
			t.Errorf("Cmdline(%q): error %v, want one saying what a word cannot hold", a, err)
		}
	}

	if _, err := TestFlags(`-test.run="abc`); err == nil || !strings.Contains(err.Error(), "unterminated") {
		t.Errorf("unterminated quote: error %v", err)
	}
}

// TestFlagsOnly checks that the kernel's own words stay out of os.Args.
func TestFlagsOnly(t *testing.T) {
	got, err := TestFlags("console=ttyS0 -test.v=true boot.skip=1  -test.count=1 ")
	if want := []string{"-test.v=true", "-test.count=1"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("TestFlags = %q, %v; want %q", got, err, want)
	}
}
