// Package agent speaks proxyharness's command protocol for the Go clients: one JSON
// request on standard input, one JSON answer on standard output (docs/agents.md).
//
// What the clients share lives here: the request, the answer, the dialer that applies
// the harness's hosts table (left out entirely when the table is empty, so resolution is
// the system's own), the trust files, and the error kinds both libraries' errors map to.
package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options are the exchange's client options (those the client declared it can pass).
type Options struct {
	OpenTimeout       float64           `json:"open_timeout"`
	ServerHostname    string            `json:"server_hostname"`
	AdditionalHeaders map[string]string `json:"additional_headers"`
}

// Request is one request of the command protocol.
type Request struct {
	Request  string            `json:"request"`
	URI      string            `json:"uri"`
	Proxy    json.RawMessage   `json:"proxy"`
	Message  string            `json:"message"`
	Options  Options           `json:"options"`
	ServerCA *string           `json:"server_ca"`
	ProxyCA  *string           `json:"proxy_ca"`
	Hosts    map[string]string `json:"hosts"`
}

// Route is where the proxy comes from: the environment, nowhere, or an explicit URL.
type Route struct {
	FromEnvironment bool
	Explicit        *url.URL
}

// OpenTimeout is the opening timeout asked for (10 s when the request has none).
func (r *Request) OpenTimeout() time.Duration {
	if r.Options.OpenTimeout <= 0 {
		return 10 * time.Second
	}
	return time.Duration(r.Options.OpenTimeout * float64(time.Second))
}

// Headers are the additional handshake headers.
func (r *Request) Headers() http.Header {
	header := http.Header{}
	for name, value := range r.Options.AdditionalHeaders {
		header.Set(name, value)
	}
	return header
}

// Failure is an error whose kind the client program knows.
type Failure struct {
	Kind    string
	Message string
}

func (f *Failure) Error() string { return f.Message }

// Client is one Go WebSocket library driven through the protocol.
type Client struct {
	Name         string
	Library      string
	Capabilities []string
	// Exchange opens the URI, sends the message and returns the echo.
	Exchange func(ctx context.Context, request *Request, route Route, dialer *Dialer) (string, error)
	// Kind names the kind of the library's own errors ("" when it does not know them).
	Kind func(err error, request *Request, dialer *Dialer) string
}

// Version is the library's packaged version, set at build time (-ldflags -X).
var Version = "unknown"

// Main answers the one request on standard input.
func Main(client Client) {
	answer := serve(client, os.Stdin)
	out, _ := json.Marshal(answer)
	os.Stdout.Write(append(out, '\n'))
}

func serve(client Client, input io.Reader) map[string]any {
	var request Request
	data, err := io.ReadAll(input)
	if err == nil {
		err = json.Unmarshal(data, &request)
	}
	if err != nil {
		return failure("invalid-request", "cannot read the request: "+err.Error())
	}
	if request.Request == "describe" {
		return map[string]any{
			"name":         client.Name,
			"version":      fmt.Sprintf("%s %s, %s", client.Library, Version, runtime.Version()),
			"capabilities": client.Capabilities,
			"network":      "private",
		}
	}
	route, err := routeOf(request.Proxy)
	if err != nil {
		return failure("invalid-proxy", err.Error())
	}
	if err := loopbackExempt(request.URI, route); err != nil {
		return map[string]any{"unsupported": err.Error()}
	}
	ctx, cancel := context.WithTimeout(context.Background(), request.OpenTimeout())
	defer cancel()
	dialer := NewDialer(request.Hosts)
	echo, err := client.Exchange(ctx, &request, route, dialer)
	if err != nil {
		kind := client.Kind(err, &request, dialer)
		if kind == "" {
			kind = Kind(err, &request, dialer)
		}
		return failure(kind, err.Error())
	}
	return map[string]any{"echo": echo}
}

func failure(kind, message string) map[string]any {
	return map[string]any{"error": map[string]string{"kind": kind, "message": message}}
}

func routeOf(raw json.RawMessage) (Route, error) {
	text := strings.TrimSpace(string(raw))
	switch text {
	case "true":
		return Route{FromEnvironment: true}, nil
	case "", "null", "false":
		return Route{}, nil
	}
	var value string
	if err := json.Unmarshal(raw, &value); err != nil {
		return Route{}, fmt.Errorf("proxy must be true, null or a URL: %s", text)
	}
	parsed, err := url.Parse(value)
	if err != nil {
		return Route{}, fmt.Errorf("the proxy URL cannot be parsed: %v", redacted(err))
	}
	return Route{Explicit: parsed}, nil
}

// redacted drops a URL's password from a url.Parse error (it quotes the whole URL).
func redacted(err error) error {
	var urlError *url.Error
	if errors.As(err, &urlError) {
		return urlError.Err
	}
	return err
}

