// The go-nhooyr agent: nhooyr.io/websocket's Dial through an http.Client whose
// Transport takes its proxy from http.ProxyFromEnvironment (the environment) or
// http.ProxyURL (an explicit proxy): net/http's own proxy code does the work.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"nhooyr.io/websocket"
	"proxyharness/agent"
)

func main() {
	agent.Main(agent.Client{
		Name:    "go-nhooyr",
		Library: "nhooyr.io/websocket",
		Capabilities: []string{
			"explicit-proxy", "no-proxy", "server-hostname", "open-timeout", "additional-headers",
		},
		Exchange: exchange,
		Kind:     kind,
	})
}

func exchange(ctx context.Context, request *agent.Request, route agent.Route, dialer *agent.Dialer) (string, error) {
	tlsConfig, err := agent.ServerTLS(request)
	if err != nil {
		return "", err
	}
	transport := &http.Transport{
		Proxy:           agent.Chooser(route, dialer),
		DialContext:     dialer.DialContext,
		TLSClientConfig: tlsConfig,
	}
	defer transport.CloseIdleConnections()
	options := &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: transport},
		HTTPHeader: request.Headers(),
	}
	conn, _, err := websocket.Dial(ctx, request.URI, options)
	if err != nil {
		return "", err
	}
	defer conn.Close(websocket.StatusNormalClosure, "")
	exchangeCtx, cancel := context.WithTimeout(context.Background(), request.OpenTimeout())
	defer cancel()
	if err := conn.Write(exchangeCtx, websocket.MessageText, []byte(request.Message)); err != nil {
		return "", err
	}
	_, data, err := conn.Read(exchangeCtx)
	if err != nil {
		if websocket.CloseStatus(err) != -1 {
			return "", &agent.Failure{Kind: "closed", Message: err.Error()}
		}
		return "", err
	}
	return string(data), nil
}

// kind names the errors of nhooyr's handshake (dial.go) and of net/http's proxy code
// (transport.go dialConn: "proxyconnect" errors, SOCKS5 errors, a refused CONNECT).
func kind(err error, request *agent.Request, dialer *agent.Dialer) string {
	message := err.Error()
	var opError *net.OpError
	if errors.As(err, &opError) && opError.Op == "socks connect" {
		inner := opError.Err.Error()
		switch {
		case strings.Contains(inner, "i/o timeout"):
			return "timeout"
		case strings.Contains(inner, "connection refused") && opError.Source == nil:
			return ""
		case strings.HasPrefix(inner, "unknown error"), strings.Contains(inner, "authentication"),
			strings.Contains(inner, "username/password"):
			return "proxy-rejected"
		}
		return "proxy-answer"
	}
	if strings.Contains(message, "expected handshake response status code") {
		return "handshake-rejected"
	}
	proxy := dialer.Proxy()
	if errors.As(err, &opError) && opError.Op == "proxyconnect" {
		var netError net.Error
		switch {
		case errors.As(err, &netError) && netError.Timeout():
			return "timeout"
		case strings.Contains(message, "connection refused"):
			return "proxy-refused"
		case strings.Contains(message, "tls: ") || strings.Contains(message, "x509: "):
			return "proxy-tls"
		}
		return "proxy-answer"
	}
	inner := agent.Innermost(err)
	if errors.Is(inner, io.EOF) || errors.Is(inner, io.ErrUnexpectedEOF) {
		return ""
	}
	if proxy != nil && (proxy.Scheme == "http" || proxy.Scheme == "https") &&
		strings.HasPrefix(request.URI, "wss:") && fmt.Sprintf("%T", inner) == "*errors.errorString" {
		if inner.Error() == "unknown status code" {
			return "proxy-answer"
		}
		return "proxy-rejected" // transport.go: a CONNECT answered with another status than 200
	}
	return ""
}
