// Shared board support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package splitmix is the runtime's random source on boards whose kernel
// drives no entropy device (QEMU virt on aarch64 and riscv64): SplitMix64
// (Steele, Lea, Flood: "Fast splittable pseudorandom number generators",
// OOPSLA 2014) seeded from a timer. Like TamaGo's timer-seeded generators it
// is unsuitable for cryptography.
package splitmix

import (
	"encoding/binary"
	"sync/atomic"
)

// Source is a SplitMix64 generator whose state every CPU can advance at
// once.
type Source struct {
	state atomic.Uint64
}

// Seed sets the state once: later calls are ignored, so that every CPU
// calling it keeps the first seed.
func (s *Source) Seed(seed uint64) {
	s.state.CompareAndSwap(0, seed|1)
}

// Uint64 returns the next value.
func (s *Source) Uint64() uint64 {
	z := s.state.Add(0x9e3779b97f4a7c15)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Read fills b; it never fails.
func (s *Source) Read(b []byte) {
	var w [8]byte

	for len(b) > 0 {
		binary.LittleEndian.PutUint64(w[:], s.Uint64())
		b = b[copy(b, w[:]):]
	}
}
