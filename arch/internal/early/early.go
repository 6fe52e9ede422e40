// Shared board support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package early formats the numbers of the reports a port prints before
// the Go runtime runs (no g, no heap, a small stack): every function is
// nosplit, allocates nothing and cannot panic.
package early

// Dec writes v in decimal at the end of buf and returns the digits.
//
//go:nosplit
func Dec(buf *[20]byte, v uint64) []byte {
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		if v /= 10; v == 0 {
			break
		}
	}
	return buf[i:]
}

// Hex writes v in lower-case hexadecimal, without a prefix, at the end of
// buf and returns the digits: at least min of them (1 to 16, leading
// zeros), more if v needs them.
//
//go:nosplit
func Hex(buf *[16]byte, v uint64, min int) []byte {
	i := len(buf)
	for {
		i--
		buf[i] = "0123456789abcdef"[v&0xf]
		if v >>= 4; v == 0 && len(buf)-i >= min || i == 0 {
			break
		}
	}
	return buf[i:]
}
