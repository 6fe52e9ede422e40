// Per-CPU region reserved in the kernel image
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package linker

import "testing"

// TestFirstArea checks the rounding of area 0 and that the slack of the
// region always leaves room for MaxCPUs areas of AreaCapacity bytes.
func TestFirstArea(t *testing.T) {
	for _, c := range []struct{ start, want uintptr }{
		{0x1000, 0x1000},
		{0x1001, 0x1040},
		{0x1020, 0x1040},
		{0x103f, 0x1040},
		{0x1040, 0x1040},
	} {
		if got := FirstArea(c.start); got != c.want {
			t.Errorf("FirstArea(%#x) = %#x, want %#x", c.start, got, c.want)
		}
	}

	start, end := Region()
	base := FirstArea(start)
	if base%AreaAlign != 0 || base < start || base-start >= AreaAlign {
		t.Errorf("FirstArea(%#x) = %#x: not the first %d-byte boundary at or after the start", start, base, AreaAlign)
	}
	if room := end - base; room < MaxCPUs*AreaCapacity {
		t.Errorf("region %#x-%#x: %d bytes from area 0 at %#x, want at least MaxCPUs*AreaCapacity = %d", start, end, room, base, MaxCPUs*AreaCapacity)
	}
}
