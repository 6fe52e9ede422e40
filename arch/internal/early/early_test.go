// Shared board support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package early

import (
	"fmt"
	"testing"
)

func TestDec(t *testing.T) {
	for _, v := range []uint64{0, 1, 9, 10, 512, 1024, 1<<64 - 1} {
		var buf [20]byte
		if got, want := string(Dec(&buf, v)), fmt.Sprint(v); got != want {
			t.Errorf("Dec(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestHex(t *testing.T) {
	for _, c := range []struct {
		v    uint64
		min  int
		want string
	}{
		{0, 1, "0"},
		{0xf, 1, "f"},
		{0x40000000, 1, "40000000"},
		{1<<64 - 1, 1, "ffffffffffffffff"},
		{0x80000000, 16, "0000000080000000"},
		{0, 16, "0000000000000000"},
		{0xabc, 2, "abc"},
		{0xa, 4, "000a"},
	} {
		var buf [16]byte
		if got := string(Hex(&buf, c.v, c.min)); got != c.want {
			t.Errorf("Hex(%#x, %d) = %q, want %q", c.v, c.min, got, c.want)
		}
	}
}
