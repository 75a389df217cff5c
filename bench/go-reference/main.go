// The reference line for bench/detection-latency: Go's net/http, which notices a client's
// departure with a background one-byte read per connection and cancels the request's
// context. Same endpoints as the Java bench application (BenchController), same clock
// (CLOCK_MONOTONIC, as Java's System.nanoTime on Linux).
package main

import (
	"flag"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

func monotonicNanos() int64 {
	var ts syscall.Timespec
	const clockMonotonic = 1
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

var (
	inFlight atomic.Int64
	mu       sync.Mutex
	closed   = map[string]int64{}
)

// wait holds the request until its context is cancelled: Go's close callback.
func wait(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	inFlight.Add(1)
	defer inFlight.Add(-1)
	<-r.Context().Done()
	at := monotonicNanos()
	mu.Lock()
	closed[id] = at
	mu.Unlock()
}

func main() {
	port := flag.Int("port", 8080, "port")
	cert := flag.String("tls-cert", "", "PEM certificate: serve h2 over TLS (and HTTP/1.1)")
	key := flag.String("tls-key", "", "PEM private key of -tls-cert")
	flag.Parse()
	http.HandleFunc("/bench/block", wait)
	http.HandleFunc("/bench/deferred", wait)
	http.HandleFunc("/bench/inflight", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, inFlight.Load())
	})
	http.HandleFunc("/bench/closed", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodDelete {
			closed = map[string]int64{}
			return
		}
		var out strings.Builder
		for id, at := range closed {
			// Go has one moment for both: the context is cancelled when the read fails.
			fmt.Fprintf(&out, "%s %d %d\n", id, at, at)
		}
		fmt.Fprint(w, out.String())
	})
	address := fmt.Sprintf("127.0.0.1:%d", *port)
	var err error
	if *cert != "" {
		// Go's net/http negotiates h2 by ALPN on TLS and cancels a stream's context on
		// RST_STREAM or when the connection is lost.
		server := &http.Server{Addr: address, MaxHeaderBytes: 1 << 16}
		err = server.ListenAndServeTLS(*cert, *key)
	} else {
		err = http.ListenAndServe(address, nil)
	}
	if err != nil {
		panic(err)
	}
}