// loopbackExempt refuses a case Go cannot express here: net/http's
// ProxyFromEnvironment (golang.org/x/net/http/httpproxy, config.useProxy) never
// proxies "localhost" or a loopback IP, so a loopback literal standing for a remote
// address would go direct whatever the variables say.
func loopbackExempt(uri string, route Route) error {
	if !route.FromEnvironment {
		return nil
	}
	target, err := url.Parse(uri)
	if err != nil {
		return nil
	}
	host := target.Hostname()
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil
	}
	names := []string{"HTTP_PROXY", "http_proxy"}
	if target.Scheme == "wss" {
		names = []string{"HTTPS_PROXY", "https_proxy"}
	}
	for _, name := range names {
		if os.Getenv(name) != "" {
			return fmt.Errorf("Go's ProxyFromEnvironment never proxies localhost or a loopback "+
				"address such as %s (x/net/http/httpproxy useProxy), so this stage cannot "+
				"stand a loopback literal for a remote address", host)
		}
	}
	return nil
}

// Dialer opens TCP connections, mapping the harness's virtual names from its hosts
// table, and remembers which addresses it failed to reach.
type Dialer struct {
	hosts  map[string]string
	net    net.Dialer
	mu     sync.Mutex
	failed map[string]bool
	proxy  *url.URL
}

// NewDialer maps the names of hosts (an empty table changes nothing).
func NewDialer(hosts map[string]string) *Dialer {
	return &Dialer{hosts: hosts, failed: map[string]bool{}}
}

// DialContext is a net.Dialer.DialContext that applies the hosts table.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	dialed := address
	if host, port, err := net.SplitHostPort(address); err == nil && len(d.hosts) > 0 {
		if mapped, ok := d.hosts[strings.ToLower(host)]; ok {
			dialed = net.JoinHostPort(mapped, port)
		}
	}
	conn, err := d.net.DialContext(ctx, network, dialed)
	if err != nil {
		d.mu.Lock()
		d.failed[address] = true
		d.mu.Unlock()
	}
	return conn, err
}

// UseProxy records the proxy the library chose (nil: none).
func (d *Dialer) UseProxy(proxy *url.URL) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.proxy = proxy
}

// Proxy is the proxy the library chose, or nil.
func (d *Dialer) Proxy() *url.URL {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.proxy
}

// Failed tells whether dialing address (as the library asked for it) failed.
func (d *Dialer) Failed(address string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.failed[address]
}

// Pool is the certificate pool of a PEM file, or nil (the default trust) for none.
func Pool(path *string) (*x509.CertPool, error) {
	if path == nil {
		return nil, nil
	}
	pem, err := os.ReadFile(*path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", *path)
	}
	return pool, nil
}

// ServerTLS is the TLS configuration for the wss:// server.
func ServerTLS(request *Request) (*tls.Config, error) {
	pool, err := Pool(request.ServerCA)
	if err != nil {
		return nil, &Failure{"invalid-request", err.Error()}
	}
	return &tls.Config{RootCAs: pool, ServerName: request.Options.ServerHostname}, nil
}

// ProxyAddress is host:port of a proxy URL as Go dials it (default port by scheme).
func ProxyAddress(proxy *url.URL) string {
	if proxy == nil {
		return ""
	}
	port := proxy.Port()
	if port == "" {
		port = map[string]string{"https": "443", "socks5": "1080"}[proxy.Scheme]
		if port == "" {
			port = "80"
		}
	}
	return net.JoinHostPort(proxy.Hostname(), port)
}

// Kind names the catalog's error kind of err; "tls", "refused" and "lost" leave the
// hop to the harness when the error does not tell it.
func Kind(err error, request *Request, dialer *Dialer) string {
	var known *Failure
	if errors.As(err, &known) {
		return known.Kind
	}
	message := err.Error()
	proxy := dialer.Proxy()
	var netError net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netError) && netError.Timeout():
		return "timeout"
	case strings.Contains(message, "unknown scheme"), strings.Contains(message, "refusing to use HTTP_PROXY"):
		return "invalid-proxy"
	case isTLS(err):
		switch {
		case proxy == nil || proxy.Scheme != "https":
			return "server-tls"
		case strings.HasPrefix(request.URI, "ws:"):
			return "proxy-tls"
		}
		return "tls"
	case errors.Is(err, syscall.ECONNREFUSED):
		switch {
		case proxy == nil:
			return "server-failed"
		case dialer.Failed(ProxyAddress(proxy)):
			return "proxy-refused"
		}
		return "refused"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), strings.Contains(message, "malformed HTTP"),
		// net/http's errServerClosedIdle: the peer (a forward proxy too) closed the new
		// connection before the request was written, a race with io.EOF above.
		strings.Contains(message, "server closed idle connection"):
		return "lost"
	}
	return "unknown"
}

// Chooser is the library's proxy function for route: http.ProxyFromEnvironment,
// http.ProxyURL, or nil (no proxy). The proxy it picks is recorded in dialer.
func Chooser(route Route, dialer *Dialer) func(*http.Request) (*url.URL, error) {
	var choose func(*http.Request) (*url.URL, error)
	switch {
	case route.FromEnvironment:
		choose = http.ProxyFromEnvironment
	case route.Explicit != nil:
		choose = http.ProxyURL(route.Explicit)
	default:
		return nil
	}
	return func(request *http.Request) (*url.URL, error) {
		proxy, err := choose(request)
		dialer.UseProxy(proxy)
		return proxy, err
	}
}

// Innermost is the error at the end of err's chain.
func Innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

func isTLS(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &record) ||
		strings.Contains(err.Error(), "tls: ")
}
