// Command dnsprobe looks names up with Go's own pure resolver (net.Resolver{PreferGo: true}),
// its retries, timeouts and TCP fallback untouched, and prints what Go saw, one JSON line per
// lookup. chaosload's interop test (tests/it/dns_go.rs) runs it against `chaosload dns`.
//
// Every query goes to -server: the Dial override replaces whatever nameserver Go picked from
// /etc/resolv.conf, so the probe never talks to a real nameserver. Build it with CGO_ENABLED=0,
// so libc's resolver (which would read resolv.conf's servers) is not even linked in.
//
// Usage: dnsprobe -server 127.0.0.1:PORT [-network ip4] [-timeout 20s] NAME...
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"time"
)

// lookup is one line of output: a lookup as Go's resolver ended it.
type lookup struct {
	Name string `json:"name"`
	// Micros is the lookup's wall time, in microseconds.
	Micros int64 `json:"us"`
	// Class is "ok", "not_found" (IsNotFound), "timeout" (IsTimeout) or "other".
	Class     string   `json:"class"`
	Temporary bool     `json:"temporary"`
	Addrs     []string `json:"addrs"`
	Error     string   `json:"error,omitempty"`
}

func classify(err error) (class string, temporary bool) {
	if err == nil {
		return "ok", false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		switch {
		case dnsErr.IsNotFound:
			return "not_found", dnsErr.IsTemporary
		case dnsErr.IsTimeout:
			return "timeout", dnsErr.IsTemporary
		}
		return "other", dnsErr.IsTemporary
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return "timeout", false
	}
	return "other", false
}

func main() {
	server := flag.String("server", "", "the DNS server every query goes to (host:port on loopback)")
	network := flag.String("network", "ip4", `"ip4" (A only), "ip6" (AAAA only) or "ip" (both)`)
	timeout := flag.Duration("timeout", 20*time.Second, "a bound on each lookup (Go's own timeouts act within it)")
	flag.Parse()
	if *server == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: dnsprobe -server 127.0.0.1:PORT [-network ip4] [-timeout 20s] NAME...")
		os.Exit(2)
	}
	resolver := &net.Resolver{
		PreferGo: true,
		// Go chooses the network ("udp", or "tcp" after a truncated answer) and a server from
		// resolv.conf; the server is replaced here, the network kept.
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			d := net.Dialer{}
			return d.DialContext(ctx, network, *server)
		},
	}
	out := json.NewEncoder(os.Stdout)
	for _, name := range flag.Args() {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		started := time.Now()
		ips, err := resolver.LookupIP(ctx, *network, name)
		took := time.Since(started)
		cancel()
		line := lookup{Name: name, Micros: took.Microseconds(), Addrs: []string{}}
		line.Class, line.Temporary = classify(err)
		for _, ip := range ips {
			line.Addrs = append(line.Addrs, ip.String())
		}
		if err != nil {
			line.Error = err.Error()
		}
		if err := out.Encode(line); err != nil {
			os.Exit(1)
		}
	}
}
