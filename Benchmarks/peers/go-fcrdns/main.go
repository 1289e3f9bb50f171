// go-fcrdns: the same FCrDNS work as `fcrdns batch`, written with miekg/dns,
// as a throughput peer. For each input IP: PTR for its reverse name (CNAMEs
// in the answer followed), then A (IPv4) or AAAA (IPv6) for up to 10 PTR
// names at once; pass when any name gives back the IP. Prints one verdict
// per input line (in input order) and, on stderr, a JSON summary.
//
//   go-fcrdns -server 127.0.0.1:35354 -concurrency 64 < inputs
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

var (
	server      = flag.String("server", "127.0.0.1:35354", "recursive server (loopback only)")
	concurrency = flag.Int("concurrency", 64, "evaluations in flight")
	maxNames    = flag.Int("max-names", 10, "PTR names checked at most")
	timeout     = flag.Duration("timeout", 2*time.Second, "per query")
)

type outcome int

const (
	found outcome = iota
	nxdomain
	nodata
	transient
)

func query(client *dns.Client, name string, qtype uint16) (*dns.Msg, outcome) {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.SetEdns0(1232, false)
	for attempt := 0; attempt < 2; attempt++ {
		r, _, err := client.Exchange(m, *server)
		if err != nil {
			continue
		}
		if r.Truncated {
			tcp := &dns.Client{Net: "tcp", Timeout: *timeout}
			r, _, err = tcp.Exchange(m, *server)
			if err != nil {
				continue
			}
		}
		switch r.Rcode {
		case dns.RcodeSuccess:
			return r, found
		case dns.RcodeNameError:
			return r, nxdomain
		}
	}
	return nil, transient
}

// follow returns the records of qtype at the end of the CNAME chain from name.
func follow(r *dns.Msg, name string, qtype uint16) []dns.RR {
	current := name
	for hops := 0; hops < 16; hops++ {
		next := ""
		for _, rr := range r.Answer {
			if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, current) {
				next = c.Target
			}
		}
		if next == "" {
			break
		}
		current = next
	}
	var out []dns.RR
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == qtype && strings.EqualFold(rr.Header().Name, current) {
			out = append(out, rr)
		}
	}
	return out
}

func evaluate(client *dns.Client, ip net.IP) string {
	reverse, err := dns.ReverseAddr(ip.String())
	if err != nil {
		return "error"
	}
	r, o := query(client, reverse, dns.TypePTR)
	if o == transient {
		return "temperror"
	}
	if o == nxdomain {
		return "permerror"
	}
	var names []string
	for _, rr := range follow(r, reverse, dns.TypePTR) {
		names = append(names, rr.(*dns.PTR).Ptr)
	}
	if len(names) == 0 {
		return "permerror"
	}
	if len(names) > *maxNames {
		names = names[:*maxNames]
	}
	qtype := dns.TypeA
	if ip.To4() == nil {
		qtype = dns.TypeAAAA
	}
	type result struct {
		match     bool
		transient bool
	}
	results := make(chan result, len(names))
	for _, name := range names {
		go func(name string) {
			r, o := query(client, name, qtype)
			if o == transient {
				results <- result{transient: true}
				return
			}
			if o == found {
				for _, rr := range follow(r, name, qtype) {
					var addr net.IP
					switch v := rr.(type) {
					case *dns.A:
						addr = v.A
					case *dns.AAAA:
						addr = v.AAAA
					}
					if addr.Equal(ip) {
						results <- result{match: true}
						return
					}
				}
			}
			results <- result{}
		}(name)
	}
	anyTransient := false
	pass := false
	for range names {
		res := <-results
		pass = pass || res.match
		anyTransient = anyTransient || res.transient
	}
	switch {
	case pass:
		return "pass"
	case anyTransient:
		return "temperror"
	default:
		return "fail"
	}
}

func main() {
	flag.Parse()
	host, _, err := net.SplitHostPort(*server)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		fmt.Fprintln(os.Stderr, "go-fcrdns: -server must be a loopback address with a port")
		os.Exit(64)
	}
	var inputs []net.IP
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		inputs = append(inputs, net.ParseIP(fields[0]))
	}
	verdicts := make([]string, len(inputs))
	client := &dns.Client{Net: "udp", Timeout: *timeout}
	start := time.Now()
	var wg sync.WaitGroup
	slots := make(chan struct{}, *concurrency)
	for i, ip := range inputs {
		wg.Add(1)
		slots <- struct{}{}
		go func(i int, ip net.IP) {
			defer wg.Done()
			if ip == nil {
				verdicts[i] = "error"
			} else {
				verdicts[i] = evaluate(client, ip)
			}
			<-slots
		}(i, ip)
	}
	wg.Wait()
	elapsed := time.Since(start)
	out := bufio.NewWriter(os.Stdout)
	counts := map[string]int{}
	for i, v := range verdicts {
		counts[v]++
		fmt.Fprintf(out, "%s %s\n", inputs[i], v)
	}
	out.Flush()
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	cpu := time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
	summary, _ := json.Marshal(map[string]any{
		"peer": "go-miekg", "inputs": len(inputs), "seconds": elapsed.Seconds(), "counts": counts,
		"cpu_seconds": cpu.Seconds(), "maxrss_kib": usage.Maxrss,
	})
	fmt.Fprintln(os.Stderr, string(summary))
}
