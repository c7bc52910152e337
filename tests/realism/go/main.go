// Command realism is a real Go HTTP client — &http.Client{} on http.DefaultTransport, every knob
// and its silent retry untouched — sending chaosload's bursts traffic shape to a URL, and saying
// what Go's own client met, as one JSON line. chaosload's realism harness (tests/it/realism.rs)
// runs it against `chaosload mock` and compares it with chaosload's `preset = "go"`.
//
// The schedule is chaosload's open-model bursts shape, evenly spaced (src/load/schedule.rs): the
// k-th arrival of burst j is sent at j·(on+off) + k/rate, without waiting for earlier responses.
//
// Attempts are counted per request with net/http/httptrace (GotConn fires once per attempt the
// transport makes, with Reused), so the transport's hidden retries are attempts − requests. To
// say what a hidden attempt met, DefaultTransport's DialContext is wrapped (the same dialer, the
// connection only observed): each connection keeps the first error its reads or writes met, and
// an attempt followed by another of the same request is counted under its connection's error.
//
// Usage: realism -url URL [-method GET|POST] [-body TEXT] -rate R -on D -off D -bursts N
// [-timeout 20s]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// summary is the one line of output.
type summary struct {
	Client  string `json:"client"`
	Version string `json:"version"`
	Method  string `json:"method"`
	// Requests is the number of requests sent (each once by this program, however many attempts
	// the transport made).
	Requests int `json:"requests"`
	OK       int `json:"ok"`
	// Errors counts the requests that failed, by kind: "reset", "closed_before_response",
	// "timeout", "other", or "http_NNN" for a non-2xx status.
	Errors map[string]int `json:"errors"`
	// Samples holds the first error message of each kind.
	Samples map[string]string `json:"samples"`
	// Attempts is the GotConn count: one per attempt the transport made.
	Attempts int `json:"attempts"`
	// ReusedAttempts is the attempts made on a pooled (reused) connection.
	ReusedAttempts int `json:"reused_attempts"`
	// HiddenRetries is Attempts − Requests: the attempts Go's silent retry made.
	HiddenRetries int `json:"hidden_retries"`
	// HiddenErrors counts what the attempts that were retried met (their connection's error).
	HiddenErrors map[string]int `json:"hidden_errors"`
	// AttemptsPerRequest counts the requests by their number of attempts ("1", "2", …).
	AttemptsPerRequest map[string]int `json:"attempts_per_request"`
	// Connections is the number of connections dialled.
	Connections int `json:"connections"`
}

// observedConn is a dialled connection that keeps the first error its reads or writes met.
type observedConn struct {
	net.Conn
	mu  sync.Mutex
	err error
}

func (c *observedConn) note(err error) {
	if err == nil {
		return
	}
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
}

func (c *observedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.note(err)
	return n, err
}

func (c *observedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.note(err)
	return n, err
}

func (c *observedConn) firstError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// classify names an error as chaosload's error kinds do, as far as Go's errors tell them apart.
func classify(err error) string {
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	// io.EOF before a response byte, or Go's own name for it on a reused connection.
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		strings.Contains(err.Error(), "server closed idle connection"):
		return "closed_before_response"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	default:
		return "other"
	}
}

// request is one request's record.
type request struct {
	attempts []*observedConn
	reused   int
	err      error
	status   int
}

func main() {
	url := flag.String("url", "", "target URL (http://)")
	method := flag.String("method", "GET", "GET or POST")
	body := flag.String("body", "hello", "request body for POST")
	rate := flag.Float64("rate", 100, "arrivals per second within a burst")
	on := flag.Duration("on", time.Second, "burst length")
	off := flag.Duration("off", 5*time.Second, "silence between bursts")
	bursts := flag.Int("bursts", 3, "number of bursts")
	timeout := flag.Duration("timeout", 20*time.Second, "limit on each request, retries included")
	flag.Parse()
	if *url == "" || *rate <= 0 || *bursts < 1 {
		fmt.Fprintln(os.Stderr, "usage: realism -url URL [-method GET|POST] -rate R -on D -off D -bursts N")
		os.Exit(2)
	}

	var dials int
	var dialsMu sync.Mutex
	// The default transport itself, with its dialer observed: every other field stays Go's default.
	transport := http.DefaultTransport.(*http.Transport)
	dial := transport.DialContext
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		dialsMu.Lock()
		dials++
		dialsMu.Unlock()
		return &observedConn{Conn: conn}, nil
	}
	client := &http.Client{}

	perBurst := int(*rate*on.Seconds() + 1e-9)
	period := *on + *off
	records := make([]*request, perBurst**bursts)
	var wg sync.WaitGroup
	start := time.Now()
	for j := 0; j < *bursts; j++ {
		for k := 0; k < perBurst; k++ {
			at := time.Duration(j)*period + time.Duration(float64(k)/(*rate)*float64(time.Second))
			time.Sleep(time.Until(start.Add(at)))
			rec := &request{}
			records[j*perBurst+k] = rec
			wg.Add(1)
			go func() {
				defer wg.Done()
				send(client, rec, *method, *url, *body, *timeout)
			}()
		}
	}
	wg.Wait()

	out := summary{
		Client: "go", Version: runtime.Version(), Method: *method, Requests: len(records),
		Errors: map[string]int{}, Samples: map[string]string{}, HiddenErrors: map[string]int{},
		AttemptsPerRequest: map[string]int{},
	}
	for _, rec := range records {
		out.Attempts += len(rec.attempts)
		out.ReusedAttempts += rec.reused
		out.AttemptsPerRequest[strconv.Itoa(len(rec.attempts))]++
		// Every attempt but the last was retried: what its connection met is the hidden error.
		for i := 0; i+1 < len(rec.attempts); i++ {
			kind := "none_seen"
			if err := rec.attempts[i].firstError(); err != nil {
				kind = classify(err)
			}
			out.HiddenErrors[kind]++
		}
		switch {
		case rec.err != nil:
			kind := classify(rec.err)
			out.Errors[kind]++
			if _, ok := out.Samples[kind]; !ok {
				out.Samples[kind] = rec.err.Error()
			}
		case rec.status < 200 || rec.status > 299:
			out.Errors[fmt.Sprintf("http_%d", rec.status)]++
		default:
			out.OK++
		}
	}
	out.HiddenRetries = out.Attempts - out.Requests
	if out.HiddenRetries < 0 {
		// Requests that never got a connection (a failed dial) made no attempt GotConn saw.
		out.HiddenRetries = 0
	}
	out.Connections = dials
	line, _ := json.Marshal(out)
	fmt.Println(string(line))
}

// send makes one request and records its attempts and outcome; the body is read to the end, so
// the connection goes back to the pool as chaosload's client returns it.
func send(client *http.Client, rec *request, method, url, body string, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var mu sync.Mutex
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			conn, _ := info.Conn.(*observedConn)
			mu.Lock()
			rec.attempts = append(rec.attempts, conn)
			if info.Reused {
				rec.reused++
			}
			mu.Unlock()
		},
	}
	var reader io.Reader
	if method != "GET" {
		// A strings.Reader: NewRequest sets ContentLength and GetBody, so Go may rewind it.
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), method, url, reader)
	if err != nil {
		rec.err = err
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		mu.Lock()
		rec.err = err
		mu.Unlock()
		return
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if err != nil {
		rec.err = err
		return
	}
	rec.status = resp.StatusCode
}
