// QEMU virt board for the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package virt

import (
	"encoding/binary"
	"sync/atomic"
	_ "unsafe"

	"github.com/tamago-smp/kernel/arch/arm64"
)

// rngState is the SplitMix64 state, advanced atomically so that every core
// can draw from it at once.
var rngState atomic.Uint64

// initRNG seeds the generator from the generic timer. Cortex-A72 has no
// RNDR and the kernel drives no entropy device: like TamaGo's timer-seeded
// generators, this is unsuitable for cryptography.
//
//go:linkname initRNG runtime/goos.InitRNG
func initRNG() {
	rngState.CompareAndSwap(0, arm64.Counter()|1)
}

// getRandomData fills b from SplitMix64 (Steele, Lea, Flood: "Fast
// splittable pseudorandom number generators", OOPSLA 2014).
//
//go:linkname getRandomData runtime/goos.GetRandomData
func getRandomData(b []byte) {
	var w [8]byte

	for len(b) > 0 {
		z := rngState.Add(0x9e3779b97f4a7c15)
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31

		binary.LittleEndian.PutUint64(w[:], z)
		b = b[copy(b, w[:]):]
	}
}
